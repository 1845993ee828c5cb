"""The procurement project record as a report (PDF and printable HTML), served next to the
project's other exports at /projects/{id}/record.pdf|html and /api/v1/projects/{id}/record.pdf|html.

It lives here, not in registry.procurement, because it uses the report model and renderers:
assessments may import registry, never the reverse.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from assessments.reports.document import Column as RCol
from assessments.reports.document import KeyFigure, Report, Section, Table
from registry.db_types import utcnow
from registry.enums import MoSCoW
from registry.formatting import long_date, pounds, short_date_time
from registry.procurement.decisions import reason_words
from registry.procurement.services import OUTCOME_KINDS, STATUS_LABELS, ProjectView, ResultView, award_version
from registry.procurement.views import filters_text


def _money(value: float | None) -> str:
    return pounds(value, missing="Not set")


def record_report(session: Session, view: ProjectView, generated_by: str) -> Any:
    """The project record as the shared report model (kind "project_record")."""
    p, outcome = view.project, view.outcome
    kept = len(view.kept)
    excluded = sum(1 for r in view.results if r.decision and r.decision.decision == "exclude")
    figures = [
        KeyFigure("Status", STATUS_LABELS.get(p.status, p.status)),
        KeyFigure("Budget", _money(p.budget)),
        KeyFigure("Frozen results", str(len(view.results))),
        KeyFigure("Kept / excluded", f"{kept} / {excluded}"),
    ]
    if outcome is not None and outcome.kind == "awarded":
        figures.append(KeyFigure("Award value", _money(outcome.value)))
    reqs = Table(
        "requirements",
        "Linked IM requirements",
        [RCol("code", "Code"), RCol("title", "Requirement"), RCol("priority", "Priority")],
        [{"code": r.code, "title": r.title, "priority": MoSCoW.label_of(r.priority)} for r in view.requirements],
    )
    searches = Table(
        "searches",
        "Searches",
        [
            RCol("at", "Saved", "date"),
            RCol("q", "Query"),
            RCol("filters", "Filters"),
            RCol("n", "Results", "int"),
            RCol("frozen", "Frozen"),
        ],
        [
            {
                "at": s.created_at,
                "q": s.query or "(all tools)",
                "filters": filters_text(s.filters),
                "n": s.result_count,
                "frozen": "Yes" if s.frozen else "",
            }
            for s in view.searches
        ],
    )
    results = Table(
        "results",
        "Frozen results and decisions",
        [
            RCol("pos", "#", "int"),
            RCol("tool", "Tool (listing version)"),
            RCol("supplier", "Supplier"),
            RCol("score", "Score", "score"),
            RCol("decision", "Decision"),
            RCol("reason", "Reason"),
        ],
        [
            {
                "pos": r.result.position,
                "tool": f"{r.tool_name} (v{r.result.tool_version_number})",
                "supplier": r.supplier_name + (" (SME)" if r.sme else ""),
                "score": r.result.score,
                "decision": r.decision.decision.capitalize() if r.decision else "Undecided",
                "reason": _reason_text(r),
            }
            for r in view.results
        ],
    )
    log = Table(
        "log",
        "Project log",
        [RCol("at", "When"), RCol("who", "Who"), RCol("what", "What")],
        [{"at": short_date_time(e.at), "who": e.actor_label, "what": e.summary} for e in reversed(view.log)],
    )
    sections = [
        Section("need", "The need", [p.need_statement or "No need statement was recorded."], [reqs]),
        Section(
            "search",
            "Searches",
            ["Ties in search results are ordered by a stable shuffle per project, never by supplier name."],
            [searches],
        ),
        Section("decisions", "Results and decisions", [], [results]),
        Section("outcome", "Outcome", _outcome_paragraphs(session, view)),
        Section("project-log", "Project log", [], [log]),
    ]
    return Report(
        kind="project_record",
        title=f"Project record: {p.name}",
        organisation=view.organisation_name,
        generated_at=utcnow(),
        generated_by=generated_by,
        summary=figures,
        sections=sections,
        marking="OFFICIAL-SENSITIVE",
    )


def _reason_text(r: ResultView) -> str:
    d = r.decision
    if d is None or d.decision == "keep":
        return d.reason_text if d else ""
    # The reason's own words and the buyer's note, never the "Other (explain in the text)" label.
    text = reason_words(d.reason_code, d.reason_text)
    return text + (" (suggested by matching, confirmed)" if d.suggested else "")


def _outcome_paragraphs(session: Session, view: ProjectView) -> list[str]:
    o = view.outcome
    if o is None:
        return ["No outcome has been recorded yet; the project is open."]
    lines = [f"{OUTCOME_KINDS[o.kind]} on {long_date(o.recorded_at)}. The project is locked."]
    if o.kind == "awarded":
        version = award_version(session, o)
        name = version.snapshot.get("name") if version else f"tool {o.tool_id}"
        supplier = view.outcome_result.supplier_name if view.outcome_result else ""
        lines.append(
            f"Awarded to {supplier} for {name}, listing version {o.tool_version_number}, "
            f"value {_money(o.value)}, from {long_date(o.start_date)} to {long_date(o.end_date)}."
        )
    if o.reason:
        lines.append(f"Reason: {o.reason}")
    return lines
