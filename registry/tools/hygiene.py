"""Listing hygiene rules, pure: no web, database or clock access (callers pass `today`).

Boundaries (days are whole calendar days, `days_left = expires_on - today`):
- stale listing: last reviewed MORE than 365 days ago (365 days ago is not stale, 366 is);
  a listing that was never reviewed counts as stale.
- accreditation: expired when days_left < 0; expiring when 0 <= days_left <= 60 (the expiry
  day itself is the last valid day); current when > 60.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

STALE_AFTER_DAYS = 365
ACCREDITATION_WARN_DAYS = 60

AccreditationState = Literal["current", "expiring", "expired", "none"]


def days_between(earlier: date, later: date) -> int:
    return (later - earlier).days


def is_stale(last_reviewed: date | None, today: date) -> bool:
    if last_reviewed is None:
        return True
    return days_between(last_reviewed, today) > STALE_AFTER_DAYS


def accreditation_state(expires_on: date | None, today: date) -> AccreditationState:
    if expires_on is None:
        return "none"  # no expiry recorded: nothing to warn about
    left = days_between(today, expires_on)
    if left < 0:
        return "expired"
    if left <= ACCREDITATION_WARN_DAYS:
        return "expiring"
    return "current"
