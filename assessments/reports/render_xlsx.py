"""XLSX rendering with openpyxl in write-only (streaming) mode.

An "About" sheet (marking, report details, and a contents list naming each sheet's table with
its title and caption), a "Summary" sheet of key figures, then one sheet per section that has
tables; a section with several tables (its own plus its charts' data) gets one sheet per table.
Every data sheet is a plain table from A1: its header row, frozen, filtered and repeated on each
printed page, then its rows, so it sorts, filters and imports without deleting title rows first.
The protective marking is in every sheet's printed header and footer and on the About sheet.
Every text cell goes through ``registry.exports.safe_cell`` so nothing is run as a formula.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

from assessments.reports.document import REPORT_KIND_LABELS, Report, Section, Table, column_widths
from registry.exports import safe_cell
from registry.formatting import date_time

NUMBER_FORMATS = {
    "int": "#,##0",
    "money": "£#,##0",
    "percent": "0%",
    "score": "0.0",
    "date": "d mmm yyyy",
}
HEADER_ROW = 1  # tables start at A1 with their header; titles and captions are on "About"
# A table wider than this many characters (column widths summed) prints landscape.
LANDSCAPE_CHARS = 100
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=13)
_WRAP = Alignment(wrap_text=True, vertical="top")
_INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
# Words a shortened sheet name should not end on.
_DANGLING = frozenset({"a", "an", "and", "the", "of", "for", "to", "by", "in", "on", "with", "within", "after", "or"})


def sheet_name(title: str, taken: set[str]) -> str:
    """An Excel-valid, unique (case-insensitively) sheet name of at most 31 characters."""
    base = _INVALID_SHEET_CHARS.sub(" ", title).strip().strip("'") or "Sheet"
    base = re.sub(r"\s+", " ", base)
    if base.lower() == "history":  # reserved by Excel
        base = "History data"
    name, n = _shorten(base, 31), 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = _shorten(base, 31 - len(suffix)) + suffix, n + 1
    taken.add(name.lower())
    return name


def _shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at a word boundary (whole words only); a first
    word longer than the limit is the one case that has to be cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit + 1]  # one more, so a word ending exactly at the limit is kept
    space = cut.rfind(" ")
    cut = cut[:space] if space > 0 else text[:limit]
    words = cut.rstrip(" -(,;.:").split(" ")
    while len(words) > 1 and words[-1].lower() in _DANGLING:  # "What remains after the" reads cut off
        words.pop()
    return " ".join(words) or text[:limit]


def _excel_value(value: Any, kind: str) -> Any:
    if value is None or value == "":
        return None
    if kind == "percent" and isinstance(value, int | float):
        return value / 100  # the model holds 0..100; Excel's % format expects a fraction
    if kind == "date":
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value[:10])
            except ValueError:
                return safe_cell(value)
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(UTC).replace(tzinfo=None)  # Excel has no zones
        return value
    if kind != "text" and isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return safe_cell(str(value) if not isinstance(value, str) else value)


def _cell(
    ws: WriteOnlyWorksheet, value: Any, *, font: Font | None = None, fmt: str | None = None, wrap: bool = False
) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    if font is not None:
        cell.font = font
    if wrap:
        cell.alignment = _WRAP
    if fmt is not None:
        cell.number_format = fmt
    return cell


def _print_setup(ws: WriteOnlyWorksheet, marking: str, *, landscape: bool = False, title_row: bool = True) -> None:
    """A4, fitted to one page wide, the header row repeated, the marking top and bottom."""
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as the rows need
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_row:
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    # Printed sheets carry the protective marking top and bottom, like the PDF.
    ws.oddHeader.center.text = marking
    ws.oddFooter.center.text = marking
    ws.oddFooter.right.text = "Page &P of &N"


def _write_about(wb: Workbook, report: Report, summary: str | None, contents: list[tuple[str, Table]]) -> None:
    ws = wb.create_sheet("About")
    ws.column_dimensions["A"].width = 32
    ws.column_dimensions["B"].width = 45
    ws.column_dimensions["C"].width = 70
    _print_setup(ws, report.marking, title_row=False)
    ws.append([_cell(ws, report.marking, font=_BOLD)])
    ws.append([_cell(ws, safe_cell(report.title), font=_TITLE)])
    ws.append([])
    details = [
        ("Organisation", report.organisation),
        ("Report type", REPORT_KIND_LABELS.get(report.kind, report.kind)),
        ("Generated", f"{date_time(report.generated_at)} UK time"),
        ("Generated by", report.generated_by),
        ("Protective marking", report.marking),
    ]
    for label, value in details:
        ws.append([_cell(ws, label, font=_BOLD), safe_cell(value)])
    ws.append([])
    ws.append([_cell(ws, "Contents", font=_TITLE)])
    ws.append([_cell(ws, h, font=_BOLD) for h in ("Sheet", "Table", "About the table")])
    if summary is not None:
        ws.append([summary, "Key figures", None])
    for name, table in contents:
        # Wrapped, so a long caption stays in its column and the sheet prints at a readable size.
        caption = _cell(ws, safe_cell(table.caption), wrap=True) if table.caption else None
        ws.append([safe_cell(name), _cell(ws, safe_cell(table.title), wrap=True), caption])


def _write_summary(wb: Workbook, report: Report, name: str) -> None:
    ws = wb.create_sheet(name)
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["C"].width = 50
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    _print_setup(ws, report.marking)
    ws.append([_cell(ws, h, font=_BOLD) for h in ("Key figure", "Value", "Detail")])
    for k in report.summary:
        ws.append([safe_cell(k.label), safe_cell(k.value), safe_cell(k.detail)])


def _write_table(wb: Workbook, report: Report, table: Table, name: str) -> None:
    ws = wb.create_sheet(name)
    widths = [
        max(min(width + 2, 60), len(col.label) + 3)
        for col, width in zip(table.columns, column_widths(table), strict=True)
    ]
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    last_col = get_column_letter(max(len(table.columns), 1))
    last_row = HEADER_ROW + max(len(table.rows), 1)
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last_col}{last_row}"
    _print_setup(ws, report.marking, landscape=sum(widths) > LANDSCAPE_CHARS)

    ws.append([_cell(ws, safe_cell(c.label), font=_BOLD) for c in table.columns])
    columns = [(c.key, c.kind, NUMBER_FORMATS.get(c.kind)) for c in table.columns]
    for row in table.rows:
        cells: list[Any] = []
        for key, kind, fmt in columns:
            value = _excel_value(row.get(key), kind)
            # Plain values are much cheaper to stream than styled cells; style numbers only.
            cells.append(_cell(ws, value, fmt=fmt) if fmt and value is not None else value)
        ws.append(cells)


def _section_tables(section: Section) -> list[tuple[str, Table]]:
    """(sheet title, table) pairs: the section's tables, then its charts' data tables."""
    pairs = [(t.title, t) for t in section.tables]
    pairs += [(f"{c.title} data", c.table_alternative) for c in section.charts]
    if len(pairs) == 1:
        return [(section.title, pairs[0][1])]
    return pairs


def render_xlsx(report: Report) -> bytes:
    """The report as an .xlsx workbook."""
    wb = Workbook(write_only=True)
    taken: set[str] = {"about"}  # reserve the About sheet's name before naming the others
    summary = sheet_name("Summary", taken) if report.summary else None
    contents = [
        (sheet_name(title, taken), table)
        for section in report.all_sections()
        for title, table in _section_tables(section)
    ]
    _write_about(wb, report, summary, contents)
    if summary is not None:
        _write_summary(wb, report, summary)
    for name, table in contents:
        _write_table(wb, report, table, name)
    wb.properties.title = report.title
    wb.properties.creator = report.generated_by
    wb.properties.keywords = report.marking
    wb.properties.language = "en-GB"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
