"""View models for the assessment pages: results, heatmaps, gaps, the recommendation and history."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import Session

from assessments.engine import (
    AssessmentResult,
    Cell,
    diff,
)
from assessments.models import Assessment, AssessmentRun
from assessments.optimiser import EXACT, GREEDY, GREEDY_FALLBACK
from assessments.reports.charts import bar_svg, heatmap_svg, line_svg
from registry.enums import WORKSTREAMS, Classification, FiveD, FourP, MoSCoW, workstream_label
from registry.formatting import money, pct, short_date_time

HISTORY_POINTS = 12  # runs shown on the trend chart; the table lists every run
STATUS_TAG = {
    "full": ("Full coverage", "green"),
    "partial": ("Partial coverage", "yellow"),
    "none": ("No coverage", "red"),
}
METHOD_TEXT = {
    EXACT: "Exact optimum (HiGHS mixed-integer solver)",
    GREEDY: "Greedy heuristic (best value per pound first; not proven optimal)",
    GREEDY_FALLBACK: "Greedy fallback: the exact solver reached its time limit, so this set is not proven optimal",
}

SCHEDULES = [("none", "Only when I run it"), ("weekly", "Weekly"), ("monthly", "Monthly")]
SCHEDULE_TEXT = dict(SCHEDULES)


HELPERS = {
    "status_tag": STATUS_TAG,
    "priority_text": MoSCoW.labels(),
    "schedule_text": SCHEDULE_TEXT,
    "workstream_titles": WORKSTREAMS,
}


# --- results view model -------------------------------------------------------------------------


def _cell_text(cell: Cell) -> str:
    if cell.score is None or cell.count == 0:
        return "n/a"
    noun = "requirement" if cell.count == 1 else "requirements"
    return f"{cell.score:.0f}% ({cell.count} {noun})"


def _matrix(result: AssessmentResult, kind: str, scoped: list[str]) -> dict[str, Any]:
    matrix = result.by_workstream_4p if kind == "4p" else result.by_workstream_5d
    functions: list[FourP] | list[FiveD] = list(FourP) if kind == "4p" else list(FiveD)
    cols = [f.value for f in functions]
    # Rows: the workstreams in scope, else those with any requirement, else all of them.
    rows = scoped or [w for w, cell in result.by_workstream.items() if cell.count] or list(matrix)
    rows = [w for w in rows if w in matrix]
    labels = [workstream_label(w) for w in rows]
    col_labels = [f.label for f in functions]
    values = [[matrix[w][c].score if matrix[w][c].count else None for c in cols] for w in rows]
    title = "Coverage by workstream and " + ("4P function" if kind == "4p" else "5D function")
    # Short row labels keep the chart narrow enough for a phone; the table has the full names.
    svg = heatmap_svg(
        labels,
        col_labels,
        values,
        title=title,
        id_prefix=f"heatmap-{kind}",
        max_label_chars=30,
        desc=f"{title}: weighted coverage score per cell, 0 to 100 per cent; "
        "n/a where no requirement falls in the cell. The same figures are in the table that follows.",
    )
    table = [[label, *[_cell_text(matrix[w][c]) for c in cols]] for w, label in zip(rows, labels, strict=True)]
    return {"id": kind, "title": title, "svg": Markup(svg), "head": ["Workstream", *col_labels], "rows": table}


def _gap_groups(result: AssessmentResult) -> tuple[list[dict[str, Any]], list[Any]]:
    groups: dict[str, list[Any]] = defaultdict(list)
    full = []
    for cov in result.coverage:
        if cov.status == "full":
            full.append(cov)
        else:
            groups[cov.priority].append(cov)
    ordered = [{"priority": p.value, "title": p.label, "items": groups[p.value]} for p in MoSCoW if groups.get(p.value)]
    return ordered, full


def _tool_names(result: AssessmentResult, rec: dict[str, Any] | None) -> dict[int, str]:
    names: dict[int, str] = {}
    for cov in result.coverage:
        for cand in cov.candidates:
            names[cand.tool_id] = cand.tool_name
        names.update(zip(cov.covered_by, cov.covered_by_names, strict=False))
    for chosen in (rec or {}).get("chosen", []):
        names[chosen["tool_id"]] = chosen["name"]
    return names


def _recommendation(
    rec: dict[str, Any] | None, assessment: Assessment, result: AssessmentResult
) -> dict[str, Any] | None:
    if not rec:
        return None
    names = _tool_names(result, rec)
    titles = {c.requirement_code: c.title for c in result.coverage}
    alternatives = [
        {
            "without": names.get(alt["excluded_tool_id"], f"tool {alt['excluded_tool_id']}"),
            "objective": alt["objective"],
            "tools": [{"id": t, "name": names.get(t, f"Tool {t}")} for t in alt["tool_ids"]],
            "total_capital": alt["total_capital"],
            "total_annual": alt["total_annual"],
        }
        for alt in rec.get("alternatives", [])
    ]
    available = rec.get("value_available") or 0.0
    return {
        **rec,
        "method_text": METHOD_TEXT.get(rec["method"], rec["method"]),
        "is_exact": rec["method"] == EXACT,
        "budget_capital": assessment.budget_capital,
        "budget_annual": assessment.budget_annual,
        "share_closed": 100.0 * rec["objective"] / available if available else None,
        "alternatives_view": alternatives,
        "titles": titles,
    }


def _history(runs: list[AssessmentRun], current_id: str) -> dict[str, Any]:
    """Newest-first rows for the table; oldest-first points for the trend chart."""
    rows = []
    for i, r in enumerate(runs):
        previous = runs[i + 1] if i + 1 < len(runs) else None
        rows.append({"run": r, "previous_id": previous.id if previous else None, "current": r.id == current_id})
    points = [
        (short_date_time(r.run_at, year=False), r.overall_score)
        for r in reversed(runs[:HISTORY_POINTS])
        if r.overall_score is not None
    ]
    svg = None
    if points:
        svg = Markup(
            line_svg(
                points,
                title="Weighted coverage score over time",
                id_prefix="trend",
                desc="Line chart of the weighted coverage score at each run: "
                + "; ".join(f"{label}: {value:.1f}%" for label, value in points)
                + ". The same figures are in the table of runs.",
            )
        )
    return {"rows": rows, "chart": svg, "count": len(runs)}


def results_view(assessment: Assessment, run: AssessmentRun | None, runs: list[AssessmentRun]) -> dict[str, Any]:
    """Everything the results partial shows for one run (and the history around it)."""
    if run is None:
        return {"run": None, "history": _history(runs, "")}
    result = AssessmentResult.from_dict(run.result)
    ids = [r.id for r in runs]  # newest first
    position = ids.index(run.id) if run.id in ids else len(ids)
    previous = runs[position + 1] if position + 1 < len(runs) else None
    since = None
    if previous is not None:
        change = diff(AssessmentResult.from_dict(previous.result), result)
        since = {"previous": previous, "change": change}
    priorities = [
        (p.label, result.by_priority[p.value])
        for p in MoSCoW
        if p is not MoSCoW.WONT and result.by_priority.get(p.value) and result.by_priority[p.value].count
    ]
    priority_chart = None
    if priorities:
        priority_chart = Markup(
            bar_svg(
                [label for label, _ in priorities],
                [cell.score or 0.0 for _, cell in priorities],
                max_value=100.0,
                title="Coverage by priority",
                id_prefix="by-priority",
            )
        )
    groups, full = _gap_groups(result)
    return {
        "run": run,
        "result": result,
        "is_latest": bool(runs) and runs[0].id == run.id,
        "since": since,
        "priorities": priorities,
        "priority_chart": priority_chart,
        "heatmaps": [
            _matrix(result, "4p", list(assessment.workstreams or [])),
            _matrix(result, "5d", list(assessment.workstreams or [])),
        ],
        "gap_groups": groups,
        "gap_count": sum(len(g["items"]) for g in groups),
        "covered": full,
        "skills": result.skills,
        "skill_gap_count": sum(1 for s in result.skills if s.shortfall > 0),
        "recommendation": _recommendation(run.recommendation, assessment, result),
        "history": _history(runs, run.id),
    }


def scope_rows(assessment: Assessment, requirement_count: int) -> list[tuple[str, str]]:
    ws = ", ".join(workstream_label(w) for w in assessment.workstreams) if assessment.workstreams else "All workstreams"
    cls = Classification.label_of(assessment.min_classification) if assessment.min_classification else "No minimum"
    return [
        ("Requirements", f"{requirement_count} from your organisation's register ({ws})"),
        ("Capital budget", money(assessment.budget_capital)),
        ("Annual budget", money(assessment.budget_annual)),
        ("Maximum suppliers", str(assessment.max_suppliers) if assessment.max_suppliers else "No limit"),
        (
            "Minimum SME share",
            pct(assessment.min_sme_share * 100) if assessment.min_sme_share is not None else "No minimum",
        ),
        ("Minimum classification", cls),
        ("Schedule", SCHEDULE_TEXT.get(assessment.schedule, assessment.schedule)),
    ]


def requirement_count(session: Session, assessment: Assessment) -> int:
    from registry.requirements.services import requirement_specs

    return len(requirement_specs(session, assessment.organisation_id, workstreams=assessment.workstreams))
