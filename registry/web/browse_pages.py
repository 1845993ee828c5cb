"""Public browse pages: search with facets, tool page, supplier page, compare and its basket.

Search uses the same engine and parameter parser as GET /api/v1/search, so a page URL and an
API URL with the same query string give the same results. The compare basket lives in the
(signed) session cookie, so anonymous visitors can compare too.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.enums import MediaType, RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Response, Template
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.actor import Actor
from registry.db_types import today
from registry.enums import ToolStatus
from registry.errors import InvalidInput, NotFound
from registry.resources import ListParams, get_visible, list_resources, read_one
from registry.search.service import parse_params, service_for
from registry.shortlists import services as shortlists
from registry.suppliers.models import Supplier
from registry.suppliers.services import SPEC as SUPPLIER_SPEC
from registry.suppliers.services import to_read as suppliers_to_read
from registry.tools.models import Tool
from registry.tools.services import SPEC as TOOL_SPEC
from registry.web import browse_views as views
from registry.web.context import flash, page_context
from registry.web.deps import engine_of, unit_of_work
from registry.web.pages import safe_next

FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
BASKET_KEY = "compare"
COMPARE_MIN, COMPARE_MAX = 2, 6
MULTI_PARAMS = ("workstream", "capability", "four_p", "five_d", "classification", "deployment", "hosting")
VARY = {"Vary": "HX-Request"}


def _is_htmx(request: Request[Any, Any, Any]) -> bool:
    return bool(request.headers.get("hx-request")) and not request.headers.get("hx-history-restore-request")


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
def basket_update(request: Request[Any, Any, Any], data: dict[str, Any] = FORM) -> Redirect:
    """Add (add=<id>), remove (remove=<id>) or clear (clear=1) the compare basket."""
    target = safe_next(_as_list(data.get("next"))[-1:][0] if data.get("next") else "/compare")
    ids = basket(request)
    with unit_of_work(request) as (session, actor):
        for raw in _as_list(data.get("remove")):
            tool_id = _int_or_none(raw)
            if tool_id in ids:
                ids.remove(tool_id)  # type: ignore[arg-type]
                flash(request, "Removed a tool from your compare list.", "info")
        if data.get("clear"):
            ids = []
            flash(request, "Your compare list is empty.", "info")
        for raw in _as_list(data.get("add")):
            _basket_add(request, session, actor, ids, _int_or_none(raw))
    _set_basket(request, ids)
    return Redirect(path=target)


def _basket_add(
    request: Request[Any, Any, Any], session: Session, actor: Actor, ids: list[int], tool_id: int | None
) -> None:
    if tool_id is None:
        raise InvalidInput("Choose a tool to compare.", fields={"add": "not a tool id"})
    tool = get_visible(session, TOOL_SPEC, actor, tool_id)
    if tool_id in ids:
        flash(request, f"{tool.name} is already in your compare list.", "info")
    elif len(ids) >= COMPARE_MAX:
        flash(request, f"You can compare up to {COMPARE_MAX} tools. Remove one before adding {tool.name}.", "error")
    else:
        ids.append(tool_id)
        flash(request, f"Added {tool.name} to your compare list ({len(ids)} of {COMPARE_MAX}).")


# --- search -----------------------------------------------------------------------------------


def _bad_search(request: Request[Any, Any, Any], exc: InvalidInput) -> Template:
    with unit_of_work(request):
        errors = exc.fields or {"q": exc.detail}
        messages = {k: exc.detail if len(errors) == 1 else v for k, v in errors.items()}
        ctx = page_context(
            request,
            page_title="There is a problem with your search",
            nav_active="search",
            errors=messages,
            detail=exc.detail,
        )
    return Template("search/bad_request.html", context=ctx, status_code=400, headers=VARY)


# On the event loop, like the tool page: a repeated search touches no database and renders
# only the page shell around a cached results region; a thread hop would cost more than that.
@get("/search", sync_to_thread=False, include_in_schema=False)
def search_page(request: Request[Any, Any, Any]) -> Template | Response[str]:
    try:
        params = views.page_params(parse_params(request.query_params))
    except InvalidInput as exc:
        return _bad_search(request, exc)
    query_string = request.scope.get("query_string", b"")
    pairs = views.query_pairs(query_string)
    raw = {k: [v for kk, v in pairs if kk == k and v] for k in MULTI_PARAMS}
    htmx = _is_htmx(request)
    chosen = basket(request)
    page_title = f"Search: {params.q}" if params.q else "Search tools"
    with unit_of_work(request) as (session, actor):
        service = service_for(engine_of(request))
        index = service.current(session)

        def render_region() -> str:
            result = service.search(params, session)
            facets = views.disjunctive_facets(service, session, params, result.facets)
            docs = {h.tool_id: d for h in result.hits if (d := index.get(h.tool_id)) is not None}
            region = {
                "page_title": page_title,
                "q": params.q,
                "sort": params.sort,
                "sort_options": views.SORT_OPTIONS,
                "result": result,
                "pages": max(1, -(-result.total // params.per_page)),
                "cards": views.result_cards(result.hits, docs),
                "facets": views.facet_view(facets, params, raw, service.taxonomy_tree(session)),
                "page_url": lambda n: views.search_url(pairs, page=n),
                "clear_url": views.search_url([("q", params.q)] if params.q else []),
                "current_url": views.search_url(pairs),
                "basket": chosen,
                "fmt": views.FMT,
                "htmx": htmx,
            }
            return request.app.template_engine.get_template("search/_region.html").render(**region)

        # Everything the region shows follows from these (the template reads nothing else).
        key = (index.serial, index.generation, index.today, query_string, tuple(chosen), htmx)
        region_html = request.app.state.search_regions.get_or_make(key, render_region)
        if htmx:
            return Response(region_html, media_type=MediaType.HTML, headers=VARY)
        ctx = page_context(
            request,
            page_title=page_title,
            nav_active="search",
            q=params.q,
            region_html=Markup(region_html),  # rendered (and escaped) by _region.html
            can_shortlist=_can_shortlist(actor),
        )
    return Template("search/index.html", context=ctx, headers=VARY)


# --- tool and supplier pages ------------------------------------------------------------------


def _supplier_read(session: Session, supplier_id: int) -> dict[str, Any]:
    supplier = session.get(Supplier, supplier_id)
    return suppliers_to_read(session, [supplier])[0] if supplier else {}


# Runs on the event loop: a cached published tool costs a template render and no query, less
# than handing the request to a worker thread and back (the GIL makes that hop the main cost).
@get("/tools/{tool_id:int}", sync_to_thread=False, include_in_schema=False)
def tool_page(request: Request[Any, Any, Any], tool_id: int) -> Template:
    with unit_of_work(request) as (session, actor):

        def build() -> tuple[dict[str, Any], dict[str, Any]]:
            tool = read_one(session, TOOL_SPEC, actor, tool_id)
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
            accreditations=views.accreditation_views(tool["accreditations"], now),
            stale=views.is_stale(tool, now),
            published=tool["status"] == ToolStatus.PUBLISHED.value,
            in_basket=tool_id in basket(request),
            basket=basket(request),
            fmt=views.FMT,
            can_shortlist=_can_shortlist(actor),
            my_shortlists=shortlists.list_for(session, actor) if _can_shortlist(actor) else [],
        )
    return Template("tools/detail.html", context=ctx)


@get("/suppliers/{supplier_id:int}", sync_to_thread=True, include_in_schema=False)
def supplier_page(request: Request[Any, Any, Any], supplier_id: int) -> Template:
    with unit_of_work(request) as (session, actor):
        supplier = read_one(session, SUPPLIER_SPEC, actor, supplier_id)
        tools = list_resources(
            session, TOOL_SPEC, actor, ListParams(per_page=200, sort="name", filters={"supplier_id": str(supplier_id)})
        ).items
        ctx = page_context(
            request, page_title=supplier["name"], nav_active="search", supplier=supplier, tools=tools, fmt=views.FMT
        )
    return Template("suppliers/public.html", context=ctx)


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
    rows = session.execute(TOOL_SPEC.scope(actor, select(Tool).where(Tool.id.in_(ids)))).scalars().all()  # type: ignore[union-attr]
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
            rows=views.compare_rows(tools, suppliers, today()) if ready else [],
            ready=ready,
            errors={"ids": problem} if problem else {},
            problem=problem,
            fmt=views.FMT,
            can_shortlist=_can_shortlist(actor),
            my_shortlists=shortlists.list_for(session, actor) if ready and _can_shortlist(actor) else [],
            ids=ids,
        )
    # A basket with too few tools is a normal state (200); bad explicit ids are a bad request.
    return Template("compare/index.html", context=ctx, status_code=400 if problem and not from_basket else 200)


ROUTES = [search_page, tool_page, supplier_page, compare_page, basket_update]
