"""Supplier pages: the public supplier page, self-registration (with the duplicate warning),
the supplier dashboard and the organisation details form.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.response import Redirect, Template
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from registry import formatting, resources
from registry.accounts.email_verification import supplier_email_problem
from registry.actor import Actor
from registry.db_types import require_id, today
from registry.enums import (
    Role,
    ToolStatus,
)
from registry.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests
from registry.resources import ListParams, list_resources, read_one
from registry.suppliers import directory, registration
from registry.suppliers.models import Supplier
from registry.suppliers.schemas import SupplierUpdate
from registry.suppliers.services import SPEC as SUPPLIER_SPEC
from registry.suppliers.services import to_read as suppliers_to_read
from registry.tools import hygiene, publication
from registry.tools.models import Accreditation, Tool
from registry.tools.services import SPEC as TOOL_SPEC
from registry.tools.views import REGIONS, editor_choices
from registry.web.client_address import from_request as client_address
from registry.web.context import flash, page_context
from registry.web.deps import unit_of_work
from registry.web.forms import FORM

# --- tool and supplier pages ------------------------------------------------------------------


def _supplier_read(session: Session, supplier_id: int) -> dict[str, Any]:
    supplier = session.get(Supplier, supplier_id)
    return suppliers_to_read(session, [supplier])[0] if supplier else {}


@get("/suppliers/{supplier_id:int}", sync_to_thread=True, include_in_schema=False)
def supplier_page(request: Request[Any, Any, Any], supplier_id: int) -> Template:
    with unit_of_work(request) as (session, actor):
        supplier = read_one(session, SUPPLIER_SPEC, actor, supplier_id)
        tools = list_resources(
            session, TOOL_SPEC, actor, ListParams(per_page=200, sort="name", filters={"supplier_id": str(supplier_id)})
        ).items
        ctx = page_context(request, page_title=supplier["name"], nav_active="search", supplier=supplier, tools=tools)
    return Template("suppliers/public.html", context=ctx)


# --- the supplier directory -------------------------------------------------------------------


def _directory_params(request: Request[Any, Any, Any]) -> tuple[str, bool, str, int]:
    """(q, sme only, region, page) from the query string; a bad value is named in plain words."""
    params = request.query_params
    q = str(params.get("q") or "").strip()
    raw_page = str(params.get("page") or "1")
    region = str(params.get("region") or "")
    errors = {}
    if len(q) > 200:
        errors["q"] = "The supplier name must be 200 characters or fewer."
    if not raw_page.isdecimal() or not 1 <= int(raw_page) <= directory.MAX_PAGE:
        errors["page"] = f"The page number must be a whole number from 1 to {directory.MAX_PAGE:,}."
    if region and region not in REGIONS:
        errors["region"] = f"“{region[:40]}” is not a region. Choose one from the list."
    if errors:
        raise InvalidInput(next(iter(errors.values())), fields=errors)
    return q, str(params.get("sme") or "") == "true", region, int(raw_page)


@get("/suppliers", sync_to_thread=True, include_in_schema=False)
def supplier_directory(request: Request[Any, Any, Any]) -> Template:
    q, sme, region, page = _directory_params(request)
    with unit_of_work(request) as (session, _actor):
        everyone = directory.entries(session)
        found = directory.page_of(directory.search(everyone, q, sme=sme, region=region), page)

        def page_url(n: int) -> str:
            pairs = [("q", q), ("sme", "true" if sme else ""), ("region", region), ("page", str(n))]
            return "/suppliers?" + urlencode([(k, v) for k, v in pairs if v and not (k == "page" and v == "1")])

        ctx = page_context(
            request,
            page_title="Supplier directory" if not q else f"Suppliers: {q}",
            nav_active="search",
            q=q,
            sme=sme,
            region=region,
            regions=REGIONS,
            found=found,
            page_url=page_url,
            filtered=bool(q or sme or region),
            size_label=directory.size_label,
        )
    return Template("suppliers/directory.html", context=ctx)


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
            **editor_choices(),
        )
    return Template("suppliers/register.html", context=ctx, status_code=status)


@get("/register", include_in_schema=False, sync_to_thread=True)
def register_form(request: Request[Any, Any, Any]) -> Template:
    return _register_page(request, registration.form_values({}), {})


@post("/register", include_in_schema=False, sync_to_thread=True)
def register_submit(request: Request[Any, Any, Any], data: dict[str, Any] = FORM) -> Template:
    values = registration.form_values(data)
    confirmed = str(data.get("confirmed_distinct") or "") == "yes"
    try:
        reg = registration.parse_registration(data)
    except InvalidInput as exc:
        return _register_page(request, values, exc.fields, 400, confirmed)
    try:
        with unit_of_work(request) as (session, _actor):
            registration.register(
                session,
                reg,
                confirmed_distinct=confirmed,
                client=client_address(request),
                settings=request.app.state.settings,
            )
    except InvalidInput as exc:
        return _register_page(request, values, exc.fields, 400, confirmed)
    except TooManyRequests as exc:
        page = _register_page(request, values, {"email": exc.detail}, 429, confirmed)
        page.headers.update(exc.headers)
        return page
    except registration.PossibleDuplicates as dup:
        with unit_of_work(request):
            ctx = page_context(
                request,
                page_title="We may already have your organisation",
                values=values,
                matches=dup.matches,
                errors={},
            )
        return Template("suppliers/register_duplicates.html", context=ctx)
    # The same page whether or not the address already had an account (it is told by e-mail).
    with unit_of_work(request):
        ctx = page_context(request, page_title="Check your email", email=reg.email, reason="register")
    return Template("accounts/check_email.html", context=ctx)


@post("/register/claim", include_in_schema=False, sync_to_thread=True)
def register_claim(request: Request[Any, Any, Any], data: dict[str, Any] = FORM) -> Template:
    raw = str(data.get("supplier_id") or "")
    if not raw.isdecimal():
        raise InvalidInput("Choose the organisation to claim.")
    with unit_of_work(request) as (session, _actor):
        supplier = registration.record_claim(session, int(raw), data)
        ctx = page_context(
            request, page_title="We have your request", supplier_name=supplier.name, email=str(data.get("email") or "")
        )
    return Template("suppliers/register_claimed.html", context=ctx)


# --- dashboard --------------------------------------------------------------------------------


def _require_supplier(actor: Actor) -> int:
    actor.require_auth()
    if actor.role is not Role.SUPPLIER or actor.supplier_id is None:
        raise Forbidden("Only supplier accounts have a supplier dashboard.")
    return actor.supplier_id


def _attention(session: Session, tools: list[Tool]) -> list[dict[str, Any]]:
    """Listings to look at: out of date, accreditations expired or expiring soon (the rules are
    registry.tools.hygiene's, so the dashboard warns about exactly what the nightly job flags)."""
    now = today()
    items: list[dict[str, Any]] = []
    live = [t for t in tools if t.status != ToolStatus.RETIRED.value]
    published_on = publication.first_published(session, [require_id(t) for t in live])
    for t in live:
        first = published_on.get(require_id(t))
        # Only published listings go out of date for buyers (as in the nightly job); a draft's
        # review date is set again when it is submitted.
        if t.status == ToolStatus.PUBLISHED.value and hygiene.is_stale(t.last_reviewed, first, now):
            text = f"{formatting.upper_first(hygiene.checked_text(t.last_reviewed, first))}: check and save it"
            items.append({"tool": t, "kind": "stale", "text": text})
    by_id = {t.id: t for t in live}
    if by_id:
        accs = session.execute(
            select(Accreditation)
            .where(
                col(Accreditation.tool_id).in_(list(by_id)),
                col(Accreditation.expires_on).is_not(None),
                col(Accreditation.expires_on) <= hygiene.warning_horizon(now),
            )
            .order_by(col(Accreditation.expires_on))
        ).scalars()
        for a in accs:
            state = hygiene.accreditation_state(a.expires_on, now)
            when = formatting.long_date(a.expires_on)
            text = f"{a.name} expired on {when}" if state == "expired" else f"{a.name} expires on {when}"
            items.append({"tool": by_id[a.tool_id], "kind": state, "text": text})
    return items


@get("/supplier/dashboard", include_in_schema=False, sync_to_thread=True)
def dashboard(request: Request[Any, Any, Any]) -> Template:
    with unit_of_work(request) as (session, actor):
        supplier_id = _require_supplier(actor)
        supplier = session.get(Supplier, supplier_id)
        tools = list(
            session.execute(
                select(Tool)
                .where(col(Tool.supplier_id) == supplier_id)
                .order_by(col(Tool.updated_at).desc(), col(Tool.id))
            ).scalars()
        )
        ctx = page_context(
            request,
            page_title="Your listings",
            nav_active="supplier",
            supplier=supplier,
            tools=tools,
            attention=_attention(session, tools),
            returned=[t for t in tools if t.moderator_feedback],
            email_problem=supplier_email_problem(session, supplier.organisation_id) if supplier else None,
        )
    return Template("suppliers/dashboard.html", context=ctx)


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


def _own_supplier(session: Session, actor: Actor) -> Supplier:
    supplier = session.get(Supplier, _require_supplier(actor))
    if supplier is None:
        raise NotFound("Your supplier record no longer exists.")
    return supplier


@get("/supplier/organisation", include_in_schema=False, sync_to_thread=True)
def organisation_form(request: Request[Any, Any, Any]) -> Template:
    with unit_of_work(request) as (session, actor):
        supplier = _own_supplier(session, actor)
        ctx = page_context(
            request,
            page_title="Your organisation's details",
            nav_active="supplier",
            values=_supplier_values(supplier),
            errors={},
            **editor_choices(),
        )
    return Template("suppliers/organisation.html", context=ctx)


def _supplier_update(data: dict[str, Any]) -> SupplierUpdate:
    clearances = data.get("clearances") or []
    payload: dict[str, Any] = {
        k: str(data.get(k) or "").strip() for k in ("name", "address", "region", "size_band", "contact_name")
    }
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


@post("/supplier/organisation", include_in_schema=False, sync_to_thread=True)
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
        supplier = _own_supplier(session, actor)
        values = {**_supplier_values(supplier), **registration.form_values(data)}
        values.update(companies_house_number=supplier.companies_house_number, version=supplier.version)
        ctx = page_context(
            request,
            page_title="Your organisation's details",
            nav_active="supplier",
            values=values,
            errors=errors,
            **editor_choices(),
        )
    return Template("suppliers/organisation.html", context=ctx, status_code=400)


ROUTES: list[Any] = [
    supplier_directory,
    supplier_page,
    register_form,
    register_submit,
    register_claim,
    dashboard,
    organisation_form,
    organisation_save,
]
