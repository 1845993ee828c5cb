"""The procurement and evaluation reports, built from plain data (shortlists, evaluations).

Pure: plain dataclasses in, a ``Report`` out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from assessments.evaluations.scoring import (
    KIND_LABELS,
    PRICE_METHOD,
    SENSITIVITY_STEP,
    SOCIAL_VALUE_MINIMUM,
    Criterion,
    EvaluationResult,
    ToolKey,
)
from assessments.reports.common import ReportMeta
from assessments.reports.document import (
    CellValue,
    Column,
    KeyFigure,
    Report,
    Section,
    Table,
)
from registry.enums import Classification, Clearance, Deployment, Hosting, ToolStatus
from registry.formatting import long_date, plural, pounds
from registry.tools import hygiene

# ---------------------------------------------------------------- procurement / evaluation report

ProcurementKind = Literal["procurement", "evaluation"]  # the two reports this module builds
PROCUREMENT_KINDS: tuple[ProcurementKind, ...] = ("procurement", "evaluation")


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
    first_published: date | None = None  # when never reviewed, staleness counts from here
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
            state = hygiene.accreditation_state(expires, today)
            if state == "expired":
                add("Expired accreditation", f"{name} expired on {long_date(expires)}.")
            elif state == "expiring":
                add("Accreditation expiring", f"{name} expires on {long_date(expires)}.")
        if hygiene.is_stale(t.last_reviewed, t.first_published, today):
            checked = hygiene.checked_text(t.last_reviewed, t.first_published)
            add("Stale listing", f"The listing was {checked}, more than 12 months ago.")
        if not t.verified:
            add("Unverified supplier", "A moderator has not verified this supplier's details.")
        if t.status != "published":
            add("Listing withdrawn", f"The listing is now {ToolStatus.label_of(t.status).lower()}.")
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
                "classification": Classification.label_of(t.classification),
                "hosting": Hosting.label_of(t.hosting),
                "trl": t.trl,
                "deployments": ", ".join(Deployment.label_of(d) for d in t.deployments),
                "capital": t.price_capital,
                "annual": t.price_annual,
                "price": t.price if t.price is not None else t.price_capital + data.price_years * t.price_annual,
            }
            for t in data.tools
        ],
    )


def _suppliers(data: ProcurementData) -> Table:
    def accs(t: ToolFacts) -> str:
        return "; ".join(f"{n} (expires {long_date(e)})" if e else n for n, e in t.accreditations) or "None"

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
                "clearances": ", ".join(Clearance.label_of(c) for c in t.clearances) or "None",
                "accreditations": accs(t),
                "reviewed": t.last_reviewed,
            }
            for t in data.tools
        ],
    )


def _scored_sections(data: ProcurementData, result: EvaluationResult) -> list[Section]:
    names: dict[ToolKey, str] = {t.tool_id: t.name for t in data.tools}
    suppliers: dict[ToolKey, str] = {t.tool_id: t.supplier_name for t in data.tools}
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
    sens_rows: list[dict[str, CellValue]] = [
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
        ),
    ]


def _risk_table(risks: list[dict[str, CellValue]]) -> Table:
    columns = [
        Column("tool", "Tool"),
        Column("supplier", "Supplier"),
        Column("risk", "Risk"),
        Column("detail", "Detail"),
    ]
    return Table(id="risks", title="Risks flagged", columns=columns, rows=risks)


def build_procurement_report(
    data: ProcurementData, meta: ReportMeta, *, kind: ProcurementKind = "procurement"
) -> Report:
    """Procurement report from an evaluation (scored) or a shortlist (comparison only)."""
    result = data.result
    names: dict[ToolKey, str] = {t.tool_id: t.name for t in data.tools}
    prices = [
        t.price if t.price is not None else t.price_capital + data.price_years * t.price_annual for t in data.tools
    ]
    risks = _risks(data)
    figures = [
        KeyFigure(
            "Tools compared", f"{len(data.tools):,}", plural(len({t.supplier_name for t in data.tools}), "supplier")
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
        figures.append(KeyFigure("Lowest whole-life price", pounds(min(prices)), f"over {data.price_years} years"))
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
                f"Accreditations expiring within {hygiene.ACCREDITATION_WARN_DAYS} days and listings not "
                f"reviewed for 12 months (counted from first publication when never reviewed) are flagged as "
                f"risks (as at {long_date(data.today)}).",
                "Ties never favour a supplier by name: equal totals share a rank.",
            ],
        )
    )
    title_kind = "Evaluation report" if kind == "evaluation" else "Procurement report"
    return Report(
        kind=kind,
        title=f"{title_kind}: {data.name}",
        organisation=meta.organisation,
        generated_at=meta.generated_at,
        generated_by=meta.generated_by,
        marking=meta.marking,
        summary=figures,
        sections=sections,
    )
