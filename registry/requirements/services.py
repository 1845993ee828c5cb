"""IM requirements: owned by a buying organisation, edited by its capability leads."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.actor import Actor
from registry.db_types import require_id
from registry.enums import Classification, Deployment, FiveC, FiveD, FourP, Hosting, MoSCoW
from registry.errors import InvalidInput
from registry.requirements.models import Requirement, RequirementSkill
from registry.requirements.schemas import RequirementCreate, RequirementRead, RequirementUpdate
from registry.resources import FilterSpec, ResourceSpec
from registry.search.documents import RequirementSpec, SkillNeed
from registry.skills.models import Skill
from registry.skills.services import org_scope, org_writer, skills_by_codes, target_org
from registry.taxonomy.models import CapabilityNode
from registry.taxonomy.services import all_nodes, descendants, path_of


def _node_by_code(session: Session, code: str) -> CapabilityNode:
    node = session.execute(select(CapabilityNode).where(col(CapabilityNode.code) == code)).scalar_one_or_none()
    if node is None:
        raise InvalidInput(f"Unknown capability code {code}.", fields={"capability_code": "unknown capability"})
    return node


def _skills_of(session: Session, ids: list[int]) -> dict[int, list[tuple[RequirementSkill, Skill]]]:
    out: dict[int, list[tuple[RequirementSkill, Skill]]] = defaultdict(list)
    if not ids:
        return out
    rows = session.execute(
        select(RequirementSkill, Skill)
        .join(Skill, col(Skill.id) == col(RequirementSkill.skill_id))
        .where(col(RequirementSkill.requirement_id).in_(ids))
        .order_by(col(RequirementSkill.id))
    )
    for rs, skill in rows:
        out[rs.requirement_id].append((rs, skill))
    return out


def to_read(session: Session, rows: Sequence[Requirement]) -> list[dict[str, Any]]:
    nodes = all_nodes(session) if rows else {}
    skills = _skills_of(session, [require_id(r) for r in rows])
    out = []
    for r in rows:
        node = nodes[r.capability_node_id]
        base = {
            c: getattr(r, c)
            for c in RequirementRead.model_fields
            if c not in {"capability_code", "capability_path", "skills"}
        }
        base["capability_code"] = node.code
        base["capability_path"] = path_of(node, nodes)
        base["skills"] = [
            {"skill_code": s.code, "skill_name": s.name, "level": rs.level, "people": rs.people}
            for rs, s in skills[require_id(r)]
        ]
        out.append(RequirementRead(**base).model_dump())
    return out


def _set_skills(session: Session, req: Requirement, skills: list[dict[str, Any]]) -> None:
    found = skills_by_codes(session, [s["skill_code"] for s in skills], "skills")
    session.execute(delete(RequirementSkill).where(col(RequirementSkill.requirement_id) == req.id))
    for s in skills:
        session.add(
            RequirementSkill(
                requirement_id=require_id(req),
                skill_id=require_id(found[s["skill_code"]]),
                level=s["level"],
                people=s["people"],
            )
        )


def create(session: Session, actor: Actor, data: RequirementCreate) -> Requirement:
    org_id = target_org(actor, data.organisation_id, session)
    holder = session.execute(
        select(Requirement).where(col(Requirement.organisation_id) == org_id, col(Requirement.code) == data.code)
    ).scalar_one_or_none()
    if holder is not None:
        # Say which requirement already has the code, so the person can choose another or edit it.
        status = " (retired)" if holder.retired else ""
        message = f"{data.code} is already used by the requirement “{holder.title}”{status}: choose another code"
        raise InvalidInput(message + ".", fields={"code": message})
    values = data.model_dump(exclude={"capability_code", "organisation_id", "skills"})
    req = Requirement(
        **values, organisation_id=org_id, capability_node_id=require_id(_node_by_code(session, data.capability_code))
    )
    session.add(req)
    session.flush()
    _set_skills(session, req, data.model_dump()["skills"])
    return req


def apply_update(session: Session, _actor: Actor, req: Requirement, data: RequirementUpdate) -> None:
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if "capability_code" in changes:
        req.capability_node_id = require_id(_node_by_code(session, changes.pop("capability_code")))
    skills = changes.pop("skills", None)
    for key, value in changes.items():
        setattr(req, key, value)
    if skills is not None:
        _set_skills(session, req, skills)


def child_snapshot(session: Session, req: Requirement) -> dict[str, Any]:
    return {"skills": to_read(session, [req])[0]["skills"]}


SPEC: ResourceSpec[Requirement, RequirementCreate, RequirementUpdate] = ResourceSpec(
    name="requirements",
    entity_type="requirement",
    model=Requirement,
    read_schema=RequirementRead,
    create_schema=RequirementCreate,
    update_schema=RequirementUpdate,
    to_read=to_read,
    create=create,
    apply_update=apply_update,
    scope=org_scope(Requirement),
    can_write=org_writer,
    retire=lambda _s, _a, r: setattr(r, "retired", True),
    filters={
        "priority": FilterSpec("priority", "eq"),
        "workstream": FilterSpec("workstreams", "json_has"),
        "four_p": FilterSpec("four_ps", "json_has"),
        "five_d": FilterSpec("five_ds", "json_has"),
        "capability_node_id": FilterSpec("capability_node_id", "eq"),
        "retired": FilterSpec("retired", "bool"),
        "q": FilterSpec("title", "text"),
    },
    sorts=("id", "code", "title", "priority", "weight", "created_at"),
    default_sort="code",
    org_of=lambda r: r.organisation_id,
    child_snapshot=child_snapshot,
)


def requirement_specs(
    session: Session, organisation_id: int, *, include_retired: bool = False, workstreams: Sequence[str] = ()
) -> list[RequirementSpec]:
    """Plain requirement views for the gap engine."""
    stmt = select(Requirement).where(col(Requirement.organisation_id) == organisation_id)
    if not include_retired:
        stmt = stmt.where(col(Requirement.retired).is_(False))
    reqs = list(session.execute(stmt.order_by(col(Requirement.code))).scalars())
    if workstreams:
        wanted = set(workstreams)
        reqs = [r for r in reqs if wanted & set(r.workstreams)]
    nodes = all_nodes(session)
    skills = _skills_of(session, [require_id(r) for r in reqs])
    return [
        RequirementSpec(
            id=require_id(r),
            code=r.code,
            title=r.title,
            description=r.description,
            capability_node_ids=descendants(r.capability_node_id, nodes),
            capability_path=path_of(nodes[r.capability_node_id], nodes),
            priority=MoSCoW(r.priority),
            weight=r.weight,
            workstreams=tuple(r.workstreams),
            four_ps=tuple(FourP(p) for p in r.four_ps),
            five_ds=tuple(FiveD(d) for d in r.five_ds),
            five_cs=tuple(FiveC(c) for c in r.five_cs),
            min_classification=Classification[r.min_classification] if r.min_classification else None,
            allowed_hosting=tuple(Hosting(h) for h in r.allowed_hosting),
            required_data_standards=tuple(r.data_standards),
            min_trl=r.min_trl,
            allowed_deployments=tuple(Deployment(d) for d in r.allowed_deployments),
            skills=tuple(SkillNeed(s.code, rs.level, rs.people) for rs, s in skills[require_id(r)]),
        )
        for r in reqs
    ]
