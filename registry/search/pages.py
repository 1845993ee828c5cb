"""The search page: facets with counts, sort, paging and "why this matched".

It parses and runs searches through the same entry point as GET /api/v1/search, so a page URL
and an API URL with the same query string give the same results.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get
from litestar.enums import MediaType
from litestar.response import Template
from markupsafe import Markup

from registry.actor import Actor
from registry.errors import InvalidInput
from registry.savedsearches import services as saved_searches
from registry.search.query import BY_NAME, parse_query
from registry.search.service import service_for
from registry.search.views import (
    SORT_OPTIONS,
    facet_view,
    query_pairs,
    result_cards,
    search_url,
    selected_filters,
)
from registry.shortlists import services as shortlists
from registry.suppliers import directory
from registry.tools.pages import basket
from registry.web.context import page_context
from registry.web.deps import engine_of, unit_of_work
from registry.web.forms import VARY, is_htmx

SUPPLIERS_SHOWN = 3  # the search page's short "Suppliers" section; the directory has the rest


def _can_shortlist(actor: Actor) -> bool:
    return actor.is_authenticated and (actor.role in shortlists.SHORTLIST_ROLES or actor.is_admin)


# --- search -----------------------------------------------------------------------------------


def _bad_search(request: Request[Any, Any, Any], exc: InvalidInput) -> Template:
    # Each bad parameter in plain words, under what it is ("Workstream", "Sort order").
    fields = exc.fields or {"q": exc.detail}
    errors = [(k, BY_NAME[k].label if k in BY_NAME else k, v) for k, v in fields.items()]
    with unit_of_work(request):
        ctx = page_context(
            request,
            page_title="There is a problem with your search",
            nav_active="search",
            errors=errors,
            detail=exc.detail,
        )
    return Template("search/bad_request.html", context=ctx, status_code=400, headers=VARY)


# On the event loop, like the tool page: a repeated search touches no database and renders
# only the page shell around a cached results region; a thread hop would cost more than that.
@get("/search", sync_to_thread=False, include_in_schema=False)
def search_page(request: Request[Any, Any, Any]) -> Template | Response[str]:
    try:
        query = parse_query(request.query_params)
    except InvalidInput as exc:
        return _bad_search(request, exc)
    query_string = request.scope.get("query_string", b"")
    pairs = query_pairs(query_string)
    htmx = is_htmx(request)
    chosen = basket(request)
    page_title = f"Search: {query.q}" if query.q else "Search tools"
    with unit_of_work(request) as (session, actor):
        service = service_for(engine_of(request))
        index = service.current(session)

        def render_region() -> str:
            result = service.run(query, session)
            docs = {h.tool_id: d for h in result.hits if (d := index.get(h.tool_id)) is not None}
            tree = service.taxonomy_tree(session)
            # Suppliers whose name matches the words, by the directory's own matching.
            suppliers = directory.search(directory.entries(session), query.q) if query.q.strip() else []
            region = {
                "page_title": page_title,
                "q": query.q,
                "sort": query.sort,
                "sort_options": SORT_OPTIONS,
                "result": result,
                "pages": max(1, -(-result.total // query.per_page)),
                "cards": result_cards(result.hits, docs),
                "facets": facet_view(result.facets, query, tree),
                "filter_tags": selected_filters(pairs, query, tree),
                "suppliers": suppliers[:SUPPLIERS_SHOWN],
                "supplier_total": len(suppliers),
                "suppliers_url": "/suppliers?" + urlencode({"q": query.q}),
                "save_url": "/saved-searches/new?"
                + urlencode([(k, v) for k, v in pairs if k not in ("page", "per_page")]),
                "page_url": lambda n: search_url(pairs, page=n),
                "clear_url": search_url([("q", query.q)] if query.q else []),
                "current_url": search_url(pairs),
                "basket": chosen,
                "htmx": htmx,
            }
            engine = request.app.template_engine
            assert engine is not None  # create_app always configures templates
            return engine.get_template("search/_region.html").render(**region)

        # Everything the region shows follows from these (the template reads nothing else).
        key = (index.serial, index.generation, index.today, query_string, tuple(chosen), htmx)
        region_html = request.app.state.search_regions.get_or_make(key, render_region)
        if htmx:
            return Response(region_html, media_type=MediaType.HTML, headers=VARY)
        ctx = page_context(
            request,
            page_title=page_title,
            nav_active="search",
            q=query.q,
            region_html=Markup(region_html),  # rendered (and escaped) by _region.html
            can_shortlist=_can_shortlist(actor),
            can_save=saved_searches.may_save(actor),
        )
    return Template("search/index.html", context=ctx, headers=VARY)


ROUTES: list[Any] = [search_page]
