"""Saved search pages: save the current search (from the search page's "Save this search"),
list them with run, alerts on or off and delete (with a confirmation page)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.response import Redirect, Template
from multidict import MultiDict
from sqlalchemy.orm import Session

from registry.actor import Actor
from registry.errors import InvalidInput
from registry.savedsearches import services
from registry.savedsearches.models import UserSavedSearch
from registry.search.query import parse_query
from registry.search.service import SearchService, service_for
from registry.search.views import FilterTagGroup, query_pairs, selected_filters
from registry.web.context import flash, page_context
from registry.web.deps import engine_of, unit_of_work
from registry.web.forms import FORM, text

QUERY_MAX = 4000  # characters of a search's query string carried by the save form


def _described(service: SearchService, session: Session, pairs: list[tuple[str, str]]) -> list[FilterTagGroup]:
    """The filters of a search in words (as the search page's filter tags name them)."""
    try:
        query = parse_query(MultiDict(pairs))
    except InvalidInput:
        return []
    return selected_filters(pairs, query, service.taxonomy_tree(session))


def _row(service: SearchService, session: Session, saved: UserSavedSearch) -> dict[str, Any]:
    return {
        "saved": saved,
        "run_url": services.run_url(saved),
        "filters": _described(service, session, services.query_pairs_of(saved)),
    }


@get("/saved-searches", sync_to_thread=True, include_in_schema=False)
def saved_searches(request: Request[Any, Any, Any]) -> Template:
    with unit_of_work(request) as (session, actor):
        service = service_for(engine_of(request))
        rows = [_row(service, session, s) for s in services.list_mine(session, actor)]
        ctx = page_context(request, page_title="Saved searches", nav_active="search", rows=rows)
    return Template("savedsearches/index.html", context=ctx)


def _form(
    request: Request[Any, Any, Any],
    session: Session,
    actor: Actor,
    query_string: str,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Template:
    services.require_saver(actor)
    pairs = query_pairs(query_string)
    service = service_for(engine_of(request))
    ctx = page_context(
        request,
        page_title="Save this search",
        nav_active="search",
        query_string=query_string,
        search_url="/search" + (f"?{query_string}" if query_string else ""),
        q=dict(pairs).get("q", ""),
        filters=_described(service, session, pairs),
        values=values,
        errors=errors,
    )
    return Template("savedsearches/new.html", context=ctx, status_code=status)


def _search_only(pairs: list[tuple[str, str]]) -> str:
    """The search part of a query string (paging and sort are not part of a saved search's words)."""
    return urlencode([(k, v) for k, v in pairs if k not in ("page", "per_page") and v != ""])


@get("/saved-searches/new", sync_to_thread=True, include_in_schema=False)
def save_form(request: Request[Any, Any, Any]) -> Template:
    query_string = _search_only(query_pairs(request.scope.get("query_string", b"")))
    with unit_of_work(request) as (session, actor):
        q = dict(query_pairs(query_string)).get("q", "")
        return _form(request, session, actor, query_string, {"name": q[: services.NAME_MAX], "alerts": False}, {})


@post("/saved-searches/new", sync_to_thread=True, include_in_schema=False)
def save(request: Request[Any, Any, Any], data: dict[str, Any] = FORM) -> Template | Redirect:
    query_string = text(data, "query")[:QUERY_MAX]
    name, wants_alerts = text(data, "name"), text(data, "alerts") == "yes"
    values: dict[str, Any] = {"name": name, "alerts": wants_alerts}
    request_data = services.SaveRequest(name, MultiDict(query_pairs(query_string)), wants_alerts)
    try:
        with unit_of_work(request) as (session, actor):
            name = services.create(session, actor, service_for(engine_of(request)), request_data).name
    except InvalidInput as exc:
        with unit_of_work(request) as (session, actor):
            return _form(request, session, actor, query_string, values, exc.fields or {"name": exc.detail}, 400)
    flash(
        request, f"Search “{name}” saved." + (" We will e-mail you when new tools match." if values["alerts"] else "")
    )
    return Redirect(path="/saved-searches")


@post("/saved-searches/{saved_id:int}/alerts", sync_to_thread=True, include_in_schema=False)
def alerts(request: Request[Any, Any, Any], saved_id: int, data: dict[str, Any] = FORM) -> Redirect:
    on = text(data, "alerts") == "on"
    with unit_of_work(request) as (session, actor):
        saved = services.set_alerts(session, actor, service_for(engine_of(request)), saved_id, on)
        name = saved.name
    flash(request, f"E-mail alerts {'on' if on else 'off'} for “{name}”.")
    return Redirect(path="/saved-searches")


@get("/saved-searches/{saved_id:int}/delete", sync_to_thread=True, include_in_schema=False)
def delete_confirm(request: Request[Any, Any, Any], saved_id: int) -> Template:
    with unit_of_work(request) as (session, actor):
        saved = services.get_mine(session, actor, saved_id)
        ctx = page_context(request, page_title=f"Delete “{saved.name}”?", nav_active="search", saved=saved)
    return Template("savedsearches/delete.html", context=ctx)


@post("/saved-searches/{saved_id:int}/delete", sync_to_thread=True, include_in_schema=False)
def delete(request: Request[Any, Any, Any], saved_id: int) -> Redirect:
    with unit_of_work(request) as (session, actor):
        name = services.delete_mine(session, actor, saved_id)
    flash(request, f"Saved search “{name}” deleted.")
    return Redirect(path="/saved-searches")


ROUTES: list[Any] = [saved_searches, save_form, save, alerts, delete_confirm, delete]
