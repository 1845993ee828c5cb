"""Build report models from plain data: assessment runs, evaluations and shortlists.

Pure: plain dataclasses in, a ``Report`` out. The database reading lives in
``assessments.reports.service``; nothing here imports the web layer or the database, so the
builders are easy to test and to benchmark.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from assessments.engine import (
    PRIORITY_MULTIPLIER,
    SEATS_PER_SKILLED_PERSON,
    AssessmentResult,
    RequirementCoverage,
    diff,
)
from assessments.evaluation import PRICE_METHOD, SENSITIVITY_STEP, SOCIAL_VALUE_MINIMUM, Criterion, EvaluationResult
from assessments.reports.model import (
    BarData,
    CellValue,
    Chart,
    Column,
    HeatmapData,
    KeyFigure,
    LineData,
    Report,
    Section,
    Table,
)
from registry.enums import WORKSTREAMS, FiveD, FourP, MoSCoW

STALE_AFTER_DAYS = 365  # a listing not reviewed for 12 months is stale
EXPIRING_WITHIN_DAYS = 90
# Compact layout (PDF and HTML): WeasyPrint spends ~5 ms per long, wrapped table row, so print
# lists the least covered gaps only and short reasons in the appendix (2,000 requirements: 10.4 s
# -> see bench in the report). Spreadsheet, CSV and JSON carry every row and the full reasons.
COMPACT_GAP_ROWS = {"must": 150, "should": 50, "could": 50}
REASONS_PER_GAP = 2
SKILLS_CHART_BARS = 30  # bars in the skills shortfall chart; the table lists every skill
PRIORITY_LABELS = {p.value: p.value.title() if p is not MoSCoW.WONT else "Won't" for p in MoSCoW}
STATUS_LABELS = {"full": "Met", "partial": "Partly met", "none": "Not met"}
KIND_LABELS = {"quality": "Quality", "price": "Price", "social_value": "Social value"}


@dataclass(frozen=True, slots=True)
class ReportMeta:
    """Who the report is for and by; stamped on every page."""

    organisation: str
    generated_by: str
    generated_at: datetime
    marking: str = "OFFICIAL"


# ---------------------------------------------------------------- formatting helpers


def fmt_date(value: date | datetime | None) -> str:
    if value is None:
        return "never"
    return f"{value.day} {value:%b %Y}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}%"


def _money(value: float) -> str:
    return f"£{value:,.0f}"


def _signed(value: float) -> str:
    return f"{value:+.1f}".replace("-", "−")


def _short_ws(code: str) -> str:
    return WORKSTREAMS.get(code, code).split(" (")[0]


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


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


def _short_reason(cov: RequirementCoverage) -> str:
    """A few words: the first tool for met requirements, else the distinct reason codes."""
    if cov.status == "full":
        return f"Met by {cov.covered_by_names[0]}" if cov.covered_by_names else "Met"
    codes = list(dict.fromkeys(r.code.replace("_", " ") for r in cov.reasons))
    return ", ".join(codes[:3]) + (" …" if len(codes) > 3 else "")


def _reason_text(cov: RequirementCoverage) -> str:
    if cov.status == "full":
        names = ", ".join(cov.covered_by_names[:2])
        return f"Met by {names}" if names else "Met"
    messages = list(dict.fromkeys(r.message for r in cov.reasons))
    more = len(messages) - REASONS_PER_GAP
    text = "; ".join(messages[:REASONS_PER_GAP])
    return f"{text}; and {more} more" if more > 0 else text


def _heatmap(
    result: AssessmentResult, matrix: Mapping[str, Mapping[str, Any]], axis: Sequence[str], chart_id: str, title: str
) -> Chart | None:
    cols = [a.title() for a in axis]
    rows, values = [], []
    for ws, row in matrix.items():
        vals = [row[a].score if a in row else None for a in axis]
        if any(v is not None for v in vals):  # hide workstreams with no tagged requirements
            rows.append(_short_ws(ws))
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
    known = [x for x in flat if x[2] is not None]
    lo = min(known, key=lambda x: x[2])  # type: ignore[arg-type,return-value]
    hi = max(known, key=lambda x: x[2])  # type: ignore[arg-type,return-value]
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
    kind: str,
    note: str = "",
) -> Chart:
    table = Table(
        id=f"{chart_id}-data",
        title=f"{title} (data)",
        columns=[Column("label", label_col), Column("value", value_col, kind)],  # type: ignore[arg-type]
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
                "workstreams": ", ".join(req.get("workstreams", [])),
                "status": STATUS_LABELS[c.status],
                "reason": _reason_text(c),
                "candidates": ", ".join(f"{t.tool_name} ({t.supplier_name})" for t in c.candidates[:3]) or "None found",
            }
        )
    return rows


def _gap_table(rows: list[dict[str, CellValue]], priority: str, limit: int | None) -> Table:
    label = PRIORITY_LABELS[priority]
    caption = f"{_plural(len(rows), label.lower() + '-have requirement')} not fully met, least covered first."
    if limit is not None and len(rows) > limit:
        caption = (
            f"The {limit} least covered of {len(rows):,} {label.lower()}-have requirements not fully met; "
            "the appendix lists every requirement; the spreadsheet and CSV downloads list every gap with its reasons."
        )
        rows = rows[:limit]
    return Table(
        id=f"gaps-{priority}",
        title=f"{label} have requirements not fully met",
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
                title=f"{PRIORITY_LABELS[p.value]} have",
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
    paragraphs.append(f"{_plural(total, 'more person', 'more people')} needed across {_plural(len(short), 'skill')}.")
    return Section(id="skills", title="Skills gaps", paragraphs=paragraphs, charts=[chart], tables=[table])


def _budget(inputs: Mapping[str, Any]) -> tuple[float, float]:
    scope = inputs.get("scope", {})
    return float(scope.get("budget_capital") or 0.0), float(scope.get("budget_annual") or 0.0)


def _recommendation_section(
    rec: Mapping[str, Any] | None, inputs: Mapping[str, Any], info: Mapping[str, Mapping[str, Any]]
) -> list[Section]:
    capital, annual = _budget(inputs)
    budget = f"a budget of {_money(capital)} capital and {_money(annual)} a year"
    chosen = list((rec or {}).get("chosen", []))
    if not chosen:
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
                f"Within {budget}, {_plural(len(chosen), 'purchase')} costing "
                f"{_money(rec.get('total_capital', 0.0))} capital and {_money(rec.get('total_annual', 0.0))} a year "  # type: ignore[union-attr]
                f"bring {_plural(len(rec.get('closes', [])), 'requirement')} to full coverage and "  # type: ignore[union-attr]
                f"{_plural(len(rec.get('partially_closes', [])), 'more requirement')} to partial coverage{share}.",  # type: ignore[union-attr]
                f"Method: {rec.get('method', 'n/a')} (solver status {rec.get('status', 'n/a')}).",  # type: ignore[union-attr]
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
                    rows=rows,  # type: ignore[arg-type]
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
            "priority": PRIORITY_LABELS.get(info.get(code, {}).get("priority", ""), ""),
        }
        for code in remaining
    ]
    remains = Section(
        id="what-remains",
        title="What remains after the recommended purchases",
        paragraphs=[
            f"{_plural(len(remaining), 'requirement')} would still fall short of full coverage: no "
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
    points = [(fmt_date(p.run_at), float(p.score)) for p in data.history if p.score is not None]
    charts = []
    if points:
        trend = Table(
            id="coverage-trend-data",
            title="Coverage trend (data)",
            columns=[Column("run", "Run"), Column("coverage", "Coverage", "percent")],
            rows=[{"run": lbl, "coverage": v} for lbl, v in points],
        )
        alt = (
            f"Weighted coverage over {_plural(len(points), 'run')}: "
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
    change = "unchanged" if d.score_change is None else f"{_signed(d.score_change)} points"
    paragraphs = [
        f"Since the previous run on {fmt_date(data.previous_run_at)}, weighted coverage moved from "
        f"{_pct(d.score_before)} to {_pct(d.score_after)} ({change}). "
        f"{_plural(len(d.gaps_closed), 'gap')} closed or narrowed, {_plural(len(d.gaps_opened), 'gap')} opened or "
        f"widened; {_plural(len(d.added), 'requirement')} added and {len(d.removed):,} removed."
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
    mult = ", ".join(f"{PRIORITY_LABELS[p.value]} {m}" for p, m in PRIORITY_MULTIPLIER.items())
    capital, annual = _budget(inputs)
    return Section(
        id="method",
        title="Method and assumptions",
        paragraphs=[
            f"Data as at {fmt_date(data.run_at)} ({data.run_at:%H:%M} UTC): "
            f"{_plural(len(inputs.get('requirements', [])), 'requirement')}, "
            f"{_plural(len(inputs.get('inventory', [])), 'inventory tool')}, "
            f"{_plural(len(inputs.get('workforce', [])), 'workforce record')} and "
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
            f"closes the most weighted gap value within {_money(capital)} capital and {_money(annual)} a year, "
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
                "priority": PRIORITY_LABELS.get(c.priority, c.priority),
                "workstreams": ", ".join(req.get("workstreams", [])),
                "status": STATUS_LABELS[c.status],
                "coverage": 100.0 * c.score,
                "why": _short_reason(c) if compact else _reason_text(c),
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
        KeyFigure("Overall weighted coverage", _pct(result.overall_score), "All requirements, priority-weighted"),
        KeyFigure(
            "Requirements fully met",
            f"{full:,} of {full + partial + none:,}",
            f"{partial:,} partly met, {none:,} not met",
        ),
        KeyFigure("Must-have coverage", _pct(must.score if must else None), f"{_plural(must_open, 'must-have gap')}"),
        KeyFigure("Budget", _money(capital + annual), f"{_money(capital)} capital + {_money(annual)} a year"),
        KeyFigure(
            "Recommended spend",
            _money(spend_c + spend_a),
            f"{_plural(len(rec.get('chosen', [])), 'tool')}: {_money(spend_c)} capital + {_money(spend_a)} a year",
        ),
    ]
    total = full + partial + none
    paras = [
        f"This run of “{data.assessment_name}” on {fmt_date(data.run_at)} compared {_plural(total, 'requirement')} "
        f"with the current tool inventory and workforce skills. Weighted coverage is {_pct(result.overall_score)}: "
        f"{full:,} met, {partial:,} partly met and {none:,} not met.",
        f"Must-have requirements are {_pct(must.score if must else None)} covered; "
        f"{_plural(must_open, 'must-have requirement')} {'is' if must_open == 1 else 'are'} not fully met.",
    ]
    if rec.get("chosen"):
        paras.append(
            f"Within the budget of {_money(capital)} capital and {_money(annual)} a year, the recommended "
            f"{_plural(len(rec['chosen']), 'purchase')} ({_money(spend_c)} capital, {_money(spend_a)} a year) "
            f"would bring {_plural(len(rec.get('closes', [])), 'requirement')} to full coverage."
        )
    if data.previous is not None and data.previous.overall_score is not None and result.overall_score is not None:
        delta = result.overall_score - data.previous.overall_score
        paras.append(
            f"Coverage changed by {_signed(delta)} points since the previous run on {fmt_date(data.previous_run_at)}."
        )
    return figures, paras


def build_gap_report(data: GapReportData, meta: ReportMeta, *, compact: bool = False) -> Report:
    """The capability-gap report for one assessment run (see DESIGN.md, "Assessment").

    ``compact`` (for PDF and HTML) lists only the least covered gaps per priority and short
    reasons in the appendix; the full report suits spreadsheets, CSV and JSON.
    """
    result = data.result
    info = _req_info(data.inputs)
    figures, summary_paras = _gap_summary(data)
    charts = [
        c
        for c in (
            _heatmap(
                result, result.by_workstream_4p, [p.value for p in FourP], "heatmap-4p", "Coverage by workstream and 4P"
            ),
            _heatmap(
                result, result.by_workstream_5d, [d.value for d in FiveD], "heatmap-5d", "Coverage by workstream and 5D"
            ),
        )
        if c is not None
    ]
    prio = [
        (PRIORITY_LABELS[p], cell.score)
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


# ---------------------------------------------------------------- procurement / evaluation report


@dataclass(frozen=True, slots=True)
class ToolFacts:
    """What a procurement report says about one shortlisted tool and its supplier."""

    tool_id: int
    name: str
    supplier_name: str
    sme: bool = False
    verified: bool = False
    clearances: tuple[str, ...] = ()
    accreditations: tuple[tuple[str, date | None], ...] = ()
    last_reviewed: date | None = None
    classification: str = "OFFICIAL"
    hosting: str = "uk"
    trl: int = 1
    deployments: tuple[str, ...] = ()
    pricing_model: str | None = None
    price_capital: float = 0.0
    price_annual: float = 0.0
    price: float | None = None  # whole-life price used for price scoring (evaluations)
    status: str = "published"
    version: int = 1  # current listing version
    chosen_version: int | None = None  # the version shortlisted / evaluated


@dataclass(frozen=True, slots=True)
class ProcurementData:
    name: str
    tools: Sequence[ToolFacts]
    today: date
    criteria: Sequence[Criterion] = ()
    result: EvaluationResult | None = None
    problems: Sequence[str] = ()  # why there is no result yet (e.g. missing scores)
    price_years: int = 3
    status: str = "draft"
    from_shortlist: bool = False


def sensitivity_sentences(
    result: EvaluationResult, tool_names: Mapping[Any, str], criterion_labels: Mapping[str, str]
) -> list[str]:
    """The sensitivity check in words, for pages and reports."""
    if result.winner is None:
        return ["No tools were scored."]
    step = f"{SENSITIVITY_STEP:g}"
    if len(result.ranking) < 2:
        return ["Only one tool was evaluated, so the winner cannot change."]
    if result.winner_stable:
        return [f"The winner does not change if any weight moves by ±{step} points."]
    winner = tool_names.get(result.winner, str(result.winner))
    out = []
    for p in result.flips:
        sign = "+" if p.delta > 0 else "−"
        label = criterion_labels.get(p.criterion, p.criterion)
        out.append(
            f"If the weight of {label} moves by {sign}{step} points (to {p.weights[p.criterion]:.0f}), "
            f"{tool_names.get(p.winner, str(p.winner))} would win instead of {winner}."
        )
    return out


def _risks(data: ProcurementData) -> list[dict[str, CellValue]]:
    rows: list[dict[str, CellValue]] = []
    today = data.today
    suppliers = {t.supplier_name for t in data.tools}
    if len(data.tools) > 0 and len(suppliers) == 1:
        rows.append(
            {
                "tool": "All tools",
                "supplier": next(iter(suppliers)),
                "risk": "Single supplier",
                "detail": "Every tool on the list comes from one supplier: there is no competition.",
            }
        )
    for t in data.tools:

        def add(risk: str, detail: str, tool: ToolFacts = t) -> None:
            rows.append({"tool": tool.name, "supplier": tool.supplier_name, "risk": risk, "detail": detail})

        for name, expires in t.accreditations:
            if expires is not None and expires < today:
                add("Expired accreditation", f"{name} expired on {fmt_date(expires)}.")
            elif expires is not None and expires <= today + timedelta(days=EXPIRING_WITHIN_DAYS):
                add("Accreditation expiring", f"{name} expires on {fmt_date(expires)}.")
        if t.last_reviewed is None or t.last_reviewed < today - timedelta(days=STALE_AFTER_DAYS):
            add(
                "Stale listing",
                f"Last reviewed {fmt_date(t.last_reviewed)} (more than 12 months ago)."
                if t.last_reviewed
                else "The listing has never been reviewed.",
            )
        if not t.verified:
            add("Unverified supplier", "A moderator has not verified this supplier's details.")
        if t.status != "published":
            add("Listing withdrawn", f"The listing is now {t.status}.")
        if t.chosen_version is not None and t.version > t.chosen_version:
            add(
                "Listing changed",
                f"The listing changed after it was chosen (version {t.chosen_version} → {t.version}).",
            )
    return rows


def _comparison(data: ProcurementData) -> Table:
    return Table(
        id="comparison",
        title="Tools compared",
        columns=[
            Column("tool", "Tool"),
            Column("supplier", "Supplier"),
            Column("classification", "Classification"),
            Column("hosting", "Hosting"),
            Column("trl", "TRL", "int"),
            Column("deployments", "Deployment"),
            Column("capital", "Capital", "money"),
            Column("annual", "Annual", "money"),
            Column("price", f"Whole-life ({data.price_years} yr)", "money"),
        ],
        rows=[
            {
                "tool": t.name,
                "supplier": t.supplier_name,
                "classification": t.classification.replace("_", "-"),
                "hosting": t.hosting.upper(),
                "trl": t.trl,
                "deployments": ", ".join(t.deployments),
                "capital": t.price_capital,
                "annual": t.price_annual,
                "price": t.price if t.price is not None else t.price_capital + data.price_years * t.price_annual,
            }
            for t in data.tools
        ],
    )


def _suppliers(data: ProcurementData) -> Table:
    def accs(t: ToolFacts) -> str:
        return "; ".join(f"{n} (expires {fmt_date(e)})" if e else n for n, e in t.accreditations) or "None"

    return Table(
        id="supplier-details",
        title="Supplier details",
        columns=[
            Column("tool", "Tool"),
            Column("supplier", "Supplier"),
            Column("sme", "SME"),
            Column("verified", "Verified"),
            Column("clearances", "Clearances"),
            Column("accreditations", "Accreditations"),
            Column("reviewed", "Last reviewed", "date"),
        ],
        rows=[
            {
                "tool": t.name,
                "supplier": t.supplier_name,
                "sme": "Yes" if t.sme else "No",
                "verified": "Yes" if t.verified else "No",
                "clearances": ", ".join(t.clearances) or "None",
                "accreditations": accs(t),
                "reviewed": t.last_reviewed,
            }
            for t in data.tools
        ],
    )


def _scored_sections(data: ProcurementData, result: EvaluationResult) -> list[Section]:
    names = {t.tool_id: t.name for t in data.tools}
    suppliers = {t.tool_id: t.supplier_name for t in data.tools}
    labels = {c.code: c.name for c in data.criteria}
    criteria = Table(
        id="criteria",
        title="Criteria and weights",
        columns=[
            Column("criterion", "Criterion"),
            Column("kind", "Kind"),
            Column("weight", "Weight (points)", "score"),
        ],
        rows=[
            {"criterion": c.name, "kind": KIND_LABELS.get(c.kind, c.kind), "weight": c.weight} for c in data.criteria
        ],
    )
    score_rows: list[dict[str, CellValue]] = []
    for r in sorted(result.ranking, key=lambda r: (r.rank, names.get(r.tool, ""))):
        for c in data.criteria:
            b = r.breakdown[c.code]
            score_rows.append(
                {
                    "tool": names.get(r.tool, str(r.tool)),
                    "criterion": c.name,
                    "score": b.score,
                    "weighted": b.weighted,
                    "reason": b.reason,
                }
            )
    ranking_cols = [Column("rank", "Rank", "int"), Column("tool", "Tool"), Column("supplier", "Supplier")]
    ranking_cols += [Column(f"c-{i}", f"{c.name} ({c.weight:g})", "score") for i, c in enumerate(data.criteria)]
    ranking_cols.append(Column("total", "Total", "score"))
    ranking_rows = []
    for r in result.ranking:
        row: dict[str, CellValue] = {
            "rank": r.rank,
            "tool": names.get(r.tool, str(r.tool)) + (" (tied)" if r.tied else ""),
            "supplier": suppliers.get(r.tool, ""),
            "total": r.total,
        }
        row.update({f"c-{i}": r.breakdown[c.code].weighted for i, c in enumerate(data.criteria)})
        ranking_rows.append(row)
    sens_rows = [
        {
            "criterion": labels.get(p.criterion, p.criterion),
            "move": f"{'+' if p.delta > 0 else '−'}{abs(p.delta):g}",
            "weight": p.weights[p.criterion],
            "winner": names.get(p.winner, str(p.winner)),
            "changed": "Yes" if p.winner_changed else "No",
            "margin": p.margin,
        }
        for p in result.sensitivity
    ]
    return [
        Section(
            id="criteria",
            title="Criteria and weights",
            tables=[criteria],
            paragraphs=[
                f"Weights are points out of 100. Social value weighs at least {SOCIAL_VALUE_MINIMUM:g} points "
                "(Procurement Policy Note 06/20); there is exactly one price criterion."
            ],
        ),
        Section(
            id="ranking",
            title="Ranking and weighted breakdown",
            tables=[
                Table(
                    id="ranking",
                    title="Ranking (weighted points per criterion)",
                    columns=ranking_cols,
                    rows=ranking_rows,
                    caption="Total = Σ weight × score / 100. Equal totals share a rank; their order follows "
                    "a neutral hash of the tool id, never the name.",
                )
            ],
        ),
        Section(
            id="scores",
            title="Scores with reasons",
            tables=[
                Table(
                    id="scores",
                    title="Every score and its reason",
                    columns=[
                        Column("tool", "Tool"),
                        Column("criterion", "Criterion"),
                        Column("score", "Score (0–100)", "score"),
                        Column("weighted", "Weighted points", "score"),
                        Column("reason", "Reason"),
                    ],
                    rows=score_rows,
                )
            ],
        ),
        Section(
            id="sensitivity",
            title="Sensitivity check",
            paragraphs=[
                *sensitivity_sentences(result, names, labels),
                f"Each weight was moved by +{SENSITIVITY_STEP:g} and −{SENSITIVITY_STEP:g} points in turn, "
                "with the other weights rescaled in proportion so they still sum to 100.",
            ],
            tables=[
                Table(
                    id="sensitivity",
                    title="Winner under each weight change",
                    columns=[
                        Column("criterion", "Criterion moved"),
                        Column("move", "Change"),
                        Column("weight", "New weight", "score"),
                        Column("winner", "Winner"),
                        Column("changed", "Winner changes"),
                        Column("margin", "Lead (points)", "score"),
                    ],
                    rows=sens_rows,
                )
            ],
        ),  # type: ignore[arg-type]
    ]


def _risk_table(risks: list[dict[str, CellValue]]) -> Table:
    columns = [
        Column("tool", "Tool"),
        Column("supplier", "Supplier"),
        Column("risk", "Risk"),
        Column("detail", "Detail"),
    ]
    return Table(id="risks", title="Risks flagged", columns=columns, rows=risks)


def build_procurement_report(data: ProcurementData, meta: ReportMeta, *, kind: str = "procurement") -> Report:
    """Procurement report from an evaluation (scored) or a shortlist (comparison only)."""
    result = data.result
    names = {t.tool_id: t.name for t in data.tools}
    prices = [
        t.price if t.price is not None else t.price_capital + data.price_years * t.price_annual for t in data.tools
    ]
    risks = _risks(data)
    figures = [
        KeyFigure(
            "Tools compared", f"{len(data.tools):,}", _plural(len({t.supplier_name for t in data.tools}), "supplier")
        )
    ]
    summary: list[str] = []
    if result is not None and result.winner is not None:
        top = result.ranking[0]
        figures += [
            KeyFigure(
                "Highest scoring", names.get(result.winner, str(result.winner)), f"{top.total:.1f} of 100 points"
            ),
            KeyFigure(
                "Sensitivity",
                "Stable" if result.winner_stable else "Not stable",
                f"{len(result.flips)} of {len(result.sensitivity)} ±{SENSITIVITY_STEP:g}-point weight moves "
                "change the winner",
            ),
        ]
        summary.append(
            f"{names.get(result.winner, '')} scores highest with {top.total:.1f} of 100 weighted points"
            + (
                f", {top.total - result.ranking[1].total:.1f} ahead of the runner-up."
                if len(result.ranking) > 1
                else "."
            )
        )
        summary += sensitivity_sentences(result, names, {c.code: c.name for c in data.criteria})
    elif data.from_shortlist:
        summary.append(
            "This report compares a shortlist; the tools have not been scored. Run an evaluation to "
            "score them against weighted criteria."
        )
    else:
        summary.append("The evaluation is not complete, so there is no ranking yet: " + "; ".join(data.problems[:5]))
    if prices:
        figures.append(KeyFigure("Lowest whole-life price", _money(min(prices)), f"over {data.price_years} years"))
    figures.append(KeyFigure("Risks flagged", f"{len(risks):,}", "See the risks section"))
    if data.status == "final":
        summary.append("The evaluation is final.")
    # Few top-level sections: each starts a new page in print, so related parts share one.
    risks_section = Section(
        id="risks",
        title="Risks",
        paragraphs=[] if risks else ["No risks flagged."],
        tables=[_risk_table(risks)] if risks else [],
    )
    sections = [
        Section(id="summary", title="Summary", paragraphs=summary),
        Section(
            id="comparison",
            title="Tools, suppliers and risks",
            tables=[_comparison(data)],
            paragraphs=[
                f"Whole-life price is capital cost plus {data.price_years} years of annual cost, unless the "
                "buyer entered a different figure for the evaluation."
            ],
            subsections=[
                Section(id="suppliers", title="Supplier details", tables=[_suppliers(data)]),
                risks_section,
            ],
        ),
    ]
    if result is not None:
        sections.append(
            Section(id="evaluation", title="Scoring and ranking", subsections=_scored_sections(data, result))
        )
    sections.append(
        Section(
            id="method",
            title="Method",
            paragraphs=[
                f"Price scoring: {PRICE_METHOD}. Price is scored from the whole-life price, not entered by hand.",
                "Quality and social value scores are 0–100 per tool per criterion, each with a written reason.",
                f"Accreditations expiring within {EXPIRING_WITHIN_DAYS} days and listings not reviewed for 12 "
                f"months are flagged as risks (as at {fmt_date(data.today)}).",
                "Ties never favour a supplier by name: equal totals share a rank.",
            ],
        )
    )
    title_kind = "Evaluation report" if kind == "evaluation" else "Procurement report"
    return Report(
        kind=kind,  # type: ignore[arg-type]
        title=f"{title_kind}: {data.name}",
        organisation=meta.organisation,
        generated_at=meta.generated_at,
        generated_by=meta.generated_by,
        marking=meta.marking,
        summary=figures,
        sections=sections,
    )


__all__ = [
    "GapReportData",
    "ProcurementData",
    "ReportMeta",
    "RunPoint",
    "ToolFacts",
    "build_gap_report",
    "build_procurement_report",
    "fmt_date",
    "sensitivity_sentences",
]
