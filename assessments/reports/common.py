"""What every report builder shares: the report's meta, labels and short formatting helpers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from registry.enums import WORKSTREAMS, MoSCoW

STALE_AFTER_DAYS = 365  # a listing not reviewed for 12 months is stale
EXPIRING_WITHIN_DAYS = 90
PRIORITY_LABELS = {p.value: p.value.title() if p is not MoSCoW.WONT else "Won't" for p in MoSCoW}
STATUS_LABELS = {"full": "Met", "partial": "Partly met", "none": "Not met"}
KIND_LABELS = {"quality": "Quality", "price": "Price", "social_value": "Social value"}


@dataclass(frozen=True, slots=True)
class ReportMeta:
    """Who the report is for and by; stamped on every page."""

    organisation: str
    generated_by: str
    generated_at: datetime
    marking: str = "OFFICIAL"


# ---------------------------------------------------------------- formatting helpers


def fmt_date(value: date | datetime | None) -> str:
    if value is None:
        return "never"
    return f"{value.day} {value:%b %Y}"


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}%"


def money(value: float) -> str:
    return f"£{value:,.0f}"


def signed(value: float) -> str:
    return f"{value:+.1f}".replace("-", "−")


def short_ws(code: str) -> str:
    return WORKSTREAMS.get(code, code).split(" (")[0]


def plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"
