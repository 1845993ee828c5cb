"""Gap assessment pages: list and create, the assessment with its latest results, a run, compare
two runs, and the scope editor. Numbers and dates are written by the template filters
(registry.web.templating), labels come from registry.enums."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from assessments import services
from assessments.models import Assessment, AssessmentRun
from assessments.schemas import AssessmentCreate, AssessmentUpdate
from assessments.views import HELPERS, SCHEDULES, requirement_count, results_view, scope_rows
from registry import resources
from registry.accounts.models import Organisation
from registry.actor import Actor
from registry.db_types import require_id
from registry.enums import WORKSTREAMS, Classification, OrgKind, Role
from registry.errors import Conflict, Forbidden, InvalidInput, NotFound, PreconditionFailed
from registry.formatting import date_time, pct
from registry.web.context import flash, page_context
from registry.web.deps import unit_of_work
from registry.web.forms import FORM, VARY, is_htmx
from registry.web.forms import many as _many
from registry.web.forms import one as _one

# One plain-English message per form field, whatever rule the schema says was broken.
FIELD_MESSAGES = {
    "name": "Enter a name for the assessment, up to 200 characters",
    "workstreams": "Select workstreams from the list",
    "budget_capital": "Capital budget must be between £0 and £1,000,000,000",
    "budget_annual": "Annual budget must be between £0 and £1,000,000,000",
    "max_suppliers": "Maximum number of suppliers must be a whole number from 1 to 1,000",
    "min_sme_share": "Minimum SME share must be between 0% and 100%",
    "min_classification": "Select a minimum classification from the list",
    "schedule": "Select how often to run the assessment",
    "organisation_id": "Select the organisation that owns the assessment",
}
NUMBER_EXAMPLES = {"budget_capital": "250000", "budget_annual": "50000", "max_suppliers": "3", "min_sme_share": "30"}
FIELD_LABELS = {
    "budget_capital": "Capital budget",
    "budget_annual": "Annual budget",
    "max_suppliers": "Maximum number of suppliers",
    "min_sme_share": "Minimum SME share",
}


# --- permissions --------------------------------------------------------------------------------


def _require_member(actor: Actor) -> None:
    """Anonymous visitors are asked to sign in; other roles get a plain 404 (nothing to see)."""
    actor.require_auth()
    if not actor.is_admin and (actor.role not in services.READ_ROLES or actor.organisation_id is None):
        raise NotFound("Page not found.")


def _can_create(actor: Actor) -> bool:
    return actor.is_admin or actor.role is Role.CAPABILITY_LEAD


# --- form parsing -------------------------------------------------------------------------------


def _number(text: str, key: str, errors: dict[str, str], *, integer: bool = False) -> float | int | None:
    cleaned = text.replace("£", "").replace(",", "").replace("%", "").strip()
    if not cleaned:
        return None
    try:
        number = float(cleaned)
    except ValueError:
        errors[key] = f"Enter {FIELD_LABELS[key].lower()} as a number, like {NUMBER_EXAMPLES[key]}"
        return None
    if number != number or number in (float("inf"), float("-inf")):  # NaN or infinite
        errors[key] = f"Enter {FIELD_LABELS[key].lower()} as a number, like {NUMBER_EXAMPLES[key]}"
        return None
    if integer:
        if not number.is_integer():
            errors[key] = FIELD_MESSAGES[key]
            return None
        return int(number)
    return number


FORM_KEYS = (
    "name",
    "budget_capital",
    "budget_annual",
    "max_suppliers",
    "min_sme_share",
    "min_classification",
    "schedule",
    "organisation_id",
)


def form_values(data: dict[str, Any]) -> dict[str, Any]:
    """What the person typed, kept as text so a re-rendered form shows it unchanged."""
    values: dict[str, Any] = {k: _one(data, k) for k in FORM_KEYS}
    values["workstreams"] = _many(data, "workstreams")
    return values


def parse_scope(values: dict[str, Any], *, is_admin: bool, creating: bool) -> tuple[dict[str, Any], dict[str, str]]:
    """Form text -> schema payload and field errors (keyed by form field name)."""
    errors: dict[str, str] = {}
    payload: dict[str, Any] = {
        "name": values["name"],
        "workstreams": values["workstreams"],
        "schedule": values["schedule"],
        "min_classification": values["min_classification"] or None,
    }
    if not values["schedule"] and not creating:
        del payload["schedule"]  # editing: a form without the question leaves the schedule as it is
    capital = _number(values["budget_capital"], "budget_capital", errors)
    annual = _number(values["budget_annual"], "budget_annual", errors)
    payload["budget_capital"] = capital if capital is not None else 0.0
    payload["budget_annual"] = annual if annual is not None else 0.0
    payload["max_suppliers"] = _number(values["max_suppliers"], "max_suppliers", errors, integer=True)
    share = _number(values["min_sme_share"], "min_sme_share", errors)
    if share is not None and not 0 <= share <= 100:
        errors["min_sme_share"] = FIELD_MESSAGES["min_sme_share"]
    payload["min_sme_share"] = None if share is None else share / 100
    if creating and is_admin:
        org = values["organisation_id"]
        if not org.isdecimal():
            errors["organisation_id"] = FIELD_MESSAGES["organisation_id"]
        else:
            payload["organisation_id"] = int(org)
    schema = AssessmentCreate if creating else AssessmentUpdate
    try:
        schema.model_validate(payload)
    except ValidationError as exc:
        for err in exc.errors():
            key = str(err["loc"][0]) if err["loc"] else "name"
            errors.setdefault(key, FIELD_MESSAGES.get(key, str(err["msg"])))
    # Show errors in the order the fields appear on the form.
    order = [
        "organisation_id",
        "name",
        "workstreams",
        "budget_capital",
        "budget_annual",
        "max_suppliers",
        "min_sme_share",
        "min_classification",
        "schedule",
    ]
    return payload, {k: errors[k] for k in sorted(errors, key=lambda k: order.index(k) if k in order else 99)}


def values_of(a: Assessment) -> dict[str, Any]:
    def num(v: float | None) -> str:
        return "" if v is None else f"{v:g}"

    return {
        "name": a.name,
        "workstreams": list(a.workstreams or []),
        "budget_capital": num(a.budget_capital),
        "budget_annual": num(a.budget_annual),
        "max_suppliers": num(a.max_suppliers),
        "min_sme_share": "" if a.min_sme_share is None else f"{a.min_sme_share * 100:g}",
        "min_classification": a.min_classification or "",
        "schedule": a.schedule,
        "organisation_id": str(a.organisation_id),
    }


def _form_choices(session: Session, actor: Actor) -> dict[str, Any]:
    orgs: list[tuple[str, str]] = []
    if actor.is_admin:
        rows = session.execute(
            select(Organisation).where(col(Organisation.kind) == OrgKind.BUYER.value).order_by(col(Organisation.name))
        ).scalars()
        orgs = [(str(o.id), o.name) for o in rows]
    return {
        "workstream_options": list(WORKSTREAMS.items()),
        "classification_options": Classification.choices(),
        "schedule_options": SCHEDULES,
        "organisation_options": orgs,
    }


# --- list and create ----------------------------------------------------------------------------


def _index(
    request: Request[Any, Any, Any],
    session: Session,
    actor: Actor,
    *,
    errors: dict[str, str],
    values: dict[str, Any],
    status: int = 200,
) -> Template:
    rows = list(
        session.execute(services.scope(actor, select(Assessment)).order_by(col(Assessment.created_at).desc())).scalars()
    )
    items = services.to_read(session, rows)
    org_names: dict[int, str] = {}
    if actor.is_admin and rows:
        ids = {a.organisation_id for a in rows}
        org_names = {
            require_id(o): o.name
            for o in session.execute(select(Organisation).where(col(Organisation.id).in_(ids))).scalars()
        }
    ctx = page_context(
        request,
        page_title="Gap assessments",
        nav_active="assessments",
        errors=errors,
        values=values,
        assessments=items,
        org_names=org_names,
        can_create=_can_create(actor),
        is_admin=actor.is_admin,
        **_form_choices(session, actor),
        **HELPERS,
    )
    return Template("assessments/index.html", context=ctx, status_code=status)


EMPTY_VALUES = {
    "name": "",
    "workstreams": [],
    "budget_capital": "",
    "budget_annual": "",
    "max_suppliers": "",
    "min_sme_share": "",
    "min_classification": "",
    "schedule": "",  # chosen by the person, never in advance
    "organisation_id": "",
}


@get("/assessments", sync_to_thread=True, include_in_schema=False)
def assessment_index(request: Request[Any, Any, Any]) -> Template:
    with unit_of_work(request) as (session, actor):
        _require_member(actor)
        return _index(request, session, actor, errors={}, values=dict(EMPTY_VALUES))


@post("/assessments", sync_to_thread=True, include_in_schema=False)
def assessment_create(request: Request[Any, Any, Any], data: dict[str, Any] = FORM) -> Template | Redirect:
    values = form_values(data)
    with unit_of_work(request) as (session, actor):
        _require_member(actor)
        if not _can_create(actor):
            raise Forbidden("Only capability leads can create assessments.")
        payload, errors = parse_scope(values, is_admin=actor.is_admin, creating=True)
        if not errors:
            try:
                created = resources.create_resource(session, services.SPEC, actor, AssessmentCreate(**payload))
            except InvalidInput as exc:
                errors = dict(exc.fields) or {"name": exc.detail}
            else:
                flash(request, f"Created assessment “{created['name']}”. Run it to see your gaps.")
                return Redirect(path=f"/assessments/{created['id']}")
    with unit_of_work(request) as (session, actor):
        return _index(request, session, actor, errors=errors, values=values, status=400)


# --- one assessment -----------------------------------------------------------------------------


def _detail_context(
    request: Request[Any, Any, Any],
    session: Session,
    actor: Actor,
    assessment: Assessment,
    run: AssessmentRun | None,
    **extra: Any,
) -> dict[str, Any]:
    runs = services.runs(session, actor, assessment.id)
    if run is None and runs:
        run = runs[0]
    return page_context(
        request,
        page_title=assessment.name,
        nav_active="assessments",
        assessment=assessment,
        can_write=services.can_write(session, actor, assessment),
        scope_rows=scope_rows(assessment, requirement_count(session, assessment)),
        view=results_view(assessment, run, runs),
        **HELPERS,
        **extra,
    )


@get("/assessments/{assessment_id:str}", sync_to_thread=True, include_in_schema=False)
def assessment_detail(request: Request[Any, Any, Any], assessment_id: str) -> Template:
    with unit_of_work(request) as (session, actor):
        actor.require_auth()
        assessment = services.get_visible(session, actor, assessment_id)
        ctx = _detail_context(request, session, actor, assessment, None)
        name = "assessments/_results.html" if is_htmx(request) else "assessments/detail.html"
        return Template(name, context=ctx, headers=VARY)


@post("/assessments/{assessment_id:str}/runs", sync_to_thread=True, include_in_schema=False)
def assessment_run(request: Request[Any, Any, Any], assessment_id: str) -> Template | Redirect:
    with unit_of_work(request) as (session, actor):
        actor.require_auth()
        assessment = services.get_visible(session, actor, assessment_id)
        row = services.run(session, actor, assessment)
        if is_htmx(request):
            ctx = _detail_context(request, session, actor, assessment, row, just_ran=True)
            return Template("assessments/_results.html", context=ctx, headers=VARY)
        flash(request, f"Assessment run: weighted coverage score {pct(row.overall_score, digits=1)}.")
        return Redirect(path=f"/assessments/{assessment.id}")


@get("/assessments/{assessment_id:str}/runs/{run_id:str}", sync_to_thread=True, include_in_schema=False)
def assessment_run_detail(request: Request[Any, Any, Any], assessment_id: str, run_id: str) -> Template:
    with unit_of_work(request) as (session, actor):
        actor.require_auth()
        assessment = services.get_visible(session, actor, assessment_id)
        row = services.get_run(session, actor, run_id)
        if row.assessment_id != assessment.id:
            raise NotFound("No such assessment run.")
        ctx = _detail_context(request, session, actor, assessment, row)
        ctx["page_title"] = f"{assessment.name}: run of {date_time(row.run_at)}"
        name = "assessments/_results.html" if is_htmx(request) else "assessments/run.html"
        return Template(name, context=ctx, headers=VARY)


@get("/assessments/{assessment_id:str}/compare", sync_to_thread=True, include_in_schema=False)
def assessment_compare(request: Request[Any, Any, Any], assessment_id: str) -> Template:
    # ?from=&to= ("from" is a Python keyword, so the query string is read directly); either may be
    # left out: "to" defaults to the latest run and "from" to the run before it.
    from_id = request.query_params.get("from")
    to_id = request.query_params.get("to")
    with unit_of_work(request) as (session, actor):
        actor.require_auth()
        assessment = services.get_visible(session, actor, assessment_id)
        runs = services.runs(session, actor, assessment.id)
        by_id = {r.id: r for r in runs}
        if not to_id and runs:
            to_id = runs[0].id
        if not from_id and to_id in by_id:
            position = [r.id for r in runs].index(to_id)
            from_id = runs[position + 1].id if position + 1 < len(runs) else None
        if not from_id or not to_id or from_id not in by_id or to_id not in by_id:
            raise NotFound("There are not two runs of this assessment to compare.")
        before, after = by_id[from_id], by_id[to_id]
        change = services.diff_runs(session, actor, before.id, after.id)
        titles = {c["requirement_code"]: c["title"] for c in before.result.get("coverage", [])}
        titles.update({c["requirement_code"]: c["title"] for c in after.result.get("coverage", [])})
        ctx = page_context(
            request,
            page_title=f"{assessment.name}: compare runs",
            nav_active="assessments",
            assessment=assessment,
            before=before,
            after=after,
            change=change,
            titles=titles,
            **HELPERS,
        )
        name = "assessments/_compare_body.html" if is_htmx(request) else "assessments/compare.html"
        return Template(name, context=ctx, headers=VARY)


# --- change the scope ---------------------------------------------------------------------------


def _edit(
    request: Request[Any, Any, Any],
    session: Session,
    actor: Actor,
    assessment: Assessment,
    *,
    values: dict[str, Any],
    errors: dict[str, str],
    version: int,
    status: int = 200,
) -> Template:
    ctx = page_context(
        request,
        page_title=f"Change {assessment.name}",
        nav_active="assessments",
        assessment=assessment,
        values=values,
        errors=errors,
        version=version,
        **_form_choices(session, actor),
        **HELPERS,
    )
    return Template("assessments/edit.html", context=ctx, status_code=status)


def _writable(session: Session, actor: Actor, assessment_id: str) -> Assessment:
    actor.require_auth()
    assessment = services.get_visible(session, actor, assessment_id)
    if not services.can_write(session, actor, assessment):
        raise Forbidden("Only the organisation's capability leads can change this assessment.")
    return assessment


@get("/assessments/{assessment_id:str}/edit", sync_to_thread=True, include_in_schema=False)
def assessment_edit_form(request: Request[Any, Any, Any], assessment_id: str) -> Template:
    with unit_of_work(request) as (session, actor):
        assessment = _writable(session, actor, assessment_id)
        return _edit(
            request, session, actor, assessment, values=values_of(assessment), errors={}, version=assessment.version
        )


@post("/assessments/{assessment_id:str}/edit", sync_to_thread=True, include_in_schema=False)
def assessment_edit(
    request: Request[Any, Any, Any], assessment_id: str, data: dict[str, Any] = FORM
) -> Template | Redirect:
    values = form_values(data)
    version_text = _one(data, "version")
    version = int(version_text) if version_text.isdecimal() else 0
    errors: dict[str, str] = {}
    status = 400
    with unit_of_work(request) as (session, actor):
        assessment = _writable(session, actor, assessment_id)
        payload, errors = parse_scope(values, is_admin=actor.is_admin, creating=False)
        if not errors:
            try:
                resources.update_resource(
                    session,
                    services.SPEC,
                    actor,
                    assessment.id,
                    AssessmentUpdate(**payload, version=version),
                    if_match=None,
                )
            except (Conflict, PreconditionFailed):
                errors = {
                    "name": "Someone else changed this assessment while you were editing it. "
                    "Check the current settings below and make your change again."
                }
                status = 409
            except InvalidInput as exc:
                errors = dict(exc.fields) or {"name": exc.detail}
            else:
                flash(request, "Assessment settings saved. Run the assessment to apply them.")
                return Redirect(path=f"/assessments/{assessment.id}")
    with unit_of_work(request) as (session, actor):
        current = services.get_visible(session, actor, assessment_id)
        shown = values_of(current) if status == 409 else values
        return _edit(
            request, session, actor, current, values=shown, errors=errors, version=current.version, status=status
        )


ROUTES: list[Any] = [
    assessment_index,
    assessment_create,
    assessment_detail,
    assessment_run,
    assessment_run_detail,
    assessment_compare,
    assessment_edit_form,
    assessment_edit,
]
