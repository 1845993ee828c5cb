"""Record history pages (tools and suppliers): who changed what, when."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.accounts.models import User
from registry.actor import Actor
from registry.changelog import services as changelog
from registry.changelog.diff import STAFF_ONLY_ACTIONS, diff_rows, summary_for
from registry.changelog.models import AuditEvent
from registry.db_types import require_id
from registry.enums import (
    Role,
    ToolStatus,
)
from registry.errors import NotFound
from registry.suppliers.models import Supplier
from registry.tools import workflow
from registry.tools.models import Tool
from registry.web.context import page_context
from registry.web.deps import unit_of_work

ACTION_LABELS = {
    "create": "Created",
    "update": "Updated",
    "retire": "Retired",
    "delete": "Deleted",
    "submit": "Submitted for review",
    "approve": "Approved",
    "reject": "Rejected",
    "request_changes": "Changes requested",
    "verify": "Verified",
    "register": "Registered",
    "claim_request": "Claim request",
}


def _actor_names(session: Session, events: list[AuditEvent], staff: bool) -> dict[int, str]:
    """Who acted, as staff see it (email) or as others see it (a role only)."""
    ids = {e.actor_id for e in events if e.actor_id is not None}
    users = {u.id: u for u in session.execute(select(User).where(col(User.id).in_(ids))).scalars()} if ids else {}
    out: dict[int, str] = {}
    for e in events:
        user = users.get(e.actor_id) if e.actor_id is not None else None
        if staff:
            out[require_id(e)] = f"{user.name} ({e.actor_label})" if user else e.actor_label
        elif user and user.role in (Role.MODERATOR.value, Role.ADMIN.value):
            out[require_id(e)] = "A registry moderator"
        elif user and user.role == Role.SUPPLIER.value or e.action == "register":
            out[require_id(e)] = "The supplier"
        else:
            out[require_id(e)] = "The registry"
    return out


def _history_page(
    request: Request[Any, Any, Any],
    session: Session,
    actor: Actor,
    *,
    entity_type: str,
    entity_id: int,
    title: str,
    back: str,
) -> Template:
    staff = actor.is_staff
    events = changelog.history(session, entity_type, entity_id)
    if not staff:
        events = [e for e in events if e.action not in STAFF_ONLY_ACTIONS]
    names = _actor_names(session, events, staff)
    # What each audience may read is registry.changelog.diff's policy (moderator feedback: staff only).
    rows = [
        {
            "at": e.at,
            "who": names[require_id(e)],
            "action": ACTION_LABELS.get(e.action, e.action.replace("_", " ")),
            "summary": summary_for(e.action, e.summary, staff=staff),
            "diff": diff_rows(e.before, e.after, staff=staff),
        }
        for e in events
    ]
    ctx = page_context(request, page_title=f"History of {title}", events=rows, title=title, back=back, staff=staff)
    return Template("changelog/history.html", context=ctx)


@get("/tools/{tool_id:int}/history", include_in_schema=False, sync_to_thread=True)
def tool_history(request: Request[Any, Any, Any], tool_id: int) -> Template:
    with unit_of_work(request) as (session, actor):
        tool = session.get(Tool, tool_id)
        if tool is None:
            raise NotFound("No listing found.")
        workflow.require_history_access(
            actor, supplier_id=tool.supplier_id, public=tool.status == ToolStatus.PUBLISHED.value, label="listing"
        )
        back = f"/tools/{tool_id}" if tool.status == ToolStatus.PUBLISHED.value else "/supplier/dashboard"
        return _history_page(request, session, actor, entity_type="tool", entity_id=tool_id, title=tool.name, back=back)


@get("/suppliers/{supplier_id:int}/history", include_in_schema=False, sync_to_thread=True)
def supplier_history(request: Request[Any, Any, Any], supplier_id: int) -> Template:
    with unit_of_work(request) as (session, actor):
        supplier = session.get(Supplier, supplier_id)
        if supplier is None:
            raise NotFound("No supplier found.")
        workflow.require_history_access(
            actor, supplier_id=require_id(supplier), public=supplier.status == "active", label="supplier"
        )
        back = f"/suppliers/{supplier_id}" if supplier.status == "active" else "/supplier/dashboard"
        return _history_page(
            request, session, actor, entity_type="supplier", entity_id=supplier_id, title=supplier.name, back=back
        )


ROUTES: list[Any] = [tool_history, supplier_history]
