"""Shortlist pages: list and create, view with remove/rename, add from tool or compare, exports."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from pydantic import ValidationError
from sqlalchemy.orm import Session

from registry.actor import Actor
from registry.db_types import require_id
from registry.errors import Conflict, InvalidInput
from registry.resources import get_visible
from registry.shortlists import services
from registry.shortlists.schemas import ShortlistCreate, ShortlistItemAdd, ShortlistRename
from registry.tools.services import SPEC as TOOL_SPEC
from registry.web.confirm import Confirmation, confirm_page
from registry.web.context import flash, page_context
from registry.web.deps import unit_of_work
from registry.web.forms import many as _many
from registry.web.forms import one as _one

FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
NAME_MESSAGES = {
    "missing": "Enter a name for the shortlist",
    "string_too_short": "Enter a name for the shortlist",
    "string_too_long": "Name must be 200 characters or fewer",
}


def _field_errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in exc.errors():
        key = str(err["loc"][0]) if err["loc"] else "name"
        errors.setdefault(key, NAME_MESSAGES.get(err["type"], str(err["msg"])) if key == "name" else str(err["msg"]))
    return errors


def _validated_name(data: dict[str, Any], key: str = "name") -> tuple[str, dict[str, str]]:
    name = _one(data, key)
    try:
        ShortlistCreate.model_validate({"name": name})
    except ValidationError as exc:
        return name, {key: _field_errors(exc).get("name", "Enter a name for the shortlist")}
    return name, {}


# --- list and create --------------------------------------------------------------------------


def _index(
    request: Request[Any, Any, Any],
    session: Session,
    actor: Actor,
    errors: dict[str, str],
    values: dict[str, str],
    status: int = 200,
) -> Template:
    ctx = page_context(
        request,
        page_title="Your shortlists",
        nav_active="shortlists",
        shortlists=services.list_for(session, actor),
        errors=errors,
        values=values,
    )
    return Template("shortlists/index.html", context=ctx, status_code=status)


@get("/shortlists", sync_to_thread=True, include_in_schema=False)
def shortlist_index(request: Request[Any, Any, Any]) -> Template:
    with unit_of_work(request) as (session, actor):
        return _index(request, session, actor, {}, {})


@post("/shortlists", sync_to_thread=True, include_in_schema=False)
def shortlist_create(request: Request[Any, Any, Any], data: dict[str, Any] = FORM) -> Template | Redirect:
    name, errors = _validated_name(data)
    with unit_of_work(request) as (session, actor):
        if not errors:
            try:
                shortlist = services.create(session, actor, ShortlistCreate(name=name))
            except InvalidInput as exc:
                errors = exc.fields or {"name": exc.detail}
            else:
                flash(request, f"Created shortlist “{shortlist.name}”.")
                return Redirect(path=f"/shortlists/{shortlist.id}")
        services.require_user(actor)
        return _index(request, session, actor, errors, {"name": name}, status=400)


# --- one shortlist ----------------------------------------------------------------------------


def _detail(
    request: Request[Any, Any, Any],
    session: Session,
    actor: Actor,
    shortlist_id: int,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    shortlist, entries = services.entries(session, actor, shortlist_id)
    ids = [e.tool["id"] for e in entries]
    ctx = page_context(
        request,
        page_title=shortlist.name,
        nav_active="shortlists",
        shortlist=shortlist,
        entries=entries,
        errors=errors or {},
        values=values or {"name": shortlist.name},
        compare_url="/compare?" + "&".join(f"ids={i}" for i in ids),
    )
    return Template("shortlists/detail.html", context=ctx, status_code=status)


@get("/shortlists/{shortlist_id:int}", sync_to_thread=True, include_in_schema=False)
def shortlist_detail(request: Request[Any, Any, Any], shortlist_id: int) -> Template:
    with unit_of_work(request) as (session, actor):
        return _detail(request, session, actor, shortlist_id)


@post("/shortlists/{shortlist_id:int}/rename", sync_to_thread=True, include_in_schema=False)
def shortlist_rename(
    request: Request[Any, Any, Any], shortlist_id: int, data: dict[str, Any] = FORM
) -> Template | Redirect:
    name, errors = _validated_name(data)
    version = _one(data, "version")
    with unit_of_work(request) as (session, actor):
        services.get_owned(session, actor, shortlist_id)  # 404 before any validation message
        if not errors:
            try:
                services.rename(
                    session,
                    actor,
                    shortlist_id,
                    ShortlistRename(name=name, version=int(version) if version.isdecimal() else None),
                )
            except (InvalidInput, Conflict) as exc:
                errors = exc.fields or {"name": exc.detail}
            else:
                flash(request, f"Renamed the shortlist to “{name}”.")
                return Redirect(path=f"/shortlists/{shortlist_id}")
        return _detail(request, session, actor, shortlist_id, errors, {"name": name}, status=400)


@get("/shortlists/{shortlist_id:int}/delete", sync_to_thread=True, include_in_schema=False)
def shortlist_delete_confirm(request: Request[Any, Any, Any], shortlist_id: int) -> Template:
    with unit_of_work(request) as (session, actor):
        shortlist = services.get_owned(session, actor, shortlist_id)
        return confirm_page(
            request,
            Confirmation(
                question=f"Are you sure you want to delete the shortlist “{shortlist.name}”?",
                warning="This cannot be undone. The tools stay in the registry; only this list is removed.",
                action=f"/shortlists/{shortlist_id}/delete",
                button="Yes, delete the shortlist",
                cancel=f"/shortlists/{shortlist_id}",
                caption="Shortlists",
            ),
            nav_active="shortlists",
        )


@post("/shortlists/{shortlist_id:int}/delete", sync_to_thread=True, include_in_schema=False)
def shortlist_delete(request: Request[Any, Any, Any], shortlist_id: int) -> Redirect:
    with unit_of_work(request) as (session, actor):
        shortlist = services.get_owned(session, actor, shortlist_id)
        name = shortlist.name
        services.remove(session, actor, shortlist_id)
    flash(request, f"Deleted shortlist “{name}”.")
    return Redirect(path="/shortlists")


@post("/shortlists/{shortlist_id:int}/items/{tool_id:int}/remove", sync_to_thread=True, include_in_schema=False)
def shortlist_remove_item(request: Request[Any, Any, Any], shortlist_id: int, tool_id: int) -> Redirect:
    with unit_of_work(request) as (session, actor):
        removed = services.remove_tool(session, actor, shortlist_id, tool_id)
    flash(
        request,
        "Removed the tool from the shortlist." if removed else "That tool was not on the shortlist.",
        "success" if removed else "info",
    )
    return Redirect(path=f"/shortlists/{shortlist_id}")


def _export(request: Request[Any, Any, Any], shortlist_id: int, fmt: str) -> Response[bytes]:
    with unit_of_work(request) as (session, actor):
        filename, content = services.export(session, actor, shortlist_id, fmt)
    media = {
        "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }[fmt]
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@get("/shortlists/{shortlist_id:int}/export.csv", sync_to_thread=True, include_in_schema=False)
def shortlist_export_csv(request: Request[Any, Any, Any], shortlist_id: int) -> Response[bytes]:
    return _export(request, shortlist_id, "csv")


@get("/shortlists/{shortlist_id:int}/export.xlsx", sync_to_thread=True, include_in_schema=False)
def shortlist_export_xlsx(request: Request[Any, Any, Any], shortlist_id: int) -> Response[bytes]:
    return _export(request, shortlist_id, "xlsx")


# --- add tools (from the tool page or the compare page) ---------------------------------------


def _tool_ids(values: list[str]) -> list[int]:
    ids = [int(v) for v in values if v.isdecimal() and int(v) > 0]
    if not ids or len(ids) != len(values):
        raise InvalidInput("Choose the tools to add.", fields={"tool_id": "not a tool id"})
    return list(dict.fromkeys(ids))


def _add_form(
    request: Request[Any, Any, Any],
    session: Session,
    actor: Actor,
    tool_ids: list[int],
    errors: dict[str, str],
    values: dict[str, str],
    status: int = 200,
) -> Template:
    tools = [get_visible(session, TOOL_SPEC, actor, i) for i in tool_ids]
    ctx = page_context(
        request,
        page_title="Add to a shortlist",
        nav_active="shortlists",
        tools=tools,
        shortlists=services.list_for(session, actor),
        errors=errors,
        values=values,
    )
    return Template("shortlists/add.html", context=ctx, status_code=status)


@get("/shortlists/add", sync_to_thread=True, include_in_schema=False)
def shortlist_add_form(request: Request[Any, Any, Any]) -> Template:
    tool_ids = _tool_ids([v for v in request.query_params.getall("tool_id", []) if v])
    with unit_of_work(request) as (session, actor):
        services.require_user(actor)
        return _add_form(request, session, actor, tool_ids, {}, {})


@post("/shortlists/add", sync_to_thread=True, include_in_schema=False)
def shortlist_add(request: Request[Any, Any, Any], data: dict[str, Any] = FORM) -> Template | Redirect:
    """Fields: tool_id (repeatable), shortlist_id (an id or "new"), new_name, note."""
    tool_ids = _tool_ids(_many(data, "tool_id"))
    # Nothing is chosen in advance: a typed new name with no choice means a new shortlist.
    choice = _one(data, "shortlist_id") or ("new" if _one(data, "new_name") else "")
    values = {"shortlist_id": choice, "new_name": _one(data, "new_name"), "note": _one(data, "note")}
    with unit_of_work(request) as (session, actor):
        services.require_user(actor)
        errors: dict[str, str] = {}
        if choice == "new":
            name, errors = _validated_name(data, "new_name")
            if not errors:
                try:
                    shortlist_id = require_id(services.create(session, actor, ShortlistCreate(name=name)))
                except InvalidInput as exc:
                    errors = {"new_name": (exc.fields or {}).get("name", exc.detail)}
        elif choice.isdecimal():
            shortlist_id = require_id(services.get_owned(session, actor, int(choice)))
        else:
            errors = {"shortlist_id": "Choose a shortlist"}
        if errors:
            return _add_form(request, session, actor, tool_ids, errors, values, status=400)
        try:
            items = [ShortlistItemAdd(tool_id=i, note=values["note"]) for i in tool_ids]
        except ValidationError:
            return _add_form(
                request, session, actor, tool_ids, {"note": "Note must be 1000 characters or fewer"}, values, status=400
            )
        added = services.add_tools(session, actor, shortlist_id, items)
    kept = len(tool_ids) - len(added)
    message = f"Added {len(added)} tool{'s' if len(added) != 1 else ''} to the shortlist."
    if kept:
        message += f" {kept} {'was' if kept == 1 else 'were'} already on it."
    flash(request, message)
    return Redirect(path=f"/shortlists/{shortlist_id}")


ROUTES = [
    shortlist_index,
    shortlist_create,
    shortlist_detail,
    shortlist_rename,
    shortlist_delete_confirm,
    shortlist_delete,
    shortlist_remove_item,
    shortlist_export_csv,
    shortlist_export_xlsx,
    shortlist_add_form,
    shortlist_add,
]
