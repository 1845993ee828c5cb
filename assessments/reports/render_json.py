"""JSON rendering of the report model (validated against REPORT_JSON_SCHEMA in tests)."""

from __future__ import annotations

import json

from assessments.reports.document import Report


def render_json(report: Report) -> bytes:
    """UTF-8 JSON of ``Report.to_dict()``: keys in model order, ISO 8601 dates."""
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2, allow_nan=False).encode("utf-8")
