"""Listing hygiene: when a listing is out of date and when an accreditation needs attention.

The one home of these rules: the nightly job, the tool page, compare, the supplier dashboard,
the procurement reports and the search documents all ask this module. Pure: no web, database
or clock access; callers pass ``today`` and the dates they read.

Boundaries (whole calendar days):

- A listing is stale when the day it was last checked is MORE than 365 days before ``today``
  (365 days ago is not stale, 366 is). It was last checked on its last review or, if it was
  never reviewed, on its first publication: a listing published today and never reviewed is
  not stale until a year has passed.
- An accreditation with ``days_left = expires_on - today`` is expired when days_left < 0,
  expiring when 0 <= days_left <= 60 (the expiry day itself is its last valid day), current
  when days_left > 60, and "none" when it has no expiry date (nothing to warn about).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from registry import formatting

STALE_AFTER_DAYS = 365
ACCREDITATION_WARN_DAYS = 60

AccreditationState = Literal["current", "expiring", "expired", "none"]


def days_between(earlier: date, later: date) -> int:
    return (later - earlier).days


def last_checked(last_reviewed: date | None, first_published: date | None) -> date | None:
    """The day the listing was last known to be current: its last review, else its first publication."""
    return last_reviewed if last_reviewed is not None else first_published


def is_stale(last_reviewed: date | None, first_published: date | None, today: date) -> bool:
    checked = last_checked(last_reviewed, first_published)
    if checked is None:
        # Neither reviewed nor known to have been published (data loaded from elsewhere, or
        # published before listing versions were kept): nothing shows anyone has checked it,
        # so buyers are warned and the supplier is asked to review it; one review clears it.
        return True
    return days_between(checked, today) > STALE_AFTER_DAYS


def stale_from(last_reviewed: date | None, first_published: date | None) -> date | None:
    """The first day the listing counts as stale; None when it already does whatever the date."""
    checked = last_checked(last_reviewed, first_published)
    return None if checked is None else checked + timedelta(days=STALE_AFTER_DAYS + 1)


def checked_text(last_reviewed: date | None, first_published: date | None) -> str:
    """How people are told when the listing was last checked, e.g. for a stale warning."""
    if last_reviewed is not None:
        return f"last reviewed on {formatting.long_date(last_reviewed)}"
    if first_published is not None:
        return f"never reviewed since it was first published on {formatting.long_date(first_published)}"
    return "never reviewed"


def days_left(expires_on: date | None, today: date) -> int | None:
    return None if expires_on is None else days_between(today, expires_on)


def accreditation_state(expires_on: date | None, today: date) -> AccreditationState:
    left = days_left(expires_on, today)
    if left is None:
        return "none"  # no expiry recorded: nothing to warn about
    if left < 0:
        return "expired"
    if left <= ACCREDITATION_WARN_DAYS:
        return "expiring"
    return "current"


def accreditation_current(expires_on: date | None, today: date) -> bool:
    """Still valid today (the expiry day itself included); an undated accreditation never lapses."""
    return accreditation_state(expires_on, today) != "expired"


def warning_horizon(today: date) -> date:
    """The last expiry date that is warned about today: queries fetch expiries up to this day."""
    return today + timedelta(days=ACCREDITATION_WARN_DAYS)
