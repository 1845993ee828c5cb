"""The capability gap report, built from plain data (runs, requirements, skills).

Pure: plain dataclasses in, a ``Report`` out. The database reading lives in
``assessments.reports.services``; nothing here imports the web layer or the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from assessments.engine import (
    PRIORITY_MULTIPLIER,
    SEATS_PER_SKILLED_PERSON,
    AssessmentResult,
    diff,
)
from assessments.reports.common import STATUS_LABELS, ReportMeta, reason_text, short_reason, workstreams_text
from assessments.reports.document import (
    BarData,
    CellValue,
    Chart,
    Column,
    ColumnKind,
    HeatmapData,
    KeyFigure,
    LineData,
    Report,
    Section,
    Table,
)
from registry.enums import FiveD, FourP, MoSCoW, workstream_label
from registry.formatting import date_time, long_date, pct, plural, short_date, signed
from registry.formatting import pounds as money

# Compact layout (PDF and HTML): WeasyPrint spends ~5 ms per long, wrapped table row, so print
# lists the least covered gaps only and short reasons in the appendix (2,000 requirements: 10.4 s
# -> see bench in the report). Spreadsheet, CSV and JSON carry every row and the full reasons.
COMPACT_GAP_ROWS = {"must": 150, "should": 50, "could": 50}
SKILLS_CHART_BARS = 30  # bars in the skills shortfall chart; the table lists every skill


# ---------------------------------------------------------------- capability gap report


@dataclass(frozen=True, slots=True)
class RunPoint:
    run_id: str
    run_at: datetime
    score: float | None


@dataclass(frozen=True, slots=True)
class GapReportData:
    """One assessment run plus what is needed to show change over time."""

    assessment_name: str
    run_id: str
    run_at: datetime
    result: AssessmentResult
    recommendation: Mapping[str, Any] | None
    inputs: Mapping[str, Any]
    history: Sequence[RunPoint] = ()  # every run of the assessment up to this one, oldest first
    previous: AssessmentResult | None = None
    previous_run_at: datetime | None = None


def _req_info(inputs: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {r["code"]: r for r in inputs.get("requirements", [])}


def _heatmap(
    result: AssessmentResult,
    matrix: Mapping[str, Mapping[str, Any]],
    functions: type[FourP | FiveD],
    chart_id: str,
    title: str,
) -> Chart | None:
    axis, cols = [f.value for f in functions], [f.label for f in functions]
    rows, values = [], []
    for ws, row in matrix.items():
        vals = [row[a].score if a in row else None for a in axis]
        if any(v is not None for v in vals):  # hide workstreams with no tagged requirements
            rows.append(workstream_label(ws, short=True))
            values.append(vals)
    if not rows:
        return None
    table = Table(
        id=f"{chart_id}-data",
        title=f"{title} (data)",
        columns=[Column("workstream", "Workstream")]
        + [Column(a, c, "percent") for a, c in zip(axis, cols, strict=True)],
        rows=[{"workstream": r, **dict(zip(axis, v, strict=True))} for r, v in zip(rows, values, strict=True)],
    )
    flat = [(r, c, v) for r, vals in zip(rows, values, strict=True) for c, v in zip(cols, vals, strict=True)]
    known = [(r, c, v) for r, c, v in flat if v is not None]
    lo = min(known, key=lambda x: x[2])
    hi = max(known, key=lambda x: x[2])
    blank = len(flat) - len(known)
    alt = (
        f"{title}: weighted coverage for {len(rows)} workstreams by {len(cols)} functions. "
        f"Lowest is {lo[0]} / {lo[1]} at {lo[2]:.0f}%; highest is {hi[0]} / {hi[1]} at {hi[2]:.0f}%."
        + (f" {blank} combinations have no requirements (n/a)." if blank else "")
    )
    return Chart(chart_id, title, "heatmap", HeatmapData(rows, cols, values), alt, table)


def _bar(
    chart_id: str,
    title: str,
    labels: list[str],
    values: list[float],
    *,
    unit: str,
    max_value: float | None,
    label_col: str,
    value_col: str,
    kind: ColumnKind,
    note: str = "",
) -> Chart:
    table = Table(
        id=f"{chart_id}-data",
        title=f"{title} (data)",
        columns=[Column("label", label_col), Column("value", value_col, kind)],
        rows=[{"label": lbl, "value": v} for lbl, v in zip(labels, values, strict=True)],
    )
    shown = "; ".join(
        f"{lbl}: {v:.0f}{'%' if unit == '%' else ' ' + unit}" for lbl, v in zip(labels, values, strict=True)
    )
    alt = f"{title}. {shown}." + (f" {note}" if note else "")
    return Chart(chart_id, title, "bar", BarData(labels, values, unit, max_value), alt, table)


def _gap_rows(
    result: AssessmentResult, info: Mapping[str, Mapping[str, Any]], priority: str
) -> list[dict[str, CellValue]]:
    gaps = [c for c in result.coverage if c.priority == priority and c.status != "full"]
    gaps.sort(key=lambda c: (c.score, -c.weight, c.requirement_code))
    rows: list[dict[str, CellValue]] = []
    for c in gaps:
        req = info.get(c.requirement_code, {})
        rows.append(
            {
                "code": c.requirement_code,
                "title": c.title,
                "workstreams": workstreams_text(req),
                "status": STATUS_LABELS[c.status],
                "reason": reason_text(c),
                "candidates": ", ".join(f"{t.tool_name} ({t.supplier_name})" for t in c.candidates[:3]) or "None found",
            }
        )
    return rows


def _gap_table(rows: list[dict[str, CellValue]], priority: str, limit: int | None) -> Table:
    label = MoSCoW(priority).label
    kind = label.lower().replace(" ", "-")  # "must-have"
    caption = f"{plural(len(rows), kind + ' requirement')} not fully met, least covered first."
    if limit is not None and len(rows) > limit:
        caption = (
            f"The {limit} least covered of {len(rows):,} {kind} requirements not fully met; "
            "the appendix lists every requirement; the spreadsheet and CSV downloads list every gap with its reasons."
        )
        rows = rows[:limit]
    return Table(
        id=f"gaps-{priority}",
        title=f"{label} requirements not fully met",
        columns=[
            Column("code", "Code"),
            Column("title", "Requirement"),
            Column("status", "Status"),
            Column("reason", "Why not met"),
            Column("candidates", "Tools that would close it"),
        ],
        rows=rows,
        caption=caption,
    )


def _gaps_section(result: AssessmentResult, info: Mapping[str, Mapping[str, Any]], compact: bool) -> Section:
    subs = []
    for p in (MoSCoW.MUST, MoSCoW.SHOULD, MoSCoW.COULD):
        rows = _gap_rows(result, info, p.value)
        limit = COMPACT_GAP_ROWS[p.value] if compact else None
        subs.append(
            Section(
                id=f"gaps-{p.value}-have",
                title=p.label,
                tables=[_gap_table(rows, p.value, limit)],
            )
        )
    return Section(
        id="gaps",
        title="Gaps by priority",
        paragraphs=[
            "Requirements not fully met, grouped by MoSCoW priority, with the reason the current "
            "inventory falls short and the best-fitting catalogue tools that would close each gap."
        ],
        subsections=subs,
    )


def _skills_section(result: AssessmentResult) -> Section:
    short = [g for g in result.skills if g.shortfall > 0]
    paragraphs = [
        "People needed to run the requirements' and inventory tools' skills at the required SFIA level, "
        "against the workforce records. A person at a higher level can fill a lower-level need."
    ]
    if not short:
        paragraphs.append("No skills shortfall: the workforce records cover every skill need.")
        return Section(id="skills", title="Skills gaps", paragraphs=paragraphs)
    table = Table(
        id="skills-shortfall",
        title="Skills needed and held",
        columns=[
            Column("skill", "Skill"),
            Column("level", "Level (SFIA) or above", "int"),
            Column("needed", "People needed", "int"),
            Column("held", "People held", "int"),
            Column("shortfall", "Shortfall", "int"),
            Column("training", "Training offered by"),
        ],
        rows=[
            {
                "skill": g.skill_name,
                "level": g.level,
                "needed": g.needed,
                "held": g.held,
                "shortfall": g.shortfall,
                "training": ", ".join([*g.training_in_inventory, *g.training_candidate_names][:4]) or "None found",
            }
            for g in short
        ],
    )
    # The chart shows the largest shortfalls only: hundreds of bars are unreadable (and run off
    # a printed page); the table below it lists every skill.
    largest = sorted(short, key=lambda g: (-g.shortfall, g.skill_name))[:SKILLS_CHART_BARS]
    title = "Skills shortfall (people)"
    if len(largest) < len(short):
        title = f"The {len(largest)} largest skills shortfalls (people)"
    chart = _bar(
        "skills-shortfall-chart",
        title,
        [g.skill_name for g in largest],
        [float(g.shortfall) for g in largest],
        unit="people",
        max_value=None,
        label_col="Skill",
        value_col="Shortfall (people)",
        kind="int",
        note=f"The table below lists all {len(short):,} skills with a shortfall." if len(largest) < len(short) else "",
    )
    total = sum(g.shortfall for g in short)
    paragraphs.append(f"{plural(total, 'more person', 'more people')} needed across {plural(len(short), 'skill')}.")
    return Section(id="skills", title="Skills gaps", paragraphs=paragraphs, charts=[chart], tables=[table])


def _budget(inputs: Mapping[str, Any]) -> tuple[float, float]:
    scope = inputs.get("scope", {})
    return float(scope.get("budget_capital") or 0.0), float(scope.get("budget_annual") or 0.0)


def _recommendation_section(
    rec: Mapping[str, Any] | None, inputs: Mapping[str, Any], info: Mapping[str, Mapping[str, Any]]
) -> list[Section]:
    capital, annual = _budget(inputs)
    budget = f"a budget of {money(capital)} capital and {money(annual)} a year"
    chosen = list((rec or {}).get("chosen", []))
    if not chosen or rec is None:  # no recommendation has nothing chosen
        text = f"No purchase within {budget} closes a gap." if rec else "No recommendation was made for this run."
        recs = Section(id="recommendations", title="Recommended purchases within budget", paragraphs=[text])
    else:
        rows = [
            {
                "tool": c["name"],
                "supplier": c.get("supplier_name", ""),
                "sme": "Yes" if c.get("sme") else "No",
                "capital": c.get("price_capital", 0.0),
                "annual": c.get("price_annual", 0.0),
                "closes": len(c.get("closes", [])),
                "partial": len(c.get("partially_closes", [])),
                "which": ", ".join(c.get("closes", [])[:8]) + (" …" if len(c.get("closes", [])) > 8 else ""),
            }
            for c in chosen
        ]
        total = rec.get("objective", 0.0) if rec else 0.0
        available = rec.get("value_available", 0.0) if rec else 0.0
        share = f" ({100 * total / available:.0f}% of the gap value that could be closed)" if available else ""
        recs = Section(
            id="recommendations",
            title="Recommended purchases within budget",
            paragraphs=[
                f"Within {budget}, {plural(len(chosen), 'purchase')} costing "
                f"{money(rec.get('total_capital', 0.0))} capital and {money(rec.get('total_annual', 0.0))} a year "
                f"bring {plural(len(rec.get('closes', [])), 'requirement')} to full coverage and "
                f"{plural(len(rec.get('partially_closes', [])), 'more requirement')} to partial coverage{share}.",
                f"Method: {rec.get('method', 'n/a')} (solver status {rec.get('status', 'n/a')}).",
            ],
            tables=[
                Table(
                    id="recommended-tools",
                    title="Recommended purchases",
                    columns=[
                        Column("tool", "Tool"),
                        Column("supplier", "Supplier"),
                        Column("sme", "SME"),
                        Column("capital", "Capital cost", "money"),
                        Column("annual", "Annual cost", "money"),
                        Column("closes", "Gaps closed", "int"),
                        Column("partial", "Partly closed", "int"),
                        Column("which", "Requirements closed"),
                    ],
                    rows=rows,
                    caption="Listed in the optimiser's order; no tool is preferred by name.",
                )
            ],
        )
    remaining = list((rec or {}).get("remaining", []))
    if rec is None:
        return [recs]
    rem_rows: list[dict[str, CellValue]] = [
        {
            "code": code,
            "title": info.get(code, {}).get("title", ""),
            "priority": MoSCoW.label_of(info.get(code, {}).get("priority")),
        }
        for code in remaining
    ]
    remains = Section(
        id="what-remains",
        title="What remains after the recommended purchases",
        paragraphs=[
            f"{plural(len(remaining), 'requirement')} would still fall short of full coverage: no "
            "affordable catalogue tool closes them, so they need a larger budget, a new supplier or a "
            "non-tool response (process, people or partnership)."
            if remaining
            else "Every gap with a fitting catalogue tool would be closed."
        ],
        tables=[
            Table(
                id="remaining-gaps",
                title="Requirements still short of full coverage",
                columns=[Column("code", "Code"), Column("title", "Requirement"), Column("priority", "Priority")],
                rows=rem_rows,
            )
        ]
        if remaining
        else [],
    )
    return [recs, remains]


def _change_section(data: GapReportData, info: Mapping[str, Mapping[str, Any]]) -> Section:
    points = [(short_date(p.run_at), float(p.score)) for p in data.history if p.score is not None]
    charts = []
    if points:
        trend = Table(
            id="coverage-trend-data",
            title="Coverage trend (data)",
            columns=[Column("run", "Run"), Column("coverage", "Coverage", "percent")],
            rows=[{"run": lbl, "coverage": v} for lbl, v in points],
        )
        alt = (
            f"Weighted coverage over {plural(len(points), 'run')}: "
            + "; ".join(f"{lbl} {v:.0f}%" for lbl, v in points)
            + "."
        )
        charts.append(Chart("coverage-trend", "Coverage trend", "line", LineData(points, "%", 100.0), alt, trend))
    if data.previous is None:
        return Section(
            id="change",
            title="Change since the last run",
            charts=charts,
            paragraphs=["This is the first run of this assessment, so there is nothing to compare yet."],
        )
    d = diff(data.previous, data.result)
    change = "unchanged" if d.score_change is None else f"{signed(d.score_change)} points"
    paragraphs = [
        f"Since the previous run on {long_date(data.previous_run_at)}, weighted coverage moved from "
        f"{pct(d.score_before)} to {pct(d.score_after)} ({change}). "
        f"{plural(len(d.gaps_closed), 'gap')} closed or narrowed, {plural(len(d.gaps_opened), 'gap')} opened or "
        f"widened; {plural(len(d.added), 'requirement')} added and {len(d.removed):,} removed."
    ]
    cols = [Column("code", "Code"), Column("title", "Requirement"), Column("before", "Before"), Column("after", "Now")]

    def rows(changes: Sequence[Any]) -> list[dict[str, CellValue]]:
        return [
            {
                "code": c.requirement_code,
                "title": info.get(c.requirement_code, {}).get("title", ""),
                "before": STATUS_LABELS.get(c.before or "", "New"),
                "after": STATUS_LABELS.get(c.after or "", "Removed"),
            }
            for c in changes
        ]

    tables = [
        Table(id="gaps-opened", title="Gaps opened or widened", columns=cols, rows=rows(d.gaps_opened)),
        Table(id="gaps-closed", title="Gaps closed or narrowed", columns=cols, rows=rows(d.gaps_closed)),
    ]
    return Section(id="change", title="Change since the last run", paragraphs=paragraphs, charts=charts, tables=tables)


def _method_section(data: GapReportData) -> Section:
    inputs = data.inputs
    mult = ", ".join(f"{p.label} {m}" for p, m in PRIORITY_MULTIPLIER.items())
    capital, annual = _budget(inputs)
    return Section(
        id="method",
        title="Method and assumptions",
        paragraphs=[
            f"Data as at {date_time(data.run_at)} UK time: "
            f"{plural(len(inputs.get('requirements', [])), 'requirement')}, "
            f"{plural(len(inputs.get('inventory', [])), 'inventory tool')}, "
            f"{plural(len(inputs.get('workforce', [])), 'workforce record')} and "
            f"{inputs.get('candidate_count') or 0:,} published catalogue tools as candidates.",
            "Coverage per requirement: met (1) when an inventory tool with a current licence meets every hard "
            "constraint (classification, hosting, data standards, TRL, deployment) and its claim on the required "
            "capability is evidenced or verified; partly met (0.5) when a tool claims the capability but falls "
            "short on evidence, a constraint or its licence; not met (0) otherwise.",
            f"Weighted coverage = 100 × Σ(weight × coverage) / Σ weight, where weight is the requirement's own "
            f"weight times a priority multiplier ({mult}). The same formula gives every heatmap cell; a requirement "
            "tagged with several workstreams or functions counts in each.",
            f"Skills: the people needed per skill and level are summed over requirements and licensed inventory "
            f"tools (one skilled person per {SEATS_PER_SKILLED_PERSON} seats) and compared with people held at "
            "that level or above.",
            f"Recommendations: an exact mixed-integer optimisation (HiGHS) picks the set of catalogue tools that "
            f"closes the most weighted gap value within {money(capital)} capital and {money(annual)} a year, "
            "honouring any supplier-count, SME-share and classification limits. Candidate ties are ordered by a "
            "neutral hash, never by supplier name.",
            "Prices are suppliers' indicative list prices; confirm them through a compliant procurement route.",
        ],
    )


def _appendix(result: AssessmentResult, info: Mapping[str, Mapping[str, Any]], compact: bool) -> Section:
    # Seven columns: the print renderer packs long tables, and every extra column costs time.
    rows: list[dict[str, CellValue]] = []
    for c in result.coverage:
        req = info.get(c.requirement_code, {})
        rows.append(
            {
                "code": c.requirement_code,
                "title": c.title,
                "priority": MoSCoW.label_of(c.priority),
                "workstreams": workstreams_text(req),
                "status": STATUS_LABELS[c.status],
                "coverage": 100.0 * c.score,
                "why": short_reason(c) if compact else reason_text(c),
            }
        )
    return Section(
        id="appendix-requirements",
        title="Appendix: all requirements",
        tables=[
            Table(
                id="all-requirements",
                title="All requirements and their coverage",
                columns=[
                    Column("code", "Code"),
                    Column("title", "Requirement"),
                    Column("priority", "Priority"),
                    Column("workstreams", "Workstreams"),
                    Column("status", "Status"),
                    Column("coverage", "Coverage", "percent"),
                    Column("why", "Met by, or why not"),
                ],
                rows=rows,
            )
        ],
    )


def _gap_summary(data: GapReportData) -> tuple[list[KeyFigure], list[str]]:
    result, rec = data.result, data.recommendation or {}
    counts = result.status_counts
    full, partial, none = counts.get("full", 0), counts.get("partial", 0), counts.get("none", 0)
    must = result.by_priority.get("must")
    must_open = sum(1 for c in result.coverage if c.priority == "must" and c.status != "full")
    capital, annual = _budget(data.inputs)
    spend_c, spend_a = float(rec.get("total_capital", 0.0)), float(rec.get("total_annual", 0.0))
    figures = [
        KeyFigure("Overall weighted coverage", pct(result.overall_score), "All requirements, priority-weighted"),
        KeyFigure(
            "Requirements fully met",
            f"{full:,} of {full + partial + none:,}",
            f"{partial:,} partly met, {none:,} not met",
        ),
        KeyFigure("Must-have coverage", pct(must.score if must else None), f"{plural(must_open, 'must-have gap')}"),
        KeyFigure("Budget", money(capital + annual), f"{money(capital)} capital + {money(annual)} a year"),
        KeyFigure(
            "Recommended spend",
            money(spend_c + spend_a),
            f"{plural(len(rec.get('chosen', [])), 'tool')}: {money(spend_c)} capital + {money(spend_a)} a year",
        ),
    ]
    total = full + partial + none
    paras = [
        f"This run of “{data.assessment_name}” on {long_date(data.run_at)} compared {plural(total, 'requirement')} "
        f"with the current tool inventory and workforce skills. Weighted coverage is {pct(result.overall_score)}: "
        f"{full:,} met, {partial:,} partly met and {none:,} not met.",
        f"Must-have requirements are {pct(must.score if must else None)} covered; "
        f"{plural(must_open, 'must-have requirement')} {'is' if must_open == 1 else 'are'} not fully met.",
    ]
    if rec.get("chosen"):
        paras.append(
            f"Within the budget of {money(capital)} capital and {money(annual)} a year, the recommended "
            f"{plural(len(rec['chosen']), 'purchase')} ({money(spend_c)} capital, {money(spend_a)} a year) "
            f"would bring {plural(len(rec.get('closes', [])), 'requirement')} to full coverage."
        )
    if data.previous is not None and data.previous.overall_score is not None and result.overall_score is not None:
        delta = result.overall_score - data.previous.overall_score
        paras.append(
            f"Coverage changed by {signed(delta)} points since the previous run on {long_date(data.previous_run_at)}."
        )
    return figures, paras


def build_gap_report(data: GapReportData, meta: ReportMeta, *, compact: bool = False) -> Report:
    """The capability-gap report for one assessment run (see docs/architecture.md).

    ``compact`` (for PDF and HTML) lists only the least covered gaps per priority and short
    reasons in the appendix; the full report suits spreadsheets, CSV and JSON.
    """
    result = data.result
    info = _req_info(data.inputs)
    figures, summary_paras = _gap_summary(data)
    charts = [
        c
        for c in (
            _heatmap(result, result.by_workstream_4p, FourP, "heatmap-4p", "Coverage by workstream and 4P"),
            _heatmap(result, result.by_workstream_5d, FiveD, "heatmap-5d", "Coverage by workstream and 5D"),
        )
        if c is not None
    ]
    prio = [
        (MoSCoW(p).label, cell.score)
        for p, cell in result.by_priority.items()
        if p != MoSCoW.WONT.value and cell.score is not None
    ]
    if prio:
        charts.append(
            _bar(
                "coverage-by-priority",
                "Coverage by priority",
                [p for p, _ in prio],
                [float(v) for _, v in prio],
                unit="%",
                max_value=100.0,
                label_col="Priority",
                value_col="Coverage",
                kind="percent",
            )
        )
    coverage_paras = [
        "Coverage is the priority-weighted share of requirements met by the current inventory. "
        "Cells marked n/a have no requirements; workstreams with none are left out."
    ]
    if not charts:
        coverage_paras.append("No requirements are tagged with workstreams and functions yet.")
    sections = [
        Section(id="executive-summary", title="Executive summary", paragraphs=summary_paras),
        Section(id="coverage", title="Coverage by workstream and function", paragraphs=coverage_paras, charts=charts),
        _gaps_section(result, info, compact),
        _skills_section(result),
        *_recommendation_section(data.recommendation, data.inputs, info),
        _change_section(data, info),
        _method_section(data),
        _appendix(result, info, compact),
    ]
    return Report(
        kind="capability_gap",
        title=f"Capability gap assessment: {data.assessment_name}",
        organisation=meta.organisation,
        generated_at=meta.generated_at,
        generated_by=meta.generated_by,
        marking=meta.marking,
        summary=figures,
        sections=sections,
    )
