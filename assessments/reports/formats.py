"""The report formats: one registry that the API, the pages, the background job and the
subscriptions all read, so a format added here is offered and rendered everywhere.

Each format names its renderer by module and function; renderers are imported when first
used, because WeasyPrint (PDF) and CairoSVG (DOCX charts) are slow to import.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from assessments.reports.document import Report


@dataclass(frozen=True, slots=True)
class ReportFormat:
    name: str
    label: str  # what people choose from
    content_type: str
    extension: str
    renderer: str  # "module:function", called with the Report, returning bytes
    # Read by people page by page: builders keep only the least covered gaps (see builders).
    compact: bool = False

    def render(self, report: Report) -> bytes:
        module, _, function = self.renderer.partition(":")
        fn: Callable[[Report], bytes] = getattr(importlib.import_module(module), function)
        return fn(report)


REPORT_FORMATS: dict[str, ReportFormat] = {
    f.name: f
    for f in (
        ReportFormat("pdf", "PDF", "application/pdf", "pdf", "assessments.reports.render_pdf:render_pdf", True),
        ReportFormat(
            "docx",
            "Word document (DOCX), editable",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
            "assessments.reports.render_docx:render_docx",
            True,
        ),
        ReportFormat(
            "xlsx",
            "Spreadsheet (XLSX)",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
            "assessments.reports.render_xlsx:render_xlsx",
        ),
        ReportFormat(
            "csv", "CSV files (zip)", "application/zip", "zip", "assessments.reports.render_csv:render_csv_zip"
        ),
        ReportFormat("json", "JSON", "application/json", "json", "assessments.reports.render_json:render_json"),
        ReportFormat(
            "html",
            "Web page (HTML)",
            "text/html; charset=utf-8",
            "html",
            "assessments.reports.services:html_document",
            True,
        ),
    )
}
FORMAT_NAMES: tuple[str, ...] = tuple(REPORT_FORMATS)
