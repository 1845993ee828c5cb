"""Cell values: display and JSON formatting. Formula-injection escaping is
`registry.exports.safe_cell` (the one rule every CSV and XLSX writer uses)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any


def json_value(value: Any) -> Any:
    """A JSON-ready cell value: dates become ISO strings, everything else is kept."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def format_value(value: Any, kind: str) -> str:
    """Human display of a cell value for HTML and PDF."""
    if value is None or value == "":
        return ""
    if isinstance(value, str) and kind != "text":
        return value  # already formatted by the builder
    if kind == "int":
        return f"{int(value):,}"
    if kind == "money":
        amount = float(value)
        sign = "-" if amount < 0 else ""
        return f"{sign}£{abs(amount):,.0f}"
    if kind == "percent":
        return f"{float(value):.0f}%"
    if kind == "score":
        return f"{float(value):.1f}"
    if kind == "date" and isinstance(value, date):
        return f"{value.day} {value:%b %Y}"
    return str(value)
