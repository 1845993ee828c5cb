"""Supplier decisions: verify, approve, reject and retire a supplier; and what every moderation
decision shares (reasons, the version claim, the staff check).

The only home of a supplier's status changes: the moderation pages, the JSON API
(registry/suppliers/api.py) and the generic DELETE (the supplier spec's retire hook) call these.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.actor import Actor
from registry.changelog import services as changelog
from registry.db_types import utcnow
from registry.enums import LIVE_TOOL_STATUSES, Role
from registry.errors import Conflict, InvalidInput, NotFound
from registry.locking import StaleDecision, claim_version
from registry.suppliers.models import Supplier
from registry.tools.models import Tool

MAX_REASON = 4000


def require_staff(actor: Actor) -> None:
    actor.require_role(Role.MODERATOR)


def reason_text(reasons: str, what: str) -> str:
    text = (reasons or "").strip()
    if not text:
        raise InvalidInput(f"Enter the reasons for {what}.", fields={"reasons": f"Enter the reasons for {what}"})
    if len(text) > MAX_REASON:
        raise InvalidInput(
            "Reasons are too long.", fields={"reasons": f"Reasons must be {MAX_REASON} characters or fewer"}
        )
    return text


def get_record(session: Session, model: Any, obj_id: int, label: str) -> Any:
    obj = session.get(model, obj_id)
    if obj is None:
        raise NotFound(f"No {label} with id {obj_id}.")
    return obj


def claim_decision(session: Session, model: Any, obj: Any, version: int | None) -> None:
    """Claim the record's version for a decision (see registry/locking.py)."""
    # The decision form (or the API body / If-Match) sends the version it showed; without one the
    # guarded bump still stops two moderators deciding at once. The API turns a stale If-Match
    # into 412 (registry/tools/api.py), so the staleness is named here.
    try:
        claim_version(session, obj, version=version, label="supplier" if model is Supplier else "listing")
    except Conflict as exc:
        raise StaleDecision(exc.detail) from exc


def supplier_problems(supplier: Supplier | None) -> dict[str, str]:
    """Why this supplier's listings cannot be published yet (a listing never outlives its supplier)."""
    if supplier is None:
        return {"supplier": "The listing has no supplier"}
    if supplier.status != "active":
        return {"supplier": f"{supplier.name} is {supplier.status}: approve the supplier before its listings"}
    return {}


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
    require_staff(actor)
    supplier = get_record(session, Supplier, supplier_id, "supplier")
    if supplier.verified:
        raise Conflict(f"{supplier.name} is already verified.")
    if supplier.status != "active":
        raise Conflict(f"{supplier.name} is {supplier.status}: approve it before verifying it.")
    before = changelog.snapshot(supplier)
    claim_decision(session, Supplier, supplier, version)
    supplier.verified = True
    _supplier_decision(session, actor, supplier, "verify", f"Verified {supplier.name}", before)
    return supplier


def approve_supplier(session: Session, actor: Actor, supplier_id: int, version: int | None = None) -> Supplier:
    require_staff(actor)
    supplier = get_record(session, Supplier, supplier_id, "supplier")
    if supplier.status != "pending":
        raise Conflict(f"{supplier.name} is {supplier.status}, not waiting for approval.")
    before = changelog.snapshot(supplier)
    claim_decision(session, Supplier, supplier, version)
    supplier.status = "active"
    _supplier_decision(session, actor, supplier, "approve", f"Approved new supplier {supplier.name}", before)
    return supplier


def reject_supplier(
    session: Session, actor: Actor, supplier_id: int, reasons: str, version: int | None = None
) -> Supplier:
    require_staff(actor)
    text = reason_text(reasons, "rejecting the supplier")
    supplier = get_record(session, Supplier, supplier_id, "supplier")
    if supplier.status != "pending":
        raise Conflict(f"{supplier.name} is {supplier.status}, not waiting for approval.")
    before = changelog.snapshot(supplier)
    claim_decision(session, Supplier, supplier, version)
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
        .where(col(Tool.supplier_id) == supplier.id, col(Tool.status).in_(sorted(LIVE_TOOL_STATUSES)))
    ).scalar_one()
    if live:
        raise Conflict(
            f"{supplier.name} still has {live} submitted or published listing(s): retire them first.",
            fields={"status": "retire the supplier's live listings first"},
        )
    supplier.status = "retired"
    supplier.updated_at = utcnow()
