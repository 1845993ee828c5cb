"""Procurement project pages: list and create, overview with decisions, project search (save,
end and freeze), outcome, and the supplier's anonymised feedback page. Every page works without
JavaScript; forms follow POST-redirect-GET and re-render with errors (status 400) when invalid."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import urlencode

import anyio
from litestar import HttpMethod, Request, get, post, route
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from pydantic import ValidationError
from sqlalchemy.orm import Session

from registry.actor import Actor
from registry.enums import WORKSTREAMS, Classification, Deployment, Hosting
from registry.errors import Conflict, InvalidInput, NotFound
from registry.procurement import decisions, feedback, searching, services
from registry.procurement.schemas import DecisionIn, OutcomeIn, ProjectCreate, SearchIn
from registry.procurement.views import SORT_LABELS, filters_text
from registry.search.service import service_for
from registry.web.context import flash, page_context
from registry.web.deps import engine_of, unit_of_work
from registry.web.forms import VARY, is_htmx, many, one

FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
PER_PAGE = 20
FIELD_MESSAGES = {
    "name": "Enter a name for the project (200 characters or fewer)",
    "need_statement": "The need statement must be 5,000 characters or fewer",
    "budget": "Enter the budget as a number of pounds, for example 50000",
    "requirement_ids": "Choose requirements from the list",
    "decision": "Choose keep or exclude",
    "reason_text": "The reason must be 2,000 characters or fewer",
    "value": "Enter the contract value as a number of pounds",
    "kind": "Choose how the project ended",
    "reason": "The reason must be 2,000 characters or fewer",
}


def _errors(exc: ValidationError, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for err in exc.errors():
        key = str(err["loc"][0]) if err["loc"] else "form"
        out.setdefault(prefix + key, FIELD_MESSAGES.get(key, str(err["msg"])))
    return out


def _money(raw: str) -> float | str | None:
    """'£50,000' -> 50000.0; invalid text is passed through for the schema to reject."""
    cleaned = raw.replace("£", "").replace(",", "").strip()
    if not cleaned:
        return None
    try:
        return float(cleaned)
    except ValueError:
        return raw


def _date(data: Mapping[str, Any], name: str) -> tuple[date | None, str | None]:
    parts = [one(data, f"{name}-{p}") for p in ("day", "month", "year")]
    if not any(parts):
        return None, None
    try:
        day, month, year = (int(p) for p in parts)
        return date(year, month, day), None
    except ValueError:
        return None, "Enter a real date, for example 31 3 2027"


# --- list and create --------------------------------------------------------------------------


def _index(
    request: Request[Any, Any, Any],
    session: Session,
    actor: Actor,
    errors: dict[str, str],
    values: dict[str, Any],
    status: int = 200,
) -> Template:
    requirements = services.org_requirements(session, services.require_member(actor))
    ctx = page_context(
        request,
        page_title="Procurement projects",
        nav_active="projects",
        projects=services.list_projects(session, actor),
        status_labels=services.STATUS_LABELS,
        requirement_options=[(str(r.id), f"{r.code}: {r.title}") for r in requirements],
        errors=errors,
        values=values,
    )
    return Template("procurement/index.html", context=ctx, status_code=status)


def project_index(request: Request[Any, Any, Any]) -> Template:
    with unit_of_work(request) as (session, actor):
        return _index(request, session, actor, {}, {})


def project_create(request: Request[Any, Any, Any], data: dict[str, Any]) -> Template | Redirect:
    values: dict[str, Any] = {
        "name": one(data, "name"),
        "need_statement": one(data, "need_statement"),
        "budget": one(data, "budget"),
        "requirement_ids": many(data, "requirement_ids"),
    }
    errors: dict[str, str] = {}
    payload = None
    try:
        payload = ProjectCreate.model_validate(
            {
                "name": values["name"],
                "need_statement": values["need_statement"],
                "budget": _money(values["budget"]),
                "requirement_ids": values["requirement_ids"],
            }
        )
    except ValidationError as exc:
        errors = _errors(exc)
    with unit_of_work(request) as (session, actor):
        if payload is not None:
            try:
                project = services.create_project(session, actor, payload)
            except InvalidInput as exc:
                errors = exc.fields or {"name": exc.detail}
            else:
                flash(request, f"Created project “{project.name}”.")
                return Redirect(path=f"/projects/{project.id}")
        return _index(request, session, actor, errors, values, status=400)


# --- one project ------------------------------------------------------------------------------


def _project_page(
    request: Request[Any, Any, Any],
    session: Session,
    actor: Actor,
    project_id: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    status: int = 200,
) -> Template:
    view = services.project_view(session, actor, project_id)
    ctx = page_context(
        request,
        page_title=view.project.name,
        nav_active="projects",
        view=view,
        p=view.project,
        reasons=decisions.REASONS,
        reason_words=decisions.reason_words,
        status_labels=services.STATUS_LABELS,
        outcome_kinds=services.OUTCOME_KINDS,
        errors=errors or {},
        values=values or {},
        search_link=_search_link,
        filters_text=filters_text,
    )
    return Template("procurement/project.html", context=ctx, status_code=status)


def _search_link(project_id: str, q: str, filters: Mapping[str, list[str]]) -> str:
    pairs = [("q", q)] if q else []
    pairs += [(k, v) for k, vs in filters.items() for v in vs]
    return f"/projects/{project_id}/search" + (f"?{urlencode(pairs)}" if pairs else "")


@get("/projects/{project_id:str}", sync_to_thread=True, include_in_schema=False)
def project_page(request: Request[Any, Any, Any], project_id: str) -> Template:
    with unit_of_work(request) as (session, actor):
        return _project_page(request, session, actor, project_id)


def _result_card(
    request: Request[Any, Any, Any],
    session: Session,
    actor: Actor,
    project_id: str,
    result_id: int,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    status: int = 200,
) -> Template:
    """Just one result's card (and the out-of-band decided count): what htmx swaps in place."""
    view = services.project_view(session, actor, project_id)
    card = next((r for r in view.results if r.result.id == result_id), None)
    if card is None:
        raise NotFound("This result is not in the project.")
    ctx = page_context(
        request,
        view=view,
        p=view.project,
        r=card,
        reasons=decisions.REASONS,
        reason_words=decisions.reason_words,
        errors=errors or {},
        values=values or {},
        saved_for=None if errors else str(result_id),
        swap_oob=True,
    )
    return Template("procurement/_result.html", context=ctx, status_code=status, headers=VARY)


@post("/projects/{project_id:str}/results/{result_id:int}/decision", sync_to_thread=True, include_in_schema=False)
def decision_post(
    request: Request[Any, Any, Any], project_id: str, result_id: int, data: dict[str, Any] = FORM
) -> Template | Redirect:
    """Keep or exclude one result. Without JavaScript: back to the result on the project page
    (#result-ID). With htmx: the result's card, re-rendered in place."""
    prefix = f"r{result_id}-"
    raw = {
        "decision": one(data, "decision"),
        "reason_code": one(data, "reason_code") or None,
        "reason_text": one(data, "reason_text"),
    }
    errors: dict[str, str] = {}
    htmx = is_htmx(request)
    with unit_of_work(request) as (session, actor):
        try:
            decisions.decide(session, actor, project_id, result_id, DecisionIn.model_validate(raw))
        except ValidationError as exc:
            errors = _errors(exc, prefix)
        except InvalidInput as exc:
            errors = {prefix + k: v for k, v in exc.fields.items()} or {prefix + "decision": exc.detail}
        else:
            if htmx:
                session.flush()
                return _result_card(request, session, actor, project_id, result_id)
            flash(request, "Decision saved.")
            return Redirect(path=f"/projects/{project_id}#result-{result_id}")
    # Re-render in a fresh transaction (the failed one was rolled back), keeping what was typed.
    with unit_of_work(request) as (session, actor):
        values = {str(result_id): {k: v or "" for k, v in raw.items()}}
        if htmx:
            return _result_card(
                request, session, actor, project_id, result_id, errors=_fix_keys(errors), values=values, status=400
            )
        return _project_page(request, session, actor, project_id, errors=_fix_keys(errors), values=values, status=400)


def _fix_keys(errors: dict[str, str]) -> dict[str, str]:
    """Error keys as element ids (the error summary links to '#' + key)."""
    return {k.replace("_", "-"): v for k, v in errors.items()}


# --- project search ---------------------------------------------------------------------------


def _facet_options(values: Mapping[str, str], counts: Mapping[str, int]) -> list[tuple[str, str]]:
    return [(v, f"{label} ({counts.get(v, 0)})") for v, label in values.items()]


def _search_page(
    request: Request[Any, Any, Any],
    session: Session,
    actor: Actor,
    project_id: str,
    data: SearchIn,
    page: int,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    project = services.get_project(session, actor, project_id)
    engine = engine_of(request)
    _query, result = searching.run_search(session, engine, project, data, page=page, per_page=PER_PAGE)
    docs = {d.id: d for d in service_for(engine).docs([h.tool_id for h in result.hits])}
    facets = result.facets
    limit = searching.review_limit(request.app.state.settings.extra)
    pages = max(1, -(-result.total // PER_PAGE))
    ctx = page_context(
        request,
        page_title=f"Search for {project.name}",
        nav_active="projects",
        p=project,
        data=data,
        result=result,
        hits=[(h, docs[h.tool_id]) for h in result.hits if h.tool_id in docs],
        limit=limit,
        pages=pages,
        page=page,
        errors=errors or {},
        frozen=services.project_has_frozen(session, project.id),
        page_url=lambda n: (
            _search_link(project.id, data.q, data.filters)
            + ("&" if "?" in _search_link(project.id, data.q, data.filters) else "?")
            + f"page={n}"
        ),
        selected=lambda key: data.filters.get(key, []),
        workstream_options=_facet_options(WORKSTREAMS, facets.get("workstream", {})),
        classification_options=_facet_options(dict(Classification.choices()), facets.get("classification", {})),
        hosting_options=_facet_options(Hosting.labels(), facets.get("hosting", {})),
        deployment_options=_facet_options(Deployment.labels(), facets.get("deployment", {})),
        flag_options=[("true", f"SME suppliers only ({facets.get('sme', {}).get('true', 0)})")],
        verified_options=[("true", f"Verified suppliers only ({facets.get('verified', {}).get('true', 0)})")],
        sort_options=list(SORT_LABELS.items()),
    )
    return Template("procurement/search.html", context=ctx, status_code=status)


def _refused_search(request: Request[Any, Any, Any], project_id: str, exc: InvalidInput) -> Template:
    """The search form again (400), its error summary naming each refused parameter."""
    with unit_of_work(request) as (session, actor):
        errors = exc.fields or {"q": exc.detail}
        return _search_page(request, session, actor, project_id, SearchIn(), 1, errors=errors, status=400)


@get("/projects/{project_id:str}/search", sync_to_thread=True, include_in_schema=False)
def project_search(request: Request[Any, Any, Any], project_id: str) -> Template:
    try:
        data, query = searching.read_search(request.query_params)
    except InvalidInput as exc:
        return _refused_search(request, project_id, exc)
    with unit_of_work(request) as (session, actor):
        return _search_page(request, session, actor, project_id, data, query.page)


@post("/projects/{project_id:str}/searches", sync_to_thread=True, include_in_schema=False)
def project_save_search(
    request: Request[Any, Any, Any], project_id: str, data: dict[str, Any] = FORM
) -> Template | Redirect:
    try:
        search = searching.search_in_from(data)
    except InvalidInput as exc:
        return _refused_search(request, project_id, exc)
    with unit_of_work(request) as (session, actor):
        saved = searching.save_search(session, actor, engine_of(request), project_id, search)
        flash(request, f"Saved this search to the project ({saved.result_count} results).")
    return Redirect(path=_search_link(project_id, search.q, search.filters))


@post("/projects/{project_id:str}/end-search", sync_to_thread=True, include_in_schema=False)
def project_end_search(
    request: Request[Any, Any, Any], project_id: str, data: dict[str, Any] = FORM
) -> Template | Redirect:
    try:
        search = searching.search_in_from(data)
    except InvalidInput as exc:
        return _refused_search(request, project_id, exc)
    with unit_of_work(request) as (session, actor):
        try:
            frozen = searching.end_search(
                session,
                actor,
                engine_of(request),
                project_id,
                search,
                limit=searching.review_limit(request.app.state.settings.extra),
            )
        except (InvalidInput, Conflict) as exc:
            message = exc.detail
        else:
            flash(request, f"Search ended. {len(frozen)} results are frozen: record a decision for each one.")
            return Redirect(path=f"/projects/{project_id}#results")
    with unit_of_work(request) as (session, actor):
        return _search_page(request, session, actor, project_id, search, 1, errors={"end-search": message}, status=400)


# --- outcome ----------------------------------------------------------------------------------


def _outcome_page(
    request: Request[Any, Any, Any],
    session: Session,
    actor: Actor,
    project_id: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Template:
    view = services.project_view(session, actor, project_id, with_log=False)
    kept = [
        (str(r.result.id), f"{r.tool_name} (listing version {r.result.tool_version_number}) – {r.supplier_name}")
        for r in view.kept
    ]
    ctx = page_context(
        request,
        page_title=f"Record the outcome of {view.project.name}",
        nav_active="projects",
        view=view,
        p=view.project,
        kept_options=kept,
        errors=errors or {},
        values=values or {},
        outcome_kinds=services.OUTCOME_KINDS,
    )
    return Template("procurement/outcome.html", context=ctx, status_code=status)


def outcome_form(request: Request[Any, Any, Any], project_id: str) -> Template:
    with unit_of_work(request) as (session, actor):
        return _outcome_page(request, session, actor, project_id)


def outcome_post(request: Request[Any, Any, Any], project_id: str, data: dict[str, Any]) -> Template | Redirect:
    values: dict[str, Any] = {k: one(data, k) for k in ("kind", "frozen_result_id", "value", "reason")}
    errors: dict[str, str] = {}
    dates: dict[str, date | None] = {}
    for name in ("start_date", "end_date"):
        values[name] = {p: one(data, f"{name}-{p}") for p in ("day", "month", "year")}
        dates[name], problem = _date(data, name)
        if problem:
            errors[name] = problem
    payload = None
    if not errors:
        try:
            payload = OutcomeIn.model_validate(
                {
                    "kind": values["kind"] or None,
                    "frozen_result_id": values["frozen_result_id"] or None,
                    "value": _money(values["value"]),
                    "reason": values["reason"],
                    **dates,
                }
            )
        except ValidationError as exc:
            errors = _errors(exc)
    if payload is not None:
        with unit_of_work(request) as (session, actor):
            try:
                decisions.record_outcome(session, actor, project_id, payload)
            except InvalidInput as exc:
                errors = exc.fields or {"kind": exc.detail}
            else:
                flash(request, f"Outcome recorded: {services.OUTCOME_KINDS[payload.kind]}. The project is now locked.")
                return Redirect(path=f"/projects/{project_id}")
    with unit_of_work(request) as (session, actor):
        return _outcome_page(request, session, actor, project_id, errors=_fix_keys(errors), values=values, status=400)


# --- one handler per path -----------------------------------------------------------------------
# Litestar 2.25 re-registers the handlers already on a path when another handler is added to it,
# wrapping a sync_to_thread handler a second time (it then returns a coroutine: a 500). So a path
# taking GET and POST gets one async handler that runs the sync work in a worker thread.


async def _form(request: Request[Any, Any, Any]) -> dict[str, Any]:
    form = await request.form()
    return {key: form.getall(key) for key in form.keys()}  # noqa: SIM118 - a multi-dict


@route("/projects", http_method=[HttpMethod.GET, HttpMethod.POST], include_in_schema=False)
async def projects_root(request: Request[Any, Any, Any]) -> Template | Redirect:
    if request.method == HttpMethod.GET:
        return await anyio.to_thread.run_sync(project_index, request)
    return await anyio.to_thread.run_sync(project_create, request, await _form(request))


@route("/projects/{project_id:str}/outcome", http_method=[HttpMethod.GET, HttpMethod.POST], include_in_schema=False)
async def project_outcome(request: Request[Any, Any, Any], project_id: str) -> Template | Redirect:
    if request.method == HttpMethod.GET:
        return await anyio.to_thread.run_sync(outcome_form, request, project_id)
    return await anyio.to_thread.run_sync(outcome_post, request, project_id, await _form(request))


# --- supplier feedback ------------------------------------------------------------------------


@get("/supplier/feedback", sync_to_thread=True, include_in_schema=False)
def supplier_feedback_page(request: Request[Any, Any, Any]) -> Template:
    with unit_of_work(request) as (session, actor):
        rows = feedback.supplier_feedback(session, actor)
        ctx = page_context(request, page_title="Feedback from buyers' searches", nav_active="supplier", feedback=rows)
    return Template("procurement/feedback.html", context=ctx)


ROUTES = [
    projects_root,
    project_page,
    decision_post,
    project_search,
    project_save_search,
    project_end_search,
    project_outcome,
    supplier_feedback_page,
]
