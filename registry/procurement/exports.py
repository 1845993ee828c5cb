"""Project exports: results with decisions (CSV, XLSX) and the OCDS release package.

The project record (PDF and HTML) is a report: `assessments.reports.project_record` builds it
with the shared report renderers (registry never imports assessments)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.db_types import utcnow
from registry.exports import Column, to_csv, to_xlsx
from registry.procurement.decisions import REASONS
from registry.procurement.ocds import OcdsAward, OcdsItem, OcdsParty, OcdsProject, release_package
from registry.procurement.services import ProjectView, ResultView, award_version
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


def reason_label(code: str | None) -> str:
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
        reason_label(d.reason_code if d else None),
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
            select(CapabilityNode).where(col(CapabilityNode.id).in_({r.capability_node_id for r in view.requirements}))
        ).scalars()
    }
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
