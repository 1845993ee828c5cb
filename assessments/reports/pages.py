"""Report pages: the organisation's report library, a new report form, status, view and download."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Template
from markupsafe import Markup

from assessments.reports import services as service
from assessments.reports.api import NO_STORE, _download
from assessments.reports.document import (
    MARKINGS,
)
from registry.errors import InvalidInput, NotFound
from registry.web.context import page_context
from registry.web.deps import unit_of_work
from registry.web.forms import FORM, VARY, is_htmx

ID = Parameter(min_length=1, max_length=64)


@get("/reports", sync_to_thread=True, include_in_schema=False)
def library_page(request: Request[Any, Any, Any]) -> Template:
    with unit_of_work(request) as (session, actor):
        actor.require_role(*service.READ_ROLES)
        rows = service.library(session, actor)
        return Template(
            "reports/library.html",
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
        "reports/new.html",
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
        values = {"kind": kind, "source_id": source_id, "format": "", "marking": ""}  # chosen, never defaulted
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
        if is_htmx(request):
            return Template("reports/_status.html", context=ctx, headers=headers)
        return Template("reports/status.html", context=ctx, headers=headers)


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
            "reports/view.html",
            headers=NO_STORE,
            context=page_context(request, page_title=row.title, nav_active="reports", report=row, fragment=fragment),
        )


ROUTES: list[Any] = [library_page, new_page, create_page, status_page, download_page, view_page]
