"""Listing versions: recorded from the audit trail, read by the tool history pages and the API.

`on_audit_event` is called by `registry.changelog.services.record` for every audit event, inside
the writer's transaction, so every change to a published tool or an active supplier gets a new,
immutable, numbered version with the full snapshot and a field-level diff from the one before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.actor import SYSTEM, Actor
from registry.changelog.diff import (
    SECRET_FIELDS,
    STAFF_ONLY_FIELDS,
    field_diff,
    visible,
    visible_fields,
)
from registry.changelog.models import AuditEvent
from registry.enums import ToolStatus
from registry.errors import NotFound
from registry.resources import get_visible, spec_for
from registry.versions.models import BASELINE_ACTOR, ListingVersion

ENTITY_TYPES = ("tool", "supplier")
# A change only to bookkeeping, to what only moderators read, or to review dates is not a new
# version of the listing.
BOOKKEEPING = SECRET_FIELDS | STAFF_ONLY_FIELDS | {"version", "created_at", "updated_at", "stale", "last_reviewed"}


def meaningful(diff: dict[str, Any]) -> bool:
    return any(key not in BOOKKEEPING for key in diff)


def is_live(entity_type: str, snapshot: dict[str, Any]) -> bool:
    """Only what buyers can see is versioned: published tools and active suppliers."""
    status = snapshot.get("status")
    if entity_type == "tool":
        return status == ToolStatus.PUBLISHED.value
    return entity_type == "supplier" and status == "active"


def latest(session: Session, entity_type: str, entity_id: int) -> ListingVersion | None:
    stmt = (
        select(ListingVersion)
        .where(col(ListingVersion.entity_type) == entity_type, col(ListingVersion.entity_id) == entity_id)
        .order_by(col(ListingVersion.number).desc())
        .limit(1)
    )
    return session.execute(stmt).scalar_one_or_none()


def append(
    session: Session,
    entity_type: str,
    entity_id: int,
    snapshot: dict[str, Any],
    *,
    actor_id: int | None,
    actor_label: str,
) -> ListingVersion:
    """Add the next version unless nothing a buyer would see has changed since the last one."""
    prev = latest(session, entity_type, entity_id)
    diff = field_diff(prev.snapshot, snapshot) if prev else {}
    if prev is not None and not meaningful(diff):
        return prev
    version = ListingVersion(
        entity_type=entity_type,
        entity_id=entity_id,
        number=prev.number + 1 if prev else 1,
        actor_id=actor_id,
        actor_label=actor_label,
        snapshot=snapshot,
        diff=diff,
    )
    session.add(version)
    session.flush()
    return version


def on_audit_event(session: Session, event: AuditEvent) -> ListingVersion | None:
    """Hook for every audit event; cheap no-op for anything but live tools and suppliers.

    Everything a version holds comes from the event: every writer of a tool's audit events
    passes the full listing snapshot (row and child records) as `after`, so nothing is read back.
    """
    if event.entity_type not in ENTITY_TYPES or not event.after or not str(event.entity_id).isdecimal():
        return None
    if not is_live(event.entity_type, event.after):
        return None
    return append(
        session,
        event.entity_type,
        int(event.entity_id),
        dict(event.after),
        actor_id=event.actor_id,
        actor_label=event.actor_label,
    )


def current_versions(
    session: Session, entity_type: str, snapshots: Mapping[int, dict[str, Any]]
) -> dict[int, ListingVersion]:
    """The version describing each listing as it is now, given its current full snapshot.

    Listings published before versioning existed (seeded or imported data) get a baseline
    version here, so a frozen result can always point at a stored snapshot.
    """
    return {
        entity_id: append(
            session,
            entity_type,
            entity_id,
            snapshot,
            actor_id=SYSTEM.user_id,
            actor_label=BASELINE_ACTOR,
        )
        for entity_id, snapshot in snapshots.items()
    }


def get_version(session: Session, entity_type: str, entity_id: int, number: int) -> ListingVersion | None:
    return session.execute(
        select(ListingVersion).where(
            col(ListingVersion.entity_type) == entity_type,
            col(ListingVersion.entity_id) == entity_id,
            col(ListingVersion.number) == number,
        )
    ).scalar_one_or_none()


# --- reading, with visibility -----------------------------------------------------------------


def visible_tool(session: Session, actor: Actor, tool_id: int) -> Any:
    """The tool, if the actor may see it: the tool resource's own rule and the same 404."""
    return get_visible(session, spec_for("tool"), actor, tool_id)


def tool_versions(session: Session, actor: Actor, tool_id: int) -> list[ListingVersion]:
    """Newest first. The tool must be visible to the actor."""
    visible_tool(session, actor, tool_id)
    stmt = (
        select(ListingVersion)
        .where(col(ListingVersion.entity_type) == "tool", col(ListingVersion.entity_id) == tool_id)
        .order_by(col(ListingVersion.number).desc())
    )
    return list(session.execute(stmt).scalars())


def tool_version(session: Session, actor: Actor, tool_id: int, number: int) -> ListingVersion:
    tool = visible_tool(session, actor, tool_id)
    version = get_version(session, "tool", tool_id, number)
    if version is None:
        raise NotFound(f"{tool.name} has no version {number}.")
    return version


def can_see_authors(actor: Actor, supplier_id: int | None) -> bool:
    """Who made a change (an email) is shown to staff and to the listing's own supplier only."""
    return actor.is_staff or (actor.supplier_id is not None and actor.supplier_id == supplier_id)


def public_view(version: ListingVersion, actor: Actor, *, with_snapshot: bool = True) -> dict[str, Any]:
    """A version as this actor may read it (registry.changelog.diff's field policy)."""
    supplier_id = version.snapshot.get("supplier_id") if version.entity_type == "tool" else version.entity_id
    staff = actor.is_staff
    out: dict[str, Any] = {
        "number": version.number,
        "created_at": version.created_at,
        "changed_by": version.actor_label if can_see_authors(actor, supplier_id) else None,
        "changed_fields": visible_fields(version.diff, staff=staff),
        "diff": visible(version.diff, staff=staff),
    }
    if with_snapshot:
        out["snapshot"] = visible(version.snapshot, staff=staff)
    return out
