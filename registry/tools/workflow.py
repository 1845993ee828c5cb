"""Listing and supplier moderation: submit, approve, reject, request changes, retire, verify.

The only home of status changes: the supplier's review page, the moderation pages, the JSON API
(registry/tools/api.py, registry/suppliers/api.py, and the generic DELETE through the resource
specs' retire hooks) and the import all call these functions, so every door applies the same
checks. Each decision checks the status transition, bumps the record's version (so two
moderators cannot both decide on the same version), and writes an audit event naming it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.actor import Actor
from registry.changelog import services as changelog
from registry.changelog.models import AuditEvent
from registry.db_types import today, utcnow
from registry.enums import Role, ToolStatus
from registry.errors import Conflict, Forbidden, InvalidInput, NotFound
from registry.locking import claim_version
from registry.search.dedupe import DuplicateGroup, SupplierKey, ToolKey, duplicate_report
from registry.suppliers.models import Supplier
from registry.tools.models import CapabilityClaim, Tool
from registry.tools.services import listing_snapshot

MAX_REASON = 4000
LIVE_STATUSES = frozenset({ToolStatus.SUBMITTED.value, ToolStatus.PUBLISHED.value})
RETIRABLE = frozenset({ToolStatus.DRAFT.value, *LIVE_STATUSES})


class StaleDecision(Conflict):
    """The decision was made on a version of the record that is no longer current."""


@dataclass(frozen=True, slots=True)
class ReviewQueue:
    tools: list[tuple[Tool, Supplier]]
    suppliers: list[Supplier]
    claims: list[AuditEvent]


def _require_staff(actor: Actor) -> None:
    actor.require_role(Role.MODERATOR)


def _reason(reasons: str, what: str) -> str:
    text = (reasons or "").strip()
    if not text:
        raise InvalidInput(f"Enter the reasons for {what}.", fields={"reasons": f"Enter the reasons for {what}"})
    if len(text) > MAX_REASON:
        raise InvalidInput(
            "Reasons are too long.", fields={"reasons": f"Reasons must be {MAX_REASON} characters or fewer"}
        )
    return text


def _get(session: Session, model: Any, obj_id: int, label: str) -> Any:
    obj = session.get(model, obj_id)
    if obj is None:
        raise NotFound(f"No {label} with id {obj_id}.")
    return obj


def _bump(session: Session, model: Any, obj: Any, version: int | None) -> None:
    # The decision form (or the API body / If-Match) sends the version it showed; without one the
    # guarded bump still stops two moderators deciding at once. The API turns a stale If-Match
    # into 412 (registry/tools/api.py), so the staleness is named here.
    try:
        claim_version(session, obj, version=version, label="listing" if model is Tool else "supplier")
    except Conflict as exc:
        raise StaleDecision(exc.detail) from exc


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


def _expect_status(tool: Tool, allowed: set[str], doing: str) -> None:
    if tool.status not in allowed:
        raise Conflict(f"This listing is {tool.status}, so it cannot be {doing}.")


def listing_problems(summary: str, description: str, capability_count: int) -> dict[str, str]:
    """What a listing still needs before a moderator can review it (field -> message). Pure."""
    problems: dict[str, str] = {}
    if not summary.strip():
        problems["summary"] = "Add a short summary of the tool"
    if not description.strip():
        problems["description"] = "Add a description of the tool"
    if not capability_count:
        problems["capabilities"] = "Choose at least one capability the tool provides"
    return problems


def submission_problems(session: Session, tool: Tool) -> dict[str, str]:
    """What this listing still needs before a moderator can review it (field -> message)."""
    claims = session.execute(
        select(func.count()).select_from(CapabilityClaim).where(CapabilityClaim.tool_id == tool.id)
    ).scalar_one()
    return listing_problems(tool.summary, tool.description, int(claims))


def supplier_problems(supplier: Supplier | None) -> dict[str, str]:
    """Why this supplier's listings cannot be published yet (a listing never outlives its supplier)."""
    if supplier is None:
        return {"supplier": "The listing has no supplier"}
    if supplier.status != "active":
        return {"supplier": f"{supplier.name} is {supplier.status}: approve the supplier before its listings"}
    return {}


def arrival_problems(
    status: str, *, summary: str, description: str, capability_count: int, supplier: Supplier | None
) -> dict[str, str]:
    """Why a listing cannot arrive already in ``status`` (an import): the checks the workflow
    would have made on its way there. Drafts and retired listings need nothing."""
    if status == ToolStatus.SUBMITTED.value:
        return listing_problems(summary, description, capability_count)
    if status == ToolStatus.PUBLISHED.value:
        return {**supplier_problems(supplier), **listing_problems(summary, description, capability_count)}
    return {}


def submit(session: Session, actor: Actor, tool_id: int, version: int | None = None) -> Tool:
    tool = _owned_tool(session, actor, tool_id)
    _expect_status(tool, {ToolStatus.DRAFT.value}, "submitted")
    problems = submission_problems(session, tool)
    if problems:
        raise InvalidInput("The listing is not ready to submit.", fields=problems)
    before = listing_snapshot(session, tool)
    _bump(session, Tool, tool, version)
    tool.status = ToolStatus.SUBMITTED.value
    tool.last_reviewed = today()
    _tool_decision(session, actor, tool, "submit", f"Submitted {tool.name} for review", before)
    return tool


def approve(session: Session, actor: Actor, tool_id: int, version: int | None = None, note: str = "") -> Tool:
    _require_staff(actor)
    tool = _get(session, Tool, tool_id, "listing")
    _expect_status(tool, {ToolStatus.SUBMITTED.value}, "approved")
    blocked = supplier_problems(session.get(Supplier, tool.supplier_id))
    if blocked:
        raise Conflict(blocked["supplier"] + ".", fields=blocked)
    problems = submission_problems(session, tool)  # it may have been edited since it was submitted
    if problems:
        raise InvalidInput("The listing is not complete enough to publish.", fields=problems)
    before = listing_snapshot(session, tool)
    _bump(session, Tool, tool, version)
    tool.status = ToolStatus.PUBLISHED.value
    tool.last_reviewed = today()
    tool.stale = False
    tool.moderator_feedback = ""
    summary = f"Approved and published {tool.name}" + (f": {note.strip()[:500]}" if note.strip() else "")
    _tool_decision(session, actor, tool, "approve", summary, before)
    return tool


def reject(session: Session, actor: Actor, tool_id: int, reasons: str, version: int | None = None) -> Tool:
    """Turn a submission down for good (out of scope, duplicate, misleading): it is retired."""
    _require_staff(actor)
    text = _reason(reasons, "rejecting the listing")
    tool = _get(session, Tool, tool_id, "listing")
    _expect_status(tool, {ToolStatus.SUBMITTED.value}, "rejected")
    before = listing_snapshot(session, tool)
    _bump(session, Tool, tool, version)
    tool.status = ToolStatus.RETIRED.value
    tool.moderator_feedback = f"Rejected: {text}"
    _tool_decision(session, actor, tool, "reject", f"Rejected {tool.name}: {text[:500]}", before)
    return tool


def request_changes(session: Session, actor: Actor, tool_id: int, reasons: str, version: int | None = None) -> Tool:
    """Send a listing back to its supplier as a draft, with what to fix."""
    _require_staff(actor)
    text = _reason(reasons, "requesting changes")
    tool = _get(session, Tool, tool_id, "listing")
    _expect_status(tool, {ToolStatus.SUBMITTED.value, ToolStatus.PUBLISHED.value}, "sent back for changes")
    before = listing_snapshot(session, tool)
    _bump(session, Tool, tool, version)
    tool.status = ToolStatus.DRAFT.value
    tool.moderator_feedback = text
    _tool_decision(session, actor, tool, "request_changes", f"Requested changes to {tool.name}: {text[:500]}", before)
    return tool


def retire_listing(_session: Session, _actor: Actor, tool: Tool) -> None:
    """The change itself: shared by retire() and the generic DELETE (which audits it itself)."""
    _expect_status(tool, set(RETIRABLE), "retired")
    tool.status = ToolStatus.RETIRED.value
    tool.updated_at = utcnow()


def retire(session: Session, actor: Actor, tool_id: int, version: int | None = None, reason: str = "") -> Tool:
    """Take a listing off the registry for good (its supplier withdraws it, or a moderator does)."""
    tool = _owned_tool(session, actor, tool_id)
    before = listing_snapshot(session, tool)
    _bump(session, Tool, tool, version)
    retire_listing(session, actor, tool)
    summary = f"Retired {tool.name}" + (f": {reason.strip()[:500]}" if reason.strip() else "")
    _tool_decision(session, actor, tool, "retire", summary, before)
    return tool


def _supplier_decision(
    session: Session, actor: Actor, supplier: Supplier, action: str, summary: str, before: dict[str, Any] | None
) -> None:
    supplier.updated_at = utcnow()
    session.flush()
    changelog.record(
        session,
        actor,
        action,
        "supplier",
        supplier.id,
        before=before,
        after=changelog.snapshot(supplier),
        organisation_id=supplier.organisation_id,
        summary=summary,
    )
    changelog.bump_generation(session)


def verify_supplier(session: Session, actor: Actor, supplier_id: int, version: int | None = None) -> Supplier:
    _require_staff(actor)
    supplier = _get(session, Supplier, supplier_id, "supplier")
    if supplier.verified:
        raise Conflict(f"{supplier.name} is already verified.")
    if supplier.status != "active":
        raise Conflict(f"{supplier.name} is {supplier.status}: approve it before verifying it.")
    before = changelog.snapshot(supplier)
    _bump(session, Supplier, supplier, version)
    supplier.verified = True
    _supplier_decision(session, actor, supplier, "verify", f"Verified {supplier.name}", before)
    return supplier


def approve_supplier(session: Session, actor: Actor, supplier_id: int, version: int | None = None) -> Supplier:
    _require_staff(actor)
    supplier = _get(session, Supplier, supplier_id, "supplier")
    if supplier.status != "pending":
        raise Conflict(f"{supplier.name} is {supplier.status}, not waiting for approval.")
    before = changelog.snapshot(supplier)
    _bump(session, Supplier, supplier, version)
    supplier.status = "active"
    _supplier_decision(session, actor, supplier, "approve", f"Approved new supplier {supplier.name}", before)
    return supplier


def reject_supplier(
    session: Session, actor: Actor, supplier_id: int, reasons: str, version: int | None = None
) -> Supplier:
    _require_staff(actor)
    text = _reason(reasons, "rejecting the supplier")
    supplier = _get(session, Supplier, supplier_id, "supplier")
    if supplier.status != "pending":
        raise Conflict(f"{supplier.name} is {supplier.status}, not waiting for approval.")
    before = changelog.snapshot(supplier)
    _bump(session, Supplier, supplier, version)
    supplier.status = "rejected"
    _supplier_decision(session, actor, supplier, "reject", f"Rejected supplier {supplier.name}: {text[:500]}", before)
    return supplier


def retire_supplier(session: Session, _actor: Actor, supplier: Supplier) -> None:
    """The generic DELETE's change: refused while the supplier still has live listings, so no
    published listing is left behind a supplier page that answers 404."""
    if supplier.status == "retired":
        raise Conflict(f"{supplier.name} is already retired.")
    live = session.execute(
        select(func.count())
        .select_from(Tool)
        .where(Tool.supplier_id == supplier.id, Tool.status.in_(sorted(LIVE_STATUSES)))  # type: ignore[attr-defined]
    ).scalar_one()
    if live:
        raise Conflict(
            f"{supplier.name} still has {live} submitted or published listing(s): retire them first.",
            fields={"status": "retire the supplier's live listings first"},
        )
    supplier.status = "retired"
    supplier.updated_at = utcnow()


def review_queue(session: Session, actor: Actor, claims_limit: int = 50) -> ReviewQueue:
    _require_staff(actor)
    tools = session.execute(
        select(Tool, Supplier)
        .join(Supplier, Supplier.id == Tool.supplier_id)
        .where(Tool.status == ToolStatus.SUBMITTED.value)
        .order_by(Tool.updated_at, Tool.id)
    ).all()
    suppliers = (
        session.execute(select(Supplier).where(Supplier.status == "pending").order_by(Supplier.created_at, Supplier.id))
        .scalars()
        .all()
    )
    claims = (
        session.execute(
            select(AuditEvent)
            .where(AuditEvent.action == "claim_request")
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
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
    _require_staff(actor)
    suppliers = {s.id: s for s in session.execute(select(Supplier).where(Supplier.status != "rejected")).scalars()}
    tools = {t.id: t for t in session.execute(select(Tool).where(Tool.status != ToolStatus.RETIRED.value)).scalars()}
    groups: list[DuplicateGroup] = duplicate_report(
        [SupplierKey(s.id, s.name, s.companies_house_number, s.website) for s in suppliers.values()],  # type: ignore[arg-type]
        [ToolKey(t.id, t.supplier_id, t.name) for t in tools.values()],  # type: ignore[arg-type]
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
