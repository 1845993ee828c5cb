"""The capability lead's tool inventory: which published tools the organisation has, with
licence dates and renewal warnings.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from registry import resources
from registry.accounts.scope import lead_org, org_name, own_record, save_own_record, version_to_show
from registry.db_types import today
from registry.enums import (
    ToolStatus,
)
from registry.errors import InvalidInput, NotFound
from registry.inventory import renewals
from registry.inventory.models import InventoryItem
from registry.inventory.schemas import InventoryCreate, InventoryUpdate
from registry.inventory.services import SPEC as INVENTORY_SPEC
from registry.suppliers.models import Supplier
from registry.tools.models import Tool
from registry.web.confirm import Confirmation, confirm_page
from registry.web.context import flash, page_context
from registry.web.deps import unit_of_work
from registry.web.forms import FORM, form_version, text, validate_form

# --- inventory --------------------------------------------------------------------------------


def _licence_state(end: date | None, now: date) -> str:
    """The renewal job's rule (registry.inventory.renewals): ended, or inside a warning band."""
    band = renewals.licence_threshold(end, now)
    if band is None:
        return ""
    return "expired" if band == "ended" else "ending"


@get("/inventory", include_in_schema=False, sync_to_thread=True)
def inventory(request: Request[Any, Any, Any], org: str | None = None) -> Template:
    with unit_of_work(request) as (session, actor):
        org_id = lead_org(actor, org)
        stmt = INVENTORY_SPEC.scope(actor, select(InventoryItem)).where(col(InventoryItem.organisation_id) == org_id)
        rows = list(session.execute(stmt.order_by(col(InventoryItem.licence_end), col(InventoryItem.id))).scalars())
        now = today()
        items = [
            {**item, "state": _licence_state(item["licence_end"], now)}
            for item in INVENTORY_SPEC.to_read(session, rows)
        ]
        ctx = page_context(
            request,
            page_title="Tool inventory",
            nav_active="inventory",
            items=items,
            org_name=org_name(session, org_id),
            today=now,
            warning_days=max(renewals.LICENCE_THRESHOLDS),
        )
    return Template("inventory/index.html", context=ctx)


@get("/inventory/add", include_in_schema=False, sync_to_thread=True)
def inventory_search(request: Request[Any, Any, Any], q: str | None = None) -> Template:
    query = (q or "").strip()[:100]
    with unit_of_work(request) as (session, actor):
        org_id = lead_org(actor)
        results = []
        if query:
            held = set(
                session.execute(
                    select(col(InventoryItem.tool_id)).where(col(InventoryItem.organisation_id) == org_id)
                ).scalars()
            )
            stmt = (
                select(Tool, Supplier)
                .join(Supplier, col(Supplier.id) == col(Tool.supplier_id))
                .where(
                    col(Tool.status) == ToolStatus.PUBLISHED.value,
                    func.lower(col(Tool.name)).contains(query.lower(), autoescape=True),
                )
                .order_by(func.length(col(Tool.name)), col(Tool.id))
                .limit(25)
            )
            results = [{"tool": t, "supplier": s, "held": t.id in held} for t, s in session.execute(stmt)]
        ctx = page_context(
            request,
            page_title="Add a tool to your inventory",
            nav_active="inventory",
            q=query,
            results=results,
            errors={},
        )
    return Template("inventory/search.html", context=ctx)


def _inventory_form(
    request: Request[Any, Any, Any],
    session: Session,
    *,
    tool: Tool,
    item_id: int | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Template:
    ctx = page_context(
        request,
        page_title=f"{'Add' if item_id is None else 'Edit'} {tool.name}",
        nav_active="inventory",
        tool=tool,
        item_id=item_id,
        values=values,
        errors=errors,
    )
    return Template("inventory/form.html", context=ctx, status_code=status)


def _published_tool(session: Session, tool_id: int) -> Tool:
    tool = session.get(Tool, tool_id)
    if tool is None or tool.status != ToolStatus.PUBLISHED.value:
        raise NotFound(f"No published tool with id {tool_id}.")
    return tool


def _date_from(data: dict[str, Any], name: str) -> tuple[date | None, dict[str, str], str | None]:
    parts = {p: text(data, f"{name}-{p}") for p in ("day", "month", "year")}
    if not any(parts.values()):
        return None, parts, None
    try:
        return date(int(parts["year"]), int(parts["month"]), int(parts["day"])), parts, None
    except ValueError:
        return None, parts, "Licence end date must be a real date, like 31 3 2027"


def _inventory_payload(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    end, parts, date_error = _date_from(data, "licence_end")
    seats = text(data, "seats")
    values: dict[str, Any] = {"licence_end": parts, "seats": seats, "notes": text(data, "notes")}
    errors = {"licence_end": date_error} if date_error else {}
    if not seats.isdecimal():
        errors["seats"] = "Enter the number of seats or users as a whole number"
    payload = {"licence_end": end, "seats": seats or "0", "notes": values["notes"]}
    return payload, values, errors


@get("/inventory/add/{tool_id:int}", include_in_schema=False, sync_to_thread=True)
def inventory_add_form(request: Request[Any, Any, Any], tool_id: int) -> Template:
    with unit_of_work(request) as (session, actor):
        lead_org(actor)
        return _inventory_form(
            request, session, tool=_published_tool(session, tool_id), item_id=None, values={"seats": "1"}, errors={}
        )


@post("/inventory/add/{tool_id:int}", include_in_schema=False, sync_to_thread=True)
def inventory_add(request: Request[Any, Any, Any], tool_id: int, data: dict[str, Any] = FORM) -> Template | Redirect:
    payload, values, errors = _inventory_payload(data)
    if not errors:
        try:
            create = validate_form(
                InventoryCreate, {**payload, "tool_id": tool_id}, {"seats": "Seats must be 0 or more"}
            )
            with unit_of_work(request) as (session, actor):
                lead_org(actor)
                _published_tool(session, tool_id)
                resources.create_resource(session, INVENTORY_SPEC, actor, create)
        except InvalidInput as exc:
            errors = exc.fields or {"seats": exc.detail}
    if not errors:
        flash(request, "Tool added to your inventory.")
        return Redirect(path="/inventory")
    with unit_of_work(request) as (session, actor):
        lead_org(actor)
        return _inventory_form(
            request,
            session,
            tool=_published_tool(session, tool_id),
            item_id=None,
            values=values,
            errors={("seats" if k == "tool_id" else k): v for k, v in errors.items()},
            status=400,
        )


@get("/inventory/{item_id:int}/edit", include_in_schema=False, sync_to_thread=True)
def inventory_edit_form(request: Request[Any, Any, Any], item_id: int) -> Template:
    with unit_of_work(request) as (session, actor):
        item = own_record(session, actor, INVENTORY_SPEC, item_id)
        values = {
            "licence_end": item.licence_end,
            "seats": str(item.seats),
            "notes": item.notes,
            "version": item.version,
        }
        return _inventory_form(
            request,
            session,
            tool=_listed_tool(session, item.tool_id),
            item_id=item_id,
            values=values,
            errors={},
        )


@post("/inventory/{item_id:int}/edit", include_in_schema=False, sync_to_thread=True)
def inventory_update(request: Request[Any, Any, Any], item_id: int, data: dict[str, Any] = FORM) -> Template | Redirect:
    payload, values, errors = _inventory_payload(data)
    if not errors:
        errors = save_own_record(
            request,
            INVENTORY_SPEC,
            item_id,
            lambda: validate_form(InventoryUpdate, {**payload, "version": form_version(data)}, {}),
            field="seats",
        )
    if not errors:
        flash(request, "Inventory saved.")
        return Redirect(path="/inventory")
    with unit_of_work(request) as (session, actor):
        item = own_record(session, actor, INVENTORY_SPEC, item_id)
        values["version"] = version_to_show(item.version, errors, "seats", data)
        return _inventory_form(
            request,
            session,
            tool=_listed_tool(session, item.tool_id),
            item_id=item_id,
            values=values,
            errors=errors,
            status=400,
        )


@get("/inventory/{item_id:int}/remove", include_in_schema=False, sync_to_thread=True)
def inventory_remove_confirm(request: Request[Any, Any, Any], item_id: int) -> Template:
    with unit_of_work(request) as (session, actor):
        item = own_record(session, actor, INVENTORY_SPEC, item_id)
        name = INVENTORY_SPEC.to_read(session, [item])[0]["tool_name"]
        return confirm_page(
            request,
            Confirmation(
                question=f"Are you sure you want to remove {name} from your inventory?",
                warning="Gap assessments will no longer count it as a tool you have.",
                action=f"/inventory/{item_id}/remove",
                button=f"Yes, remove {name}",
                cancel="/inventory",
                caption="Inventory",
            ),
            nav_active="inventory",
        )


@post("/inventory/{item_id:int}/remove", include_in_schema=False, sync_to_thread=True)
def inventory_remove(request: Request[Any, Any, Any], item_id: int) -> Redirect:
    with unit_of_work(request) as (session, actor):
        own_record(session, actor, INVENTORY_SPEC, item_id)
        resources.remove_resource(session, INVENTORY_SPEC, actor, item_id)
    flash(request, "Tool removed from your inventory.")
    return Redirect(path="/inventory")


ROUTES: list[Any] = [
    inventory,
    inventory_search,
    inventory_add_form,
    inventory_add,
    inventory_edit_form,
    inventory_update,
    inventory_remove_confirm,
    inventory_remove,
]


def _listed_tool(session: Session, tool_id: int) -> Tool:
    """The tool an inventory item names (kept even if its listing was later retired)."""
    tool = session.get(Tool, tool_id)
    if tool is None:
        raise NotFound("The tool this inventory item names no longer exists.")
    return tool
