"""Moderation pages: the queue, tool and supplier decisions, and the likely-duplicates report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.accounts.models import User
from registry.actor import Actor
from registry.changelog.models import AuditEvent
from registry.enums import (
    Role,
)
from registry.errors import Conflict, InvalidInput, NotFound
from registry.suppliers import workflow as supplier_workflow
from registry.suppliers.models import Supplier
from registry.tools import workflow
from registry.tools.models import Tool
from registry.tools.services import SPEC as TOOL_SPEC
from registry.web.context import flash, page_context
from registry.web.deps import unit_of_work
from registry.web.forms import FORM, form_version

TOOL_DECISIONS = [
    ("approve", "Approve and publish", "The listing is accurate and in scope"),
    ("request_changes", "Request changes", "Send it back to the supplier as a draft with what to fix"),
    ("reject", "Reject", "Out of scope, a duplicate or misleading: the listing is retired"),
]


def _staff(actor: Actor) -> None:
    actor.require_role(Role.MODERATOR)


# --- queue ------------------------------------------------------------------------------------


@get("/moderation", include_in_schema=False, sync_to_thread=True)
def queue(request: Request[Any, Any, Any]) -> Template:
    with unit_of_work(request) as (session, actor):
        q = workflow.review_queue(session, actor)
        ctx = page_context(request, page_title="Moderation", nav_active="moderation", queue=q)
    return Template("moderation/queue.html", context=ctx)


@get("/moderation/duplicates", include_in_schema=False, sync_to_thread=True)
def duplicates(request: Request[Any, Any, Any]) -> Template:
    with unit_of_work(request) as (session, actor):
        rows = workflow.duplicates(session, actor)
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


@get("/moderation/tools/{tool_id:int}", include_in_schema=False, sync_to_thread=True)
def tool_decision_form(request: Request[Any, Any, Any], tool_id: int) -> Template:
    with unit_of_work(request) as (session, actor):
        return _tool_page(request, session, actor, tool_id, {}, {})


# A decision's action: (session, actor, record id, form version, reasons) -> the changed record.
Decide = Callable[[Session, Actor, int, int | None, str], Any]


def _decide(
    request: Request[Any, Any, Any],
    record_id: int,
    data: dict[str, Any],
    actions: dict[str, tuple[Decide, str]],
    page: Callable[..., Template],
) -> Template | Redirect:
    """One moderation decision through the workflow service: a flash and back to the queue, or
    the form again with the error in words (a stale version included)."""
    decision, reasons = str(data.get("decision") or ""), str(data.get("reasons") or "")
    errors: dict[str, str] = {}
    try:
        with unit_of_work(request) as (session, actor):
            _staff(actor)
            if decision not in actions:
                raise InvalidInput("Choose a decision.", fields={"decision": "Select a decision"})
            action, done = actions[decision]
            name = action(session, actor, record_id, form_version(data), reasons).name
    except InvalidInput as exc:
        errors = exc.fields or {"decision": exc.detail}
    except Conflict as exc:
        errors = {"decision": exc.detail}
    if not errors:
        flash(request, done.format(name=name))
        return Redirect(path="/moderation")
    with unit_of_work(request) as (session, actor):
        return page(request, session, actor, record_id, {"decision": decision, "reasons": reasons}, errors, 400)


TOOL_ACTIONS: dict[str, tuple[Decide, str]] = {
    "approve": (lambda s, a, i, v, r: workflow.approve(s, a, i, v, note=r), "{name} is published."),
    "reject": (lambda s, a, i, v, r: workflow.reject(s, a, i, r, v), "{name} is rejected."),
    "request_changes": (
        lambda s, a, i, v, r: workflow.request_changes(s, a, i, r, v),
        "{name} is sent back to the supplier.",
    ),
}
SUPPLIER_ACTIONS: dict[str, tuple[Decide, str]] = {
    "approve": (lambda s, a, i, v, r: supplier_workflow.approve_supplier(s, a, i, v), "{name} is approved."),
    "reject": (lambda s, a, i, v, r: supplier_workflow.reject_supplier(s, a, i, r, v), "{name} is rejected."),
    "verify": (lambda s, a, i, v, r: supplier_workflow.verify_supplier(s, a, i, v), "{name} is verified."),
}


@post("/moderation/tools/{tool_id:int}", include_in_schema=False, sync_to_thread=True)
def tool_decision(request: Request[Any, Any, Any], tool_id: int, data: dict[str, Any] = FORM) -> Template | Redirect:
    return _decide(request, tool_id, data, TOOL_ACTIONS, _tool_page)


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
    users = session.execute(select(User).where(col(User.organisation_id) == supplier.organisation_id)).scalars().all()
    claims = (
        session.execute(
            select(AuditEvent)
            .where(
                col(AuditEvent.entity_type) == "supplier",
                col(AuditEvent.entity_id) == str(supplier.id),
                col(AuditEvent.action) == "claim_request",
            )
            .order_by(col(AuditEvent.at).desc())
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


@get("/moderation/suppliers/{supplier_id:int}", include_in_schema=False, sync_to_thread=True)
def supplier_decision_form(request: Request[Any, Any, Any], supplier_id: int) -> Template:
    with unit_of_work(request) as (session, actor):
        return _supplier_page(request, session, actor, supplier_id, {}, {})


@post("/moderation/suppliers/{supplier_id:int}", include_in_schema=False, sync_to_thread=True)
def supplier_decision(
    request: Request[Any, Any, Any], supplier_id: int, data: dict[str, Any] = FORM
) -> Template | Redirect:
    return _decide(request, supplier_id, data, SUPPLIER_ACTIONS, _supplier_page)


ROUTES: list[Any] = [queue, duplicates, tool_decision_form, tool_decision, supplier_decision_form, supplier_decision]
