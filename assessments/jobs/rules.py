"""Date rules for the scheduled jobs. Pure: no web, database or clock access (callers pass
`today`/`now`), so every boundary is unit-tested exactly.

Boundaries (days are whole calendar days, `days_left = expires_on - today`):
- stale listing: last reviewed MORE than 365 days ago (365 days ago is not stale, 366 is);
  a listing that was never reviewed counts as stale.
- accreditation: expired when days_left < 0; expiring when 0 <= days_left <= 60 (the expiry
  day itself is the last valid day, matching AccreditationDoc.current_on); current when > 60.
- licence renewal: warn at 90 days (31..90 days left) and again at 30 days (0..30);
  "ended" once days_left < 0. Each threshold is notified once per item.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Literal

STALE_AFTER_DAYS = 365
ACCREDITATION_WARN_DAYS = 60
LICENCE_THRESHOLDS: tuple[int, ...] = (90, 30)  # warn at each, largest first

AccreditationState = Literal["current", "expiring", "expired", "none"]
PeriodKind = Literal["hourly", "daily", "weekly", "monthly"]


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


def licence_threshold(licence_end: date | None, today: date) -> str | None:
    """The warning band an inventory licence is in: "90", "30", "ended" or None (nothing due)."""
    if licence_end is None:
        return None
    left = days_between(today, licence_end)
    if left < 0:
        return "ended"
    reached = [t for t in LICENCE_THRESHOLDS if left <= t]
    return str(min(reached)) if reached else None


def period_key(kind: PeriodKind, when: date | datetime) -> str:
    """A stable name for the period containing `when`: "2026-11-25T14" (hourly), "2026-11-25",
    "2026-W48" (ISO week, so the year is the ISO year) or "2026-11"."""
    day = when.date() if isinstance(when, datetime) else when
    if kind == "hourly":
        if not isinstance(when, datetime):
            raise ValueError("hourly periods need a datetime")
        return f"{day.isoformat()}T{when.hour:02d}"
    if kind == "daily":
        return day.isoformat()
    if kind == "weekly":
        iso = day.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    if kind == "monthly":
        return f"{day.year:04d}-{day.month:02d}"
    raise ValueError(f"unknown period kind {kind!r}")


def due(schedule: str, last_period_key: str | None, today: date) -> str | None:
    """The period key to run now for a weekly/monthly schedule, or None if not scheduled or
    this period already ran."""
    if schedule not in ("weekly", "monthly"):
        return None
    key = period_key(schedule, today)  # type: ignore[arg-type]
    return None if key == last_period_key else key


def fire_time_in_period(kind: PeriodKind, hour: int, minute: int, now_local: datetime) -> datetime:
    """When a job scheduled at hh:mm (daily) or :mm (hourly) fires within the current period."""
    if kind == "hourly":
        return now_local.replace(minute=minute, second=0, microsecond=0)
    if kind == "daily":
        return datetime.combine(now_local.date(), time(hour, minute), tzinfo=now_local.tzinfo)
    raise ValueError("jobs run hourly or daily; weekly/monthly apply to the items they process")


def missed(kind: PeriodKind, hour: int, minute: int, now_local: datetime, last_done_period: str | None) -> bool:
    """True when this period's fire time has passed but the period has not run (downtime)."""
    passed = fire_time_in_period(kind, hour, minute, now_local) <= now_local
    return passed and last_done_period != period_key(kind, now_local)


def days_left_text(days: int) -> str:
    if days < 0:
        return f"{-days} day{'s' if days != -1 else ''} ago"
    if days == 0:
        return "today"
    return f"in {days} day{'s' if days != 1 else ''}"


def add_days(day: date, days: int) -> date:
    return day + timedelta(days=days)
