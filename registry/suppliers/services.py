"""Suppliers: self-registration, editing by their own users, verification by moderators."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from registry.accounts.models import Organisation
from registry.actor import Actor
from registry.db_types import utcnow
from registry.enums import OrgKind, Role, SizeBand
from registry.errors import Forbidden, InvalidInput
from registry.resources import FilterSpec, ResourceSpec
from registry.suppliers.models import Supplier
from registry.suppliers.schemas import SupplierCreate, SupplierRead, SupplierUpdate

STAFF_ONLY_FIELDS = {"verified", "status"}


def supplier_scope(actor: Actor, stmt: Select[Any]) -> Select[Any]:
    if actor.is_staff:
        return stmt
    visible = Supplier.status == "active"
    if actor.supplier_id is not None:
        return stmt.where(or_(visible, Supplier.id == actor.supplier_id))
    return stmt.where(visible)


def to_read(_s: Session, rows: Sequence[Supplier]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        data = {c: getattr(r, c) for c in SupplierRead.model_fields if c != "sme"}
        data["sme"] = SizeBand(r.size_band).is_sme
        out.append(SupplierRead(**data).model_dump())
    return out


def _check_unique_number(session: Session, number: str, exclude_id: int | None = None) -> None:
    stmt = select(Supplier.id).where(Supplier.companies_house_number == number)
    if exclude_id is not None:
        stmt = stmt.where(Supplier.id != exclude_id)
    if session.execute(stmt).first():
        raise InvalidInput(
            f"A supplier with Companies House number {number} is already registered.",
            fields={"companies_house_number": "already registered"},
        )


def new_supplier(session: Session, data: SupplierCreate, *, organisation_id: int, status: str) -> Supplier:
    _check_unique_number(session, data.companies_house_number)
    values = data.model_dump(exclude={"organisation_id"})
    values["website"] = str(data.website) if data.website else ""
    values["contact_email"] = str(data.contact_email or "")
    supplier = Supplier(**values, organisation_id=organisation_id, status=status)
    session.add(supplier)
    return supplier


def _create(session: Session, actor: Actor, data: SupplierCreate) -> Supplier:
    """API creation is for staff (self-registration has its own flow that also makes the user)."""
    if not actor.is_staff:
        raise Forbidden("Suppliers register through the registration page; staff create them here.")
    org_id = data.organisation_id
    if org_id is None:
        org = Organisation(name=data.name, kind=OrgKind.SUPPLIER.value)
        session.add(org)
        session.flush()
        org_id = org.id
    elif session.get(Organisation, org_id) is None:
        raise InvalidInput("Unknown organisation.", fields={"organisation_id": "unknown organisation"})
    return new_supplier(session, data, organisation_id=org_id, status="active")  # type: ignore[arg-type]


def _update(session: Session, actor: Actor, supplier: Supplier, data: SupplierUpdate) -> None:
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if STAFF_ONLY_FIELDS & changes.keys() and not actor.is_staff:
        raise Forbidden("Only moderators can verify suppliers or change their status.")
    if "website" in changes:
        changes["website"] = str(changes["website"] or "")
    if "contact_email" in changes:
        changes["contact_email"] = str(changes["contact_email"] or "")
    for key, value in changes.items():
        setattr(supplier, key, value)
    supplier.updated_at = utcnow()


def can_write(_s: Session, actor: Actor, supplier: Supplier) -> bool:
    return actor.is_staff or (actor.role is Role.SUPPLIER and actor.supplier_id == supplier.id)


SPEC: ResourceSpec[Supplier] = ResourceSpec(
    name="suppliers",
    entity_type="supplier",
    model=Supplier,
    read_schema=SupplierRead,
    create_schema=SupplierCreate,
    update_schema=SupplierUpdate,
    to_read=to_read,
    create=_create,
    apply_update=_update,
    scope=supplier_scope,
    can_write=can_write,
    retire=lambda _s, _a, obj: setattr(obj, "status", "retired"),
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
