"""registry/formatting.py with hand-worked values, and the template filters that expose it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from jinja2 import Environment

from registry import formatting as f
from registry.web import templating


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1234, "£1,234"),
        (1234.0, "£1,234"),
        (1234.5, "£1,234.50"),
        (1234.567, "£1,234.57"),
        (0.004, "£0"),  # rounds to whole pence first: no "£0.00"
        (0, "£0"),
        (1_000_000, "£1,000,000"),
        (-50, "−£50"),
        (-0.5, "−£0.50"),
    ],
)
def test_money(value: float, text: str) -> None:
    assert f.money(value) == text


def test_money_missing_and_whole_pounds() -> None:
    assert f.money(None) == "–"
    assert f.money(None, missing="Not set") == "Not set"
    assert f.money(1234.5, whole=True) == "£1,234"  # round half to even: 1234.5 -> 1234
    assert f.money(1234.51, whole=True) == "£1,235"
    assert f.pounds(99_999.6) == "£100,000"
    assert f.pounds(None, missing="Not set") == "Not set"


@pytest.mark.parametrize(("value", "text"), [(12500, "12500"), (12500.5, "12500.50"), (0, ""), (None, "")])
def test_money_input_round_trips_through_the_editor(value: float | None, text: str) -> None:
    assert f.money_input(value) == text


def test_numbers_percentages_and_signs() -> None:
    assert f.number(12345) == "12,345"
    assert f.number(3.456, digits=1) == "3.5"
    assert f.number(-1200) == "−1,200"
    assert f.number(None) == "–"
    assert f.pct(45.4) == "45%"
    assert f.pct(45.45, digits=1) == "45.5%"  # 45.45 is stored as 45.4500000000000028...
    assert f.pct(None) == "n/a"
    assert f.signed(2.54) == "+2.5"
    assert f.signed(-1.0) == "−1.0"
    assert f.signed(0.04) == "0.0"  # a change that rounds to nothing has no sign
    assert f.signed(-0.04) == "0.0"
    assert f.signed(None) == "n/a"
    assert f.upper_first("last reviewed on 4 December 2026") == "Last reviewed on 4 December 2026"
    assert f.upper_first("") == ""
    assert f.plural(1, "requirement") == "1 requirement"
    assert f.plural(1234, "requirement") == "1,234 requirements"
    assert f.plural(2, "more person", "more people") == "2 more people"


def test_dates() -> None:
    assert f.long_date(date(2026, 12, 4)) == "4 December 2026"
    assert f.short_date(date(2026, 12, 4)) == "4 Dec 2026"
    assert f.long_date(None) == ""
    assert f.short_date(None, missing="never") == "never"


def test_date_times_are_uk_local() -> None:
    winter = datetime(2026, 12, 4, 14, 5, tzinfo=UTC)  # GMT: same clock time
    summer = datetime(2026, 7, 4, 14, 5, tzinfo=UTC)  # BST: one hour ahead
    assert f.date_time(winter) == "4 December 2026 at 2:05pm"
    assert f.date_time(summer) == "4 July 2026 at 3:05pm"
    assert f.short_date_time(summer) == "4 Jul 2026, 15:05"
    assert f.short_date_time(summer, year=False) == "4 Jul 15:05"
    # Naive values are stored UTC.
    assert f.date_time(datetime(2026, 7, 4, 14, 5)) == "4 July 2026 at 3:05pm"
    # Another zone is converted, not relabelled.
    assert f.date_time(datetime(2026, 12, 4, 9, 5, tzinfo=timezone(timedelta(hours=-5)))) == "4 December 2026 at 2:05pm"
    assert f.date_time(None) == ""


def test_a_date_time_gives_its_uk_day() -> None:
    # 23:30 UTC on 31 July is 00:30 on 1 August in London.
    late = datetime(2026, 7, 31, 23, 30, tzinfo=UTC)
    assert f.long_date(late) == "1 August 2026"
    assert f.short_date(late) == "1 Aug 2026"


def _env() -> Environment:
    env = Environment(autoescape=True)
    templating.install(env)
    return env


def test_template_filters_use_the_same_functions() -> None:
    env = _env()
    render = lambda src, **kw: env.from_string(src).render(**kw)  # noqa: E731
    assert render("{{ v|money }}", v=1234.5) == "£1,234.50"
    assert render("{{ v|money(missing='Not set') }}", v=None) == "Not set"
    assert render("{{ d|date }}", d=date(2026, 12, 4)) == "4 December 2026"
    assert render("{{ d|short_date }}", d=date(2026, 12, 4)) == "4 Dec 2026"
    assert render("{{ t|date_time }}", t=datetime(2026, 7, 4, 14, 5, tzinfo=UTC)) == "4 July 2026 at 3:05pm"
    assert render("{{ v|pct(digits=1) }}", v=45.45) == "45.5%"
    assert render("{{ v|signed }}", v=-2.0) == "−2.0"


def test_template_label_filters() -> None:
    env = _env()
    render = lambda src, **kw: env.from_string(src).render(**kw)  # noqa: E731
    assert render('{{ v|label("Hosting") }}', v="other") == "Outside the UK and EEA"
    assert render('{{ v|labels("Deployment") }}', v=["saas", "air-gapped"]) == (
        "Software as a service (SaaS), Air-gapped"
    )
    assert render('{{ v|label("Classification") }}', v="OFFICIAL_SENSITIVE") == "OFFICIAL-SENSITIVE"
    assert render('{{ v|label("MoSCoW") }}', v="wont") == "Won&#39;t have"  # autoescaped apostrophe
    assert render("{{ v|workstream(short=true) }}", v="BLUEGREEN") == "Blue &amp; Green Crimes"
    with pytest.raises(KeyError):
        render('{{ v|label("NoSuchEnum") }}', v="x")  # a template typo fails loudly


def test_machine_datetime_is_valid_for_the_time_element() -> None:
    # The W3C checker rejects six fractional digits (isoformat's microseconds) in datetime="".
    assert f.machine_datetime(datetime(2026, 12, 4, 14, 5, 7, 123456)) == "2026-12-04T14:05:07Z"
    bst = timezone(timedelta(hours=1))
    assert f.machine_datetime(datetime(2026, 7, 1, 9, 0, 0, 999999, tzinfo=bst)) == "2026-07-01T08:00:00Z"
    assert f.machine_datetime(date(2026, 12, 4)) == "2026-12-04"
    assert f.machine_datetime(None) == ""
    assert templating.FILTERS["datetime_attr"] is f.machine_datetime
