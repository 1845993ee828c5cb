"""The synthetic gap report's made-up run history (the coverage trend chart)."""

from __future__ import annotations

import json

from assessments.reports.document import Chart, LineData, Report
from assessments.reports.render_json import render_json
from assessments.reports.synthetic import synthetic_gap_report


def _trend(report: Report) -> Chart | None:
    change = next(s for s in report.all_sections() if s.id == "change")
    return next((c for c in change.charts if c.id == "coverage-trend"), None)


def test_trend_shows_three_earlier_runs_four_points_apart_then_this_run() -> None:
    chart = _trend(synthetic_gap_report(20, tools=120))
    assert chart is not None
    assert isinstance(chart.data, LineData)
    values = [value for _label, value in chart.data.points]
    assert len(values) == 4
    assert [round(later - earlier, 6) for earlier, later in zip(values, values[1:], strict=False)] == [4.0] * 3


def test_report_over_no_requirements_builds_with_no_trend() -> None:
    # Nothing carries weight, so no run has a coverage score; this used to raise a TypeError
    # (None - float) while making up the earlier runs.
    report = synthetic_gap_report(0, tools=50)
    assert _trend(report) is None
    assert json.loads(render_json(report))["title"] == report.title
