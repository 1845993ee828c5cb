"""Skills framework (admin-edited) and each organisation's workforce skill holdings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import false, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlmodel import col

from registry.actor import Actor
from registry.db_types import require_id
from registry.enums import Role
from registry.errors import InvalidInput
from registry.resources import FilterSpec, ResourceSpec
from registry.skills.models import Skill, SkillHolding
from registry.skills.schemas import (
    HoldingCreate,
    HoldingRead,
    HoldingUpdate,
    SkillCreate,
    SkillRead,
    SkillUpdate,
)


def skill_by_code(session: Session, code: str, field: str = "skill_code") -> Skill:
    skill = session.execute(select(Skill).where(col(Skill.code) == code)).scalar_one_or_none()
    if skill is None:
        raise InvalidInput(f"Unknown skill code {code}.", fields={field: "unknown skill"})
    return skill


def skills_by_codes(session: Session, codes: Sequence[str], field: str) -> dict[str, Skill]:
    found = {s.code: s for s in session.execute(select(Skill).where(col(Skill.code).in_(set(codes)))).scalars()}
    missing = sorted(set(codes) - set(found))
    if missing:
        raise InvalidInput(f"Unknown skill code(s): {', '.join(missing)}.", fields={field: "unknown skill"})
    return found


def _skill_read(_s: Session, rows: Sequence[Skill]) -> list[dict[str, Any]]:
    return [SkillRead.model_validate(r, from_attributes=True).model_dump() for r in rows]


def _skill_create(session: Session, actor: Actor, data: SkillCreate) -> Skill:
    actor.require_role(Role.MODERATOR)
    if session.execute(select(col(Skill.id)).where(col(Skill.code) == data.code)).first():
        raise InvalidInput(f"Skill code {data.code} is already used.", fields={"code": "already used"})
    skill = Skill(**data.model_dump())
    session.add(skill)
    return skill


def _apply(obj: Any, data: Any) -> None:
    for key, value in data.model_dump(exclude_unset=True, exclude={"version"}).items():
        setattr(obj, key, value)


SKILL_SPEC: ResourceSpec[Skill, SkillCreate, SkillUpdate] = ResourceSpec(
    name="skills",
    entity_type="skill",
    model=Skill,
    read_schema=SkillRead,
    create_schema=SkillCreate,
    update_schema=SkillUpdate,
    to_read=_skill_read,
    create=_skill_create,
    apply_update=lambda _s, _a, obj, data: _apply(obj, data),
    scope=lambda _actor, stmt: stmt,
    listing=True,  # tool read models and search docs carry skill codes and names
    can_write=lambda _s, actor, _obj: actor.is_staff,
    retire=lambda _s, _a, obj: setattr(obj, "retired", True),
    filters={
        "category": FilterSpec("category", "eq"),
        "retired": FilterSpec("retired", "bool"),
        "q": FilterSpec("name", "text"),
    },
    sorts=("id", "code", "name", "category"),
    default_sort="code",
)


def org_scope(model: Any) -> Any:
    """Rows owned by the actor's organisation. Only admins see across organisations: a force's
    requirements, inventory and skills are sensitive, and moderators only look after listings."""

    def scope(actor: Actor, stmt: Select[Any]) -> Select[Any]:
        if actor.is_admin:
            return stmt
        if not actor.is_authenticated or actor.role is Role.SUPPLIER:
            return stmt.where(false())
        return stmt.where(model.organisation_id == actor.organisation_id)

    return scope


def org_writer(session: Session, actor: Actor, obj: Any) -> bool:
    return actor.is_admin or (actor.role is Role.CAPABILITY_LEAD and actor.in_org(obj.organisation_id))


def target_org(actor: Actor, requested: int | None, session: Session | None = None) -> int:
    """The organisation a new org-owned row belongs to: one's own, unless an admin says otherwise."""
    actor.require_role(Role.CAPABILITY_LEAD)
    if actor.is_admin:
        if requested is None:
            raise InvalidInput(
                "Admins must say which organisation (organisation_id).",
                fields={"organisation_id": "required for admins"},
            )
        if session is not None:
            from registry.accounts.models import Organisation

            org = session.get(Organisation, requested)
            if org is None or org.kind != "buyer":
                raise InvalidInput(
                    "organisation_id must be a buying organisation.",
                    fields={"organisation_id": "not a buying organisation"},
                )
        return requested
    if requested is not None and requested != actor.organisation_id:
        raise InvalidInput(
            "You can only add records to your own organisation.", fields={"organisation_id": "not your organisation"}
        )
    if actor.organisation_id is None:
        raise InvalidInput("organisation_id is required.", fields={"organisation_id": "required"})
    return actor.organisation_id


def _holding_read(session: Session, rows: Sequence[SkillHolding]) -> list[dict[str, Any]]:
    ids = {r.skill_id for r in rows}
    skills = {s.id: s for s in session.execute(select(Skill).where(col(Skill.id).in_(ids))).scalars()} if ids else {}
    return [
        HoldingRead(
            id=require_id(r),
            organisation_id=r.organisation_id,
            skill_id=r.skill_id,
            skill_code=skills[r.skill_id].code,
            skill_name=skills[r.skill_id].name,
            level=r.level,
            people=r.people,
            version=r.version,
        ).model_dump()
        for r in rows
    ]


def _holding_create(session: Session, actor: Actor, data: HoldingCreate) -> SkillHolding:
    org_id = target_org(actor, data.organisation_id, session)
    skill = skill_by_code(session, data.skill_code)
    exists = session.execute(
        select(col(SkillHolding.id)).where(
            col(SkillHolding.organisation_id) == org_id,
            col(SkillHolding.skill_id) == skill.id,
            col(SkillHolding.level) == data.level,
        )
    ).first()
    if exists:
        raise InvalidInput(
            "This skill at this level is already recorded; edit that row instead.",
            fields={"skill_code": "already recorded at this level"},
        )
    row = SkillHolding(organisation_id=org_id, skill_id=require_id(skill), level=data.level, people=data.people)
    session.add(row)
    return row


HOLDING_SPEC: ResourceSpec[SkillHolding, HoldingCreate, HoldingUpdate] = ResourceSpec(
    name="workforce",
    entity_type="skill_holding",
    label="workforce skill holding",
    model=SkillHolding,
    read_schema=HoldingRead,
    create_schema=HoldingCreate,
    update_schema=HoldingUpdate,
    to_read=_holding_read,
    create=_holding_create,
    apply_update=lambda _s, _a, obj, data: _apply(obj, data),
    scope=org_scope(SkillHolding),
    can_write=org_writer,
    retire=None,
    filters={"skill_id": FilterSpec("skill_id", "eq"), "level_min": FilterSpec("level", "int_min")},
    sorts=("id", "level", "people", "skill_id"),
    org_of=lambda obj: obj.organisation_id,
)
