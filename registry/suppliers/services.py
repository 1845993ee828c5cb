"""Suppliers: the resource spec (API reads and edits), and the one definition of what each
reader may see of a supplier (the public page, the API and the export all use supplier_view)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlmodel import col

from registry.actor import Actor
from registry.db_types import utcnow
from registry.enums import Role, SizeBand
from registry.errors import Forbidden
from registry.resources import FilterSpec, ResourceSpec, refuse_workflow_fields
from registry.suppliers import registration, workflow
from registry.suppliers.models import Supplier
from registry.suppliers.schemas import StaffSupplierCreate, SupplierRead, SupplierUpdate

STAFF_ONLY_FIELDS = {"verified", "status"}

# What the public supplier page shows (templates/suppliers/public.html), and so all that anonymous
# API reads and the public export show.
PUBLIC_FIELDS = frozenset(
    {
        "id",
        "organisation_id",
        "name",
        "companies_house_number",
        "region",
        "website",
        "size_band",
        "sme",
        "clearances",
        "verified",
        "status",
        "created_at",
        "updated_at",
        "version",
    }
)
# The page's contact line, shown to anyone signed in.
CONTACT_FIELDS = frozenset({"contact_name", "contact_email"})
# Everything else (address, employees, turnover) only staff and the supplier's own users see.
ALL_FIELDS = frozenset(SupplierRead.model_fields)


def hidden_fields(actor: Actor, supplier_id: int | None) -> frozenset[str]:
    """The supplier fields this actor may not see (blanked to null wherever a supplier is read)."""
    if actor.is_staff or (actor.supplier_id is not None and actor.supplier_id == supplier_id):
        return frozenset()
    shown = (PUBLIC_FIELDS | CONTACT_FIELDS) if actor.is_authenticated else PUBLIC_FIELDS
    return ALL_FIELDS - shown


def supplier_view(actor: Actor, read: dict[str, Any]) -> dict[str, Any]:
    hidden = hidden_fields(actor, read["id"])
    return {k: (None if k in hidden else v) for k, v in read.items()} if hidden else read


def supplier_scope(actor: Actor, stmt: Select[Any]) -> Select[Any]:
    if actor.is_staff:
        return stmt
    visible = col(Supplier.status) == "active"
    if actor.supplier_id is not None:
        return stmt.where(or_(visible, col(Supplier.id) == actor.supplier_id))
    return stmt.where(visible)


def to_read(_s: Session, rows: Sequence[Supplier]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        data = {c: getattr(r, c) for c in SupplierRead.model_fields if c != "sme"}
        data["sme"] = SizeBand(r.size_band).is_sme
        out.append(SupplierRead(**data).model_dump())
    return out


def _update(session: Session, actor: Actor, supplier: Supplier, data: SupplierUpdate) -> None:
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if STAFF_ONLY_FIELDS & changes.keys() and not actor.is_staff:
        raise Forbidden("Only moderators can verify suppliers or change their status.")
    refuse_workflow_fields(SPEC, supplier.id, changes)  # the API refuses earlier; this guards other callers
    if "website" in changes:
        changes["website"] = str(changes["website"] or "")
    if "contact_email" in changes:
        changes["contact_email"] = str(changes["contact_email"] or "")
    for key, value in changes.items():
        setattr(supplier, key, value)
    supplier.updated_at = utcnow()


def can_write(_s: Session, actor: Actor, supplier: Supplier) -> bool:
    return actor.is_staff or (actor.role is Role.SUPPLIER and actor.supplier_id == supplier.id)


SPEC: ResourceSpec[Supplier, StaffSupplierCreate, SupplierUpdate] = ResourceSpec(
    name="suppliers",
    entity_type="supplier",
    model=Supplier,
    read_schema=SupplierRead,
    create_schema=StaffSupplierCreate,
    update_schema=SupplierUpdate,
    to_read=to_read,
    create=registration.create_by_staff,
    apply_update=_update,
    scope=supplier_scope,
    can_write=can_write,
    retire=workflow.retire_supplier,
    view=supplier_view,
    workflow_fields={
        "status": "POST /api/v1/suppliers/{id}/approve or /reject (moderators); DELETE /api/v1/suppliers/{id} "
        "retires it",
        "verified": "POST /api/v1/suppliers/{id}/verify (moderators)",
    },
    filters={
        "size_band": FilterSpec("size_band", "eq"),
        "region": FilterSpec("region", "eq"),
        "verified": FilterSpec("verified", "bool"),
        "status": FilterSpec("status", "eq"),
        "clearance": FilterSpec("clearances", "json_has"),
        "q": FilterSpec("name", "text"),
    },
    sorts=("id", "name", "created_at", "updated_at", "size_band"),
    default_sort="name",
    org_of=lambda s: s.organisation_id,
    listing=True,
)
