"""Report library: JSON API (/api/v1/reports) and pages (/reports), plus evaluation pages.

Generation always runs in the background worker (``service.start``) after the request's
transaction has committed, so the job row exists before the worker looks for it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import Redirect, Template
from markupsafe import Markup
from pydantic import BaseModel, Field

from assessments.reports import service
from assessments.reports.model import MARKINGS
from assessments.reports.project_record import ROUTES as PROJECT_RECORD_ROUTES
from registry.api.crud import ERRORS_READ, ERRORS_WRITE
from registry.errors import InvalidInput, NotFound
from registry.web.context import page_context
from registry.web.deps import engine_of, unit_of_work

FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
ID = Parameter(min_length=1, max_length=64)
VARY = {"Vary": "HX-Request"}
NO_STORE = {"Cache-Control": "no-store, private"}


class ReportRequest(BaseModel):
    kind: Literal["capability_gap", "procurement", "evaluation"]
    source_id: str = Field(
        min_length=1,
        max_length=64,
        description="Assessment run (or assessment) id, evaluation id, or shortlist id (procurement)",
    )
    format: Literal["pdf", "xlsx", "csv", "json", "html"] = "pdf"
    marking: Literal["OFFICIAL", "OFFICIAL-SENSITIVE", "SECRET", "TOP SECRET"] = "OFFICIAL"


class ReportJob(BaseModel):
    id: str
    kind: str
    source_id: str
    format: str
    marking: str
    title: str
    status: Literal["queued", "running", "done", "failed"]
    progress: int
    error: str | None
    filename: str | None
    content_type: str | None
    size: int
    created_by: str
    created_at: datetime
    finished_at: datetime | None
    links: dict[str, str]


def _download(row: Any, content: bytes) -> Response[bytes]:
    headers = {
        "Content-Disposition": f'attachment; filename="{row.filename}"',
        **NO_STORE,
        "X-Protective-Marking": row.marking,
    }
    return Response(content, media_type=row.content_type, headers=headers)


# ---------------------------------------------------------------- API


class ReportsController(Controller):
    path = "/api/v1/reports"
    tags = ["reports"]

    @post(
        "/",
        summary="Request a report; it is generated in the background (poll the job)",
        responses=ERRORS_WRITE,
        sync_to_thread=True,
        status_code=202,
    )
    def create(self, request: Request[Any, Any, Any], data: ReportRequest) -> Response[ReportJob]:
        with unit_of_work(request) as (session, actor):
            row = service.request(
                session, actor, kind=data.kind, source_id=data.source_id, fmt=data.format, marking=data.marking
            )
            job = ReportJob(**service.job_dict(row))
        service.start(engine_of(request), job.id)
        return Response(job, status_code=202, headers={"Location": job.links["self"]})

    @get("/", summary="Your organisation's report library, newest first", responses=ERRORS_READ, sync_to_thread=True)
    def library(self, request: Request[Any, Any, Any]) -> list[ReportJob]:
        with unit_of_work(request) as (session, actor):
            return [ReportJob(**service.job_dict(r)) for r in service.library(session, actor)]

    @get("/{report_id:str}", summary="Status of a report job", responses=ERRORS_READ, sync_to_thread=True)
    def status(self, request: Request[Any, Any, Any], report_id: str = ID) -> Response[ReportJob]:
        with unit_of_work(request) as (session, actor):
            job = ReportJob(**service.job_dict(service.get_visible(session, actor, report_id)))
        return Response(job, headers=NO_STORE)

    @get(
        "/{report_id:str}/download",
        summary="The generated file (404 until the job is done)",
        responses=ERRORS_READ,
        sync_to_thread=True,
        media_type="application/octet-stream",
    )
    def download(self, request: Request[Any, Any, Any], report_id: str = ID) -> Response[bytes]:
        with unit_of_work(request) as (session, actor):
            row, content = service.content_of(session, actor, report_id)
        return _download(row, content)


# ---------------------------------------------------------------- pages


def _is_htmx(request: Request[Any, Any, Any]) -> bool:
    return bool(request.headers.get("hx-request")) and not request.headers.get("hx-history-restore-request")


@get("/reports", sync_to_thread=True, include_in_schema=False)
def library_page(request: Request[Any, Any, Any]) -> Template:
    with unit_of_work(request) as (session, actor):
        actor.require_role(*service.READ_ROLES)
        rows = service.library(session, actor)
        return Template(
            "reports/pages/library.html",
            context=page_context(
                request,
                page_title="Report library",
                nav_active="reports",
                reports=rows,
                format_labels=service.FORMAT_LABELS,
                kind_labels=service.KIND_LABELS,
            ),
        )


def _new_form(
    request: Request[Any, Any, Any],
    session: Any,
    actor: Any,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Template:
    source = service.resolve_source(session, actor, values.get("kind", ""), values.get("source_id", ""))
    return Template(
        "reports/pages/new.html",
        status_code=status,
        context=page_context(
            request,
            page_title="Generate a report",
            nav_active="reports",
            source=source,
            values=values,
            errors=errors,
            kind_label=service.KIND_LABELS[source.kind],
            markings=MARKINGS,
            formats=list(service.FORMAT_LABELS.items()),
        ),
    )


@get("/reports/new", sync_to_thread=True, include_in_schema=False)
def new_page(request: Request[Any, Any, Any], kind: str = "", source_id: str = "") -> Template:
    with unit_of_work(request) as (session, actor):
        actor.require_role(*service.READ_ROLES)
        values = {"kind": kind, "source_id": source_id, "format": "pdf", "marking": "OFFICIAL"}
        return _new_form(request, session, actor, values, {})


@post("/reports", sync_to_thread=True, include_in_schema=False)
def create_page(request: Request[Any, Any, Any], data: dict[str, Any] = FORM) -> Template | Redirect:
    values = {k: str(data.get(k) or "").strip() for k in ("kind", "source_id", "format", "marking")}
    with unit_of_work(request) as (session, actor):
        actor.require_role(*service.READ_ROLES)
        try:
            row = service.request(
                session,
                actor,
                kind=values["kind"],
                source_id=values["source_id"],
                fmt=values["format"],
                marking=values["marking"],
            )
        except InvalidInput as exc:
            if not ({"format", "marking"} & set(exc.fields)):
                raise
            errors = {k: v for k, v in exc.fields.items() if k in ("format", "marking")}
            return _new_form(request, session, actor, values, errors, status=400)
        report_id = row.id
    service.start(engine_of(request), report_id)
    return Redirect(path=f"/reports/{report_id}")


@get("/reports/{report_id:str}", sync_to_thread=True, include_in_schema=False)
def status_page(request: Request[Any, Any, Any], report_id: str) -> Template:
    with unit_of_work(request) as (session, actor):
        row = service.get_visible(session, actor, report_id)
        ctx = page_context(
            request,
            page_title=row.title or "Report",
            nav_active="reports",
            report=row,
            stage=service.stage_text(row),
            format_labels=service.FORMAT_LABELS,
            kind_labels=service.KIND_LABELS,
        )
        headers = {**VARY, **NO_STORE}
        if _is_htmx(request):
            return Template("reports/pages/_status.html", context=ctx, headers=headers)
        return Template("reports/pages/status.html", context=ctx, headers=headers)


@get("/reports/{report_id:str}/download", sync_to_thread=True, include_in_schema=False)
def download_page(request: Request[Any, Any, Any], report_id: str) -> Response[bytes]:
    with unit_of_work(request) as (session, actor):
        row, content = service.content_of(session, actor, report_id)
    return _download(row, content)


@get("/reports/{report_id:str}/view", sync_to_thread=True, include_in_schema=False)
def view_page(request: Request[Any, Any, Any], report_id: str) -> Template:
    with unit_of_work(request) as (session, actor):
        row, content = service.content_of(session, actor, report_id)
        if row.format != "html":
            raise NotFound("Only web page (HTML) reports can be viewed here; download the file instead.")
        # Our own renderer's autoescaped output, stored at generation time.
        fragment = Markup(service.html_fragment(content))  # noqa: S704
        return Template(
            "reports/pages/view.html",
            headers=NO_STORE,
            context=page_context(request, page_title=row.title, nav_active="reports", report=row, fragment=fragment),
        )


ROUTES: list[Any] = [
    ReportsController,
    library_page,
    new_page,
    create_page,
    status_page,
    download_page,
    view_page,
    *PROJECT_RECORD_ROUTES,
]

try:  # evaluation pages live in their own package
    from assessments.evaluations.pages import ROUTES as EVALUATION_ROUTES

    ROUTES += EVALUATION_ROUTES
except ModuleNotFoundError as exc:  # pragma: no cover
    if exc.name != "assessments.evaluations.pages":
        raise
