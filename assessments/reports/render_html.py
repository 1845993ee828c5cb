"""HTML rendering of a Report through Jinja2 templates in ``templates/reports/``.

``render_html`` gives a fragment to embed in a site page (GOV.UK Frontend classes);
``render_html_document`` gives a standalone document laid out for print, fed to WeasyPrint.
Both share one body template, so the PDF says exactly what the page says.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from assessments.reports.cells import format_value
from assessments.reports.charts import chart_svg
from assessments.reports.document import REPORT_KIND_LABELS, Chart, Report, Section, Table, column_widths
from registry.formatting import date_time, machine_datetime

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates" / "reports"
# Rows per <table> in print. WeasyPrint lays out a long table in time that grows faster than
# linearly with its length, so long tables are cut into several back-to-back tables (packed
# tables are not tables in print; see _packed).
PRINT_CHUNK_ROWS = 250
# Characters of 7.5pt Arial across an A4 page between 15 mm margins (print.css).
PRINT_WIDTH_CHARS = 138.0
# Print tables longer than this are packed: one line of text per row (see _packed). A 50-row,
# 5-column table of wrapped text costs WeasyPrint ~0.35 s; packed it costs ~0.1 s.
PRINT_COMPACT_ROWS = 40
PACKED_SEPARATOR = " · "
PACKED_NOTE = (
    "Compact print layout: the columns of each row are joined with “·” in header order. "
    "The spreadsheet and CSV downloads have one column per field."
)


@dataclass(frozen=True, slots=True)
class ColumnView:
    label: str
    numeric: bool
    width_pct: float


@dataclass(frozen=True, slots=True)
class TableView:
    id: str
    title: str
    caption: str
    columns: list[ColumnView]
    chunks: list[list[list[str]]]  # chunks of rows of formatted cell text
    note: str = ""  # printed under the table, e.g. when long tables are packed
    packed: bool = False  # print only: one line of text per row, laid out as blocks (see _packed)

    @property
    def empty(self) -> bool:
        return not any(self.chunks)


@dataclass(frozen=True, slots=True)
class ChartView:
    id: str
    title: str
    alt_text: str
    svg: Markup
    table: TableView


@dataclass(frozen=True, slots=True)
class SectionView:
    id: str
    title: str
    level: int  # heading level, 2..6
    paragraphs: list[str]
    charts: list[ChartView]
    tables: list[TableView]
    subsections: list[SectionView]


def table_view(table: Table, chunk_rows: int | None = None, compact_rows: int | None = None) -> TableView:
    """Formatted cells in chunks; in print, tables longer than ``compact_rows`` are packed."""
    note, packed = "", False
    if compact_rows is not None and len(table.rows) > compact_rows and len(table.columns) > 2:
        columns, rows = _packed(table)
        note, packed = PACKED_NOTE, True
    else:
        widths = column_widths(table, PRINT_WIDTH_CHARS)
        total = sum(widths) or 1.0
        columns = [
            ColumnView(c.label, c.numeric, round(100 * w / total, 2))
            for c, w in zip(table.columns, widths, strict=True)
        ]
        cols = [(c.key, c.kind) for c in table.columns]
        rows = [[format_value(row.get(key), kind) for key, kind in cols] for row in table.rows]
    size = chunk_rows or max(len(rows), 1)
    chunks = [rows[i : i + size] for i in range(0, len(rows), size)] or [[]]
    return TableView(table.id, table.title, table.caption, columns, chunks, note, packed)


def _packed(table: Table) -> tuple[list[ColumnView], list[list[str]]]:
    """Pack a long table for print: one line of text per row, the columns joined in order.

    WeasyPrint's cost is per box and per line of text (about 0.4-0.6 ms each, measured on
    this 2-core machine), so a 2,000-row, 10-column appendix (20,000 cells) takes well over
    10 s. The print template lays each packed row out as one plain block (``<div>``, no
    table, no inline markup), which measured cheapest: for the 2,000-row appendix, 2.3 s as
    one-cell table rows, 1.7 s as blocks; grouping rows into fewer blocks joined by ``<br>``
    (2.3-2.5 s) or one ``white-space: pre-line`` block (3.2 s) is slower, as is a bold code
    (+0.75 s, one more inline box per row). The spreadsheet and CSV exports keep every column.
    """
    label = PACKED_SEPARATOR.join(c.label for c in table.columns)
    lines = [
        PACKED_SEPARATOR.join(format_value(row.get(c.key), c.kind) or "–" for c in table.columns) for row in table.rows
    ]
    return [ColumnView(label, False, 100.0)], [[line] for line in lines]


def _print_table_view(table: Table, print_mode: bool) -> TableView:
    if print_mode:
        return table_view(table, PRINT_CHUNK_ROWS, PRINT_COMPACT_ROWS)
    return table_view(table)


def _chart_view(chart: Chart, print_mode: bool) -> ChartView:
    return ChartView(
        chart.id,
        chart.title,
        chart.alt_text,
        Markup(chart_svg(chart)),  # charts.py escapes every text node
        _print_table_view(chart.table_alternative, print_mode),
    )


def section_view(section: Section, level: int = 2, print_mode: bool = False) -> SectionView:
    return SectionView(
        id=section.id,
        title=section.title,
        level=min(level, 6),
        paragraphs=list(section.paragraphs),
        charts=[_chart_view(c, print_mode) for c in section.charts],
        tables=[_print_table_view(t, print_mode) for t in section.tables],
        subsections=[section_view(s, level + 1, print_mode) for s in section.subsections],
    )


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(("html",), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["kind_labels"] = REPORT_KIND_LABELS
    env.filters["datetime_attr"] = machine_datetime  # as the site's templates have it
    return env


def _context(report: Report, print_mode: bool) -> dict[str, object]:
    return {
        "report": report,
        "kind_label": REPORT_KIND_LABELS.get(report.kind, report.kind),
        "generated": f"{date_time(report.generated_at)} UK time",
        "sections": [section_view(s, 2, print_mode) for s in report.sections],
        "print_mode": print_mode,
    }


def render_html(report: Report) -> str:
    """The report as an HTML fragment (an ``<article>``) for a GOV.UK-styled page."""
    return environment().get_template("report.html").render(_context(report, False))


def render_html_document(report: Report) -> str:
    """The report as a complete HTML document laid out for print (the PDF source)."""
    return environment().get_template("document.html").render(_context(report, True))
