"""Listing versions: recorded from the audit trail, read by the tool history pages and the API.

`on_audit_event` is called by `registry.changelog.services.record` for every audit event, inside
the writer's transaction, so every change to a published tool or an active supplier gets a new,
immutable, numbered version with the full snapshot and a field-level diff from the one before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.actor import SYSTEM, Actor
from registry.changelog.models import AuditEvent
from registry.enums import ToolStatus
from registry.errors import NotFound
from registry.versions.models import ListingVersion

ENTITY_TYPES = ("tool", "supplier")
TOOL_CHILDREN = ("capabilities", "accreditations", "skills_needed", "training_offered")
# Bookkeeping columns: a change to only these is not a new version of the listing.
BOOKKEEPING = frozenset({"version", "updated_at", "stale", "moderator_feedback", "last_reviewed"})
# Never shown outside the moderators' own screens.
HIDDEN = frozenset({"moderator_feedback"})

FIELD_LABELS = {
    "name": "Name",
    "summary": "Summary",
    "description": "Description",
    "category": "Category",
    "trl": "Technology readiness level",
    "deployments": "Deployment",
    "hosting": "Hosting",
    "classification": "Highest classification",
    "data_standards": "Data standards",
    "pricing_model": "Pricing model",
    "price_capital": "One-off price (£)",
    "price_annual": "Annual price (£)",
    "workstreams": "Workstreams",
    "four_ps": "4P functions",
    "five_ds": "5D functions",
    "status": "Status",
    "last_reviewed": "Last reviewed",
    "capabilities": "Capabilities",
    "accreditations": "Accreditations",
    "skills_needed": "Skills needed",
    "training_offered": "Training offered",
    "supplier_id": "Supplier",
    "version": "Record version",
    "updated_at": "Updated",
    "created_at": "Created",
    "stale": "Stale",
}


def field_diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{field: {"before": old, "after": new}} for every field whose value differs."""
    out: dict[str, dict[str, Any]] = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            out[key] = {"before": old, "after": new}
    return out


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
        .where(ListingVersion.entity_type == entity_type, ListingVersion.entity_id == entity_id)
        .order_by(ListingVersion.number.desc())
        .limit(1)
    )  # type: ignore[attr-defined]
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


def _tool_children(session: Session, tool_id: int) -> dict[str, Any]:
    from registry.changelog.services import snapshot as make_snapshot
    from registry.tools.models import Tool
    from registry.tools.services import child_snapshot

    tool = session.get(Tool, tool_id)
    if tool is None:
        return {}
    full = make_snapshot(tool, child_snapshot(session, tool)) or {}
    return {k: full[k] for k in TOOL_CHILDREN if k in full}


def on_audit_event(session: Session, event: AuditEvent) -> ListingVersion | None:
    """Hook for every audit event; cheap no-op for anything but live tools and suppliers."""
    if event.entity_type not in ENTITY_TYPES or not event.after or not str(event.entity_id).isdecimal():
        return None
    if not is_live(event.entity_type, event.after):
        return None
    entity_id = int(event.entity_id)
    snapshot = dict(event.after)
    if event.entity_type == "tool" and any(k not in snapshot for k in TOOL_CHILDREN):
        # Some writers (moderation) audit the row only; a version must hold the whole listing.
        snapshot.update({k: v for k, v in _tool_children(session, entity_id).items() if k not in snapshot})
    return append(
        session, event.entity_type, entity_id, snapshot, actor_id=event.actor_id, actor_label=event.actor_label
    )


def current_tool_versions(session: Session, tool_ids: Sequence[int]) -> dict[int, ListingVersion]:
    """The version describing each tool as it is now.

    Tools published before versioning existed (seeded or imported data) get a baseline version
    here, so a frozen result can always point at a stored snapshot.
    """
    from registry.changelog.services import snapshot as make_snapshot
    from registry.tools.models import Tool
    from registry.tools.services import to_read

    tools = list(session.execute(select(Tool).where(Tool.id.in_(list(tool_ids)))).scalars())  # type: ignore[attr-defined]
    reads = {r["id"]: r for r in to_read(session, tools)}
    out: dict[int, ListingVersion] = {}
    for tool in tools:
        read = reads[tool.id]
        snap = make_snapshot(tool, {k: read[k] for k in TOOL_CHILDREN}) or {}
        out[tool.id] = append(
            session,
            "tool",
            tool.id,
            snap,
            actor_id=SYSTEM.user_id,  # type: ignore[index,arg-type]
            actor_label="system (baseline)",
        )
    return out


def get_version(session: Session, entity_type: str, entity_id: int, number: int) -> ListingVersion | None:
    return session.execute(
        select(ListingVersion).where(
            ListingVersion.entity_type == entity_type,
            ListingVersion.entity_id == entity_id,
            ListingVersion.number == number,
        )
    ).scalar_one_or_none()


# --- reading, with visibility -----------------------------------------------------------------


def _visible_tool(session: Session, actor: Actor, tool_id: int) -> Any:
    from registry.resources import get_visible
    from registry.tools.services import SPEC as TOOL_SPEC

    return get_visible(session, TOOL_SPEC, actor, tool_id)  # same 404 as the tool itself


def tool_versions(session: Session, actor: Actor, tool_id: int) -> list[ListingVersion]:
    """Newest first. The tool must be visible to the actor."""
    _visible_tool(session, actor, tool_id)
    stmt = (
        select(ListingVersion)
        .where(ListingVersion.entity_type == "tool", ListingVersion.entity_id == tool_id)
        .order_by(ListingVersion.number.desc())
    )  # type: ignore[attr-defined]
    return list(session.execute(stmt).scalars())


def tool_version(session: Session, actor: Actor, tool_id: int, number: int) -> ListingVersion:
    tool = _visible_tool(session, actor, tool_id)
    version = get_version(session, "tool", tool_id, number)
    if version is None:
        raise NotFound(f"{tool.name} has no version {number}.")
    return version


def can_see_authors(actor: Actor, supplier_id: int | None) -> bool:
    """Who made a change (an email) is shown to staff and to the listing's own supplier only."""
    return actor.is_staff or (actor.supplier_id is not None and actor.supplier_id == supplier_id)


def public_view(version: ListingVersion, actor: Actor, *, with_snapshot: bool = True) -> dict[str, Any]:
    supplier_id = version.snapshot.get("supplier_id") if version.entity_type == "tool" else version.entity_id
    out: dict[str, Any] = {
        "number": version.number,
        "created_at": version.created_at,
        "changed_by": version.actor_label if can_see_authors(actor, supplier_id) else None,
        "changed_fields": [k for k in version.diff if k not in HIDDEN],
        "diff": {k: v for k, v in version.diff.items() if k not in HIDDEN},
    }
    if with_snapshot:
        out["snapshot"] = {k: v for k, v in version.snapshot.items() if k not in HIDDEN}
    return out


def display(value: Any) -> str:
    """A snapshot value as one line of text for the history pages."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return "; ".join(_item(v) for v in value)
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    return str(value)


def _item(value: Any) -> str:
    if not isinstance(value, dict):
        return str(value)
    if "node_code" in value:
        return f"{value.get('node_path') or value['node_code']} ({value.get('state', '')})"
    if "expires_on" in value:
        return f"{value.get('name')} (expires {value.get('expires_on') or 'never'})"
    if "level" in value:
        return f"{value.get('skill_name') or value.get('skill_code')} level {value['level']}"
    if "skill_code" in value:
        return str(value.get("skill_name") or value["skill_code"])
    return ", ".join(f"{k}: {v}" for k, v in value.items())


def label(field: str) -> str:
    return FIELD_LABELS.get(field, field.replace("_", " ").capitalize())
