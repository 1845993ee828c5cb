"""A buying organisation's current tool inventory."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.actor import Actor
from registry.db_types import require_id
from registry.errors import InvalidInput
from registry.inventory.models import InventoryItem
from registry.inventory.schemas import InventoryCreate, InventoryRead, InventoryUpdate
from registry.resources import FilterSpec, ResourceSpec
from registry.skills.services import org_scope, org_writer, target_org
from registry.suppliers.models import Supplier
from registry.tools.models import Tool
from registry.tools.services import visible_tool


def to_read(session: Session, rows: Sequence[InventoryItem]) -> list[dict[str, Any]]:
    ids = {r.tool_id for r in rows}
    info = {}
    if ids:
        q = select(col(Tool.id), col(Tool.name), col(Supplier.name)).join(
            Supplier, col(Supplier.id) == col(Tool.supplier_id)
        )
        info = {tid: (tn, sn) for tid, tn, sn in session.execute(q.where(col(Tool.id).in_(ids)))}
    return [
        InventoryRead(
            id=require_id(r),
            organisation_id=r.organisation_id,
            tool_id=r.tool_id,
            tool_name=info.get(r.tool_id, ("?", "?"))[0],
            supplier_name=info.get(r.tool_id, ("?", "?"))[1],
            licence_end=r.licence_end,
            seats=r.seats,
            notes=r.notes,
            version=r.version,
        ).model_dump()
        for r in rows
    ]


def create(session: Session, actor: Actor, data: InventoryCreate) -> InventoryItem:
    org_id = target_org(actor, data.organisation_id, session)
    visible_tool(session, actor, data.tool_id)  # 404 alike for a missing id and another supplier's draft
    dup = session.execute(
        select(col(InventoryItem.id)).where(
            col(InventoryItem.organisation_id) == org_id, col(InventoryItem.tool_id) == data.tool_id
        )
    ).first()
    if dup:
        raise InvalidInput("This tool is already in the inventory.", fields={"tool_id": "already in inventory"})
    item = InventoryItem(organisation_id=org_id, **data.model_dump(exclude={"organisation_id"}))
    session.add(item)
    return item


def may_add(actor: Actor) -> bool:
    """Whether the actor may add tools to its organisation's inventory from a tool page: the
    inventory form's own rule (`lead_org`: a capability lead, or an admin, of an organisation)."""
    from registry.accounts.scope import lead_org
    from registry.errors import DomainError

    try:
        lead_org(actor)
    except DomainError:
        return False
    return True


def held_item(session: Session, actor: Actor, tool_id: int) -> int | None:
    """The id of this tool's item in the actor's organisation's inventory, if it is there."""
    if actor.organisation_id is None:
        return None
    return session.execute(
        select(col(InventoryItem.id)).where(
            col(InventoryItem.organisation_id) == actor.organisation_id, col(InventoryItem.tool_id) == tool_id
        )
    ).scalar()


def _apply(_s: Session, _a: Actor, item: InventoryItem, data: InventoryUpdate) -> None:
    for key, value in data.model_dump(exclude_unset=True, exclude={"version"}).items():
        setattr(item, key, value)


SPEC: ResourceSpec[InventoryItem, InventoryCreate, InventoryUpdate] = ResourceSpec(
    name="inventory",
    entity_type="inventory_item",
    label="inventory item",
    model=InventoryItem,
    read_schema=InventoryRead,
    create_schema=InventoryCreate,
    update_schema=InventoryUpdate,
    to_read=to_read,
    create=create,
    apply_update=_apply,
    scope=org_scope(InventoryItem),
    can_write=org_writer,
    retire=None,
    filters={"tool_id": FilterSpec("tool_id", "eq")},
    sorts=("id", "licence_end", "seats"),
    org_of=lambda i: i.organisation_id,
)
