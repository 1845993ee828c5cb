"""Capability lead pages: the requirements register (with CSV import), the tool inventory and
workforce skills. Everything goes through registry.resources, so permissions and audit apply;
each page shows the lead's own organisation (admins may pass ?org=<id>)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry import resources
from registry.accounts.models import Organisation
from registry.actor import Actor
from registry.db_types import today
from registry.enums import (
    WORKSTREAMS,
    Classification,
    Deployment,
    FiveC,
    FiveD,
    FourP,
    Hosting,
    MoSCoW,
    Role,
    ToolStatus,
)
from registry.errors import Conflict, InvalidInput, NotFound
from registry.orgs.models import InventoryItem
from registry.orgs.schemas import InventoryCreate, InventoryUpdate
from registry.orgs.services import SPEC as INVENTORY_SPEC
from registry.requirements import csv_import
from registry.requirements.models import Requirement
from registry.requirements.schemas import RequirementCreate, RequirementUpdate
from registry.requirements.services import SPEC as REQUIREMENT_SPEC
from registry.skills.models import Skill, SkillHolding
from registry.skills.schemas import HoldingCreate, HoldingUpdate
from registry.skills.services import HOLDING_SPEC
from registry.suppliers.models import Supplier
from registry.taxonomy.services import all_nodes, path_of
from registry.tools.models import Tool
from registry.web.context import flash, page_context
from registry.web.deps import unit_of_work
from registry.web.forms import many as _many
from registry.web.supplier_pages import in_thread

FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
UPLOAD = Body(media_type=RequestEncodingType.MULTI_PART)
LICENCE_WARNING = timedelta(days=90)
PRIORITY_LABELS = {"must": "Must have", "should": "Should have", "could": "Could have", "wont": "Won't have"}
CONFLICT = "Someone else changed this record while you were editing it. Check the values and save again."


def _org(actor: Actor, requested: str | None = None) -> int:
    """The organisation whose records the page shows: one's own, or any for admins."""
    actor.require_role(Role.CAPABILITY_LEAD)
    if actor.is_admin and requested and str(requested).isdecimal():
        return int(requested)
    if actor.organisation_id is None:
        raise NotFound("You are not a member of an organisation.")
    return actor.organisation_id


def _org_name(session: Session, org_id: int) -> str:
    org = session.get(Organisation, org_id)
    return org.name if org else ""


def _visible(session: Session, actor: Actor, spec: Any, obj_id: int) -> Any:
    """A capability lead's own record (any organisation's for admins). The spec's scope
    already limits rows to the actor's organisation, so others get the same 404 as a
    missing id."""
    _org(actor)
    return resources.get_visible(session, spec, actor, obj_id)


def _choices(session: Session) -> dict[str, Any]:
    nodes = all_nodes(session)
    capabilities = sorted(((n.code, path_of(n, nodes)) for n in nodes.values() if not n.retired), key=lambda x: x[1])
    return {
        "priority_options": [(p.value, PRIORITY_LABELS[p.value]) for p in MoSCoW],
        "workstream_options": list(WORKSTREAMS.items()),
        "four_p_options": [(p.value, p.value.capitalize()) for p in FourP],
        "five_d_options": [(d.value, d.value.capitalize()) for d in FiveD],
        "five_c_options": [(c.value, c.value.capitalize()) for c in FiveC],
        "classification_options": [(c.name, c.label) for c in Classification],
        "hosting_options": [(Hosting.UK.value, "UK"), (Hosting.EEA.value, "EEA"), (Hosting.OTHER.value, "Other")],
        "deployment_options": [(d.value, d.value.replace("-", " ").capitalize()) for d in Deployment],
        "trl_options": [(str(n), f"TRL {n} or higher") for n in range(1, 10)],
        "capability_options": capabilities,
        "level_options": [(str(n), f"Level {n}") for n in range(1, 8)],
        "priority_labels": PRIORITY_LABELS,
        "workstreams": WORKSTREAMS,
    }


def _field_errors(exc: ValidationError, messages: dict[str, str] | None = None) -> dict[str, str]:
    out: dict[str, str] = {}
    for err in exc.errors():
        key = str(err["loc"][0]) if err["loc"] else "form"
        msg = (messages or {}).get(key) or str(err["msg"]).removeprefix("Value error, ")
        out.setdefault(key, msg[:1].upper() + msg[1:])
    return out


def _validate(schema: type[BaseModel], payload: dict[str, Any], messages: dict[str, str]) -> Any:
    try:
        return schema.model_validate(payload)
    except ValidationError as exc:
        raise InvalidInput("Check the form.", fields=_field_errors(exc, messages)) from exc


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return str(value[0] if isinstance(value, list) and value else (value or "")).strip()


def _version(data: dict[str, Any]) -> int | None:
    raw = _text(data, "version")
    return int(raw) if raw.isdecimal() else None


# --- requirements -----------------------------------------------------------------------------

REQ_MESSAGES = {
    "code": "Enter a code made of letters, digits, dots or dashes, like IM-001",
    "title": "Enter a title",
    "capability_code": "Select the capability it needs",
    "weight": "Weight must be a number from 0 to 100",
    "skills": "Write skills like SK-DATAENG:4:2",
}


def _requirement_values(read: dict[str, Any] | None) -> dict[str, Any]:
    if read is None:
        return {
            "priority": "should",
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
        k: _text(data, k)
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
        payload["version"] = _version(data)
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
        **_choices(session),
    )
    return Template("lead/requirement_form.html", context=ctx, status_code=status)


@get("/requirements", include_in_schema=False)
@in_thread
def requirements(
    request: Request[Any, Any, Any], priority: str | None = None, workstream: str | None = None, org: str | None = None
) -> Template:
    filters = {k: v for k, v in (("priority", priority), ("workstream", workstream)) if v}
    with unit_of_work(request) as (session, actor):
        org_id = _org(actor, org)
        stmt = REQUIREMENT_SPEC.scope(actor, select(Requirement)).where(
            Requirement.organisation_id == org_id, Requirement.retired.is_(False)
        )  # type: ignore[attr-defined]
        stmt = resources._apply_filters(REQUIREMENT_SPEC, stmt, filters)
        rows = list(session.execute(stmt.order_by(Requirement.code)).scalars())
        ctx = page_context(
            request,
            page_title="Requirements",
            nav_active="requirements",
            items=REQUIREMENT_SPEC.to_read(session, rows),
            filters=filters,
            org_name=_org_name(session, org_id),
            **_choices(session),
        )
    return Template("lead/requirements.html", context=ctx)


@get("/requirements/new", include_in_schema=False)
@in_thread
def requirement_new_form(request: Request[Any, Any, Any]) -> Template:
    with unit_of_work(request) as (session, actor):
        _org(actor)
        return _requirement_form(request, session, req_id=None, values=_requirement_values(None), errors={})


@post("/requirements/new", include_in_schema=False)
@in_thread
def requirement_create(request: Request[Any, Any, Any], data: dict[str, Any] = FORM) -> Template | Redirect:
    values: dict[str, Any] = {}
    try:
        payload, values = _requirement_payload(data, creating=True)
        create = _validate(RequirementCreate, payload, REQ_MESSAGES)
        with unit_of_work(request) as (session, actor):
            _org(actor)
            resources.create_resource(session, REQUIREMENT_SPEC, actor, create)
    except InvalidInput as exc:
        with unit_of_work(request) as (session, actor):
            _org(actor)
            values = values or {**_requirement_values(None), **{k: _text(data, k) for k in data}}
            return _requirement_form(
                request, session, req_id=None, values=values, errors=exc.fields or {"code": exc.detail}, status=400
            )
    flash(request, f"Requirement {values['code']} added.")
    return Redirect(path="/requirements")


@get("/requirements/{req_id:int}/edit", include_in_schema=False)
@in_thread
def requirement_edit_form(request: Request[Any, Any, Any], req_id: int) -> Template:
    with unit_of_work(request) as (session, actor):
        req = _visible(session, actor, REQUIREMENT_SPEC, req_id)
        read = REQUIREMENT_SPEC.to_read(session, [req])[0]
        return _requirement_form(request, session, req_id=req_id, values=_requirement_values(read), errors={})


@post("/requirements/{req_id:int}/edit", include_in_schema=False)
@in_thread
def requirement_update(
    request: Request[Any, Any, Any], req_id: int, data: dict[str, Any] = FORM
) -> Template | Redirect:
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    try:
        payload, values = _requirement_payload(data, creating=False)
        update = _validate(RequirementUpdate, payload, REQ_MESSAGES)
        with unit_of_work(request) as (session, actor):
            _visible(session, actor, REQUIREMENT_SPEC, req_id)
            resources.update_resource(session, REQUIREMENT_SPEC, actor, req_id, update, if_match=None)
    except InvalidInput as exc:
        errors = exc.fields or {"title": exc.detail}
    except Conflict:
        errors = {"title": CONFLICT}
    if not errors:
        flash(request, "Requirement saved.")
        return Redirect(path="/requirements")
    with unit_of_work(request) as (session, actor):
        req = _visible(session, actor, REQUIREMENT_SPEC, req_id)
        shown = {**_requirement_values(REQUIREMENT_SPEC.to_read(session, [req])[0]), **values}
        shown["version"] = req.version if errors.get("title") == CONFLICT else _version(data)
        return _requirement_form(request, session, req_id=req_id, values=shown, errors=errors, status=400)


@post("/requirements/{req_id:int}/retire", include_in_schema=False)
@in_thread
def requirement_retire(request: Request[Any, Any, Any], req_id: int) -> Redirect:
    with unit_of_work(request) as (session, actor):
        req = _visible(session, actor, REQUIREMENT_SPEC, req_id)
        code = req.code
        resources.remove_resource(session, REQUIREMENT_SPEC, actor, req_id)
    flash(request, f"Requirement {code} retired. It no longer counts in gap assessments.")
    return Redirect(path="/requirements")


# --- CSV import -------------------------------------------------------------------------------


def _import_page(
    request: Request[Any, Any, Any], errors: dict[str, str], rows: list[Any], status: int = 200
) -> Template:
    with unit_of_work(request) as (_session, actor):
        _org(actor)
        ctx = page_context(
            request,
            page_title="Import requirements",
            nav_active="requirements",
            errors=errors,
            row_errors=rows,
            columns=csv_import.COLUMNS,
            max_rows=csv_import.MAX_ROWS,
        )
    return Template("lead/import.html", context=ctx, status_code=status)


@get("/requirements/import", include_in_schema=False)
@in_thread
def import_form(request: Request[Any, Any, Any]) -> Template:
    return _import_page(request, {}, [])


@get("/requirements/import/template.csv", include_in_schema=False)
@in_thread
def import_template(request: Request[Any, Any, Any]) -> Response[str]:
    with unit_of_work(request) as (_session, actor):
        _org(actor)
    return Response(
        csv_import.template_csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="requirements-template.csv"'},
    )


@post("/requirements/import", include_in_schema=False, request_max_body_size=csv_import.MAX_BYTES + 64 * 1024)
@in_thread
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


# --- inventory --------------------------------------------------------------------------------


def _licence_state(end: date | None, now: date) -> str:
    if end is None:
        return ""
    if end < now:
        return "expired"
    return "ending" if end - now <= LICENCE_WARNING else ""


@get("/inventory", include_in_schema=False)
@in_thread
def inventory(request: Request[Any, Any, Any], org: str | None = None) -> Template:
    with unit_of_work(request) as (session, actor):
        org_id = _org(actor, org)
        stmt = INVENTORY_SPEC.scope(actor, select(InventoryItem)).where(InventoryItem.organisation_id == org_id)
        rows = list(session.execute(stmt.order_by(InventoryItem.licence_end, InventoryItem.id)).scalars())
        now = today()
        items = [
            {**item, "state": _licence_state(item["licence_end"], now)}
            for item in INVENTORY_SPEC.to_read(session, rows)
        ]
        ctx = page_context(
            request,
            page_title="Tool inventory",
            nav_active="inventory",
            items=items,
            org_name=_org_name(session, org_id),
            today=now,
        )
    return Template("lead/inventory.html", context=ctx)


@get("/inventory/add", include_in_schema=False)
@in_thread
def inventory_search(request: Request[Any, Any, Any], q: str | None = None) -> Template:
    query = (q or "").strip()[:100]
    with unit_of_work(request) as (session, actor):
        org_id = _org(actor)
        results = []
        if query:
            held = set(
                session.execute(select(InventoryItem.tool_id).where(InventoryItem.organisation_id == org_id)).scalars()
            )
            stmt = (
                select(Tool, Supplier)
                .join(Supplier, Supplier.id == Tool.supplier_id)
                .where(
                    Tool.status == ToolStatus.PUBLISHED.value,
                    func.lower(Tool.name).contains(query.lower(), autoescape=True),
                )
                .order_by(func.length(Tool.name), Tool.id)
                .limit(25)
            )
            results = [{"tool": t, "supplier": s, "held": t.id in held} for t, s in session.execute(stmt)]
        ctx = page_context(
            request,
            page_title="Add a tool to your inventory",
            nav_active="inventory",
            q=query,
            results=results,
            errors={},
        )
    return Template("lead/inventory_search.html", context=ctx)


def _inventory_form(
    request: Request[Any, Any, Any],
    session: Session,
    *,
    tool: Tool,
    item_id: int | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Template:
    ctx = page_context(
        request,
        page_title=f"{'Add' if item_id is None else 'Edit'} {tool.name}",
        nav_active="inventory",
        tool=tool,
        item_id=item_id,
        values=values,
        errors=errors,
    )
    return Template("lead/inventory_form.html", context=ctx, status_code=status)


def _published_tool(session: Session, tool_id: int) -> Tool:
    tool = session.get(Tool, tool_id)
    if tool is None or tool.status != ToolStatus.PUBLISHED.value:
        raise NotFound(f"No published tool with id {tool_id}.")
    return tool


def _date_from(data: dict[str, Any], name: str) -> tuple[date | None, dict[str, str], str | None]:
    parts = {p: _text(data, f"{name}-{p}") for p in ("day", "month", "year")}
    if not any(parts.values()):
        return None, parts, None
    try:
        return date(int(parts["year"]), int(parts["month"]), int(parts["day"])), parts, None
    except ValueError:
        return None, parts, "Licence end date must be a real date, like 31 3 2027"


def _inventory_payload(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    end, parts, date_error = _date_from(data, "licence_end")
    values = {"licence_end": parts, "seats": _text(data, "seats"), "notes": _text(data, "notes")}
    errors = {"licence_end": date_error} if date_error else {}
    if not values["seats"].isdecimal():
        errors["seats"] = "Enter the number of seats or users as a whole number"
    payload = {"licence_end": end, "seats": values["seats"] or "0", "notes": values["notes"]}
    return payload, values, errors


@get("/inventory/add/{tool_id:int}", include_in_schema=False)
@in_thread
def inventory_add_form(request: Request[Any, Any, Any], tool_id: int) -> Template:
    with unit_of_work(request) as (session, actor):
        _org(actor)
        return _inventory_form(
            request, session, tool=_published_tool(session, tool_id), item_id=None, values={"seats": "1"}, errors={}
        )


@post("/inventory/add/{tool_id:int}", include_in_schema=False)
@in_thread
def inventory_add(request: Request[Any, Any, Any], tool_id: int, data: dict[str, Any] = FORM) -> Template | Redirect:
    payload, values, errors = _inventory_payload(data)
    if not errors:
        try:
            create = _validate(InventoryCreate, {**payload, "tool_id": tool_id}, {"seats": "Seats must be 0 or more"})
            with unit_of_work(request) as (session, actor):
                _org(actor)
                _published_tool(session, tool_id)
                resources.create_resource(session, INVENTORY_SPEC, actor, create)
        except InvalidInput as exc:
            errors = exc.fields or {"seats": exc.detail}
    if not errors:
        flash(request, "Tool added to your inventory.")
        return Redirect(path="/inventory")
    with unit_of_work(request) as (session, actor):
        _org(actor)
        return _inventory_form(
            request,
            session,
            tool=_published_tool(session, tool_id),
            item_id=None,
            values=values,
            errors={("seats" if k == "tool_id" else k): v for k, v in errors.items()},
            status=400,
        )


@get("/inventory/{item_id:int}/edit", include_in_schema=False)
@in_thread
def inventory_edit_form(request: Request[Any, Any, Any], item_id: int) -> Template:
    with unit_of_work(request) as (session, actor):
        item = _visible(session, actor, INVENTORY_SPEC, item_id)
        values = {
            "licence_end": item.licence_end,
            "seats": str(item.seats),
            "notes": item.notes,
            "version": item.version,
        }
        return _inventory_form(
            request,
            session,
            tool=session.get(Tool, item.tool_id),
            item_id=item_id,  # type: ignore[arg-type]
            values=values,
            errors={},
        )


@post("/inventory/{item_id:int}/edit", include_in_schema=False)
@in_thread
def inventory_update(request: Request[Any, Any, Any], item_id: int, data: dict[str, Any] = FORM) -> Template | Redirect:
    payload, values, errors = _inventory_payload(data)
    if not errors:
        try:
            update = _validate(InventoryUpdate, {**payload, "version": _version(data)}, {})
            with unit_of_work(request) as (session, actor):
                _visible(session, actor, INVENTORY_SPEC, item_id)
                resources.update_resource(session, INVENTORY_SPEC, actor, item_id, update, if_match=None)
        except InvalidInput as exc:
            errors = exc.fields or {"seats": exc.detail}
        except Conflict:
            errors = {"seats": CONFLICT}
    if not errors:
        flash(request, "Inventory saved.")
        return Redirect(path="/inventory")
    with unit_of_work(request) as (session, actor):
        item = _visible(session, actor, INVENTORY_SPEC, item_id)
        values["version"] = item.version if errors.get("seats") == CONFLICT else _version(data)
        return _inventory_form(
            request,
            session,
            tool=session.get(Tool, item.tool_id),
            item_id=item_id,  # type: ignore[arg-type]
            values=values,
            errors=errors,
            status=400,
        )


@post("/inventory/{item_id:int}/remove", include_in_schema=False)
@in_thread
def inventory_remove(request: Request[Any, Any, Any], item_id: int) -> Redirect:
    with unit_of_work(request) as (session, actor):
        _visible(session, actor, INVENTORY_SPEC, item_id)
        resources.remove_resource(session, INVENTORY_SPEC, actor, item_id)
    flash(request, "Tool removed from your inventory.")
    return Redirect(path="/inventory")


# --- workforce --------------------------------------------------------------------------------


def _workforce_page(
    request: Request[Any, Any, Any],
    session: Session,
    actor: Actor,
    org_id: int,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Template:
    stmt = HOLDING_SPEC.scope(actor, select(SkillHolding)).where(SkillHolding.organisation_id == org_id)
    rows = list(session.execute(stmt).scalars())
    items = sorted(HOLDING_SPEC.to_read(session, rows), key=lambda h: (h["skill_name"], h["level"]))
    skills = session.execute(select(Skill).where(Skill.retired.is_(False)).order_by(Skill.name)).scalars().all()  # type: ignore[attr-defined]
    ctx = page_context(
        request,
        page_title="Workforce skills",
        nav_active="workforce",
        items=items,
        skill_options=[(s.code, s.name) for s in skills],
        level_options=[(str(n), f"Level {n}") for n in range(1, 8)],
        values=values,
        errors=errors,
        org_name=_org_name(session, org_id),
        total_people=sum(h["people"] for h in items),
    )
    return Template("lead/workforce.html", context=ctx, status_code=status)


@get("/workforce", include_in_schema=False)
@in_thread
def workforce(request: Request[Any, Any, Any], org: str | None = None) -> Template:
    with unit_of_work(request) as (session, actor):
        return _workforce_page(request, session, actor, _org(actor, org), {}, {})


HOLDING_MESSAGES = {
    "skill_code": "Select a skill",
    "level": "Select a level from 1 to 7",
    "people": "Enter the number of people as a whole number",
}


@post("/workforce", include_in_schema=False)
@in_thread
def workforce_add(request: Request[Any, Any, Any], data: dict[str, Any] = FORM) -> Template | Redirect:
    values = {k: _text(data, k) for k in ("skill_code", "level", "people")}
    try:
        create = _validate(HoldingCreate, {k: v or None for k, v in values.items()}, HOLDING_MESSAGES)
        with unit_of_work(request) as (session, actor):
            _org(actor)
            resources.create_resource(session, HOLDING_SPEC, actor, create)
    except InvalidInput as exc:
        with unit_of_work(request) as (session, actor):
            return _workforce_page(
                request, session, actor, _org(actor), values, exc.fields or {"skill_code": exc.detail}, 400
            )
    flash(request, "Skill added.")
    return Redirect(path="/workforce")


def _holding_form(
    request: Request[Any, Any, Any],
    session: Session,
    row: SkillHolding,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Template:
    skill = session.get(Skill, row.skill_id)
    ctx = page_context(
        request,
        page_title=f"Edit {skill.name if skill else 'skill'}",
        nav_active="workforce",
        row=row,
        skill=skill,
        values=values,
        errors=errors,
        level_options=[(str(n), f"Level {n}") for n in range(1, 8)],
    )
    return Template("lead/workforce_edit.html", context=ctx, status_code=status)


@get("/workforce/{holding_id:int}/edit", include_in_schema=False)
@in_thread
def workforce_edit_form(request: Request[Any, Any, Any], holding_id: int) -> Template:
    with unit_of_work(request) as (session, actor):
        row = _visible(session, actor, HOLDING_SPEC, holding_id)
        values = {"level": str(row.level), "people": str(row.people), "version": row.version}
        return _holding_form(request, session, row, values, {})


@post("/workforce/{holding_id:int}/edit", include_in_schema=False)
@in_thread
def workforce_update(
    request: Request[Any, Any, Any], holding_id: int, data: dict[str, Any] = FORM
) -> Template | Redirect:
    values: dict[str, Any] = {k: _text(data, k) for k in ("level", "people")}
    errors: dict[str, str] = {}
    try:
        update = _validate(
            HoldingUpdate,
            {"level": values["level"] or None, "people": values["people"] or None, "version": _version(data)},
            HOLDING_MESSAGES,
        )
        with unit_of_work(request) as (session, actor):
            _visible(session, actor, HOLDING_SPEC, holding_id)
            resources.update_resource(session, HOLDING_SPEC, actor, holding_id, update, if_match=None)
    except InvalidInput as exc:
        errors = exc.fields or {"people": exc.detail}
    except Conflict:
        errors = {"people": CONFLICT}
    if not errors:
        flash(request, "Skill saved.")
        return Redirect(path="/workforce")
    with unit_of_work(request) as (session, actor):
        row = _visible(session, actor, HOLDING_SPEC, holding_id)
        values["version"] = row.version if errors.get("people") == CONFLICT else _version(data)
        return _holding_form(request, session, row, values, errors, 400)


@post("/workforce/{holding_id:int}/remove", include_in_schema=False)
@in_thread
def workforce_remove(request: Request[Any, Any, Any], holding_id: int) -> Redirect:
    with unit_of_work(request) as (session, actor):
        _visible(session, actor, HOLDING_SPEC, holding_id)
        resources.remove_resource(session, HOLDING_SPEC, actor, holding_id)
    flash(request, "Skill removed.")
    return Redirect(path="/workforce")


ROUTES = [
    requirements,
    requirement_new_form,
    requirement_create,
    requirement_edit_form,
    requirement_update,
    requirement_retire,
    import_form,
    import_template,
    import_upload,
    inventory,
    inventory_search,
    inventory_add_form,
    inventory_add,
    inventory_edit_form,
    inventory_update,
    inventory_remove,
    workforce,
    workforce_add,
    workforce_edit_form,
    workforce_update,
    workforce_remove,
]
