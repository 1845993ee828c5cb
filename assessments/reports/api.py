"""JSON API for reports: request one in the background, follow its status, download it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.params import Parameter
from pydantic import BaseModel, Field

from assessments.reports import services as service
from assessments.reports.document import REPORT_JSON_SCHEMA
from assessments.reports.project_record import record_report
from assessments.reports.render_html import render_html_document
from assessments.reports.render_json import SCHEMA_PATH
from assessments.reports.render_pdf import render_pdf
from registry.procurement import services as procurement
from registry.procurement.api import EXPORT_PREFIXES, download, export_handler
from registry.web import openapi_docs as docs
from registry.web.crud import ERRORS_READ, ERRORS_WRITE
from registry.web.deps import unit_of_work

ID = Parameter(min_length=1, max_length=64)
NO_STORE = {"Cache-Control": "no-store, private"}


class ReportRequest(BaseModel):
    kind: Literal["capability_gap", "procurement", "evaluation"]
    source_id: str = Field(
        min_length=1,
        max_length=64,
        description="Assessment run (or assessment) id, evaluation id, or shortlist id (procurement)",
    )
    # The names in assessments/reports/formats.py (a test keeps the two equal).
    format: Literal["pdf", "docx", "xlsx", "csv", "json", "html"] = "pdf"
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
        operation_id="createReport",
        operation_class=docs.documented(location=True),
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
        return Response(job, status_code=202, headers={"Location": job.links["self"]})

    @get(
        "/",
        summary="Your organisation's report library, newest first",
        responses=ERRORS_READ,
        sync_to_thread=True,
        operation_id="listReports",
    )
    def library(self, request: Request[Any, Any, Any]) -> list[ReportJob]:
        with unit_of_work(request) as (session, actor):
            return [ReportJob(**service.job_dict(r)) for r in service.library(session, actor)]

    @get(
        "/{report_id:str}",
        summary="Status of a report job",
        responses=ERRORS_READ,
        sync_to_thread=True,
        operation_id="getReport",
    )
    def status(self, request: Request[Any, Any, Any], report_id: str = ID) -> Response[ReportJob]:
        with unit_of_work(request) as (session, actor):
            job = ReportJob(**service.job_dict(service.get_visible(session, actor, report_id)))
        return Response(job, headers=NO_STORE)

    @get(
        "/{report_id:str}/download",
        summary="The generated file (404 until the job is done)",
        description="The file in the format asked for: PDF, XLSX, CSV files in a ZIP, HTML, or JSON "
        f"(described by the {docs.REPORT_SCHEMA_NAME} schema, also served at /schema/report.json).",
        responses=ERRORS_READ,
        sync_to_thread=True,
        media_type="application/octet-stream",
        operation_id="downloadReport",
        operation_class=docs.documented(
            files=(docs.PDF, docs.XLSX, docs.ZIP, docs.HTML),
            json_ref=docs.REPORT_SCHEMA_NAME,
            headers={"X-Protective-Marking": docs.PROTECTIVE_MARKING},
        ),
    )
    def download(self, request: Request[Any, Any, Any], report_id: str = ID) -> Response[bytes]:
        with unit_of_work(request) as (session, actor):
            row, content = service.content_of(session, actor, report_id)
        return _download(row, content)


@get(
    SCHEMA_PATH,
    summary="The JSON Schema of a JSON report",
    include_in_schema=False,  # it is in the OpenAPI document already, as the ReportDocument components
    sync_to_thread=False,
    media_type="application/schema+json",
    cache_control=CacheControlHeader(max_age=3600, public=True),
)
def report_schema() -> dict[str, Any]:
    return REPORT_JSON_SCHEMA


# --- the project record, downloaded from the project page or the API ----------------------


def _record_pdf(request: Request[Any, Any, Any], project_id: str) -> Response[Any]:
    with unit_of_work(request) as (session, actor):
        view = procurement.project_view(session, actor, project_id)
        report = record_report(session, view, actor.label)
    return download(render_pdf(report), "application/pdf", f"project-{project_id}-record.pdf")


def _record_html(request: Request[Any, Any, Any], project_id: str) -> Response[Any]:
    with unit_of_work(request) as (session, actor):
        view = procurement.project_view(session, actor, project_id)
        report = record_report(session, view, actor.label)
    return Response(
        render_html_document(report), media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-store"}
    )


PROJECT_RECORD_ROUTES: list[Any] = [
    export_handler(prefix, suffix, body, summary)
    for prefix in EXPORT_PREFIXES
    for suffix, body, summary in (
        ("record.pdf", _record_pdf, "The project record as PDF"),
        ("record.html", _record_html, "The project record as a printable HTML document"),
    )
]


ROUTES: list[Any] = [ReportsController, report_schema, *PROJECT_RECORD_ROUTES]
