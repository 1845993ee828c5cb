"""JSON rendering of the report model (validated against REPORT_JSON_SCHEMA in tests)."""

from __future__ import annotations

import json

from assessments.reports.document import Report

# Where REPORT_JSON_SCHEMA is served (assessments/reports/api.py); each JSON report names it as its
# "$schema", so an editor or a script finds the schema from the file alone.
SCHEMA_PATH = "/schema/report.json"


def render_json(report: Report) -> bytes:
    """UTF-8 JSON of ``Report.to_dict()`` after its "$schema": keys in model order, ISO 8601 dates."""
    document = {"$schema": SCHEMA_PATH, **report.to_dict()}
    return json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False).encode("utf-8")
