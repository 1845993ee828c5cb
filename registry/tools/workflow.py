"""Listing moderation: submit, approve, reject, request changes, retire; the review queue, the
likely-duplicates report and who may read a record's history. Supplier decisions are in
registry/suppliers/workflow.py, what a listing needs in each status in registry/tools/rules.py.

The only home of status changes: the supplier's review page, the moderation pages, the JSON API
(registry/tools/api.py and the generic DELETE through the resource
specs' retire hooks) and the import all call these functions, so every door applies the same
checks. Each decision checks the status transition, bumps the record's version (so two
moderators cannot both decide on the same version), and writes an audit event naming it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.accounts.email_verification import supplier_email_problem
from registry.actor import Actor
from registry.changelog import services as changelog
from registry.changelog.models import AuditEvent
from registry.db_types import require_id, today, utcnow
from registry.enums import Role, ToolStatus
from registry.errors import Conflict, Forbidden, InvalidInput, NotFound
from registry.search.dedupe import DuplicateGroup, SupplierKey, ToolKey, duplicate_report
from registry.suppliers.models import Supplier
from registry.suppliers.workflow import (
    claim_decision,
    get_record,
    reason_text,
    require_staff,
    supplier_problems,
)
from registry.tools.models import CapabilityClaim, Tool
from registry.tools.rules import expect_status, listing_problems, retire_listing
from registry.tools.services import listing_snapshot


@dataclass(frozen=True, slots=True)
class ReviewQueue:
    tools: list[tuple[Tool, Supplier]]
    suppliers: list[Supplier]
    claims: list[AuditEvent]


def _owned_tool(session: Session, actor: Actor, tool_id: int) -> Tool:
    """A listing its own supplier (or a moderator) acts on; others get 404 where they could not
    see it anyway, 403 where they can (a published listing)."""
    tool = session.get(Tool, tool_id)
    owner = tool is not None and actor.role is Role.SUPPLIER and actor.supplier_id == tool.supplier_id
    if tool is None or not (owner or actor.is_staff or tool.status == ToolStatus.PUBLISHED.value):
        raise NotFound(f"No listing with id {tool_id}.")
    if not (owner or actor.is_staff):
        raise Forbidden("Only the supplier that owns this listing, or a moderator, can do this.")
    return tool


def _tool_decision(
    session: Session, actor: Actor, tool: Tool, action: str, summary: str, before: dict[str, Any] | None
) -> None:
    tool.updated_at = utcnow()
    session.flush()
    # The full listing, children included: listing versions are made from this event alone.
    changelog.record(
        session, actor, action, "tool", tool.id, before=before, after=listing_snapshot(session, tool), summary=summary
    )
    changelog.bump_generation(session)


def submission_problems(session: Session, tool: Tool) -> dict[str, str]:
    """What this listing still needs before a moderator can review it (field -> message)."""
    claims = session.execute(
        select(func.count()).select_from(CapabilityClaim).where(col(CapabilityClaim.tool_id) == tool.id)
    ).scalar_one()
    return listing_problems(tool.summary, tool.description, int(claims))


def submit(session: Session, actor: Actor, tool_id: int, version: int | None = None) -> Tool:
    tool = _owned_tool(session, actor, tool_id)
    expect_status(tool, {ToolStatus.DRAFT.value}, "submitted")
    supplier = session.get(Supplier, tool.supplier_id)
    unverified = supplier_email_problem(session, supplier.organisation_id) if supplier else None
    if unverified:
        raise Forbidden(unverified + ".")
    problems = submission_problems(session, tool)
    if problems:
        raise InvalidInput("The listing is not ready to submit.", fields=problems)
    before = listing_snapshot(session, tool)
    claim_decision(session, Tool, tool, version)
    tool.status = ToolStatus.SUBMITTED.value
    tool.last_reviewed = today()
    _tool_decision(session, actor, tool, "submit", f"Submitted {tool.name} for review", before)
    return tool


def approve(session: Session, actor: Actor, tool_id: int, version: int | None = None, note: str = "") -> Tool:
    require_staff(actor)
    tool = get_record(session, Tool, tool_id, "listing")
    expect_status(tool, {ToolStatus.SUBMITTED.value}, "approved")
    blocked = supplier_problems(session.get(Supplier, tool.supplier_id))
    if blocked:
        raise Conflict(blocked["supplier"] + ".", fields=blocked)
    problems = submission_problems(session, tool)  # it may have been edited since it was submitted
    if problems:
        raise InvalidInput("The listing is not complete enough to publish.", fields=problems)
    before = listing_snapshot(session, tool)
    claim_decision(session, Tool, tool, version)
    tool.status = ToolStatus.PUBLISHED.value
    tool.last_reviewed = today()
    tool.stale = False
    tool.moderator_feedback = ""
    summary = f"Approved and published {tool.name}" + (f": {note.strip()[:500]}" if note.strip() else "")
    _tool_decision(session, actor, tool, "approve", summary, before)
    return tool


def reject(session: Session, actor: Actor, tool_id: int, reasons: str, version: int | None = None) -> Tool:
    """Turn a submission down for good (out of scope, duplicate, misleading): it is retired."""
    require_staff(actor)
    text = reason_text(reasons, "rejecting the listing")
    tool = get_record(session, Tool, tool_id, "listing")
    expect_status(tool, {ToolStatus.SUBMITTED.value}, "rejected")
    before = listing_snapshot(session, tool)
    claim_decision(session, Tool, tool, version)
    tool.status = ToolStatus.RETIRED.value
    tool.moderator_feedback = f"Rejected: {text}"
    _tool_decision(session, actor, tool, "reject", f"Rejected {tool.name}: {text[:500]}", before)
    return tool


def request_changes(session: Session, actor: Actor, tool_id: int, reasons: str, version: int | None = None) -> Tool:
    """Send a listing back to its supplier as a draft, with what to fix."""
    require_staff(actor)
    text = reason_text(reasons, "requesting changes")
    tool = get_record(session, Tool, tool_id, "listing")
    expect_status(tool, {ToolStatus.SUBMITTED.value, ToolStatus.PUBLISHED.value}, "sent back for changes")
    before = listing_snapshot(session, tool)
    claim_decision(session, Tool, tool, version)
    tool.status = ToolStatus.DRAFT.value
    tool.moderator_feedback = text
    _tool_decision(session, actor, tool, "request_changes", f"Requested changes to {tool.name}: {text[:500]}", before)
    return tool


def retire(session: Session, actor: Actor, tool_id: int, version: int | None = None, reason: str = "") -> Tool:
    """Take a listing off the registry for good (its supplier withdraws it, or a moderator does)."""
    tool = _owned_tool(session, actor, tool_id)
    before = listing_snapshot(session, tool)
    claim_decision(session, Tool, tool, version)
    retire_listing(session, actor, tool)
    summary = f"Retired {tool.name}" + (f": {reason.strip()[:500]}" if reason.strip() else "")
    _tool_decision(session, actor, tool, "retire", summary, before)
    return tool


def review_queue(session: Session, actor: Actor, claims_limit: int = 50) -> ReviewQueue:
    require_staff(actor)
    tools = session.execute(
        select(Tool, Supplier)
        .join(Supplier, col(Supplier.id) == col(Tool.supplier_id))
        .where(col(Tool.status) == ToolStatus.SUBMITTED.value)
        .order_by(col(Tool.updated_at), col(Tool.id))
    ).all()
    suppliers = (
        session.execute(
            select(Supplier)
            .where(col(Supplier.status) == "pending")
            .order_by(col(Supplier.created_at), col(Supplier.id))
        )
        .scalars()
        .all()
    )
    claims = (
        session.execute(
            select(AuditEvent)
            .where(col(AuditEvent.action) == "claim_request")
            .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
            .limit(claims_limit)
        )
        .scalars()
        .all()
    )
    return ReviewQueue(list(tools), list(suppliers), list(claims))


@dataclass(frozen=True, slots=True)
class DuplicateRow:
    kind: str
    score: float
    members: list[dict[str, Any]]  # {id, name, detail, href}
    reasons: list[str]


def _signal_text(signal: str) -> str:
    if signal.startswith("similar_name:"):
        return f"similar name ({signal.split(':', 1)[1]}% alike)"
    return {
        "same_company_number": "same Companies House number",
        "same_domain": "same website domain",
        "same_supplier": "same supplier",
    }.get(signal, signal)


def duplicates(session: Session, actor: Actor) -> list[DuplicateRow]:
    """Likely duplicate suppliers and tools across the whole registry (retired records left out)."""
    require_staff(actor)
    suppliers = {
        require_id(s): s for s in session.execute(select(Supplier).where(col(Supplier.status) != "rejected")).scalars()
    }
    tools = {
        require_id(t): t
        for t in session.execute(select(Tool).where(col(Tool.status) != ToolStatus.RETIRED.value)).scalars()
    }
    groups: list[DuplicateGroup] = duplicate_report(
        [SupplierKey(sid, s.name, s.companies_house_number, s.website) for sid, s in suppliers.items()],
        [ToolKey(tid, t.supplier_id, t.name) for tid, t in tools.items()],
    )
    rows = []
    for g in groups:
        reasons = sorted({_signal_text(sig) for _a, m in g.pairs for sig in m.signals})
        if g.kind == "supplier":
            members = [
                {
                    "id": i,
                    "name": suppliers[i].name,
                    "href": f"/suppliers/{i}/history",
                    "detail": f"{suppliers[i].companies_house_number} · {suppliers[i].website or 'no website'}"
                    f" · {suppliers[i].status}",
                }
                for i in g.ids
            ]
        else:
            members = [
                {
                    "id": i,
                    "name": tools[i].name,
                    "href": f"/tools/{i}/history",
                    "detail": f"{suppliers[tools[i].supplier_id].name if tools[i].supplier_id in suppliers else '?'}"
                    f" · {tools[i].status}",
                }
                for i in g.ids
            ]
        rows.append(DuplicateRow(g.kind, g.score, members, reasons))
    return rows


def can_see_history(actor: Actor, *, supplier_id: int, public: bool) -> bool:
    """Staff and the owning supplier see any record's history; others only published records'."""
    if actor.is_staff:
        return True
    if actor.role is Role.SUPPLIER and actor.supplier_id == supplier_id:
        return True
    return public


def require_history_access(actor: Actor, *, supplier_id: int, public: bool, label: str) -> None:
    if not can_see_history(actor, supplier_id=supplier_id, public=public):
        raise NotFound(f"No {label} found.")
