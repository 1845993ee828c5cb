"""Cell values: display and JSON formatting. Formula-injection escaping is
`registry.exports.safe_cell` (the one rule every CSV and XLSX writer uses)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from registry.formatting import long_date, number, pct, pounds


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
        return number(int(value))
    if kind == "money":
        return pounds(float(value))
    if kind == "percent":
        return pct(float(value))
    if kind == "score":
        return number(float(value), digits=1)
    if kind == "date" and isinstance(value, date):
        return long_date(value)
    return str(value)
