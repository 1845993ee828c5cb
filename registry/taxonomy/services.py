"""Capability taxonomy: a tree editable by moderators and admins."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.actor import Actor
from registry.db_types import require_id
from registry.enums import Role
from registry.errors import InvalidInput
from registry.resources import FilterSpec, ResourceSpec
from registry.taxonomy.models import CapabilityNode
from registry.taxonomy.schemas import CapabilityNodeCreate, CapabilityNodeRead, CapabilityNodeUpdate

PATH_SEP = " › "


def all_nodes(session: Session) -> dict[int, CapabilityNode]:
    return {require_id(n): n for n in session.execute(select(CapabilityNode)).scalars()}


def path_of(node: CapabilityNode, nodes: dict[int, CapabilityNode]) -> str:
    parts: list[str] = []
    seen: set[int | None] = set()
    cur: CapabilityNode | None = node
    while cur is not None and cur.id not in seen:
        seen.add(cur.id)
        parts.append(cur.name)
        cur = nodes.get(cur.parent_id) if cur.parent_id else None
    return PATH_SEP.join(reversed(parts))


def descendants(node_id: int, nodes: dict[int, CapabilityNode]) -> frozenset[int]:
    children: dict[int, list[int]] = {}
    for n in nodes.values():
        if n.parent_id is not None:
            children.setdefault(n.parent_id, []).append(require_id(n))
    out, stack = {node_id}, [node_id]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in out:
                out.add(child)
                stack.append(child)
    return frozenset(out)


def tree(session: Session) -> list[dict[str, Any]]:
    """Nested tree for pages (children sorted by position then name)."""
    nodes = all_nodes(session)
    by_parent: dict[int | None, list[CapabilityNode]] = {}
    for n in nodes.values():
        if not n.retired:
            by_parent.setdefault(n.parent_id, []).append(n)

    def build(parent: int | None) -> list[dict[str, Any]]:
        kids = sorted(by_parent.get(parent, []), key=lambda n: (n.position, n.name))
        return [{"id": n.id, "code": n.code, "name": n.name, "children": build(n.id)} for n in kids]

    return build(None)


def _to_read(session: Session, rows: Sequence[CapabilityNode]) -> list[dict[str, Any]]:
    nodes = all_nodes(session) if rows else {}
    return [
        CapabilityNodeRead(
            id=require_id(n),
            code=n.code,
            name=n.name,
            description=n.description,
            parent_id=n.parent_id,
            path=path_of(n, nodes),
            retired=n.retired,
            version=n.version,
        ).model_dump()
        for n in rows
    ]


def _check_parent(session: Session, node_id: int | None, parent_id: int | None) -> None:
    if parent_id is None:
        return
    nodes = all_nodes(session)
    if parent_id not in nodes:
        raise InvalidInput("parent_id does not exist.", fields={"parent_id": "unknown node"})
    if node_id is not None and parent_id in descendants(node_id, nodes):
        raise InvalidInput("A node cannot move under itself.", fields={"parent_id": "would make a cycle"})


def _create(session: Session, actor: Actor, data: CapabilityNodeCreate) -> CapabilityNode:
    actor.require_role(Role.MODERATOR)
    if session.execute(select(col(CapabilityNode.id)).where(col(CapabilityNode.code) == data.code)).first():
        raise InvalidInput(f"Code {data.code} is already used.", fields={"code": "already used"})
    _check_parent(session, None, data.parent_id)
    node = CapabilityNode(**data.model_dump())
    session.add(node)
    return node


def _update(session: Session, actor: Actor, node: CapabilityNode, data: CapabilityNodeUpdate) -> None:
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if "parent_id" in changes:
        _check_parent(session, node.id, changes["parent_id"])
    for key, value in changes.items():
        setattr(node, key, value)


def _retire(_session: Session, _actor: Actor, node: CapabilityNode) -> None:
    node.retired = True


SPEC: ResourceSpec[CapabilityNode, CapabilityNodeCreate, CapabilityNodeUpdate] = ResourceSpec(
    name="taxonomy",
    entity_type="capability_node",
    label="capability node",
    model=CapabilityNode,
    read_schema=CapabilityNodeRead,
    create_schema=CapabilityNodeCreate,
    update_schema=CapabilityNodeUpdate,
    to_read=_to_read,
    create=_create,
    apply_update=_update,
    scope=lambda _actor, stmt: stmt,
    can_write=lambda _s, actor, _obj: actor.is_staff,
    retire=_retire,
    filters={
        "parent_id": FilterSpec("parent_id", "eq"),
        "retired": FilterSpec("retired", "bool"),
        "code": FilterSpec("code", "eq"),
        "q": FilterSpec("name", "text"),
    },
    sorts=("id", "code", "name", "position"),
    default_sort="code",
    listing=True,
)
