"""Spreadsheet exports (CSV and XLSX) that are safe to open in Excel, LibreOffice or Sheets.

This module is the one home of formula-injection escaping (OWASP "CSV injection"): every CSV and
XLSX the service writes (bulk export, shortlists, procurement results, reports) passes its text
cells through `safe_cell`, and the CSV importer undoes it with `unescape_cell`. Numbers, dates
and booleans stay typed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

# A cell starting with any of these may be run as a formula by Excel, LibreOffice or Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
MONEY_FORMAT = '"£"#,##0.00'
DATE_FORMAT = "yyyy-mm-dd"

ColumnKind = Literal["text", "money", "int", "date", "bool"]


def safe_cell(value: Any) -> Any:
    """Text made safe for a spreadsheet cell, reversibly; typed values are returned untouched.

    The rule: text that starts with a formula trigger (= + - @ tab CR) gets one single quote in
    front, so "=HYPERLINK(...)" is written "'=HYPERLINK(...)" and shown as text. Text that already
    starts with a single quote gets one more too: that makes the escape reversible, because
    every escaped cell then starts with a quote and no unescaped one does, so `unescape_cell`
    removes exactly one leading quote and unescape_cell(safe_cell(s)) == s for every string
    (a name that really is "'=x" is written "''=x" and read back as "'=x"). Anything else,
    and numbers, dates, booleans and None, pass through unchanged.
    """
    if isinstance(value, str) and value.startswith((*FORMULA_TRIGGERS, QUOTE)):
        return QUOTE + value
    return value


def unescape_cell(text: str) -> str:
    """Undo `safe_cell` on a cell read back from a CSV: drop one leading single quote.

    A hand-made CSV follows the same rule, so a cell meant to start with a quote is written
    with two.
    """
    return text[1:] if text.startswith(QUOTE) else text


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    kind: ColumnKind = "text"
    width: int = 18  # characters, XLSX only


def _plain(value: Any, kind: ColumnKind) -> Any:
    """One cell as written: escaped text, or a typed value."""
    if value is None:
        return ""
    if kind == "bool":
        return "Yes" if value else "No"
    if kind in ("money", "int") and isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if kind == "date" and isinstance(value, date | datetime):
        return value
    return safe_cell(str(value))


def to_csv(columns: Sequence[Column], rows: Sequence[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel reads "£" and accented names correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(c.title) for c in columns])
    for row in rows:
        out = []
        for col, value in zip(columns, row, strict=True):
            cell = _plain(value, col.kind)
            out.append(cell.isoformat() if isinstance(cell, date | datetime) else cell)
        writer.writerow(out)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(columns: Sequence[Column], rows: Sequence[Sequence[Any]], *, sheet_title: str = "Sheet1") -> bytes:
    """One sheet: bold frozen header row, an autofilter, money and date number formats."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _sheet_title(sheet_title)
    ws.append([safe_cell(c.title) for c in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([_plain(value, col.kind) for col, value in zip(columns, row, strict=True)])
    for idx, col in enumerate(columns, start=1):
        letter = get_column_letter(idx)
        ws.column_dimensions[letter].width = col.width
        fmt = {"money": MONEY_FORMAT, "date": DATE_FORMAT}.get(col.kind)
        if fmt:
            for (cell,) in ws.iter_rows(min_row=2, min_col=idx, max_col=idx):
                cell.number_format = fmt
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(1, len(rows) + 1)}"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\ and not starting with '."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip().lstrip("'")
    return (cleaned or "Sheet1")[:31]
