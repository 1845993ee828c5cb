"""Procurement project API (/api/v1/projects), project exports (OCDS, CSV, XLSX), the tool version
history API and the supplier feedback API. The pages are in `registry.procurement.pages`."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.openapi.spec import Operation
from litestar.params import Parameter

from registry.procurement import decisions, exports, feedback, searching, services
from registry.procurement.schemas import DecisionIn, OutcomeIn, ProjectCreate, SearchIn
from registry.search.openapi import SearchOperation
from registry.versions import services as versions
from registry.web import openapi_docs as docs
from registry.web.crud import ERRORS_READ, ERRORS_WRITE, _problem
from registry.web.deps import engine_of, unit_of_work

PROJECT_ID = Parameter(min_length=1, max_length=64)
ERRORS_PROJECT_WRITE = {**ERRORS_WRITE, 423: _problem("The project is locked: its outcome is recorded")}


class ProjectsController(Controller):
    path = "/api/v1/projects"
    tags = ["procurement projects"]

    @get(
        "/",
        summary="Your organisation's procurement projects",
        sync_to_thread=True,
        responses=ERRORS_READ,
        operation_id="listProjects",
    )
    def list_projects(self, request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
        with unit_of_work(request) as (session, actor):
            return [
                {
                    "id": p.id,
                    "name": p.name,
                    "status": p.status,
                    "locked": p.locked,
                    "created_at": p.created_at,
                    "budget": p.budget,
                    "results": p.results,
                    "decided": p.decided,
                }
                for p in services.list_projects(session, actor)
            ]

    @post(
        "/",
        summary="Create a project (name, need statement, budget, linked requirement ids)",
        sync_to_thread=True,
        responses=ERRORS_WRITE,
        operation_id="createProject",
        operation_class=docs.documented(location=True),
        status_code=201,
    )
    def create(self, request: Request[Any, Any, Any], data: ProjectCreate) -> Response[dict[str, Any]]:
        with unit_of_work(request) as (session, actor):
            project = services.create_project(session, actor, data)
            body = services.project_dict(services.project_view(session, actor, project.id, with_log=False))
        return Response(body, status_code=201, headers={"Location": f"{self.path}/{project.id}"})

    @get(
        "/{project_id:str}",
        summary="The project record: searches, frozen results, decisions, outcome",
        sync_to_thread=True,
        operation_id="getProject",
        responses=ERRORS_READ,
    )
    def get_project(self, request: Request[Any, Any, Any], project_id: str = PROJECT_ID) -> dict[str, Any]:
        with unit_of_work(request) as (session, actor):
            return services.project_dict(services.project_view(session, actor, project_id, with_log=False))

    @get(
        "/{project_id:str}/log",
        summary="The project log (audit events), newest first",
        operation_id="getProjectLog",
        sync_to_thread=True,
        responses=ERRORS_READ,
    )
    def log(self, request: Request[Any, Any, Any], project_id: str = PROJECT_ID) -> list[dict[str, Any]]:
        with unit_of_work(request) as (session, actor):
            return services.log_dicts(services.project_view(session, actor, project_id))

    @get(
        "/{project_id:str}/search",
        summary="Search tools for this project",
        operation_id="searchProjectTools",
        description="The parameters, results and facet counts of GET /api/v1/search; ties are shuffled stably "
        "per project.",
        sync_to_thread=True,
        responses=ERRORS_READ,
        operation_class=SearchOperation,  # the parameters, from registry.search.query.PARAMS
    )
    def search(self, request: Request[Any, Any, Any], project_id: str = PROJECT_ID) -> dict[str, Any]:
        data, query = searching.read_search(request.query_params)
        with unit_of_work(request) as (session, actor):
            _project, result = searching.search_project(
                session, actor, engine_of(request), project_id, data, page=query.page, per_page=query.per_page
            )
            return {
                "total": result.total,
                "page": result.page,
                "per_page": result.per_page,
                "hits": [{"tool_id": h.tool_id, "score": h.score} for h in result.hits],
                "facets": result.facets,
            }

    @post(
        "/{project_id:str}/searches",
        summary="Save a search to the project",
        operation_id="saveProjectSearch",
        sync_to_thread=True,
        responses=ERRORS_PROJECT_WRITE,
        status_code=201,
    )
    def save_search(
        self, request: Request[Any, Any, Any], data: SearchIn, project_id: str = PROJECT_ID
    ) -> dict[str, Any]:
        with unit_of_work(request) as (session, actor):
            saved = searching.save_search(session, actor, engine_of(request), project_id, data)
            return services.search_dict(saved)

    @post(
        "/{project_id:str}/end-search",
        summary="End the search: freeze the current results (tool ids and listing versions, in order)",
        operation_id="endProjectSearch",
        description="Refused (422) when the search has more results than the reviewable limit (default "
        "30): every frozen result needs a reasoned decision, so narrow the search first.",
        sync_to_thread=True,
        responses=ERRORS_PROJECT_WRITE,
        status_code=201,
    )
    def end_search(
        self, request: Request[Any, Any, Any], data: SearchIn, project_id: str = PROJECT_ID
    ) -> dict[str, Any]:
        with unit_of_work(request) as (session, actor):
            searching.end_search(
                session,
                actor,
                engine_of(request),
                project_id,
                data,
                limit=searching.review_limit(request.app.state.settings.extra),
            )
            return services.project_dict(services.project_view(session, actor, project_id, with_log=False))

    @post(
        "/{project_id:str}/results/{result_id:int}/decision",
        summary="Keep or exclude a frozen result (exclusions need a reason code)",
        operation_id="decideProjectResult",
        sync_to_thread=True,
        responses=ERRORS_PROJECT_WRITE,
        status_code=200,
    )
    def decide(
        self, request: Request[Any, Any, Any], data: DecisionIn, result_id: int, project_id: str = PROJECT_ID
    ) -> dict[str, Any]:
        with unit_of_work(request) as (session, actor):
            decisions.decide(session, actor, project_id, result_id, data)
            view = services.project_view(session, actor, project_id, with_log=False)
            return services.result_dict(next(r for r in view.results if r.result.id == result_id))

    @post(
        "/{project_id:str}/outcome",
        summary="Record the outcome (awarded, cancelled, none suitable); locks it",
        operation_id="recordProjectOutcome",
        sync_to_thread=True,
        responses=ERRORS_PROJECT_WRITE,
        status_code=201,
    )
    def outcome(self, request: Request[Any, Any, Any], data: OutcomeIn, project_id: str = PROJECT_ID) -> dict[str, Any]:
        with unit_of_work(request) as (session, actor):
            decisions.record_outcome(session, actor, project_id, data)
            return services.project_dict(services.project_view(session, actor, project_id, with_log=False))

    @get(
        "/reasons",
        summary="Exclusion reason codes and their labels",
        sync_to_thread=False,
        operation_id="listExclusionReasons",
        operation_class=docs.ANONYMOUS_OPERATION,
    )
    def reasons(self) -> dict[str, str]:
        return dict(decisions.REASONS)


# --- exports: served at the page URL (cookie session) and the API URL (bearer token) ----------
# One handler object per path: Litestar wraps a sync handler once per registration, so a handler
# registered under two paths would be wrapped twice.


def download(body: bytes | str, media_type: str, filename: str) -> Response[Any]:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


def _results_csv(request: Request[Any, Any, Any], project_id: str) -> Response[Any]:
    with unit_of_work(request) as (session, actor):
        view = services.project_view(session, actor, project_id, with_log=False)
        return download(exports.results_csv(view), "text/csv", f"project-{project_id}-results.csv")


def _results_xlsx(request: Request[Any, Any, Any], project_id: str) -> Response[Any]:
    with unit_of_work(request) as (session, actor):
        view = services.project_view(session, actor, project_id, with_log=False)
        return download(
            exports.results_xlsx(view),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"project-{project_id}-results.xlsx",
        )


def _ocds_json(request: Request[Any, Any, Any], project_id: str) -> Response[Any]:
    with unit_of_work(request) as (session, actor):
        view = services.project_view(session, actor, project_id, with_log=False)
        package = exports.ocds_package(session, view, str(request.base_url))
    return Response(
        package,
        media_type="application/json",
        headers={
            "Content-Disposition": f'inline; filename="ocds-socreg-{project_id}.json"',
            "Cache-Control": "no-store",
        },
    )


EXPORTS = (
    ("results.csv", _results_csv, "Frozen results with decisions (CSV, formula-safe)"),
    ("results.xlsx", _results_xlsx, "Frozen results with decisions (XLSX, formula-safe)"),
    ("ocds.json", _ocds_json, "OCDS 1.1 release package for the project (with the award once awarded)"),
)


# What each file export is, for OpenAPI.
EXPORT_MEDIA_TYPES = {
    "results.csv": (docs.CSV,),
    "results.xlsx": (docs.XLSX,),
    "record.pdf": (docs.PDF,),
    "record.html": (docs.HTML,),
    "ocds.json": (docs.JSON,),
}


def export_handler(prefix: str, suffix: str, body: Any, summary: str) -> Any:
    """GET {prefix}/{project_id}/{suffix} answered by ``body(request, project_id)``."""

    def export(request: Request[Any, Any, Any], project_id: str = PROJECT_ID) -> Response[Any]:
        return body(request, project_id)

    api = prefix.startswith("/api/")
    return get(
        f"{prefix}/{{project_id:str}}/{suffix}",
        summary=summary,
        tags=["procurement projects"],
        sync_to_thread=True,
        responses=ERRORS_READ,
        include_in_schema=api,
        operation_id=docs.camel("export project", suffix) if api else None,
        operation_class=docs.documented(files=EXPORT_MEDIA_TYPES[suffix], attachment=suffix != "record.html")
        if suffix in EXPORT_MEDIA_TYPES
        else Operation,
    )(export)


EXPORT_PREFIXES = ("/projects", "/api/v1/projects")
EXPORT_ROUTES = [
    export_handler(prefix, suffix, body, summary) for prefix in EXPORT_PREFIXES for suffix, body, summary in EXPORTS
]


# --- tool versions and supplier feedback (API) ------------------------------------------------


@get(
    "/api/v1/tools/{tool_id:int}/versions",
    summary="A published tool's versions, newest first",
    operation_id="listToolVersions",
    operation_class=docs.OPTIONAL_TOKEN_OPERATION,
    description="Every change to a published listing is kept as an immutable, numbered version with "
    "a field-level diff from the previous one.",
    tags=["tools"],
    sync_to_thread=True,
    responses=ERRORS_READ,
)
def tool_versions_api(request: Request[Any, Any, Any], tool_id: int) -> list[dict[str, Any]]:
    with unit_of_work(request) as (session, actor):
        return [
            versions.public_view(v, actor, with_snapshot=False) for v in versions.tool_versions(session, actor, tool_id)
        ]


@get(
    "/api/v1/tools/{tool_id:int}/versions/{number:int}",
    summary="One version of a tool: snapshot and diff",
    operation_id="getToolVersion",
    operation_class=docs.OPTIONAL_TOKEN_OPERATION,
    tags=["tools"],
    sync_to_thread=True,
    responses=ERRORS_READ,
)
def tool_version_api(request: Request[Any, Any, Any], tool_id: int, number: int) -> dict[str, Any]:
    with unit_of_work(request) as (session, actor):
        return versions.public_view(versions.tool_version(session, actor, tool_id, number), actor)


@get(
    "/api/v1/supplier/feedback",
    summary="Anonymised feedback on the signed-in supplier's tools",
    operation_id="getSupplierFeedback",
    description="How often each tool appeared in buyers' frozen searches, kept vs excluded and the "
    "exclusion reasons, aggregated. No buyer or project is named.",
    tags=["suppliers"],
    sync_to_thread=True,
    responses=ERRORS_READ,
)
def supplier_feedback_api(request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
    with unit_of_work(request) as (session, actor):
        return [
            {
                "tool_id": f.tool_id,
                "tool_name": f.tool_name,
                "appearances": f.appearances,
                "kept": f.kept,
                "excluded": f.excluded,
                "undecided": f.undecided,
                "awarded": f.awarded,
                "exclusion_reasons": [{"code": c, "label": label, "count": n} for c, label, n in f.reasons],
            }
            for f in feedback.supplier_feedback(session, actor)
        ]


ROUTES: list[Any] = [
    ProjectsController,
    *EXPORT_ROUTES,
    tool_versions_api,
    tool_version_api,
    supplier_feedback_api,
]
