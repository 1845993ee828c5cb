"""Tool pages: the public tool page, compare (with its session basket) and the supplier's
multi-step listing editor and review/submit step.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from registry import resources
from registry.actor import Actor
from registry.db_types import today
from registry.enums import (
    WORKSTREAMS,
    ToolStatus,
)
from registry.errors import Conflict, Forbidden, InvalidInput, NotFound
from registry.inventory import services as inventory
from registry.resources import get_visible, read_one
from registry.shortlists import services as shortlists
from registry.skills.models import Skill
from registry.suppliers.pages import _require_supplier, _supplier_read
from registry.taxonomy.services import tree
from registry.tools import editor, publication, workflow
from registry.tools.models import Tool
from registry.tools.schemas import ToolCreate, ToolUpdate
from registry.tools.services import SPEC as TOOL_SPEC
from registry.tools.views import accreditation_views, compare_rows, editor_choices, is_stale, stale_text
from registry.web.context import flash, page_context
from registry.web.deps import unit_of_work
from registry.web.forms import FORM, VARY, is_htmx
from registry.web.return_to import safe_next
from registry.web.signin import COMPARE_BASKET_KEY

BASKET_KEY = COMPARE_BASKET_KEY  # kept through sign-in (registry/web/signin.py)
COMPARE_MIN, COMPARE_MAX = 2, 6


def _can_shortlist(actor: Actor) -> bool:
    return actor.is_authenticated and (actor.role in shortlists.SHORTLIST_ROLES or actor.is_admin)


# --- compare basket (session) -----------------------------------------------------------------


def basket(request: Request[Any, Any, Any]) -> list[int]:
    raw = request.session.get(BASKET_KEY) if request.scope.get("session") is not None else None
    return [int(i) for i in raw if isinstance(i, int)][:COMPARE_MAX] if isinstance(raw, list) else []


def _set_basket(request: Request[Any, Any, Any], ids: list[int]) -> None:
    request.session[BASKET_KEY] = list(dict.fromkeys(ids))[:COMPARE_MAX]


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _int_or_none(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


@post("/compare/basket", sync_to_thread=True, include_in_schema=False)
def basket_update(request: Request[Any, Any, Any], data: dict[str, Any] = FORM) -> Redirect | Template:
    """Add (add=<id>), remove (remove=<id>) or clear (clear=1) the compare basket.

    Without JavaScript: back to ``next`` (the tool page returns to its compare control, not the
    top). With htmx: just the compare control of the tool that was added or removed, in place.
    """
    target = safe_next(_as_list(data.get("next"))[-1:][0] if data.get("next") else "/compare")
    ids = basket(request)
    messages: list[tuple[str, str]] = []
    touched: Tool | None = None
    with unit_of_work(request) as (session, actor):
        for raw in _as_list(data.get("remove")):
            tool_id = _int_or_none(raw)
            if tool_id in ids:
                ids.remove(tool_id)
                touched = get_visible(session, TOOL_SPEC, actor, tool_id) if tool_id is not None else None
                what = touched.name if touched is not None else "a tool"
                messages.append((f"Removed {what} from your compare list.", "info"))
        if data.get("clear"):
            ids = []
            messages.append(("Your compare list is empty.", "info"))
        for raw in _as_list(data.get("add")):
            touched = _basket_add(session, actor, ids, _int_or_none(raw), messages)
        _set_basket(request, ids)
        if is_htmx(request) and touched is not None and data.get("control") == "result":
            # A search result's button, swapped in place; the results bar's summary rides along.
            ctx = page_context(request, d={"id": touched.id, "name": touched.name}, basket=ids, oob=True)
            return Template("search/_compare_button.html", context=ctx, headers=VARY)
        if is_htmx(request) and touched is not None:
            ctx = page_context(
                request,
                t={"id": touched.id, "name": touched.name},
                in_basket=touched.id in ids,
                basket=ids,
                compare_message=messages[-1][0] if messages else "",
                back_to=target,
            )
            return Template("tools/_compare_control.html", context=ctx, headers=VARY)
    for text, kind in messages:
        flash(request, text, kind)
    if data.get("back_to_result") and touched is not None and "#" not in target:
        target = f"{target}#result-{touched.id}"  # back to the result the button was on, not the top
    return Redirect(path=target)


def _basket_add(
    session: Session, actor: Actor, ids: list[int], tool_id: int | None, messages: list[tuple[str, str]]
) -> Tool:
    if tool_id is None:
        raise InvalidInput("Choose a tool to compare.", fields={"add": "not a tool id"})
    tool = get_visible(session, TOOL_SPEC, actor, tool_id)
    if tool_id in ids:
        messages.append((f"{tool.name} is already in your compare list.", "info"))
    elif len(ids) >= COMPARE_MAX:
        messages.append((f"You can compare up to {COMPARE_MAX} tools. Remove one before adding {tool.name}.", "error"))
    else:
        ids.append(tool_id)
        messages.append((f"Added {tool.name} to your compare list ({len(ids)} of {COMPARE_MAX}).", "success"))
    return tool


# Runs on the event loop: a cached published tool costs a template render and no query, less
# than handing the request to a worker thread and back (the GIL makes that hop the main cost).
@get("/tools/{tool_id:int}", sync_to_thread=False, include_in_schema=False)
def tool_page(request: Request[Any, Any, Any], tool_id: int) -> Template:
    with unit_of_work(request) as (session, actor):

        def build() -> tuple[dict[str, Any], dict[str, Any]]:
            tool = read_one(session, TOOL_SPEC, actor, tool_id)
            # Cached with the read model: a new version (so a first publication) bumps the generation.
            tool = {**tool, "first_published": publication.first_published_on(session, tool_id)}
            return tool, _supplier_read(session, tool["supplier_id"])

        editor = actor.is_staff or actor.supplier_id is not None
        tool, supplier = request.app.state.tool_cache.get(session, tool_id, build, strict=editor)
        now = today()
        ctx = page_context(
            request,
            page_title=tool["name"],
            nav_active="search",
            tool=tool,
            supplier=supplier,
            accreditations=accreditation_views(tool["accreditations"], now),
            stale=is_stale(tool, now),
            stale_text=stale_text(tool),
            published=tool["status"] == ToolStatus.PUBLISHED.value,
            in_basket=tool_id in basket(request),
            basket=basket(request),
            can_shortlist=_can_shortlist(actor),
            my_shortlists=shortlists.list_for(session, actor) if _can_shortlist(actor) else [],
            inventory=_inventory_action(session, actor, tool),
        )
    return Template("tools/detail.html", context=ctx)


def _inventory_action(session: Session, actor: Actor, tool: dict[str, Any]) -> dict[str, Any] | None:
    """The "Add to inventory" action for those the inventory form accepts (capability leads), or
    a link to the item when the tool is already held; None for everyone else and unpublished tools."""
    if tool["status"] != ToolStatus.PUBLISHED.value or not inventory.may_add(actor):
        return None
    return {"item_id": inventory.held_item(session, actor, tool["id"])}


# --- compare ----------------------------------------------------------------------------------


def _compare_ids(request: Request[Any, Any, Any]) -> tuple[list[int], bool]:
    """(tool ids, from_basket). Explicit ?ids= wins over the session basket."""
    given = [v for v in request.query_params.getall("ids", []) if v != ""]
    if not given:
        return basket(request), True
    ids: list[int] = []
    for raw in given:
        value = _int_or_none(raw)
        if value is None or value < 1:
            raise InvalidInput(f"“{raw}” is not a tool id.", fields={"ids": "not a tool id"})
        ids.append(value)
    return list(dict.fromkeys(ids)), False


def _compare_problem(count: int, from_basket: bool) -> str:
    if count > COMPARE_MAX:
        return f"You can compare up to {COMPARE_MAX} tools at once. You chose {count}."
    if count == 0 and from_basket:
        return ""  # nothing chosen yet: the page explains how
    if count < COMPARE_MIN:
        return f"Choose at least {COMPARE_MIN} tools to compare. You chose {count}."
    return ""


def _load_tools(session: Session, actor: Actor, ids: list[int], from_basket: bool) -> list[dict[str, Any]]:
    """Visible tools in the order asked, read in one batch.

    Explicit ids must all be visible (else 404, as for one tool); a basket quietly drops tools
    that were unpublished since they were added.
    """
    if not ids:
        return []
    rows = session.execute(TOOL_SPEC.scope(actor, select(Tool).where(col(Tool.id).in_(ids)))).scalars().all()
    by_id = {r["id"]: r for r in TOOL_SPEC.to_read(session, rows)}
    missing = [i for i in ids if i not in by_id]
    if missing and not from_basket:
        raise NotFound(f"No tool with id {missing[0]}.")
    return [by_id[i] for i in ids if i in by_id]


@get("/compare", sync_to_thread=True, include_in_schema=False)
def compare_page(request: Request[Any, Any, Any]) -> Template:
    try:
        ids, from_basket = _compare_ids(request)
    except InvalidInput as exc:
        ids, from_basket, problem = [], False, exc.detail
    else:
        problem = _compare_problem(len(ids), from_basket)
    with unit_of_work(request) as (session, actor):
        tools = _load_tools(session, actor, ids, from_basket) if len(ids) <= COMPARE_MAX else []
        if from_basket:
            problem = _compare_problem(len(tools), from_basket)
        suppliers = {t["supplier_id"]: _supplier_read(session, t["supplier_id"]) for t in tools}
        ready = not problem and len(tools) >= COMPARE_MIN
        ctx = page_context(
            request,
            page_title="Compare tools",
            nav_active="search",
            tools=tools,
            from_basket=from_basket,
            rows=compare_rows(tools, suppliers, today()) if ready else [],
            ready=ready,
            errors={"ids": problem} if problem else {},
            problem=problem,
            can_shortlist=_can_shortlist(actor),
            my_shortlists=shortlists.list_for(session, actor) if ready and _can_shortlist(actor) else [],
            ids=ids,
        )
    # A basket with too few tools is a normal state (200); bad explicit ids are a bad request.
    return Template("tools/compare.html", context=ctx, status_code=400 if problem and not from_basket else 200)


CONFLICT_MESSAGE = (
    "Someone else changed this listing while you were editing it, so your changes have not been "
    "saved. Your changes are shown below: save again to replace theirs, or reload the page to see "
    "the latest version."
)


# --- listing editor ---------------------------------------------------------------------------


def _leaves(node: dict[str, Any], trail: list[str]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for child in node["children"]:
        if child["children"]:
            out += _leaves(child, [*trail, child["name"]])
        else:
            out.append({"code": child["code"], "name": " › ".join([*trail, child["name"]])})
    return out


def _leaf_groups(session: Session) -> list[dict[str, Any]]:
    """Taxonomy areas with their leaves (tools claim leaves only), labelled below the area."""
    groups = []
    for area in tree(session):
        leaves = _leaves(area, [])
        if leaves:
            groups.append({"code": area["code"], "name": area["name"], "leaves": leaves})
    return groups


def _skills(session: Session) -> list[Skill]:
    return list(
        session.execute(
            select(Skill).where(col(Skill.retired).is_(False)).order_by(col(Skill.category), col(Skill.name))
        ).scalars()
    )


def _editable_tool(session: Session, actor: Actor, tool_id: int) -> Tool:
    actor.require_auth()
    tool = resources.get_visible(session, TOOL_SPEC, actor, tool_id)
    if not TOOL_SPEC.can_write(session, actor, tool):
        raise Forbidden("Only the supplier that owns this listing can change it.")
    return tool


def _editor_page(
    request: Request[Any, Any, Any],
    session: Session,
    actor: Actor,
    *,
    slug: str,
    tool: Tool | None,
    values: dict[str, Any],
    errors: dict[str, str],
    version: int | None,
    status: int = 200,
    notice: str = "",
) -> Template:
    step = editor.STEP_BY_SLUG[slug]
    ctx = page_context(
        request,
        page_title=f"{step.title} – {'new listing' if tool is None else tool.name}",
        nav_active="supplier",
        step=step,
        tool=tool,
        values=values,
        errors=errors,
        version=version,
        notice=notice,
        leaf_groups=_leaf_groups(session) if slug == "capabilities" else [],
        skills=_skills(session) if slug == "skills" else [],
        staff=actor.is_staff,
        action=f"/supplier/tools/{tool.id}/edit/{slug}" if tool else "/supplier/tools/new",
        **editor_choices(),
    )
    return Template(f"tools/editor_{slug}.html", context=ctx, status_code=status)


@get("/supplier/tools/new", include_in_schema=False, sync_to_thread=True)
def new_tool_form(request: Request[Any, Any, Any]) -> Template:
    with unit_of_work(request) as (session, actor):
        _require_supplier(actor)
        return _editor_page(
            request, session, actor, slug="about", tool=None, values=editor.blank_values(), errors={}, version=None
        )


@post("/supplier/tools/new", include_in_schema=False, sync_to_thread=True)
def new_tool_save(request: Request[Any, Any, Any], data: dict[str, Any] = FORM) -> Template | Redirect:
    result = editor.parse_step("about", data, creating=True)
    errors = dict(result.errors)
    new_id = None
    if not errors:
        try:
            with unit_of_work(request) as (session, actor):
                _require_supplier(actor)
                created = resources.create_resource(
                    session, TOOL_SPEC, actor, ToolCreate.model_validate(result.payload)
                )
                new_id = created["id"]
        except InvalidInput as exc:
            errors = exc.fields or {"name": exc.detail}
    if new_id is not None:
        flash(request, "Draft saved.")
        target = "about" if data.get("action") == "stay" else editor.next_step("about")
        return Redirect(path=f"/supplier/tools/{new_id}/edit/{target}")
    with unit_of_work(request) as (session, actor):
        _require_supplier(actor)
        values = {**editor.blank_values(), **result.values}
        return _editor_page(
            request, session, actor, slug="about", tool=None, values=values, errors=errors, version=None, status=400
        )


def _read(session: Session, tool: Tool) -> dict[str, Any]:
    return TOOL_SPEC.to_read(session, [tool])[0]


@get("/supplier/tools/{tool_id:int}/edit/{step:str}", include_in_schema=False, sync_to_thread=True)
def edit_tool_form(request: Request[Any, Any, Any], tool_id: int, step: str) -> Template:
    with unit_of_work(request) as (session, actor):
        tool = _editable_tool(session, actor, tool_id)
        read = _read(session, tool)
        if step == editor.REVIEW:
            return _review_page(request, session, tool, read, {})
        if step not in editor.STEP_BY_SLUG:
            raise NotFound("No such step.")
        return _editor_page(
            request,
            session,
            actor,
            slug=step,
            tool=tool,
            values=editor.values_from_read(read),
            errors={},
            version=tool.version,
        )


@post("/supplier/tools/{tool_id:int}/edit/{step:str}", include_in_schema=False, sync_to_thread=True)
def edit_tool_save(
    request: Request[Any, Any, Any], tool_id: int, step: str, data: dict[str, Any] = FORM
) -> Template | Redirect:
    if step not in editor.STEP_BY_SLUG:
        raise NotFound("No such step.")
    action = str(data.get("action") or "next")
    version_raw = str(data.get("version") or "")
    version = int(version_raw) if version_raw.isdecimal() else None
    with unit_of_work(request) as (session, actor):
        result = editor.parse_step(step, data, staff=actor.is_staff)
        tool = _editable_tool(session, actor, tool_id)
    errors, notice = dict(result.errors), ""
    if action.startswith("add_"):
        editor.add_blank_row(result.values, action.removeprefix("add_"))
        errors = {}  # adding a row is not a save: no errors yet
    elif not errors:
        try:
            with unit_of_work(request) as (session, actor):
                update = ToolUpdate.model_validate({**result.payload, "version": version})
                resources.update_resource(session, TOOL_SPEC, actor, tool_id, update, if_match=None)
        except Conflict:
            notice = CONFLICT_MESSAGE
        except InvalidInput as exc:
            errors = exc.fields or {"": exc.detail}
        else:
            flash(request, "Draft saved." if tool.status == ToolStatus.DRAFT.value else "Changes saved.")
            target = step if action == "stay" else editor.next_step(step)
            return Redirect(path=f"/supplier/tools/{tool_id}/edit/{target}")
    with unit_of_work(request) as (session, actor):
        tool = _editable_tool(session, actor, tool_id)
        values = {**editor.values_from_read(_read(session, tool)), **result.values}
        shown_version = tool.version if notice else version  # after a clash, saving again overwrites knowingly
        status = 409 if notice else (400 if errors else 200)
        return _editor_page(
            request,
            session,
            actor,
            slug=step,
            tool=tool,
            values=values,
            errors=errors,
            version=shown_version,
            status=status,
            notice=notice,
        )


def _review_page(
    request: Request[Any, Any, Any],
    session: Session,
    tool: Tool,
    read: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Template:
    problems = workflow.submission_problems(session, tool) if tool.status == ToolStatus.DRAFT.value else {}
    ctx = page_context(
        request,
        page_title=f"Check your listing – {tool.name}",
        nav_active="supplier",
        tool=tool,
        read=read,
        errors=errors,
        problems=problems,
        workstreams=WORKSTREAMS,
        **editor_choices(),
    )
    return Template("tools/review.html", context=ctx, status_code=status)


_PROBLEM_STEP = {"summary": "about", "description": "about", "name": "about", "capabilities": "capabilities"}


@post("/supplier/tools/{tool_id:int}/submit", include_in_schema=False, sync_to_thread=True)
def submit_tool(request: Request[Any, Any, Any], tool_id: int, data: dict[str, Any] = FORM) -> Template | Redirect:
    version_raw = str(data.get("version") or "")
    errors: dict[str, str] = {}
    try:
        with unit_of_work(request) as (session, actor):
            tool = _editable_tool(session, actor, tool_id)
            workflow.submit(session, actor, tool_id, int(version_raw) if version_raw.isdecimal() else None)
            name = tool.name
    except InvalidInput as exc:
        errors = exc.fields
    except (Conflict, Forbidden) as exc:
        errors = {"": exc.detail}
    if not errors:
        flash(request, f"{name} is submitted. A moderator will review it, usually within 5 working days.")
        return Redirect(path="/supplier/dashboard")
    with unit_of_work(request) as (session, actor):
        tool = _editable_tool(session, actor, tool_id)
        return _review_page(request, session, tool, _read(session, tool), errors, status=400)


ROUTES: list[Any] = [
    basket_update,
    tool_page,
    compare_page,
    new_tool_form,
    new_tool_save,
    edit_tool_form,
    edit_tool_save,
    submit_tool,
]
