"""The capability lead's requirements register, with CSV import.

Everything goes through registry.resources, so permissions and audit apply; each page shows the
lead's own organisation (admins may pass ?org=<id>).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from registry import resources
from registry.accounts.scope import lead_org, org_name, own_record, save_own_record, version_to_show
from registry.enums import (
    WORKSTREAMS,
    Classification,
    Deployment,
    FiveC,
    FiveD,
    FourP,
    Hosting,
    MoSCoW,
)
from registry.errors import InvalidInput
from registry.requirements import csv_import
from registry.requirements.models import Requirement
from registry.requirements.schemas import RequirementCreate, RequirementUpdate
from registry.requirements.services import SPEC as REQUIREMENT_SPEC
from registry.taxonomy.services import all_nodes, path_of
from registry.web.confirm import Confirmation, confirm_page
from registry.web.context import flash, page_context
from registry.web.deps import unit_of_work
from registry.web.forms import FORM, UPLOAD, form_version, text, validate_form
from registry.web.forms import many as _many


def lead_choices(session: Session) -> dict[str, Any]:
    nodes = all_nodes(session)
    capabilities = sorted(((n.code, path_of(n, nodes)) for n in nodes.values() if not n.retired), key=lambda x: x[1])
    return {
        "priority_options": MoSCoW.choices(),
        "workstream_options": list(WORKSTREAMS.items()),
        "four_p_options": FourP.choices(),
        "five_d_options": FiveD.choices(),
        "five_c_options": FiveC.choices(),
        "classification_options": Classification.choices(),
        "hosting_options": Hosting.choices(),
        "deployment_options": Deployment.choices(),
        "trl_options": [(str(n), f"TRL {n} or higher") for n in range(1, 10)],
        "capability_options": capabilities,
        "level_options": [(str(n), f"Level {n}") for n in range(1, 8)],
        "priority_labels": MoSCoW.labels(),
        "workstreams": WORKSTREAMS,
    }


# --- requirements -----------------------------------------------------------------------------

REQ_MESSAGES = {
    "code": "Enter a code made of letters, digits, dots or dashes, like IM-001",
    "title": "Enter a title",
    "priority": "Select a priority: must, should, could or won't have",
    "capability_code": "Select the capability it needs",
    "weight": "Weight must be a number from 0 to 100",
    "skills": "Write skills like SK-DATAENG:4:2",
}


def _requirement_values(read: dict[str, Any] | None) -> dict[str, Any]:
    if read is None:
        return {
            "priority": "",  # a question the lead answers: nothing is chosen in advance
            "weight": "1",
            "workstreams": [],
            "four_ps": [],
            "five_ds": [],
            "five_cs": [],
            "allowed_hosting": [],
            "allowed_deployments": [],
        }
    values = dict(read)
    values["weight"] = f"{read['weight']:g}"
    values["data_standards"] = ", ".join(read["data_standards"])
    values["min_trl"] = "" if read["min_trl"] is None else str(read["min_trl"])
    values["min_classification"] = read["min_classification"] or ""
    values["skills"] = "; ".join(f"{s['skill_code']}:{s['level']}:{s['people']}" for s in read["skills"])
    return values


def _requirement_payload(data: dict[str, Any], creating: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    values: dict[str, Any] = {
        k: text(data, k)
        for k in (
            "code",
            "title",
            "description",
            "source",
            "capability_code",
            "priority",
            "weight",
            "min_classification",
            "min_trl",
            "data_standards",
            "skills",
        )
    }
    for key in ("workstreams", "four_ps", "five_ds", "five_cs", "allowed_hosting", "allowed_deployments"):
        values[key] = _many(data, key)
    payload: dict[str, Any] = {
        k: values[k]
        for k in (
            "title",
            "description",
            "source",
            "priority",
            "workstreams",
            "four_ps",
            "five_ds",
            "five_cs",
            "allowed_hosting",
            "allowed_deployments",
        )
    }
    payload["capability_code"] = values["capability_code"] or None
    payload["weight"] = values["weight"] or "1"
    payload["min_classification"] = values["min_classification"] or None
    payload["min_trl"] = values["min_trl"] or None
    payload["data_standards"] = [s.strip().upper() for s in values["data_standards"].split(",") if s.strip()]
    try:
        payload["skills"] = csv_import.parse_skills(values["skills"])
    except ValueError as exc:
        raise InvalidInput("Check the form.", fields={"skills": str(exc)}) from exc
    if creating:
        payload["code"] = values["code"]
    else:
        payload["version"] = form_version(data)
    return payload, values


def _requirement_form(
    request: Request[Any, Any, Any],
    session: Session,
    *,
    req_id: int | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Template:
    ctx = page_context(
        request,
        page_title="Add a requirement" if req_id is None else f"Edit {values.get('code', '')}",
        nav_active="requirements",
        req_id=req_id,
        values=values,
        errors=errors,
        **lead_choices(session),
    )
    return Template("requirements/form.html", context=ctx, status_code=status)


@get("/requirements", include_in_schema=False, sync_to_thread=True)
def requirements(
    request: Request[Any, Any, Any], priority: str | None = None, workstream: str | None = None, org: str | None = None
) -> Template:
    filters = {k: v for k, v in (("priority", priority), ("workstream", workstream)) if v}
    with unit_of_work(request) as (session, actor):
        org_id = lead_org(actor, org)
        stmt = REQUIREMENT_SPEC.scope(actor, select(Requirement)).where(
            col(Requirement.organisation_id) == org_id, col(Requirement.retired).is_(False)
        )
        stmt = resources._apply_filters(REQUIREMENT_SPEC, stmt, filters)
        rows = list(session.execute(stmt.order_by(col(Requirement.code))).scalars())
        ctx = page_context(
            request,
            page_title="Requirements",
            nav_active="requirements",
            items=REQUIREMENT_SPEC.to_read(session, rows),
            filters=filters,
            org_name=org_name(session, org_id),
            # An admin looking at another organisation downloads that organisation's register.
            org_query=f"?organisation_id={org_id}" if actor.is_admin else "",
            **lead_choices(session),
        )
    return Template("requirements/index.html", context=ctx)


@get("/requirements/new", include_in_schema=False, sync_to_thread=True)
def requirement_new_form(request: Request[Any, Any, Any]) -> Template:
    with unit_of_work(request) as (session, actor):
        lead_org(actor)
        return _requirement_form(request, session, req_id=None, values=_requirement_values(None), errors={})


@post("/requirements/new", include_in_schema=False, sync_to_thread=True)
def requirement_create(request: Request[Any, Any, Any], data: dict[str, Any] = FORM) -> Template | Redirect:
    values: dict[str, Any] = {}
    try:
        payload, values = _requirement_payload(data, creating=True)
        create = validate_form(RequirementCreate, payload, REQ_MESSAGES)
        with unit_of_work(request) as (session, actor):
            lead_org(actor)
            resources.create_resource(session, REQUIREMENT_SPEC, actor, create)
    except InvalidInput as exc:
        with unit_of_work(request) as (session, actor):
            lead_org(actor)
            values = values or {**_requirement_values(None), **{k: text(data, k) for k in data}}
            return _requirement_form(
                request, session, req_id=None, values=values, errors=exc.fields or {"code": exc.detail}, status=400
            )
    flash(request, f"Requirement {values['code']} added.")
    return Redirect(path="/requirements")


@get("/requirements/{req_id:int}/edit", include_in_schema=False, sync_to_thread=True)
def requirement_edit_form(request: Request[Any, Any, Any], req_id: int) -> Template:
    with unit_of_work(request) as (session, actor):
        req = own_record(session, actor, REQUIREMENT_SPEC, req_id)
        read = REQUIREMENT_SPEC.to_read(session, [req])[0]
        return _requirement_form(request, session, req_id=req_id, values=_requirement_values(read), errors={})


@post("/requirements/{req_id:int}/edit", include_in_schema=False, sync_to_thread=True)
def requirement_update(
    request: Request[Any, Any, Any], req_id: int, data: dict[str, Any] = FORM
) -> Template | Redirect:
    values: dict[str, Any] = {}

    def make_update() -> RequirementUpdate:
        payload, sent = _requirement_payload(data, creating=False)
        values.update(sent)  # kept for the re-shown form even when validation fails below
        return validate_form(RequirementUpdate, payload, REQ_MESSAGES)

    errors = save_own_record(request, REQUIREMENT_SPEC, req_id, make_update, field="title")
    if not errors:
        flash(request, "Requirement saved.")
        return Redirect(path="/requirements")
    with unit_of_work(request) as (session, actor):
        req = own_record(session, actor, REQUIREMENT_SPEC, req_id)
        shown = {**_requirement_values(REQUIREMENT_SPEC.to_read(session, [req])[0]), **values}
        shown["version"] = version_to_show(req.version, errors, "title", data)
        return _requirement_form(request, session, req_id=req_id, values=shown, errors=errors, status=400)


@get("/requirements/{req_id:int}/retire", include_in_schema=False, sync_to_thread=True)
def requirement_retire_confirm(request: Request[Any, Any, Any], req_id: int) -> Template:
    with unit_of_work(request) as (session, actor):
        req = own_record(session, actor, REQUIREMENT_SPEC, req_id)
        question = f"Are you sure you want to retire {req.code} {req.title}?"
        return confirm_page(
            request,
            Confirmation(
                question=question,
                warning="It will no longer count in gap assessments, and it leaves the register.",
                action=f"/requirements/{req_id}/retire",
                button=f"Yes, retire {req.code}",
                cancel="/requirements",
                caption="Requirements",
            ),
            nav_active="requirements",
        )


@post("/requirements/{req_id:int}/retire", include_in_schema=False, sync_to_thread=True)
def requirement_retire(request: Request[Any, Any, Any], req_id: int) -> Redirect:
    with unit_of_work(request) as (session, actor):
        req = own_record(session, actor, REQUIREMENT_SPEC, req_id)
        code = req.code
        resources.remove_resource(session, REQUIREMENT_SPEC, actor, req_id)
    flash(request, f"Requirement {code} retired. It no longer counts in gap assessments.")
    return Redirect(path="/requirements")


# --- CSV import -------------------------------------------------------------------------------


def _import_page(
    request: Request[Any, Any, Any], errors: dict[str, str], rows: list[Any], status: int = 200
) -> Template:
    with unit_of_work(request) as (_session, actor):
        lead_org(actor)
        ctx = page_context(
            request,
            page_title="Import requirements",
            nav_active="requirements",
            errors=errors,
            row_errors=rows,
            columns=csv_import.COLUMNS,
            max_rows=csv_import.MAX_ROWS,
        )
    return Template("requirements/import.html", context=ctx, status_code=status)


@get("/requirements/import", include_in_schema=False, sync_to_thread=True)
def import_form(request: Request[Any, Any, Any]) -> Template:
    return _import_page(request, {}, [])


@get("/requirements/import/template.csv", include_in_schema=False, sync_to_thread=True)
def import_template(request: Request[Any, Any, Any]) -> Response[str]:
    with unit_of_work(request) as (_session, actor):
        lead_org(actor)
    return Response(
        csv_import.template_csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="requirements-template.csv"'},
    )


@post(
    "/requirements/import",
    include_in_schema=False,
    request_max_body_size=csv_import.MAX_BYTES + 64 * 1024,
    sync_to_thread=True,
)
def import_upload(request: Request[Any, Any, Any], data: dict[str, Any] = UPLOAD) -> Template | Redirect:
    upload = data.get("file")
    if isinstance(upload, list):
        upload = upload[0] if upload else None
    try:
        if upload is None or not hasattr(upload, "file") or not getattr(upload, "filename", ""):
            raise InvalidInput("Select a CSV file", fields={"file": "Select a CSV file"})
        raw = upload.file.read(csv_import.MAX_BYTES + 1)
        csv_import.check_upload(upload.filename, upload.content_type or "", len(raw))
        with unit_of_work(request) as (session, actor):
            count = csv_import.import_requirements(session, actor, raw)
    except csv_import.ImportRejected as rejected:
        msg = f"Nothing was imported. Fix the {len(rejected.rows)} problem(s) below and upload the file again."
        return _import_page(request, {"file": msg}, rejected.rows, status=400)
    except InvalidInput as exc:
        return _import_page(request, exc.fields or {"file": exc.detail}, [], status=400)
    flash(request, f"{count} requirement(s) imported.")
    return Redirect(path="/requirements")


ROUTES: list[Any] = [
    requirements,
    requirement_new_form,
    requirement_create,
    requirement_edit_form,
    requirement_update,
    requirement_retire_confirm,
    requirement_retire,
    import_form,
    import_template,
    import_upload,
]
