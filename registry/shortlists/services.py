"""Shortlists: create, rename, delete, add and remove tools, export.

A shortlist belongs to one user and nobody else sees it: any other user (staff included) gets
the same "not found" as for a missing list, so ids reveal nothing. Every change is audited.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.actor import Actor
from registry.changelog import services as changelog
from registry.db_types import require_id, today
from registry.enums import (
    Classification,
    Deployment,
    Hosting,
    PricingModel,
    Role,
    SizeBand,
    ToolStatus,
    workstream_label,
)
from registry.errors import InvalidInput, NotFound
from registry.exports import Column, to_csv, to_xlsx
from registry.formatting import long_date
from registry.locking import claim_version
from registry.shortlists.models import Shortlist, ShortlistItem
from registry.shortlists.schemas import ShortlistCreate, ShortlistItemAdd, ShortlistRename
from registry.suppliers.models import Supplier
from registry.tools.models import Tool
from registry.tools.services import to_read as tools_to_read
from registry.tools.services import tool_view, visible_tool

ENTITY = "shortlist"
MAX_ITEMS = 200
SHORTLIST_ROLES = (Role.PROCUREMENT_OFFICER, Role.CAPABILITY_LEAD)


@dataclass(frozen=True, slots=True)
class ShortlistSummary:
    id: int
    name: str
    created_at: datetime
    item_count: int


@dataclass(frozen=True, slots=True)
class ShortlistEntry:
    """One shortlisted tool with what the pages and exports show about it."""

    tool: dict[str, Any]  # ToolRead fields
    supplier_sme: bool
    supplier_verified: bool
    note: str
    added_at: datetime
    tool_version: int

    @property
    def changed_since_added(self) -> bool:
        return int(self.tool["version"]) > self.tool_version


def require_user(actor: Actor) -> None:
    actor.require_role(*SHORTLIST_ROLES)


def _snapshot(shortlist: Shortlist, tool_ids: Iterable[int] | None = None) -> dict[str, Any] | None:
    extra = {"tool_ids": sorted(tool_ids)} if tool_ids is not None else None
    return changelog.snapshot(shortlist, extra)


def _tool_ids(session: Session, shortlist_id: int) -> list[int]:
    return list(
        session.execute(
            select(col(ShortlistItem.tool_id)).where(col(ShortlistItem.shortlist_id) == shortlist_id)
        ).scalars()
    )


def get_owned(session: Session, actor: Actor, shortlist_id: int) -> Shortlist:
    require_user(actor)
    shortlist = session.get(Shortlist, shortlist_id)
    if shortlist is None or shortlist.user_id != actor.user_id:
        raise NotFound(f"No shortlist with id {shortlist_id}.")
    return shortlist


def list_for(session: Session, actor: Actor) -> list[ShortlistSummary]:
    require_user(actor)
    counts = (
        select(col(ShortlistItem.shortlist_id), func.count().label("n"))
        .group_by(col(ShortlistItem.shortlist_id))
        .subquery()
    )
    rows = session.execute(
        select(Shortlist, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.shortlist_id == col(Shortlist.id))
        .where(col(Shortlist.user_id) == actor.user_id)
        .order_by(col(Shortlist.created_at).desc(), col(Shortlist.id).desc())
    ).all()
    return [ShortlistSummary(s.id, s.name, s.created_at, int(n)) for s, n in rows]


def _check_unique_name(session: Session, actor: Actor, name: str, exclude_id: int | None = None) -> None:
    stmt = select(col(Shortlist.id)).where(
        col(Shortlist.user_id) == actor.user_id, func.lower(col(Shortlist.name)) == name.lower()
    )
    if exclude_id is not None:
        stmt = stmt.where(col(Shortlist.id) != exclude_id)
    if session.execute(stmt).first():
        raise InvalidInput(
            f"You already have a shortlist called “{name}”.",
            fields={"name": "You already have a shortlist with this name"},
        )


def create(session: Session, actor: Actor, data: ShortlistCreate) -> Shortlist:
    require_user(actor)
    if actor.organisation_id is None:
        raise InvalidInput("Your account is not linked to an organisation.")
    _check_unique_name(session, actor, data.name)
    shortlist = Shortlist(user_id=actor.require_user_id(), organisation_id=actor.organisation_id, name=data.name)
    session.add(shortlist)
    session.flush()
    changelog.record(
        session,
        actor,
        "create",
        ENTITY,
        shortlist.id,
        after=_snapshot(shortlist, []),
        organisation_id=shortlist.organisation_id,
        summary=f"Created shortlist {shortlist.name}",
    )
    return shortlist


def rename(session: Session, actor: Actor, shortlist_id: int, data: ShortlistRename) -> Shortlist:
    shortlist = get_owned(session, actor, shortlist_id)
    _check_unique_name(session, actor, data.name, exclude_id=shortlist.id)
    before = _snapshot(shortlist)
    claim_version(session, shortlist, version=data.version, label="shortlist")
    shortlist.name = data.name
    session.flush()
    changelog.record(
        session,
        actor,
        "update",
        ENTITY,
        shortlist.id,
        before=before,
        after=_snapshot(shortlist),
        organisation_id=shortlist.organisation_id,
        summary=f"Renamed shortlist to {shortlist.name}",
    )
    return shortlist


def remove(session: Session, actor: Actor, shortlist_id: int) -> None:
    shortlist = get_owned(session, actor, shortlist_id)
    before = _snapshot(shortlist, _tool_ids(session, shortlist_id))
    session.execute(delete(ShortlistItem).where(col(ShortlistItem.shortlist_id) == shortlist_id))
    session.delete(shortlist)
    session.flush()
    changelog.record(
        session,
        actor,
        "delete",
        ENTITY,
        shortlist_id,
        before=before,
        organisation_id=shortlist.organisation_id,
        summary=f"Deleted shortlist {shortlist.name}",
    )


def add_tools(session: Session, actor: Actor, shortlist_id: int, items: Sequence[ShortlistItemAdd]) -> list[int]:
    """Add tools the actor can see; returns the ids newly added (ones already there are kept)."""
    shortlist = get_owned(session, actor, shortlist_id)
    present = set(_tool_ids(session, shortlist_id))
    added: list[int] = []
    for item in items:
        if item.tool_id in present:
            continue
        tool = visible_tool(session, actor, item.tool_id)  # 404 for drafts of others, as for missing ids
        if len(present) >= MAX_ITEMS:
            raise InvalidInput(f"A shortlist can hold at most {MAX_ITEMS} tools.")
        session.add(
            ShortlistItem(
                shortlist_id=shortlist_id,
                tool_id=require_id(tool),
                tool_version=tool.version,
                note=item.note,
            )
        )
        present.add(item.tool_id)
        added.append(item.tool_id)
    if added:
        before = _snapshot(shortlist, present - set(added))
        claim_version(session, shortlist, label="shortlist")
        session.flush()
        changelog.record(
            session,
            actor,
            "update",
            ENTITY,
            shortlist.id,
            before=before,
            after=_snapshot(shortlist, present),
            organisation_id=shortlist.organisation_id,
            summary=f"Added {len(added)} tool(s) to shortlist {shortlist.name}",
        )
    return added


def remove_tool(session: Session, actor: Actor, shortlist_id: int, tool_id: int) -> bool:
    shortlist = get_owned(session, actor, shortlist_id)
    present = set(_tool_ids(session, shortlist_id))
    if tool_id not in present:
        return False
    session.execute(
        delete(ShortlistItem).where(
            col(ShortlistItem.shortlist_id) == shortlist_id, col(ShortlistItem.tool_id) == tool_id
        )
    )
    before = _snapshot(shortlist, present)
    claim_version(session, shortlist, label="shortlist")
    session.flush()
    changelog.record(
        session,
        actor,
        "update",
        ENTITY,
        shortlist.id,
        before=before,
        after=_snapshot(shortlist, present - {tool_id}),
        organisation_id=shortlist.organisation_id,
        summary=f"Removed a tool from shortlist {shortlist.name}",
    )
    return True


def entries(session: Session, actor: Actor, shortlist_id: int) -> tuple[Shortlist, list[ShortlistEntry]]:
    """The list and its tools in the order they were added.

    A tool retired or unpublished after it was shortlisted stays on the list (with its status),
    so the buyer sees that it changed instead of it silently vanishing.
    """
    shortlist = get_owned(session, actor, shortlist_id)
    items = list(
        session.execute(
            select(ShortlistItem)
            .where(col(ShortlistItem.shortlist_id) == shortlist_id)
            .order_by(col(ShortlistItem.added_at), col(ShortlistItem.id))
        ).scalars()
    )
    tools = {
        t.id: t for t in session.execute(select(Tool).where(col(Tool.id).in_([i.tool_id for i in items]))).scalars()
    }
    reads = {r["id"]: tool_view(actor, r) for r in tools_to_read(session, list(tools.values()))}
    suppliers = {
        s.id: s
        for s in session.execute(
            select(Supplier).where(col(Supplier.id).in_({t.supplier_id for t in tools.values()}))
        ).scalars()
    }
    out = []
    for item in items:
        read = reads.get(item.tool_id)
        if read is None:
            continue
        sup = suppliers.get(read["supplier_id"])
        out.append(
            ShortlistEntry(
                tool=read,
                supplier_sme=bool(sup and SizeBand(sup.size_band).is_sme),
                supplier_verified=bool(sup and sup.verified),
                note=item.note,
                added_at=item.added_at,
                tool_version=item.tool_version,
            )
        )
    return shortlist, out


# --- export ------------------------------------------------------------------------------------

EXPORT_COLUMNS: tuple[Column, ...] = (
    Column("Tool", width=30),
    Column("Supplier", width=30),
    Column("SME", "bool", 8),
    Column("Verified supplier", "bool", 10),
    Column("Summary", width=50),
    Column("Category", width=24),
    Column("Classification", width=20),
    Column("TRL", "int", 6),
    Column("Deployment", width=22),
    Column("Hosting", width=10),
    Column("Data standards", width=26),
    Column("Pricing model", width=20),
    Column("Capital price (GBP)", "money", 16),
    Column("Annual price (GBP)", "money", 16),
    Column("Workstreams", width=40),
    Column("Capabilities", width=40),
    Column("Accreditations", width=36),
    Column("Last reviewed", "date", 14),
    Column("Listing status", width=12),
    Column("Note", width=40),
    Column("Added", "date", 14),
)


def _accreditation_text(acc: dict[str, Any]) -> str:
    expiry = acc.get("expires_on")
    if expiry is None:
        return acc["name"]
    state = "" if acc.get("current") else " (expired)"
    return f"{acc['name']} until {long_date(expiry)}{state}"


def export_row(entry: ShortlistEntry) -> list[Any]:
    t = entry.tool
    return [
        t["name"],
        t["supplier_name"],
        entry.supplier_sme,
        entry.supplier_verified,
        t["summary"],
        t["category"],
        Classification[t["classification"]].label,
        t["trl"],
        ", ".join(Deployment.label_of(d) for d in t["deployments"]),
        Hosting.label_of(t["hosting"]),
        ", ".join(t["data_standards"]),
        PricingModel.label_of(t["pricing_model"]) if t["pricing_model"] else "",
        t["price_capital"],
        t["price_annual"],
        "; ".join(workstream_label(w) for w in t["workstreams"]),
        "; ".join(c["node_path"] for c in t["capabilities"]),
        "; ".join(_accreditation_text(a) for a in t["accreditations"]),
        t["last_reviewed"],
        ToolStatus.label_of(t["status"]),
        entry.note,
        entry.added_at.date() if entry.added_at else None,
    ]


def export(session: Session, actor: Actor, shortlist_id: int, fmt: str) -> tuple[str, bytes]:
    """(file name, content) of the shortlist as "csv" or "xlsx"."""
    shortlist, rows = entries(session, actor, shortlist_id)
    data = [export_row(e) for e in rows]
    stem = _file_stem(shortlist.name) + f"-{today().isoformat()}"
    if fmt == "csv":
        return f"{stem}.csv", to_csv(EXPORT_COLUMNS, data)
    if fmt == "xlsx":
        return f"{stem}.xlsx", to_xlsx(EXPORT_COLUMNS, data, sheet_title=shortlist.name)
    raise NotFound(f"No export format {fmt}.")


def _file_stem(name: str) -> str:
    """ASCII file name (safe in a Content-Disposition header on every browser)."""
    stem = "".join(ch.lower() if ch.isascii() and ch.isalnum() else "-" for ch in name)
    stem = "-".join(part for part in stem.split("-") if part)
    return f"shortlist-{stem[:60]}" if stem else "shortlist"
