"""Reports: one model (model.py) rendered to HTML, PDF, XLSX, CSV (zip) and JSON.

Renderers are imported from their modules (``render_pdf`` pulls in WeasyPrint, which is slow
to import, so it is not loaded here).
"""

from assessments.reports.document import (
    REPORT_JSON_SCHEMA,
    BarData,
    Chart,
    Column,
    HeatmapData,
    KeyFigure,
    LineData,
    Report,
    Section,
    Table,
)

__all__ = [
    "REPORT_JSON_SCHEMA",
    "BarData",
    "Chart",
    "Column",
    "HeatmapData",
    "KeyFigure",
    "LineData",
    "Report",
    "Section",
    "Table",
]
