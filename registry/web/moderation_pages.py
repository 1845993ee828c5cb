"""Moderation pages (queue, decisions, duplicates report) and record history pages."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.accounts.models import User
from registry.actor import Actor
from registry.changelog import services as changelog
from registry.changelog.models import AuditEvent
from registry.enums import Role, ToolStatus
from registry.errors import Conflict, InvalidInput, NotFound
from registry.suppliers.models import Supplier
from registry.tools import moderation
from registry.tools.models import Tool
from registry.tools.services import SPEC as TOOL_SPEC
from registry.web.context import flash, page_context
from registry.web.deps import unit_of_work
from registry.web.supplier_pages import in_thread

FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
HIDDEN_FIELDS = {"updated_at", "created_at", "version", "password_hash"}
STAFF_ONLY_ACTIONS = {"claim_request", "login", "login_failed"}
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
TOOL_DECISIONS = [
    ("approve", "Approve and publish", "The listing is accurate and in scope"),
    ("request_changes", "Request changes", "Send it back to the supplier as a draft with what to fix"),
    ("reject", "Reject", "Out of scope, a duplicate or misleading: the listing is retired"),
]


def _staff(actor: Actor) -> None:
    actor.require_role(Role.MODERATOR)


# --- queue ------------------------------------------------------------------------------------


@get("/moderation", include_in_schema=False)
@in_thread
def queue(request: Request[Any, Any, Any]) -> Template:
    with unit_of_work(request) as (session, actor):
        q = moderation.review_queue(session, actor)
        ctx = page_context(request, page_title="Moderation", nav_active="moderation", queue=q)
    return Template("moderation/queue.html", context=ctx)


@get("/moderation/duplicates", include_in_schema=False)
@in_thread
def duplicates(request: Request[Any, Any, Any]) -> Template:
    with unit_of_work(request) as (session, actor):
        rows = moderation.duplicates(session, actor)
        ctx = page_context(request, page_title="Likely duplicates", nav_active="moderation", rows=rows)
    return Template("moderation/duplicates.html", context=ctx)


# --- decisions --------------------------------------------------------------------------------


def _tool_page(
    request: Request[Any, Any, Any],
    session: Session,
    actor: Actor,
    tool_id: int,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Template:
    _staff(actor)
    tool = session.get(Tool, tool_id)
    if tool is None:
        raise NotFound(f"No listing with id {tool_id}.")
    ctx = page_context(
        request,
        page_title=f"Review {tool.name}",
        nav_active="moderation",
        tool=tool,
        read=TOOL_SPEC.to_read(session, [tool])[0],
        supplier=session.get(Supplier, tool.supplier_id),
        values=values,
        errors=errors,
        decisions=TOOL_DECISIONS,
    )
    return Template("moderation/tool.html", context=ctx, status_code=status)


@get("/moderation/tools/{tool_id:int}", include_in_schema=False)
@in_thread
def tool_decision_form(request: Request[Any, Any, Any], tool_id: int) -> Template:
    with unit_of_work(request) as (session, actor):
        return _tool_page(request, session, actor, tool_id, {}, {})


def _version(data: dict[str, Any]) -> int | None:
    raw = str(data.get("version") or "")
    return int(raw) if raw.isdecimal() else None


@post("/moderation/tools/{tool_id:int}", include_in_schema=False)
@in_thread
def tool_decision(request: Request[Any, Any, Any], tool_id: int, data: dict[str, Any] = FORM) -> Template | Redirect:
    decision, reasons = str(data.get("decision") or ""), str(data.get("reasons") or "")
    errors: dict[str, str] = {}
    try:
        with unit_of_work(request) as (session, actor):
            version = _version(data)
            if decision == "approve":
                tool = moderation.approve(session, actor, tool_id, version, note=reasons)
            elif decision == "reject":
                tool = moderation.reject(session, actor, tool_id, reasons, version)
            elif decision == "request_changes":
                tool = moderation.request_changes(session, actor, tool_id, reasons, version)
            else:
                _staff(actor)
                raise InvalidInput("Choose a decision.", fields={"decision": "Select a decision"})
            name = tool.name
    except InvalidInput as exc:
        errors = exc.fields or {"decision": exc.detail}
    except Conflict as exc:
        errors = {"decision": exc.detail}
    if not errors:
        flash(
            request,
            {
                "approve": f"{name} is published.",
                "reject": f"{name} is rejected.",
                "request_changes": f"{name} is sent back to the supplier.",
            }[decision],
        )
        return Redirect(path="/moderation")
    with unit_of_work(request) as (session, actor):
        return _tool_page(request, session, actor, tool_id, {"decision": decision, "reasons": reasons}, errors, 400)


def _supplier_page(
    request: Request[Any, Any, Any],
    session: Session,
    actor: Actor,
    supplier_id: int,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Template:
    _staff(actor)
    supplier = session.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFound(f"No supplier with id {supplier_id}.")
    users = session.execute(select(User).where(User.organisation_id == supplier.organisation_id)).scalars().all()
    claims = (
        session.execute(
            select(AuditEvent)
            .where(
                AuditEvent.entity_type == "supplier",
                AuditEvent.entity_id == str(supplier.id),
                AuditEvent.action == "claim_request",
            )
            .order_by(AuditEvent.at.desc())
        )
        .scalars()
        .all()
    )
    decisions = []
    if supplier.status == "pending":
        decisions = [
            ("approve", "Approve", "The organisation is real and eligible"),
            ("reject", "Reject", "Not eligible or not genuine"),
        ]
    elif supplier.status == "active" and not supplier.verified:
        decisions = [("verify", "Mark as verified", "Companies House record, contact and clearances checked")]
    ctx = page_context(
        request,
        page_title=f"Review {supplier.name}",
        nav_active="moderation",
        supplier=supplier,
        users=users,
        claims=claims,
        decisions=decisions,
        values=values,
        errors=errors,
    )
    return Template("moderation/supplier.html", context=ctx, status_code=status)


@get("/moderation/suppliers/{supplier_id:int}", include_in_schema=False)
@in_thread
def supplier_decision_form(request: Request[Any, Any, Any], supplier_id: int) -> Template:
    with unit_of_work(request) as (session, actor):
        return _supplier_page(request, session, actor, supplier_id, {}, {})


@post("/moderation/suppliers/{supplier_id:int}", include_in_schema=False)
@in_thread
def supplier_decision(
    request: Request[Any, Any, Any], supplier_id: int, data: dict[str, Any] = FORM
) -> Template | Redirect:
    decision, reasons = str(data.get("decision") or ""), str(data.get("reasons") or "")
    errors: dict[str, str] = {}
    try:
        with unit_of_work(request) as (session, actor):
            version = _version(data)
            if decision == "approve":
                supplier = moderation.approve_supplier(session, actor, supplier_id, version)
            elif decision == "reject":
                supplier = moderation.reject_supplier(session, actor, supplier_id, reasons, version)
            elif decision == "verify":
                supplier = moderation.verify_supplier(session, actor, supplier_id, version)
            else:
                _staff(actor)
                raise InvalidInput("Choose a decision.", fields={"decision": "Select a decision"})
            name = supplier.name
    except InvalidInput as exc:
        errors = exc.fields or {"decision": exc.detail}
    except Conflict as exc:
        errors = {"decision": exc.detail}
    if not errors:
        flash(
            request,
            {"approve": f"{name} is approved.", "reject": f"{name} is rejected.", "verify": f"{name} is verified."}[
                decision
            ],
        )
        return Redirect(path="/moderation")
    with unit_of_work(request) as (session, actor):
        return _supplier_page(
            request, session, actor, supplier_id, {"decision": decision, "reasons": reasons}, errors, 400
        )


# --- history ----------------------------------------------------------------------------------


def _show(value: Any) -> str:
    """A stored value as short readable text."""
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        parts = []
        for item in value:
            if isinstance(item, dict):
                label = item.get("node_path") or item.get("name") or item.get("skill_name") or item.get("skill_code")
                extra = item.get("state") or item.get("expires_on") or item.get("level")
                parts.append(f"{label} ({extra})" if extra not in (None, "") else str(label))
            else:
                parts.append(str(item))
        return "; ".join(parts)
    text = str(value)
    return text if len(text) <= 300 else text[:297] + "…"


def diff_rows(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[tuple[str, str, str]]:
    """(field, before, after) for every field that changed, in a stable order."""
    before, after = before or {}, after or {}
    rows = []
    for key in sorted(set(before) | set(after)):
        if key in HIDDEN_FIELDS or key.startswith("_"):
            continue
        old, new = before.get(key), after.get(key)
        if old == new or (_show(old) == "–" and _show(new) == "–"):
            continue
        rows.append((key.replace("_", " ").capitalize(), _show(old), _show(new)))
    return rows


def _actor_names(session: Session, events: list[AuditEvent], staff: bool) -> dict[int, str]:
    """Who acted, as staff see it (email) or as others see it (a role only)."""
    ids = {e.actor_id for e in events if e.actor_id is not None}
    users = {u.id: u for u in session.execute(select(User).where(User.id.in_(ids))).scalars()} if ids else {}  # type: ignore[union-attr]
    out = {}
    for e in events:
        user = users.get(e.actor_id) if e.actor_id is not None else None
        if staff:
            out[e.id] = f"{user.name} ({e.actor_label})" if user else e.actor_label
        elif user and user.role in (Role.MODERATOR.value, Role.ADMIN.value):
            out[e.id] = "A registry moderator"
        elif user and user.role == Role.SUPPLIER.value or e.action == "register":
            out[e.id] = "The supplier"
        else:
            out[e.id] = "The registry"
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
    events = changelog.history(session, entity_type, entity_id)
    if not actor.is_staff:
        events = [e for e in events if e.action not in STAFF_ONLY_ACTIONS]
    names = _actor_names(session, events, actor.is_staff)
    rows = [
        {
            "at": e.at,
            "who": names[e.id],
            "action": ACTION_LABELS.get(e.action, e.action.replace("_", " ")),
            "summary": e.summary,
            "diff": diff_rows(e.before, e.after) if e.action != "claim_request" or actor.is_staff else [],
        }
        for e in events
    ]
    ctx = page_context(
        request, page_title=f"History of {title}", events=rows, title=title, back=back, staff=actor.is_staff
    )
    return Template("history/history.html", context=ctx)


@get("/tools/{tool_id:int}/history", include_in_schema=False)
@in_thread
def tool_history(request: Request[Any, Any, Any], tool_id: int) -> Template:
    with unit_of_work(request) as (session, actor):
        tool = session.get(Tool, tool_id)
        if tool is None:
            raise NotFound("No listing found.")
        moderation.require_history_access(
            actor, supplier_id=tool.supplier_id, public=tool.status == ToolStatus.PUBLISHED.value, label="listing"
        )
        back = f"/tools/{tool_id}" if tool.status == ToolStatus.PUBLISHED.value else "/supplier/dashboard"
        return _history_page(request, session, actor, entity_type="tool", entity_id=tool_id, title=tool.name, back=back)


@get("/suppliers/{supplier_id:int}/history", include_in_schema=False)
@in_thread
def supplier_history(request: Request[Any, Any, Any], supplier_id: int) -> Template:
    with unit_of_work(request) as (session, actor):
        supplier = session.get(Supplier, supplier_id)
        if supplier is None:
            raise NotFound("No supplier found.")
        moderation.require_history_access(
            actor, supplier_id=supplier.id, public=supplier.status == "active", label="supplier"
        )
        back = f"/suppliers/{supplier_id}" if supplier.status == "active" else "/supplier/dashboard"
        return _history_page(
            request, session, actor, entity_type="supplier", entity_id=supplier_id, title=supplier.name, back=back
        )


ROUTES = [
    queue,
    duplicates,
    tool_decision_form,
    tool_decision,
    supplier_decision_form,
    supplier_decision,
    tool_history,
    supplier_history,
]
