"""Listing hygiene rules (registry/tools/hygiene.py), boundaries worked by hand.

TODAY is 25 Nov 2026. 365 days before it is 25 Nov 2025 (2026 is not a leap year), 366 days
before it is 24 Nov 2025; 60 days after it is 24 Jan 2027 (5 left in November + 31 + 24).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from registry.search.documents import AccreditationDoc
from registry.tools import hygiene

TODAY = date(2026, 11, 25)


def test_hand_worked_dates_behind_the_boundaries() -> None:
    assert TODAY - timedelta(days=365) == date(2025, 11, 25)
    assert TODAY + timedelta(days=60) == date(2027, 1, 24)
    assert hygiene.warning_horizon(TODAY) == date(2027, 1, 24)


@pytest.mark.parametrize(
    ("reviewed", "stale"),
    [
        (date(2026, 11, 25), False),  # today
        (date(2025, 11, 26), False),  # 364 days ago
        (date(2025, 11, 25), False),  # 365 days ago: exactly 12 months, not yet stale
        (date(2025, 11, 24), True),  # 366 days ago
        (date(2024, 9, 16), True),  # 800 days ago
    ],
)
def test_stale_after_more_than_365_days_since_the_last_review(reviewed: date, stale: bool) -> None:
    assert hygiene.is_stale(reviewed, None, TODAY) is stale


def test_a_review_wins_over_the_first_publication() -> None:
    # Published last month but last reviewed 366 days ago (reviewed before being republished).
    assert hygiene.is_stale(date(2025, 11, 24), date(2026, 10, 1), TODAY) is True
    # Published long ago, reviewed yesterday.
    assert hygiene.is_stale(date(2026, 11, 24), date(2020, 1, 1), TODAY) is False


@pytest.mark.parametrize(
    ("published", "stale"),
    [
        (date(2026, 11, 25), False),  # published today, never reviewed: not stale straight away
        (date(2025, 11, 25), False),  # 365 days since first publication
        (date(2025, 11, 24), True),  # 366 days since first publication
    ],
)
def test_never_reviewed_counts_from_first_publication(published: date, stale: bool) -> None:
    assert hygiene.is_stale(None, published, TODAY) is stale


def test_neither_reviewed_nor_known_published_is_stale() -> None:
    assert hygiene.is_stale(None, None, TODAY) is True
    assert hygiene.stale_from(None, None) is None


def test_stale_from_is_the_first_stale_day() -> None:
    first = hygiene.stale_from(date(2025, 11, 24), None)
    assert first == date(2026, 11, 25)  # 24 Nov 2025 + 366 days (2026 has no 29 Feb)
    assert hygiene.is_stale(date(2025, 11, 24), None, first - timedelta(days=1)) is False
    assert hygiene.is_stale(date(2025, 11, 24), None, first) is True
    assert hygiene.stale_from(None, date(2025, 11, 24)) == first


def test_stale_across_a_leap_year_counts_calendar_days() -> None:
    # 2028 is a leap year: 29 Feb 2028 -> 28 Feb 2029 is exactly 365 days, 1 Mar 2029 is 366.
    assert hygiene.is_stale(date(2028, 2, 29), None, date(2029, 2, 28)) is False
    assert hygiene.is_stale(date(2028, 2, 29), None, date(2029, 3, 1)) is True


def test_checked_text_says_what_the_date_is() -> None:
    assert hygiene.checked_text(date(2025, 11, 24), date(2020, 1, 1)) == "last reviewed on 24 November 2025"
    assert hygiene.checked_text(None, date(2025, 3, 4)) == "never reviewed since it was first published on 4 March 2025"
    assert hygiene.checked_text(None, None) == "never reviewed"


@pytest.mark.parametrize(
    ("expires_on", "state"),
    [
        (date(2027, 1, 25), "current"),  # 61 days left
        (date(2027, 1, 24), "expiring"),  # 60 days left: warned
        (date(2027, 1, 23), "expiring"),  # 59
        (date(2026, 11, 26), "expiring"),  # tomorrow
        (date(2026, 11, 25), "expiring"),  # the expiry day itself is the last valid day
        (date(2026, 11, 24), "expired"),  # yesterday
        (date(2025, 10, 21), "expired"),  # 400 days ago
    ],
)
def test_accreditation_boundaries(expires_on: date, state: str) -> None:
    assert hygiene.accreditation_state(expires_on, TODAY) == state
    assert hygiene.accreditation_current(expires_on, TODAY) is (state != "expired")


def test_accreditation_without_expiry_is_not_warned_and_never_lapses() -> None:
    assert hygiene.accreditation_state(None, TODAY) == "none"
    assert hygiene.accreditation_current(None, TODAY) is True
    assert hygiene.days_left(None, TODAY) is None
    assert hygiene.days_left(date(2027, 1, 24), TODAY) == 60


def test_search_documents_use_the_same_expiry_rule() -> None:
    # AccreditationDoc.current_on drives the search's "accreditations in date" checks and the
    # requirement matcher's mandatory-accreditation check.
    for expires_on in (date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 26), None):
        doc = AccreditationDoc("Cyber Essentials Plus", expires_on, mandatory=True)
        assert doc.current_on(TODAY) is hygiene.accreditation_current(expires_on, TODAY)
    assert AccreditationDoc("X", date(2026, 11, 25)).current_on(TODAY) is True
    assert AccreditationDoc("X", date(2026, 11, 24)).current_on(TODAY) is False
