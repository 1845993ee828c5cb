"""Project exports: results with decisions (CSV, XLSX), the OCDS release package and the
project record (PDF through the shared report renderers, HTML when they are not installed)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.db_types import utcnow
from registry.exports import Column, to_csv, to_xlsx
from registry.procurement.ocds import OcdsAward, OcdsItem, OcdsParty, OcdsProject, release_package
from registry.procurement.services import (
    OUTCOME_KINDS,
    REASONS,
    STATUS_LABELS,
    ProjectView,
    ResultView,
    award_version,
)
from registry.suppliers.models import Supplier
from registry.taxonomy.models import CapabilityNode

RESULT_COLUMNS = (
    Column("Position", "int", 10),
    Column("Tool", "text", 32),
    Column("Listing version", "int", 14),
    Column("Supplier", "text", 32),
    Column("SME", "bool", 8),
    Column("Search score", "int", 12),
    Column("Decision", "text", 12),
    Column("Reason", "text", 36),
    Column("Reason detail", "text", 40),
    Column("Reason suggested by matching", "bool", 14),
    Column("Suggested reasons", "text", 60),
    Column("Decided at", "date", 14),
)


def _reason_label(code: str | None) -> str:
    return REASONS.get(code, code) if code else ""


def result_row(r: ResultView) -> list[Any]:
    d = r.decision
    return [
        r.result.position,
        r.tool_name,
        r.result.tool_version_number,
        r.supplier_name,
        r.sme,
        r.result.score,
        (d.decision if d else "undecided"),
        _reason_label(d.reason_code if d else None),
        (d.reason_text if d else ""),
        (d.suggested if d else False),
        "; ".join(s["message"] for s in r.result.suggestions),
        (d.decided_at.date() if d else None),
    ]


def results_csv(view: ProjectView) -> bytes:
    return to_csv(RESULT_COLUMNS, [result_row(r) for r in view.results])


def results_xlsx(view: ProjectView) -> bytes:
    return to_xlsx(RESULT_COLUMNS, [result_row(r) for r in view.results], sheet_title="Results and decisions")


# --- OCDS -------------------------------------------------------------------------------------


def _supplier_party(supplier: Supplier) -> OcdsParty:
    return OcdsParty(
        id=f"GB-COH-{supplier.companies_house_number}",
        name=supplier.name,
        roles=("supplier",),
        scheme="GB-COH",
        identifier=supplier.companies_house_number,
        region=supplier.region,
        street_address=supplier.address,
        size_band=supplier.size_band,
        website=supplier.website,
    )


def ocds_project(session: Session, view: ProjectView) -> OcdsProject:
    p = view.project
    nodes = {
        n.id: n
        for n in session.execute(
            select(CapabilityNode).where(CapabilityNode.id.in_({r.capability_node_id for r in view.requirements}))
        ).scalars()
    }  # type: ignore[attr-defined]
    items = tuple(
        OcdsItem(
            id=r.code,
            description=r.title,
            classification_scheme="x_socregCapability",
            classification_id=nodes[r.capability_node_id].code if r.capability_node_id in nodes else "",
            classification_description=nodes[r.capability_node_id].name if r.capability_node_id in nodes else "",
        )
        for r in view.requirements
    )
    buyer = OcdsParty(
        id=f"socreg-org-{p.organisation_id}", name=view.organisation_name, roles=("buyer", "procuringEntity")
    )
    award = None
    outcome = view.outcome
    if outcome is not None and outcome.kind == "awarded" and outcome.supplier_id is not None:
        supplier = session.get(Supplier, outcome.supplier_id)
        version = award_version(session, outcome)
        name = str(version.snapshot.get("name")) if version else f"Tool {outcome.tool_id}"
        if supplier is not None:
            award = OcdsAward(
                id=f"{p.id}-award-1",
                title=f"{name} (listing version {outcome.tool_version_number})",
                date=outcome.recorded_at,
                value=outcome.value,
                supplier=_supplier_party(supplier),
                items=(
                    OcdsItem(
                        id=f"tool-{outcome.tool_id}-v{outcome.tool_version_number}",
                        description=f"{name}, listing version {outcome.tool_version_number}",
                    ),
                ),
                start_date=outcome.start_date,
                end_date=outcome.end_date,
            )
    updated = outcome.recorded_at if outcome else p.created_at
    return OcdsProject(
        project_id=p.id,
        title=p.name,
        description=p.need_statement,
        status=p.status,
        created_at=p.created_at,
        updated_at=updated,
        buyer=buyer,
        budget=p.budget,
        items=items,
        award=award,
        status_reason=outcome.reason if outcome else "",
    )


def ocds_package(session: Session, view: ProjectView, base_url: str) -> dict[str, Any]:
    return release_package(ocds_project(session, view), published_at=utcnow(), base_url=base_url)


# --- the project record -----------------------------------------------------------------------


def _money(value: float | None) -> str:
    return "Not set" if value is None else f"£{value:,.0f}"


def record_report(session: Session, view: ProjectView, generated_by: str) -> Any:
    """The project record as the shared report model (kind "project_record")."""
    from assessments.reports.model import Column as RCol
    from assessments.reports.model import KeyFigure, Report, Section, Table

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
        [{"code": r.code, "title": r.title, "priority": r.priority.upper()} for r in view.requirements],
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
                "filters": _filters_text(s.filters),
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
        [{"at": e.at.strftime("%d %b %Y %H:%M"), "who": e.actor_label, "what": e.summary} for e in reversed(view.log)],
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


def _filters_text(filters: dict[str, Any]) -> str:
    return "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in filters.items()) or "none"


def _reason_text(r: ResultView) -> str:
    d = r.decision
    if d is None or d.decision == "keep":
        return d.reason_text if d else ""
    text = _reason_label(d.reason_code)
    if d.suggested:
        text += " (suggested by matching, confirmed)"
    return f"{text}: {d.reason_text}" if d.reason_text else text


def _outcome_paragraphs(session: Session, view: ProjectView) -> list[str]:
    o = view.outcome
    if o is None:
        return ["No outcome has been recorded yet; the project is open."]
    lines = [f"{OUTCOME_KINDS[o.kind]} on {o.recorded_at:%d %B %Y}. The project is locked."]
    if o.kind == "awarded":
        version = award_version(session, o)
        name = version.snapshot.get("name") if version else f"tool {o.tool_id}"
        supplier = view.outcome_result.supplier_name if view.outcome_result else ""
        lines.append(
            f"Awarded to {supplier} for {name}, listing version {o.tool_version_number}, "
            f"value {_money(o.value)}, from {o.start_date:%d %B %Y} to {o.end_date:%d %B %Y}."
        )
    if o.reason:
        lines.append(f"Reason: {o.reason}")
    return lines


def record_pdf(session: Session, view: ProjectView, generated_by: str) -> bytes | None:
    """PDF bytes, or None when the report renderers are not available in this install."""
    try:
        from assessments.reports.render_pdf import render_pdf
    except ImportError:
        return None
    return render_pdf(record_report(session, view, generated_by))


def record_html(session: Session, view: ProjectView, generated_by: str) -> str:
    from assessments.reports.render_html import render_html_document

    return render_html_document(record_report(session, view, generated_by))
