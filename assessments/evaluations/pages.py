"""Evaluation pages: list and create from a shortlist; criteria, prices, scores and results.

Forms post back to the evaluation; on a validation error the page is re-rendered with status
400, an error summary and every typed value kept.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlalchemy.orm import Session

from assessments.evaluations import services
from assessments.evaluations.scoring import KIND_LABELS
from assessments.reports.procurement_report import sensitivity_sentences
from registry.actor import Actor
from registry.errors import Conflict, InvalidInput
from registry.shortlists import services as shortlists
from registry.web.context import flash, page_context
from registry.web.deps import unit_of_work
from registry.web.forms import one as _one

FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
BLANK_CRITERIA_ROWS = 2


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", "").replace("£", "")) if text else None
    except ValueError:
        return None


# ---------------------------------------------------------------- list and create


def _index(
    request: Request[Any, Any, Any],
    session: Session,
    actor: Actor,
    errors: dict[str, str],
    values: dict[str, str],
    status: int = 200,
) -> Template:
    actor.require_role(*services.READ_ROLES)
    own = shortlists.list_for(session, actor) if actor.role in shortlists.SHORTLIST_ROLES else []
    return Template(
        "evaluations/index.html",
        status_code=status,
        context=page_context(
            request,
            page_title="Evaluations",
            nav_active="evaluations",
            evaluations=services.list_for(session, actor),
            shortlists=[(str(s.id), f"{s.name} ({s.item_count} tools)") for s in own],
            errors=errors,
            values=values,
            can_create=actor.is_admin or actor.role in services.WRITE_ROLES,
        ),
    )


@get("/evaluations", sync_to_thread=True, include_in_schema=False)
def evaluation_index(request: Request[Any, Any, Any]) -> Template:
    preselect = str(request.query_params.get("shortlist_id") or "")[:20]
    with unit_of_work(request) as (session, actor):
        return _index(request, session, actor, {}, {"price_years": "3", "shortlist_id": preselect})


@post("/evaluations", sync_to_thread=True, include_in_schema=False)
def evaluation_create(request: Request[Any, Any, Any], data: dict[str, Any] = FORM) -> Template | Redirect:
    values = {k: _one(data, k) for k in ("name", "shortlist_id", "price_years")}
    errors: dict[str, str] = {}
    shortlist_id = int(values["shortlist_id"]) if values["shortlist_id"].isdecimal() else None
    if shortlist_id is None:
        errors["shortlist_id"] = "Choose a shortlist"
    years = int(values["price_years"]) if values["price_years"].isdecimal() else None
    if years is None:
        errors["price_years"] = "Enter the number of years as a whole number, like 3"
    with unit_of_work(request) as (session, actor):
        if not errors:
            try:
                evaluation = services.create(
                    session, actor, name=values["name"], shortlist_id=shortlist_id, price_years=years or 3
                )
            except InvalidInput as exc:
                errors = exc.fields or {"name": exc.detail}
            else:
                flash(request, f"Created evaluation “{evaluation.name}”. Check the criteria and prices, then score.")
                return Redirect(path=f"/evaluations/{evaluation.id}")
        elif not values["name"]:
            errors = {"name": "Enter a name for the evaluation", **errors}
        return _index(request, session, actor, errors, values, status=400)


# ---------------------------------------------------------------- one evaluation


def _detail(
    request: Request[Any, Any, Any],
    session: Session,
    actor: Actor,
    evaluation_id: str,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    form: str = "",
    status: int = 200,
) -> Template:
    d = services.detail(session, actor, evaluation_id)
    names = {t.tool_id: t.name for t in d.tools}
    labels = {c.key: c.label for c in d.criteria}
    result = d.outcome.result
    missing = sum(1 for p in d.outcome.problems if " still needs " in p)
    ctx = page_context(
        request,
        page_title=d.evaluation.name,
        nav_active="evaluations",
        d=d,
        ev=d.evaluation,
        result=result,
        names=names,
        labels=labels,
        kind_labels=KIND_LABELS,
        kinds=list(KIND_LABELS.items()),
        sensitivity=sensitivity_sentences(result, names, labels) if result else [],
        scored=[c for c in d.criteria if c.kind != "price"],
        missing_tools=missing,
        blank_rows=BLANK_CRITERIA_ROWS,
        errors=errors or {},
        values=values or {},
        form=form,
        weight_total=sum(c.weight for c in d.criteria),
    )
    return Template("evaluations/detail.html", context=ctx, status_code=status)


@get("/evaluations/{evaluation_id:str}", sync_to_thread=True, include_in_schema=False)
def evaluation_detail(request: Request[Any, Any, Any], evaluation_id: str) -> Template:
    with unit_of_work(request) as (session, actor):
        return _detail(request, session, actor, evaluation_id)


def _rerender(
    request: Request[Any, Any, Any], evaluation_id: str, exc: InvalidInput | Conflict, values: dict[str, str], form: str
) -> Template:
    # The failed transaction has rolled back; render from a fresh one.
    errors = exc.fields or {form: exc.detail}
    with unit_of_work(request) as (session, actor):
        return _detail(request, session, actor, evaluation_id, errors, values, form, status=400)


@post("/evaluations/{evaluation_id:str}/criteria", sync_to_thread=True, include_in_schema=False)
def evaluation_criteria(
    request: Request[Any, Any, Any], evaluation_id: str, data: dict[str, Any] = FORM
) -> Template | Redirect:
    values = {k: _one(data, k) for k in data}
    rows = int(values.get("rows", "0")) if values.get("rows", "0").isdecimal() else 0
    items = []
    for i in range(min(rows, services.MAX_CRITERIA + BLANK_CRITERIA_ROWS)):
        label, weight = values.get(f"criteria-{i}-label", ""), values.get(f"criteria-{i}-weight", "")
        if not label and not weight:
            continue  # a blank row (or one cleared to remove it)
        number = _number(weight)
        items.append(
            services.CriterionInput(
                label=label,
                kind=values.get(f"criteria-{i}-kind", ""),
                weight=number if weight else None,
                key=values.get(f"criteria-{i}-key", ""),
            )
        )
    version = int(values["version"]) if values.get("version", "").isdecimal() else None
    try:
        with unit_of_work(request) as (session, actor):
            services.set_criteria(session, actor, evaluation_id, items, version)
    except (InvalidInput, Conflict) as exc:
        return _rerender(request, evaluation_id, _renumber(exc, values, rows), values, "criteria")
    flash(request, "Criteria saved.")
    return Redirect(path=f"/evaluations/{evaluation_id}#criteria")


def _renumber(exc: InvalidInput | Conflict, values: dict[str, str], rows: int) -> InvalidInput | Conflict:
    """Service errors count only non-blank rows; map them back to the form's row numbers."""
    if not isinstance(exc, InvalidInput):
        return exc
    used = [i for i in range(rows) if values.get(f"criteria-{i}-label") or values.get(f"criteria-{i}-weight")]
    fields = {}
    for key, msg in exc.fields.items():
        parts = key.split("-")
        if parts[0] == "criteria" and len(parts) == 3 and parts[1].isdecimal() and int(parts[1]) < len(used):
            key = f"criteria-{used[int(parts[1])]}-{parts[2]}"
        fields[key] = msg
    return InvalidInput(exc.detail, fields=fields)


@post("/evaluations/{evaluation_id:str}/prices", sync_to_thread=True, include_in_schema=False)
def evaluation_prices(
    request: Request[Any, Any, Any], evaluation_id: str, data: dict[str, Any] = FORM
) -> Template | Redirect:
    values = {k: _one(data, k) for k in data}
    prices = {
        int(k.removeprefix("price-")): _number(v)
        for k, v in values.items()
        if k.startswith("price-") and k.removeprefix("price-").isdecimal()
    }
    try:
        with unit_of_work(request) as (session, actor):
            services.set_prices(session, actor, evaluation_id, prices)
    except (InvalidInput, Conflict) as exc:
        return _rerender(request, evaluation_id, exc, values, "prices")
    flash(request, "Prices saved.")
    return Redirect(path=f"/evaluations/{evaluation_id}#prices")


@post("/evaluations/{evaluation_id:str}/scores", sync_to_thread=True, include_in_schema=False)
def evaluation_scores(
    request: Request[Any, Any, Any], evaluation_id: str, data: dict[str, Any] = FORM
) -> Template | Redirect:
    values = {k: _one(data, k) for k in data}
    items, unreadable = [], []
    for key, text in values.items():
        if not key.startswith("score-"):
            continue
        tool, _, criterion = key.removeprefix("score-").partition("-")
        if not tool.isdecimal():
            continue
        number = _number(text)
        if text and number is None:
            unreadable.append(key)  # the service words the error; every typed value is re-shown
            continue
        items.append(services.ScoreInput(int(tool), criterion, number, values.get(f"reason-{tool}-{criterion}", "")))
    try:
        with unit_of_work(request) as (session, actor):
            changed = services.set_scores(session, actor, evaluation_id, items, unreadable=unreadable)
    except (InvalidInput, Conflict) as exc:
        return _rerender(request, evaluation_id, exc, values, "scores")
    flash(request, f"Scores saved ({changed} changed)." if changed else "No scores changed.")
    return Redirect(path=f"/evaluations/{evaluation_id}#results")


@post("/evaluations/{evaluation_id:str}/finalise", sync_to_thread=True, include_in_schema=False)
def evaluation_finalise(
    request: Request[Any, Any, Any], evaluation_id: str, data: dict[str, Any] = FORM
) -> Template | Redirect:
    try:
        with unit_of_work(request) as (session, actor):
            services.finalise(session, actor, evaluation_id)
    except (InvalidInput, Conflict) as exc:
        return _rerender(request, evaluation_id, exc, {}, "finalise")
    flash(request, "The evaluation is now final.")
    return Redirect(path=f"/evaluations/{evaluation_id}")


ROUTES: list[Any] = [
    evaluation_index,
    evaluation_create,
    evaluation_detail,
    evaluation_criteria,
    evaluation_prices,
    evaluation_scores,
    evaluation_finalise,
]
