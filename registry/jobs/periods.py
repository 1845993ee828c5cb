"""Job periods and fire times, pure: no clock access (callers pass `today`/`now`)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Literal

PeriodKind = Literal["hourly", "daily", "weekly", "monthly"]
SCHEDULED_KINDS: tuple[PeriodKind, ...] = ("weekly", "monthly")  # the schedules items (not jobs) run on


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
    if schedule not in SCHEDULED_KINDS:  # typed as PeriodKind: the check narrows schedule to one
        return None
    key = period_key(schedule, today)
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
