"""Tools (listings): editing by their supplier, moderation, and the plain views the engines use."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from registry.actor import Actor
from registry.db_types import today, utcnow
from registry.enums import (
    Classification,
    Deployment,
    FiveD,
    FourP,
    Hosting,
    PricingModel,
    Role,
    SizeBand,
    ToolStatus,
    VerificationState,
)
from registry.errors import Forbidden, InvalidInput
from registry.resources import FilterSpec, ResourceSpec
from registry.search.documents import AccreditationDoc, CapabilityClaimDoc, SkillNeed, ToolDoc
from registry.skills.models import Skill
from registry.skills.services import skills_by_codes
from registry.suppliers.models import Supplier
from registry.taxonomy.models import CapabilityNode
from registry.taxonomy.services import all_nodes, path_of
from registry.tools.models import Accreditation, CapabilityClaim, Tool, ToolSkill, ToolTraining
from registry.tools.schemas import ToolCreate, ToolRead, ToolUpdate

CHILD_FIELDS = ("capabilities", "accreditations", "skills_needed", "training_offered")
SUPPLIER_STATUSES = {ToolStatus.DRAFT.value, ToolStatus.SUBMITTED.value, ToolStatus.RETIRED.value}


def tool_scope(actor: Actor, stmt: Select[Any]) -> Select[Any]:
    if actor.is_staff:
        return stmt
    published = Tool.status == ToolStatus.PUBLISHED.value
    if actor.supplier_id is not None:
        return stmt.where(or_(published, Tool.supplier_id == actor.supplier_id))
    return stmt.where(published)


def can_write(_s: Session, actor: Actor, tool: Tool) -> bool:
    return actor.is_staff or (actor.role is Role.SUPPLIER and actor.supplier_id == tool.supplier_id)


# --- children ---------------------------------------------------------------------------------


def _load_children(session: Session, tool_ids: list[int]) -> dict[str, dict[int, list[Any]]]:
    out: dict[str, dict[int, list[Any]]] = {k: defaultdict(list) for k in CHILD_FIELDS}
    if not tool_ids:
        return out
    for model, key in (
        (CapabilityClaim, "capabilities"),
        (Accreditation, "accreditations"),
        (ToolSkill, "skills_needed"),
        (ToolTraining, "training_offered"),
    ):
        rows = session.execute(select(model).where(model.tool_id.in_(tool_ids)).order_by(model.id))  # type: ignore[attr-defined]
        for row in rows.scalars():
            out[key][row.tool_id].append(row)
    return out


def _skills_index(session: Session, children: dict[str, dict[int, list[Any]]]) -> dict[int, Skill]:
    ids = {r.skill_id for key in ("skills_needed", "training_offered") for rows in children[key].values() for r in rows}
    if not ids:
        return {}
    return {s.id: s for s in session.execute(select(Skill).where(Skill.id.in_(ids))).scalars()}  # type: ignore[attr-defined,misc]


def _suppliers(session: Session, ids: Iterable[int]) -> dict[int, Supplier]:
    ids = set(ids)
    if not ids:
        return {}
    return {s.id: s for s in session.execute(select(Supplier).where(Supplier.id.in_(ids))).scalars()}  # type: ignore[attr-defined,misc]


def to_read(session: Session, rows: Sequence[Tool]) -> list[dict[str, Any]]:
    ids = [t.id for t in rows]  # type: ignore[misc]
    children = _load_children(session, ids)  # type: ignore[arg-type]
    nodes = all_nodes(session) if rows else {}
    skills = _skills_index(session, children)
    suppliers = _suppliers(session, (t.supplier_id for t in rows))
    now = today()
    out = []
    for t in rows:
        base = {c: getattr(t, c) for c in ToolRead.model_fields if c not in CHILD_FIELDS and c != "supplier_name"}
        base["supplier_name"] = suppliers[t.supplier_id].name if t.supplier_id in suppliers else ""
        base["capabilities"] = [
            {
                "node_id": c.node_id,
                "node_code": nodes[c.node_id].code,
                "node_path": path_of(nodes[c.node_id], nodes),
                "state": c.state,
                "evidence": c.evidence,
            }
            for c in children["capabilities"][t.id]
            if c.node_id in nodes  # type: ignore[index]
        ]
        base["accreditations"] = [
            {
                "name": a.name,
                "expires_on": a.expires_on,
                "mandatory": a.mandatory,
                "current": a.expires_on is None or a.expires_on >= now,
            }
            for a in children["accreditations"][t.id]  # type: ignore[index]
        ]
        base["skills_needed"] = [
            {"skill_code": skills[s.skill_id].code, "skill_name": skills[s.skill_id].name, "level": s.level}
            for s in children["skills_needed"][t.id]  # type: ignore[index]
        ]
        base["training_offered"] = [
            {"skill_code": skills[s.skill_id].code, "skill_name": skills[s.skill_id].name}
            for s in children["training_offered"][t.id]  # type: ignore[index]
        ]
        out.append(ToolRead(**base).model_dump())
    return out


def child_snapshot(session: Session, tool: Tool) -> dict[str, Any]:
    read = to_read(session, [tool])[0]
    return {k: read[k] for k in CHILD_FIELDS}


def _replace_children(session: Session, tool: Tool, data: dict[str, Any]) -> None:
    tool_id = tool.id
    if "capabilities" in data:
        claims = data["capabilities"]
        codes = [c["node_code"] for c in claims]
        found = {
            n.code: n for n in session.execute(select(CapabilityNode).where(CapabilityNode.code.in_(codes))).scalars()
        }  # type: ignore[attr-defined]
        missing = sorted(set(codes) - set(found))
        if missing:
            raise InvalidInput(
                f"Unknown capability code(s): {', '.join(missing)}.", fields={"capabilities": "unknown capability"}
            )
        if len(set(codes)) != len(codes):
            raise InvalidInput("A capability is claimed twice.", fields={"capabilities": "duplicate"})
        session.execute(delete(CapabilityClaim).where(CapabilityClaim.tool_id == tool_id))
        for c in claims:
            session.add(
                CapabilityClaim(
                    tool_id=tool_id,
                    node_id=found[c["node_code"]].id,  # type: ignore[arg-type]
                    state=c["state"],
                    evidence=c.get("evidence", ""),
                )
            )
    if "accreditations" in data:
        session.execute(delete(Accreditation).where(Accreditation.tool_id == tool_id))
        for a in data["accreditations"]:
            session.add(Accreditation(tool_id=tool_id, **a))  # type: ignore[arg-type]
    if "skills_needed" in data:
        needs = data["skills_needed"]
        skills = skills_by_codes(session, [s["skill_code"] for s in needs], "skills_needed")
        session.execute(delete(ToolSkill).where(ToolSkill.tool_id == tool_id))
        for s in needs:
            session.add(ToolSkill(tool_id=tool_id, skill_id=skills[s["skill_code"]].id, level=s["level"]))  # type: ignore[arg-type]
    if "training_offered" in data:
        codes = list(dict.fromkeys(data["training_offered"]))
        skills = skills_by_codes(session, codes, "training_offered")
        session.execute(delete(ToolTraining).where(ToolTraining.tool_id == tool_id))
        for code in codes:
            session.add(ToolTraining(tool_id=tool_id, skill_id=skills[code].id))  # type: ignore[arg-type]


def _guard_verification(actor: Actor, claims: list[dict[str, Any]] | None) -> None:
    if claims and not actor.is_staff and any(c["state"] == VerificationState.VERIFIED.value for c in claims):
        raise Forbidden("Only moderators can mark a capability claim as verified.")


def _guard_status(actor: Actor, status: str | None) -> None:
    if status is not None and not actor.is_staff and status not in SUPPLIER_STATUSES:
        raise Forbidden("Only moderators can publish a listing; submit it for review instead.")


def create(session: Session, actor: Actor, data: ToolCreate) -> Tool:  # type: ignore[override]
    actor.require_auth()
    values = data.model_dump()
    if actor.is_staff:
        if data.supplier_id is None:
            raise InvalidInput("supplier_id is required.", fields={"supplier_id": "required"})
        supplier_id = data.supplier_id
    elif actor.role is Role.SUPPLIER and actor.supplier_id is not None:
        if data.supplier_id not in (None, actor.supplier_id):
            raise Forbidden("Suppliers can only add tools to their own organisation.")
        supplier_id = actor.supplier_id
    else:
        raise Forbidden("Only suppliers and moderators can add tools.")
    if session.get(Supplier, supplier_id) is None:
        raise InvalidInput("Unknown supplier.", fields={"supplier_id": "unknown supplier"})
    _guard_status(actor, values["status"])
    _guard_verification(actor, values["capabilities"])
    children = {k: values.pop(k) for k in CHILD_FIELDS}
    values["supplier_id"] = supplier_id
    values["last_reviewed"] = values.get("last_reviewed") or today()
    tool = Tool(**values)
    session.add(tool)
    session.flush()
    _replace_children(session, tool, children)
    return tool


def apply_update(session: Session, actor: Actor, tool: Tool, data: ToolUpdate) -> None:  # type: ignore[override]
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    _guard_status(actor, changes.get("status"))
    _guard_verification(actor, changes.get("capabilities"))
    if "moderator_feedback" in changes and not actor.is_staff:
        raise Forbidden("Only moderators can write moderator feedback.")
    children = {k: changes.pop(k) for k in CHILD_FIELDS if k in changes}
    for key, value in changes.items():
        setattr(tool, key, value)
    if not actor.is_staff and "last_reviewed" not in changes:
        tool.last_reviewed = today()  # a supplier's edit confirms the listing is current
        tool.stale = False
    tool.updated_at = utcnow()
    _replace_children(session, tool, children)


SPEC: ResourceSpec[Tool] = ResourceSpec(
    name="tools",
    entity_type="tool",
    model=Tool,
    read_schema=ToolRead,
    create_schema=ToolCreate,
    update_schema=ToolUpdate,
    to_read=to_read,
    create=create,  # type: ignore[arg-type]
    apply_update=apply_update,  # type: ignore[arg-type]
    scope=tool_scope,
    can_write=can_write,
    retire=lambda _s, _a, t: setattr(t, "status", ToolStatus.RETIRED.value),
    filters={
        "supplier_id": FilterSpec("supplier_id", "eq"),
        "status": FilterSpec("status", "eq"),
        "classification": FilterSpec("classification", "eq"),
        "hosting": FilterSpec("hosting", "eq"),
        "trl_min": FilterSpec("trl", "int_min"),
        "price_annual_max": FilterSpec("price_annual", "num_max"),
        "workstream": FilterSpec("workstreams", "json_has"),
        "four_p": FilterSpec("four_ps", "json_has"),
        "five_d": FilterSpec("five_ds", "json_has"),
        "deployment": FilterSpec("deployments", "json_has"),
        "data_standard": FilterSpec("data_standards", "json_has"),
        "stale": FilterSpec("stale", "bool"),
        "q": FilterSpec("name", "text"),
    },
    sorts=("id", "name", "price_annual", "price_capital", "last_reviewed", "trl", "updated_at"),
    default_sort="id",
    org_of=lambda _t: None,
    listing=True,
    child_snapshot=child_snapshot,
)


# --- plain views for the engines -------------------------------------------------------------


def tool_docs(
    session: Session, *, status: str | None = ToolStatus.PUBLISHED.value, tool_ids: Iterable[int] | None = None
) -> list[ToolDoc]:
    """Build ToolDocs in a handful of queries (used by the search index and the gap engine)."""
    stmt = select(Tool)
    if status is not None:
        stmt = stmt.where(Tool.status == status)
    if tool_ids is not None:
        stmt = stmt.where(Tool.id.in_(list(tool_ids)))  # type: ignore[union-attr]
    tools = list(session.execute(stmt).scalars())
    return docs_for(session, tools)


def docs_for(session: Session, tools: Sequence[Tool]) -> list[ToolDoc]:
    ids = [t.id for t in tools]
    children = _load_children(session, ids) if len(ids) < 5000 else _load_all_children(session)  # type: ignore[arg-type]
    nodes = all_nodes(session)
    paths = {nid: path_of(n, nodes) for nid, n in nodes.items()}
    skills = {s.id: s.code for s in session.execute(select(Skill)).scalars()}
    suppliers = {s.id: s for s in session.execute(select(Supplier)).scalars()}
    docs = []
    for t in tools:
        sup = suppliers.get(t.supplier_id)
        docs.append(
            ToolDoc(
                id=t.id,
                name=t.name,
                supplier_id=t.supplier_id,  # type: ignore[arg-type]
                supplier_name=sup.name if sup else "",
                summary=t.summary,
                description=t.description,
                category=t.category,
                capabilities=tuple(
                    CapabilityClaimDoc(c.node_id, nodes[c.node_id].code, paths[c.node_id], VerificationState(c.state))
                    for c in children["capabilities"].get(t.id, [])
                    if c.node_id in nodes  # type: ignore[arg-type]
                ),
                classification=Classification[t.classification],
                trl=t.trl,
                deployments=tuple(Deployment(d) for d in t.deployments),
                hosting=Hosting(t.hosting),
                data_standards=tuple(t.data_standards),
                workstreams=tuple(t.workstreams),
                four_ps=tuple(FourP(p) for p in t.four_ps),
                five_ds=tuple(FiveD(d) for d in t.five_ds),
                accreditations=tuple(
                    AccreditationDoc(a.name, a.expires_on, a.mandatory)
                    for a in children["accreditations"].get(t.id, [])
                ),  # type: ignore[arg-type]
                pricing_model=PricingModel(t.pricing_model) if t.pricing_model else None,
                price_capital=t.price_capital,
                price_annual=t.price_annual,
                sme=SizeBand(sup.size_band).is_sme if sup else False,
                verified=bool(sup and sup.verified),
                skills_needed=tuple(
                    SkillNeed(skills[s.skill_id], s.level) for s in children["skills_needed"].get(t.id, [])
                ),  # type: ignore[arg-type]
                training_offered=tuple(skills[s.skill_id] for s in children["training_offered"].get(t.id, [])),  # type: ignore[arg-type]
                last_reviewed=t.last_reviewed,
                version=t.version,
            )
        )
    return docs


def _load_all_children(session: Session) -> dict[str, dict[int, list[Any]]]:
    out: dict[str, dict[int, list[Any]]] = {k: defaultdict(list) for k in CHILD_FIELDS}
    for model, key in (
        (CapabilityClaim, "capabilities"),
        (Accreditation, "accreditations"),
        (ToolSkill, "skills_needed"),
        (ToolTraining, "training_offered"),
    ):
        for row in session.execute(select(model)).scalars():
            out[key][row.tool_id].append(row)
    return out
