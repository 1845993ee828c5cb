"""The capability lead's workforce skills (how many people hold each skill at what level)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from registry import resources
from registry.accounts.scope import lead_org, org_name, own_record, save_own_record, version_to_show
from registry.actor import Actor
from registry.errors import InvalidInput
from registry.skills.models import Skill, SkillHolding
from registry.skills.schemas import HoldingCreate, HoldingUpdate
from registry.skills.services import HOLDING_SPEC
from registry.web.confirm import Confirmation, confirm_page
from registry.web.context import flash, page_context
from registry.web.deps import unit_of_work
from registry.web.forms import FORM, form_version, text, validate_form

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
    stmt = HOLDING_SPEC.scope(actor, select(SkillHolding)).where(col(SkillHolding.organisation_id) == org_id)
    rows = list(session.execute(stmt).scalars())
    items = sorted(HOLDING_SPEC.to_read(session, rows), key=lambda h: (h["skill_name"], h["level"]))
    skills = (
        session.execute(select(Skill).where(col(Skill.retired).is_(False)).order_by(col(Skill.name))).scalars().all()
    )
    ctx = page_context(
        request,
        page_title="Workforce skills",
        nav_active="workforce",
        items=items,
        skill_options=[(s.code, s.name) for s in skills],
        level_options=[(str(n), f"Level {n}") for n in range(1, 8)],
        values=values,
        errors=errors,
        org_name=org_name(session, org_id),
        total_people=sum(h["people"] for h in items),
    )
    return Template("skills/workforce.html", context=ctx, status_code=status)


@get("/workforce", include_in_schema=False, sync_to_thread=True)
def workforce(request: Request[Any, Any, Any], org: str | None = None) -> Template:
    with unit_of_work(request) as (session, actor):
        return _workforce_page(request, session, actor, lead_org(actor, org), {}, {})


HOLDING_MESSAGES = {
    "skill_code": "Select a skill",
    "level": "Select a level from 1 to 7",
    "people": "Enter the number of people as a whole number",
}


@post("/workforce", include_in_schema=False, sync_to_thread=True)
def workforce_add(request: Request[Any, Any, Any], data: dict[str, Any] = FORM) -> Template | Redirect:
    values = {k: text(data, k) for k in ("skill_code", "level", "people")}
    try:
        create = validate_form(HoldingCreate, {k: v or None for k, v in values.items()}, HOLDING_MESSAGES)
        with unit_of_work(request) as (session, actor):
            lead_org(actor)
            resources.create_resource(session, HOLDING_SPEC, actor, create)
    except InvalidInput as exc:
        with unit_of_work(request) as (session, actor):
            return _workforce_page(
                request, session, actor, lead_org(actor), values, exc.fields or {"skill_code": exc.detail}, 400
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
    return Template("skills/workforce_edit.html", context=ctx, status_code=status)


@get("/workforce/{holding_id:int}/edit", include_in_schema=False, sync_to_thread=True)
def workforce_edit_form(request: Request[Any, Any, Any], holding_id: int) -> Template:
    with unit_of_work(request) as (session, actor):
        row = own_record(session, actor, HOLDING_SPEC, holding_id)
        values = {"level": str(row.level), "people": str(row.people), "version": row.version}
        return _holding_form(request, session, row, values, {})


@post("/workforce/{holding_id:int}/edit", include_in_schema=False, sync_to_thread=True)
def workforce_update(
    request: Request[Any, Any, Any], holding_id: int, data: dict[str, Any] = FORM
) -> Template | Redirect:
    values: dict[str, Any] = {k: text(data, k) for k in ("level", "people")}
    errors = save_own_record(
        request,
        HOLDING_SPEC,
        holding_id,
        lambda: validate_form(
            HoldingUpdate,
            {"level": values["level"] or None, "people": values["people"] or None, "version": form_version(data)},
            HOLDING_MESSAGES,
        ),
        field="people",
    )
    if not errors:
        flash(request, "Skill saved.")
        return Redirect(path="/workforce")
    with unit_of_work(request) as (session, actor):
        row = own_record(session, actor, HOLDING_SPEC, holding_id)
        values["version"] = version_to_show(row.version, errors, "people", data)
        return _holding_form(request, session, row, values, errors, 400)


@get("/workforce/{holding_id:int}/remove", include_in_schema=False, sync_to_thread=True)
def workforce_remove_confirm(request: Request[Any, Any, Any], holding_id: int) -> Template:
    with unit_of_work(request) as (session, actor):
        row = own_record(session, actor, HOLDING_SPEC, holding_id)
        shown = HOLDING_SPEC.to_read(session, [row])[0]
        what = f"{shown['skill_name']} at level {shown['level']}"
        return confirm_page(
            request,
            Confirmation(
                question=f"Are you sure you want to remove {what}?",
                warning="The people holding this skill will no longer count in gap assessments.",
                action=f"/workforce/{holding_id}/remove",
                button=f"Yes, remove {shown['skill_name']}",
                cancel="/workforce",
                caption="Workforce skills",
            ),
            nav_active="workforce",
        )


@post("/workforce/{holding_id:int}/remove", include_in_schema=False, sync_to_thread=True)
def workforce_remove(request: Request[Any, Any, Any], holding_id: int) -> Redirect:
    with unit_of_work(request) as (session, actor):
        own_record(session, actor, HOLDING_SPEC, holding_id)
        resources.remove_resource(session, HOLDING_SPEC, actor, holding_id)
    flash(request, "Skill removed.")
    return Redirect(path="/workforce")


ROUTES: list[Any] = [
    workforce,
    workforce_add,
    workforce_edit_form,
    workforce_update,
    workforce_remove_confirm,
    workforce_remove,
]
