"""Supplier pages: self-registration (with the duplicate warning), the supplier dashboard, the
organisation details form and the multi-step listing editor."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import anyio
from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import resources
from registry.actor import Actor
from registry.db_types import today
from registry.enums import (
    DATA_STANDARDS,
    WORKSTREAMS,
    Classification,
    Clearance,
    Deployment,
    FiveD,
    FourP,
    Hosting,
    PricingModel,
    Role,
    ToolStatus,
)
from registry.errors import Conflict, Forbidden, InvalidInput, NotFound
from registry.skills.models import Skill
from registry.suppliers import registration
from registry.suppliers.models import Supplier
from registry.suppliers.schemas import SupplierUpdate
from registry.suppliers.services import SPEC as SUPPLIER_SPEC
from registry.taxonomy.services import tree
from registry.tools import editor, moderation
from registry.tools.models import Accreditation, Tool
from registry.tools.schemas import ToolCreate, ToolUpdate
from registry.tools.services import SPEC as TOOL_SPEC
from registry.web.context import flash, page_context
from registry.web.deps import unit_of_work

FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
STALE_AFTER = timedelta(days=365)
EXPIRY_WARNING = timedelta(days=60)
REGIONS = (
    "East Midlands",
    "East of England",
    "London",
    "North East",
    "North West",
    "Northern Ireland",
    "Scotland",
    "South East",
    "South West",
    "Wales",
    "West Midlands",
    "Yorkshire and the Humber",
)
CONFLICT_MESSAGE = (
    "Someone else changed this listing while you were editing it, so your changes have not been "
    "saved. Your changes are shown below: save again to replace theirs, or reload the page to see "
    "the latest version."
)


def in_thread(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a sync page handler in a worker thread from an async handler.

    Litestar 2.25 re-registers every handler of a path when another method is added to that path,
    and a `sync_to_thread` handler is then wrapped twice (its response becomes an un-awaited
    coroutine). Async handlers are not wrapped, so they survive re-registration.
    """

    @functools.wraps(fn)
    async def handler(*args: Any, **kwargs: Any) -> Any:
        return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))

    return handler


def _choices() -> dict[str, Any]:
    """Option lists the templates share (value, text[, hint])."""
    return {
        "size_bands": [
            ("micro", "Micro", "Fewer than 10 staff"),
            ("small", "Small", "Fewer than 50 staff"),
            ("medium", "Medium", "Fewer than 250 staff"),
            ("large", "Large", "250 staff or more, or turnover over £50m and balance sheet over £43m"),
        ],
        "clearance_options": [(c.value, c.value) for c in Clearance],
        "regions": REGIONS,
        "workstream_options": list(WORKSTREAMS.items()),
        "four_p_options": [(p.value, p.value.capitalize()) for p in FourP],
        "five_d_options": [(d.value, d.value.capitalize()) for d in FiveD],
        "classification_options": [(c.name, c.label) for c in Classification],
        "hosting_options": [
            (Hosting.UK.value, "United Kingdom"),
            (Hosting.EEA.value, "European Economic Area"),
            (Hosting.OTHER.value, "Elsewhere"),
        ],
        "deployment_options": [
            (Deployment.SAAS.value, "Software as a service"),
            (Deployment.ON_PREMISES.value, "On premises"),
            (Deployment.HYBRID.value, "Hybrid"),
            (Deployment.AIR_GAPPED.value, "Air-gapped"),
        ],
        "standard_options": list(DATA_STANDARDS),
        "pricing_options": [(p.value, p.value.replace("-", " ").capitalize()) for p in PricingModel],
        "trl_options": [(str(n), f"TRL {n}") for n in range(1, 10)],
        "level_options": [(str(n), f"Level {n}") for n in range(1, 8)],
        "steps": editor.STEPS,
    }


# --- registration -----------------------------------------------------------------------------


def _register_page(
    request: Request[Any, Any, Any],
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
    confirmed: bool = False,
) -> Template:
    with unit_of_work(request):
        ctx = page_context(
            request,
            page_title="Register your organisation",
            values=values,
            errors=errors,
            confirmed=confirmed,
            **_choices(),
        )
    return Template("accounts/register.html", context=ctx, status_code=status)


@get("/register", include_in_schema=False)
@in_thread
def register_form(request: Request[Any, Any, Any]) -> Template:
    return _register_page(request, registration.form_values({}), {})


@post("/register", include_in_schema=False)
@in_thread
def register_submit(request: Request[Any, Any, Any], data: dict[str, Any] = FORM) -> Template | Redirect:
    values = registration.form_values(data)
    confirmed = str(data.get("confirmed_distinct") or "") == "yes"
    try:
        reg = registration.parse_registration(data)
    except InvalidInput as exc:
        return _register_page(request, values, exc.fields, 400, confirmed)
    try:
        with unit_of_work(request) as (session, _actor):
            supplier, user = registration.register(session, reg, confirmed_distinct=confirmed)
            uid, pw, name = user.id, user.password_hash[-16:], supplier.name
    except InvalidInput as exc:
        return _register_page(request, values, exc.fields, 400, confirmed)
    except registration.PossibleDuplicates as dup:
        with unit_of_work(request):
            ctx = page_context(
                request,
                page_title="We may already have your organisation",
                values=values,
                matches=dup.matches,
                errors={},
            )
        return Template("accounts/register_duplicates.html", context=ctx)
    request.clear_session()
    request.set_session({"uid": uid, "pw": pw})
    flash(request, f"{name} is registered. A moderator will check it; meanwhile you can prepare listings.")
    return Redirect(path="/supplier/dashboard")


@post("/register/claim", include_in_schema=False)
@in_thread
def register_claim(request: Request[Any, Any, Any], data: dict[str, Any] = FORM) -> Template:
    raw = str(data.get("supplier_id") or "")
    if not raw.isdecimal():
        raise InvalidInput("Choose the organisation to claim.")
    with unit_of_work(request) as (session, _actor):
        supplier = registration.record_claim(session, int(raw), data)
        ctx = page_context(
            request, page_title="We have your request", supplier_name=supplier.name, email=str(data.get("email") or "")
        )
    return Template("accounts/register_claimed.html", context=ctx)


# --- dashboard --------------------------------------------------------------------------------


def _require_supplier(actor: Actor) -> int:
    actor.require_auth()
    if actor.role is not Role.SUPPLIER or actor.supplier_id is None:
        raise Forbidden("Only supplier accounts have a supplier dashboard.")
    return actor.supplier_id


def _attention(session: Session, tools: list[Tool]) -> list[dict[str, Any]]:
    """Listings to look at: not reviewed for a year, accreditations expired or expiring soon."""
    now = today()
    items: list[dict[str, Any]] = []
    live = [t for t in tools if t.status != ToolStatus.RETIRED.value]
    for t in live:
        if t.stale or (t.last_reviewed and now - t.last_reviewed > STALE_AFTER):
            since = t.last_reviewed.strftime("%-d %B %Y") if t.last_reviewed else "never"
            items.append({"tool": t, "kind": "stale", "text": f"Not reviewed since {since}: check and save it"})
    by_id = {t.id: t for t in live}
    if by_id:
        accs = session.execute(
            select(Accreditation)
            .where(
                Accreditation.tool_id.in_(list(by_id)),
                Accreditation.expires_on.is_not(None),  # type: ignore[attr-defined,union-attr]
                Accreditation.expires_on <= now + EXPIRY_WARNING,
            )
            .order_by(Accreditation.expires_on)
        ).scalars()  # type: ignore[operator]
        for a in accs:
            when = a.expires_on.strftime("%-d %B %Y")  # type: ignore[union-attr]
            text = f"{a.name} expired on {when}" if a.expires_on < now else f"{a.name} expires on {when}"  # type: ignore[operator]
            items.append(
                {
                    "tool": by_id[a.tool_id],
                    "kind": "expired" if a.expires_on < now else "expiring",  # type: ignore[operator]
                    "text": text,
                }
            )
    return items


@get("/supplier/dashboard", include_in_schema=False)
@in_thread
def dashboard(request: Request[Any, Any, Any]) -> Template:
    with unit_of_work(request) as (session, actor):
        supplier_id = _require_supplier(actor)
        supplier = session.get(Supplier, supplier_id)
        tools = list(
            session.execute(
                select(Tool).where(Tool.supplier_id == supplier_id).order_by(Tool.updated_at.desc(), Tool.id)
            ).scalars()
        )  # type: ignore[attr-defined]
        ctx = page_context(
            request,
            page_title="Your listings",
            nav_active="supplier",
            supplier=supplier,
            tools=tools,
            attention=_attention(session, tools),
            returned=[t for t in tools if t.moderator_feedback],
        )
    return Template("supplier/dashboard.html", context=ctx)


# --- organisation details ---------------------------------------------------------------------


def _supplier_values(s: Supplier) -> dict[str, Any]:
    return {
        "name": s.name,
        "address": s.address,
        "region": s.region,
        "website": s.website,
        "size_band": s.size_band,
        "employees": "" if s.employees is None else str(s.employees),
        "clearances": list(s.clearances),
        "contact_name": s.contact_name,
        "contact_email": s.contact_email,
        "version": s.version,
        "companies_house_number": s.companies_house_number,
        "status": s.status,
        "verified": s.verified,
    }


@get("/supplier/organisation", include_in_schema=False)
@in_thread
def organisation_form(request: Request[Any, Any, Any]) -> Template:
    with unit_of_work(request) as (session, actor):
        supplier = session.get(Supplier, _require_supplier(actor))
        ctx = page_context(
            request,
            page_title="Your organisation's details",
            nav_active="supplier",
            values=_supplier_values(supplier),
            errors={},
            **_choices(),
        )  # type: ignore[arg-type]
    return Template("supplier/organisation.html", context=ctx)


def _supplier_update(data: dict[str, Any]) -> SupplierUpdate:
    clearances = data.get("clearances") or []
    payload = {k: str(data.get(k) or "").strip() for k in ("name", "address", "region", "size_band", "contact_name")}
    payload.update(
        website=str(data.get("website") or "").strip() or None,
        contact_email=str(data.get("contact_email") or "").strip() or None,
        employees=str(data.get("employees") or "").strip() or None,
        clearances=[clearances] if isinstance(clearances, str) else clearances,
        version=str(data.get("version") or "") or None,
    )
    if payload["website"] and "://" not in payload["website"]:
        payload["website"] = "https://" + payload["website"]
    try:
        return SupplierUpdate.model_validate(payload)
    except ValidationError as exc:
        msgs = {
            "name": "Enter your organisation's name",
            "website": "Enter a website address like https://example.co.uk",
            "contact_email": "Enter an email address like name@example.com",
            "employees": "Number of employees must be a whole number, 0 or more",
        }
        fields = {str(e["loc"][0]): msgs.get(str(e["loc"][0]), str(e["msg"])) for e in exc.errors() if e["loc"]}
        raise InvalidInput("Check the details.", fields=fields) from exc


@post("/supplier/organisation", include_in_schema=False)
@in_thread
def organisation_save(request: Request[Any, Any, Any], data: dict[str, Any] = FORM) -> Template | Redirect:
    errors: dict[str, str] = {}
    try:
        update = _supplier_update(data)
        with unit_of_work(request) as (session, actor):
            resources.update_resource(session, SUPPLIER_SPEC, actor, _require_supplier(actor), update, if_match=None)
    except InvalidInput as exc:
        errors = exc.fields or {"name": exc.detail}
    except Conflict:
        errors = {"name": "Someone else changed these details while you were editing. Check them and save again."}
    if not errors:
        flash(request, "Your organisation's details are saved.")
        return Redirect(path="/supplier/dashboard")
    with unit_of_work(request) as (session, actor):
        supplier = session.get(Supplier, _require_supplier(actor))
        values = {**_supplier_values(supplier), **registration.form_values(data)}  # type: ignore[arg-type]
        values.update(companies_house_number=supplier.companies_house_number, version=supplier.version)  # type: ignore[union-attr]
        ctx = page_context(
            request,
            page_title="Your organisation's details",
            nav_active="supplier",
            values=values,
            errors=errors,
            **_choices(),
        )
    return Template("supplier/organisation.html", context=ctx, status_code=400)


# --- listing editor ---------------------------------------------------------------------------


def _leaves(node: dict[str, Any], trail: list[str]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for child in node["children"]:
        if child["children"]:
            out += _leaves(child, [*trail, child["name"]])
        else:
            out.append({"code": child["code"], "name": " › ".join([*trail, child["name"]])})
    return out


def _leaf_groups(session: Session) -> list[dict[str, Any]]:
    """Taxonomy areas with their leaves (tools claim leaves only), labelled below the area."""
    groups = []
    for area in tree(session):
        leaves = _leaves(area, [])
        if leaves:
            groups.append({"code": area["code"], "name": area["name"], "leaves": leaves})
    return groups


def _skills(session: Session) -> list[Skill]:
    return list(
        session.execute(select(Skill).where(Skill.retired.is_(False)).order_by(Skill.category, Skill.name)).scalars()  # type: ignore[attr-defined]
    )


def _editable_tool(session: Session, actor: Actor, tool_id: int) -> Tool:
    actor.require_auth()
    tool = resources.get_visible(session, TOOL_SPEC, actor, tool_id)
    if not TOOL_SPEC.can_write(session, actor, tool):
        raise Forbidden("Only the supplier that owns this listing can change it.")
    return tool


def _editor_page(
    request: Request[Any, Any, Any],
    session: Session,
    actor: Actor,
    *,
    slug: str,
    tool: Tool | None,
    values: dict[str, Any],
    errors: dict[str, str],
    version: int | None,
    status: int = 200,
    notice: str = "",
) -> Template:
    step = editor.STEP_BY_SLUG[slug]
    ctx = page_context(
        request,
        page_title=f"{step.title} – {'new listing' if tool is None else tool.name}",
        nav_active="supplier",
        step=step,
        tool=tool,
        values=values,
        errors=errors,
        version=version,
        notice=notice,
        leaf_groups=_leaf_groups(session) if slug == "capabilities" else [],
        skills=_skills(session) if slug == "skills" else [],
        staff=actor.is_staff,
        action=f"/supplier/tools/{tool.id}/edit/{slug}" if tool else "/supplier/tools/new",
        **_choices(),
    )
    return Template(f"supplier/editor_{slug}.html", context=ctx, status_code=status)


@get("/supplier/tools/new", include_in_schema=False)
@in_thread
def new_tool_form(request: Request[Any, Any, Any]) -> Template:
    with unit_of_work(request) as (session, actor):
        _require_supplier(actor)
        return _editor_page(
            request, session, actor, slug="about", tool=None, values=editor.blank_values(), errors={}, version=None
        )


@post("/supplier/tools/new", include_in_schema=False)
@in_thread
def new_tool_save(request: Request[Any, Any, Any], data: dict[str, Any] = FORM) -> Template | Redirect:
    result = editor.parse_step("about", data, creating=True)
    errors = dict(result.errors)
    new_id = None
    if not errors:
        try:
            with unit_of_work(request) as (session, actor):
                _require_supplier(actor)
                created = resources.create_resource(
                    session, TOOL_SPEC, actor, ToolCreate.model_validate(result.payload)
                )
                new_id = created["id"]
        except InvalidInput as exc:
            errors = exc.fields or {"name": exc.detail}
    if new_id is not None:
        flash(request, "Draft saved.")
        target = "about" if data.get("action") == "stay" else editor.next_step("about")
        return Redirect(path=f"/supplier/tools/{new_id}/edit/{target}")
    with unit_of_work(request) as (session, actor):
        _require_supplier(actor)
        values = {**editor.blank_values(), **result.values}
        return _editor_page(
            request, session, actor, slug="about", tool=None, values=values, errors=errors, version=None, status=400
        )


def _read(session: Session, tool: Tool) -> dict[str, Any]:
    return TOOL_SPEC.to_read(session, [tool])[0]


@get("/supplier/tools/{tool_id:int}/edit/{step:str}", include_in_schema=False)
@in_thread
def edit_tool_form(request: Request[Any, Any, Any], tool_id: int, step: str) -> Template:
    with unit_of_work(request) as (session, actor):
        tool = _editable_tool(session, actor, tool_id)
        read = _read(session, tool)
        if step == editor.REVIEW:
            return _review_page(request, session, tool, read, {})
        if step not in editor.STEP_BY_SLUG:
            raise NotFound("No such step.")
        return _editor_page(
            request,
            session,
            actor,
            slug=step,
            tool=tool,
            values=editor.values_from_read(read),
            errors={},
            version=tool.version,
        )


@post("/supplier/tools/{tool_id:int}/edit/{step:str}", include_in_schema=False)
@in_thread
def edit_tool_save(
    request: Request[Any, Any, Any], tool_id: int, step: str, data: dict[str, Any] = FORM
) -> Template | Redirect:
    if step not in editor.STEP_BY_SLUG:
        raise NotFound("No such step.")
    action = str(data.get("action") or "next")
    version_raw = str(data.get("version") or "")
    version = int(version_raw) if version_raw.isdecimal() else None
    with unit_of_work(request) as (session, actor):
        result = editor.parse_step(step, data, staff=actor.is_staff)
        tool = _editable_tool(session, actor, tool_id)
    errors, notice = dict(result.errors), ""
    if action.startswith("add_"):
        editor.add_blank_row(result.values, action.removeprefix("add_"))
        errors = {}  # adding a row is not a save: no errors yet
    elif not errors:
        try:
            with unit_of_work(request) as (session, actor):
                update = ToolUpdate.model_validate({**result.payload, "version": version})
                resources.update_resource(session, TOOL_SPEC, actor, tool_id, update, if_match=None)
        except Conflict:
            notice = CONFLICT_MESSAGE
        except InvalidInput as exc:
            errors = exc.fields or {"": exc.detail}
        else:
            flash(request, "Draft saved." if tool.status == ToolStatus.DRAFT.value else "Changes saved.")
            target = step if action == "stay" else editor.next_step(step)
            return Redirect(path=f"/supplier/tools/{tool_id}/edit/{target}")
    with unit_of_work(request) as (session, actor):
        tool = _editable_tool(session, actor, tool_id)
        values = {**editor.values_from_read(_read(session, tool)), **result.values}
        shown_version = tool.version if notice else version  # after a clash, saving again overwrites knowingly
        status = 409 if notice else (400 if errors else 200)
        return _editor_page(
            request,
            session,
            actor,
            slug=step,
            tool=tool,
            values=values,
            errors=errors,
            version=shown_version,
            status=status,
            notice=notice,
        )


def _review_page(
    request: Request[Any, Any, Any],
    session: Session,
    tool: Tool,
    read: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Template:
    problems = moderation.submission_problems(session, tool) if tool.status == ToolStatus.DRAFT.value else {}
    ctx = page_context(
        request,
        page_title=f"Check your listing – {tool.name}",
        nav_active="supplier",
        tool=tool,
        read=read,
        errors=errors,
        problems=problems,
        workstreams=WORKSTREAMS,
        **_choices(),
    )
    return Template("supplier/review.html", context=ctx, status_code=status)


_PROBLEM_STEP = {"summary": "about", "description": "about", "name": "about", "capabilities": "capabilities"}


@post("/supplier/tools/{tool_id:int}/submit", include_in_schema=False)
@in_thread
def submit_tool(request: Request[Any, Any, Any], tool_id: int, data: dict[str, Any] = FORM) -> Template | Redirect:
    version_raw = str(data.get("version") or "")
    errors: dict[str, str] = {}
    try:
        with unit_of_work(request) as (session, actor):
            tool = _editable_tool(session, actor, tool_id)
            moderation.submit(session, actor, tool_id, int(version_raw) if version_raw.isdecimal() else None)
            name = tool.name
    except InvalidInput as exc:
        errors = exc.fields
    except Conflict as exc:
        errors = {"": exc.detail}
    if not errors:
        flash(request, f"{name} is submitted. A moderator will review it, usually within 5 working days.")
        return Redirect(path="/supplier/dashboard")
    with unit_of_work(request) as (session, actor):
        tool = _editable_tool(session, actor, tool_id)
        return _review_page(request, session, tool, _read(session, tool), errors, status=400)


ROUTES = [
    register_form,
    register_submit,
    register_claim,
    dashboard,
    organisation_form,
    organisation_save,
    new_tool_form,
    new_tool_save,
    edit_tool_form,
    edit_tool_save,
    submit_tool,
]
