"""How numbers, money and dates are written for people: pages, reports, e-mails. Pure.

One home so a budget reads "£1,234" on the assessment page, in the PDF and in the e-mail alike.
Dates are GOV.UK style everywhere people read them: "4 December 2026", and with a time
"4 December 2026 at 6:30pm" (``long_date``, ``date_time``); short forms are for chart labels only.
Machine formats (JSON, OCDS, bulk export) keep ISO dates and plain numbers and never use this.
Each function takes ``missing``: what to show for None (a dash in tables, "Not set" or
"never" in sentences).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
DASH = "–"  # en dash: GOV.UK's "no value" in tables
MINUS = "−"  # the minus sign (U+2212): a hyphen is easily missed and wraps badly


def _minus(text: str) -> str:
    return text.replace("-", MINUS)


def money(value: float | None, *, missing: str = DASH, whole: bool = False) -> str:
    """Pounds sterling: "£1,234", "£1,234.50", "−£50".

    Whole pounds show no pence; ``whole`` rounds to the pound (totals, budgets and chart labels,
    where pence are noise).
    """
    if value is None:
        return missing
    amount = float(value)
    size = abs(amount)
    pence = not whole and round(size, 2) != round(size)
    text = f"£{size:,.2f}" if pence else f"£{size:,.0f}"
    return (MINUS + text) if amount < 0 and text != "£0" else text


def pounds(value: float | None, *, missing: str = DASH) -> str:
    """Whole pounds, "£1,235": budgets, totals and chart labels, where pence are noise."""
    return money(value, missing=missing, whole=True)


def money_input(value: float | None) -> str:
    """An amount as a form field shows it for editing: "12500", "12500.50"; nothing for 0 or None.
    No £ or commas, so what is shown is what the form accepts back unchanged."""
    if not value:
        return ""
    return f"{value:.0f}" if round(value, 2) == round(value) else f"{value:.2f}"


def number(value: float | None, *, digits: int = 0, missing: str = DASH) -> str:
    """A count or amount with thousands separators: "12,345", "3.5"."""
    if value is None:
        return missing
    return _minus(f"{value:,.{digits}f}")


def plural(n: int, word: str, plural: str | None = None) -> str:
    """ "1 requirement", "1,234 requirements" (``plural`` for irregular words: "people")."""
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def pct(value: float | None, *, digits: int = 0, missing: str = "n/a") -> str:
    """A percentage already on the 0-100 scale: 45.4 -> "45%"."""
    if value is None:
        return missing
    return _minus(f"{value:.{digits}f}%")


def signed(value: float | None, *, digits: int = 1, missing: str = "n/a") -> str:
    """A change with its sign: "+2.5", "−1.0"; a change that rounds to nothing is "0.0"."""
    if value is None:
        return missing
    text = f"{value:+.{digits}f}"
    if float(text) == 0:
        return f"{0:.{digits}f}"
    return _minus(text)


def upper_first(text: str) -> str:
    """A phrase as the start of a sentence: "last reviewed on 4 December" -> "Last reviewed on 4
    December" (str.capitalize would also lower-case "December")."""
    return text[:1].upper() + text[1:]


def _local(value: datetime) -> datetime:
    """Stored times are UTC (naive ones too); people read them in UK time."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(LONDON)


def _day(value: date | datetime) -> date:
    return _local(value).date() if isinstance(value, datetime) else value


def long_date(value: date | datetime | None, *, missing: str = "") -> str:
    """ "4 December 2026" (a date-time gives its UK-local day)."""
    if value is None:
        return missing
    day = _day(value)
    return f"{day.day} {day:%B %Y}"


def short_date(value: date | datetime | None, *, missing: str = "") -> str:
    """ "4 Dec 2026": chart labels, where space is short. Pages and report tables use ``long_date``."""
    if value is None:
        return missing
    day = _day(value)
    return f"{day.day} {day:%b %Y}"


def time_of_day(value: datetime) -> str:
    """GOV.UK style times in UK time: "6:30pm", "9am", "midday", "midnight"."""
    local = _local(value)
    if local.minute == 0 and local.hour in (0, 12):
        return "midnight" if local.hour == 0 else "midday"
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{hour}{suffix}" if local.minute == 0 else f"{hour}:{local.minute:02d}{suffix}"


def date_time(value: datetime | None, *, missing: str = "") -> str:
    """ "4 December 2026 at 6:30pm" in UK time: the one style pages, e-mails and documents use
    wherever a time is shown (GOV.UK style: 12-hour clock, "midday" and "midnight")."""
    if value is None:
        return missing
    return f"{long_date(value)} at {time_of_day(value)}"


def machine_datetime(value: date | datetime | None) -> str:
    """The ``datetime`` attribute of ``<time>``: ISO 8601 in UTC to the second, "2026-12-04T14:05:00Z"
    (the HTML standard allows at most three fractional digits, and people never need them); a
    date stays a date, "2026-12-04"."""
    if value is None:
        return ""
    if not isinstance(value, datetime):
        return value.isoformat()
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def short_date_time(value: datetime | None, *, missing: str = "", year: bool = True) -> str:
    """ "4 Dec 2026, 14:05" in UK time; without the year ("4 Dec 14:05") for chart points, where
    space is short. Pages use ``date_time``."""
    if value is None:
        return missing
    local = _local(value)
    return f"{local.day} {local:%b %Y, %H:%M}" if year else f"{local.day} {local:%b %H:%M}"
