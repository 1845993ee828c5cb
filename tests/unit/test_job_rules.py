"""Boundaries of the scheduled-job date rules: periods (registry/jobs/periods.py) and licence
renewals (registry/inventory/renewals.py). Listing hygiene has its own tests (test_hygiene.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.inventory import renewals
from registry.jobs import periods

TODAY = date(2026, 11, 25)


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def ahead(days: int) -> date:
    return TODAY + timedelta(days=days)


@pytest.mark.parametrize(
    ("days_left", "band"),
    [
        (91, None),
        (90, "90"),
        (89, "90"),
        (31, "90"),
        (30, "30"),
        (29, "30"),
        (0, "30"),
        (-1, "ended"),
    ],
)
def test_licence_thresholds(days_left: int, band: str | None) -> None:
    assert renewals.licence_threshold(ahead(days_left), TODAY) == band


def test_licence_without_end_date_never_warns() -> None:
    assert renewals.licence_threshold(None, TODAY) is None


@pytest.mark.parametrize(
    ("kind", "when", "key"),
    [
        ("daily", date(2026, 11, 25), "2026-11-25"),
        ("weekly", date(2026, 11, 25), "2026-W48"),
        ("monthly", date(2026, 11, 25), "2026-11"),
        ("monthly", date(2026, 1, 3), "2026-01"),
        ("weekly", date(2026, 12, 31), "2026-W53"),  # 2026 has 53 ISO weeks
        ("weekly", date(2027, 1, 3), "2026-W53"),  # ...and 3 Jan 2027 still belongs to it
        ("weekly", date(2027, 1, 4), "2027-W01"),
        ("weekly", date(2024, 12, 30), "2025-W01"),  # ISO year differs from the calendar year
        ("hourly", datetime(2026, 11, 25, 7, 59, tzinfo=UTC), "2026-11-25T07"),
    ],
)
def test_period_keys(kind: periods.PeriodKind, when: date, key: str) -> None:
    assert periods.period_key(kind, when) == key


def test_hourly_period_needs_a_time() -> None:
    with pytest.raises(ValueError):
        periods.period_key("hourly", TODAY)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_same_week_same_key_and_next_week_differs(day: date) -> None:
    monday = day - timedelta(days=day.weekday())
    assert periods.period_key("weekly", monday) == periods.period_key("weekly", monday + timedelta(days=6))
    assert periods.period_key("weekly", monday) != periods.period_key("weekly", monday + timedelta(days=7))


def test_due_only_once_per_period() -> None:
    assert periods.due("weekly", None, TODAY) == "2026-W48"
    assert periods.due("weekly", "2026-W48", TODAY) is None
    assert periods.due("weekly", "2026-W47", TODAY) == "2026-W48"
    assert periods.due("monthly", "2026-10", TODAY) == "2026-11"
    assert periods.due("monthly", "2026-11", ahead(5)) is None
    assert periods.due("none", None, TODAY) is None


def test_missed_run_detection() -> None:
    tz = UTC
    before = datetime(2026, 11, 25, 1, 59, tzinfo=tz)
    after = datetime(2026, 11, 25, 2, 0, tzinfo=tz)
    # Fire time not reached yet: not missed, whatever ran before.
    assert periods.missed("daily", 2, 0, before, "2026-11-24") is False
    # Fire time passed and today's period has not completed: missed.
    assert periods.missed("daily", 2, 0, after, "2026-11-24") is True
    assert periods.missed("daily", 2, 0, after, None) is True
    # Already done today: not missed.
    assert periods.missed("daily", 2, 0, after, "2026-11-25") is False
    # Hourly job at :15.
    assert periods.missed("hourly", 0, 15, datetime(2026, 11, 25, 9, 14, tzinfo=tz), None) is False
    assert periods.missed("hourly", 0, 15, datetime(2026, 11, 25, 9, 15, tzinfo=tz), "2026-11-25T08") is True
    assert periods.missed("hourly", 0, 15, datetime(2026, 11, 25, 9, 40, tzinfo=tz), "2026-11-25T09") is False


@pytest.mark.parametrize(
    ("days", "text"), [(-2, "2 days ago"), (-1, "1 day ago"), (0, "today"), (1, "in 1 day"), (60, "in 60 days")]
)
def test_days_left_text(days: int, text: str) -> None:
    assert periods.days_left_text(days) == text
