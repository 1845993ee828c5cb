"""Tools (listings): editing by their supplier, moderation, and the plain views the engines use."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlmodel import col

from registry.actor import Actor
from registry.changelog import services as changelog
from registry.db_types import require_id, today, utcnow
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
from registry.errors import Conflict, Forbidden, InvalidInput, NotFound
from registry.resources import FilterSpec, ResourceSpec, get_visible, refuse_workflow_fields
from registry.search.documents import AccreditationDoc, CapabilityClaimDoc, SkillNeed, ToolDoc
from registry.skills.models import Skill
from registry.skills.services import skills_by_codes
from registry.suppliers.models import Supplier
from registry.taxonomy.models import CapabilityNode
from registry.taxonomy.services import all_nodes, path_of
from registry.tools import rules
from registry.tools.models import TOOL_CHILDREN, Accreditation, CapabilityClaim, Tool, ToolSkill, ToolTraining
from registry.tools.schemas import ToolCreate, ToolRead, ToolUpdate

# Where each status change happens instead of the generic update (registry/tools/api.py).
STATUS_DOORS = (
    "POST /api/v1/tools/{id}/submit (its supplier), /approve, /reject or /request-changes (moderators), or /retire"
)


def tool_scope(actor: Actor, stmt: Select[Any]) -> Select[Any]:
    if actor.is_staff:
        return stmt
    published = col(Tool.status) == ToolStatus.PUBLISHED.value
    if actor.supplier_id is not None:
        return stmt.where(or_(published, col(Tool.supplier_id) == actor.supplier_id))
    return stmt.where(published)


def can_write(_s: Session, actor: Actor, tool: Tool) -> bool:
    return actor.is_staff or (actor.role is Role.SUPPLIER and actor.supplier_id == tool.supplier_id)


def visible_tool(session: Session, actor: Actor, tool_id: int, field: str = "tool_id") -> Tool:
    """The listing ``tool_id`` if this actor may see it. The one check for anything that refers
    to a listing (inventory, shortlists, evaluations): a draft, rejected or retired listing of
    another supplier gets the same 404 as an id that does not exist, so ids reveal nothing."""
    try:
        return get_visible(session, SPEC, actor, tool_id)
    except NotFound:
        raise NotFound(f"No tool with id {tool_id}.", fields={field: "No such tool"}) from None


def tool_view(actor: Actor, read: dict[str, Any]) -> dict[str, Any]:
    """What this actor sees of a listing: moderator feedback is between the moderators and the
    supplier (the tool page shows it only to them), so everyone else reads it as empty."""
    if actor.is_staff or (actor.role is Role.SUPPLIER and actor.supplier_id == read["supplier_id"]):
        return read
    return {**read, "moderator_feedback": ""}


# --- children ---------------------------------------------------------------------------------


def _load_children(session: Session, tool_ids: list[int]) -> dict[str, dict[int, list[Any]]]:
    out: dict[str, dict[int, list[Any]]] = {k: defaultdict(list) for k in TOOL_CHILDREN}
    if not tool_ids:
        return out
    for key, table in TOOL_CHILDREN.items():
        # Every TOOL_CHILDREN model has tool_id and id; the dict's value type (SQLModel) cannot say so.
        model: Any = table
        rows = session.execute(select(model).where(model.tool_id.in_(tool_ids)).order_by(model.id))
        for row in rows.scalars():
            out[key][row.tool_id].append(row)
    return out


def _skills_index(session: Session, children: dict[str, dict[int, list[Any]]]) -> dict[int, Skill]:
    ids = {r.skill_id for key in ("skills_needed", "training_offered") for rows in children[key].values() for r in rows}
    if not ids:
        return {}
    return {require_id(s): s for s in session.execute(select(Skill).where(col(Skill.id).in_(ids))).scalars()}


def _suppliers(session: Session, ids: Iterable[int]) -> dict[int, Supplier]:
    ids = set(ids)
    if not ids:
        return {}
    return {require_id(s): s for s in session.execute(select(Supplier).where(col(Supplier.id).in_(ids))).scalars()}


def to_read(session: Session, rows: Sequence[Tool]) -> list[dict[str, Any]]:
    ids = [require_id(t) for t in rows]
    children = _load_children(session, ids)
    nodes = all_nodes(session) if rows else {}
    skills = _skills_index(session, children)
    suppliers = _suppliers(session, (t.supplier_id for t in rows))
    now = today()
    out = []
    for t in rows:
        tool_id = require_id(t)
        base = {c: getattr(t, c) for c in ToolRead.model_fields if c not in TOOL_CHILDREN and c != "supplier_name"}
        base["supplier_name"] = suppliers[t.supplier_id].name if t.supplier_id in suppliers else ""
        base["capabilities"] = [
            {
                "node_id": c.node_id,
                "node_code": nodes[c.node_id].code,
                "node_path": path_of(nodes[c.node_id], nodes),
                "state": c.state,
                "evidence": c.evidence,
            }
            for c in children["capabilities"][tool_id]
            if c.node_id in nodes
        ]
        base["accreditations"] = [
            {
                "name": a.name,
                "expires_on": a.expires_on,
                "mandatory": a.mandatory,
                "current": a.expires_on is None or a.expires_on >= now,
            }
            for a in children["accreditations"][tool_id]
        ]
        base["skills_needed"] = [
            {"skill_code": skills[s.skill_id].code, "skill_name": skills[s.skill_id].name, "level": s.level}
            for s in children["skills_needed"][tool_id]
        ]
        base["training_offered"] = [
            {"skill_code": skills[s.skill_id].code, "skill_name": skills[s.skill_id].name}
            for s in children["training_offered"][tool_id]
        ]
        out.append(ToolRead(**base).model_dump())
    return out


def child_snapshot(session: Session, tool: Tool) -> dict[str, Any]:
    read = to_read(session, [tool])[0]
    return {k: read[k] for k in TOOL_CHILDREN}


def listing_snapshot(session: Session, tool: Tool) -> dict[str, Any]:
    """A tool's full audit snapshot: its row plus every child record (TOOL_CHILDREN).

    Every audit event about a tool carries this as `before` and `after` (the generic update does
    it through SPEC.child_snapshot, moderation decisions call this), so the audit listeners (listing
    versions) and the history pages see the whole listing without reading tools back.
    """
    return _snapshots(session, [tool])[require_id(tool)]


def listing_snapshots(session: Session, tool_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """`listing_snapshot` of each existing tool in `tool_ids`, in a few queries."""
    ids = list(tool_ids)
    tools = (
        list(session.execute(select(Tool).where(col(Tool.id).in_(ids)).order_by(col(Tool.id))).scalars()) if ids else []
    )
    return _snapshots(session, tools)


def _snapshots(session: Session, tools: Sequence[Tool]) -> dict[int, dict[str, Any]]:
    reads = {r["id"]: r for r in to_read(session, tools)}
    snapshots: dict[int, dict[str, Any]] = {}
    for t in tools:
        tool_id = require_id(t)
        snapshots[tool_id] = changelog.snapshot(t, {k: reads[tool_id][k] for k in TOOL_CHILDREN}) or {}
    return snapshots


def _replace_children(session: Session, tool: Tool, data: dict[str, Any]) -> None:
    tool_id = require_id(tool)
    if "capabilities" in data:
        claims = data["capabilities"]
        codes = [c["node_code"] for c in claims]
        found = {
            n.code: n
            for n in session.execute(select(CapabilityNode).where(col(CapabilityNode.code).in_(codes))).scalars()
        }
        missing = sorted(set(codes) - set(found))
        if missing:
            raise InvalidInput(
                f"Unknown capability code(s): {', '.join(missing)}.", fields={"capabilities": "unknown capability"}
            )
        if len(set(codes)) != len(codes):
            raise InvalidInput("A capability is claimed twice.", fields={"capabilities": "duplicate"})
        session.execute(delete(CapabilityClaim).where(col(CapabilityClaim.tool_id) == tool_id))
        for c in claims:
            session.add(
                CapabilityClaim(
                    tool_id=tool_id,
                    node_id=require_id(found[c["node_code"]]),
                    state=c["state"],
                    evidence=c.get("evidence", ""),
                )
            )
    if "accreditations" in data:
        session.execute(delete(Accreditation).where(col(Accreditation.tool_id) == tool_id))
        for a in data["accreditations"]:
            session.add(Accreditation(tool_id=tool_id, **a))
    if "skills_needed" in data:
        needs = data["skills_needed"]
        skills = skills_by_codes(session, [s["skill_code"] for s in needs], "skills_needed")
        session.execute(delete(ToolSkill).where(col(ToolSkill.tool_id) == tool_id))
        for s in needs:
            session.add(ToolSkill(tool_id=tool_id, skill_id=require_id(skills[s["skill_code"]]), level=s["level"]))
    if "training_offered" in data:
        codes = list(dict.fromkeys(data["training_offered"]))
        skills = skills_by_codes(session, codes, "training_offered")
        session.execute(delete(ToolTraining).where(col(ToolTraining.tool_id) == tool_id))
        for code in codes:
            session.add(ToolTraining(tool_id=tool_id, skill_id=require_id(skills[code])))


def _guard_verification(actor: Actor, claims: list[dict[str, Any]] | None) -> None:
    if claims and not actor.is_staff and any(c["state"] == VerificationState.VERIFIED.value for c in claims):
        raise Forbidden("Only moderators can mark a capability claim as verified.")


def _supplier_for(session: Session, actor: Actor, data: ToolCreate) -> int:
    actor.require_auth()
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
    return supplier_id


def _new_tool(session: Session, actor: Actor, data: ToolCreate, supplier_id: int) -> Tool:
    values = data.model_dump()
    _guard_verification(actor, values["capabilities"])
    children = {k: values.pop(k) for k in TOOL_CHILDREN}
    values["supplier_id"] = supplier_id
    values["last_reviewed"] = values.get("last_reviewed") or today()
    tool = Tool(**values)
    session.add(tool)
    session.flush()
    _replace_children(session, tool, children)
    return tool


def create(session: Session, actor: Actor, data: ToolCreate) -> Tool:
    """A new listing (API and the listing editor): always a draft, which its supplier submits."""
    supplier_id = _supplier_for(session, actor, data)
    if data.status != ToolStatus.DRAFT.value:
        raise Conflict(
            "New listings start as drafts: create it without a status, then use " + STATUS_DOORS + ".",
            fields={"status": "must be draft (the default)"},
        )
    return _new_tool(session, actor, data, supplier_id)


def create_imported(session: Session, actor: Actor, data: ToolCreate) -> Tool:
    """An imported listing arrives in its recorded status, but only where the workflow would have
    let it get there (complete, and published only for an approved supplier)."""
    supplier_id = _supplier_for(session, actor, data)
    problems = rules.arrival_problems(
        data.status,
        summary=data.summary,
        description=data.description,
        capability_count=len(data.capabilities),
        supplier=session.get(Supplier, supplier_id),
    )
    if problems:
        raise InvalidInput(f"A {data.status} listing needs: " + "; ".join(problems.values()) + ".", fields=problems)
    return _new_tool(session, actor, data, supplier_id)


def apply_update(session: Session, actor: Actor, tool: Tool, data: ToolUpdate) -> None:
    # The fields sent, with their nested defaults (a claim sent without "state" is "claimed", as
    # on create): exclude_unset would drop those defaults too and break the child rows.
    full = data.model_dump(exclude={"version"})
    changes = {k: full[k] for k in data.model_fields_set if k != "version"}
    refuse_workflow_fields(SPEC, tool.id, changes)  # the API refuses earlier; this guards other callers
    _guard_verification(actor, changes.get("capabilities"))
    if "moderator_feedback" in changes and not actor.is_staff:
        raise Forbidden("Only moderators can write moderator feedback.")
    children = {k: changes.pop(k) for k in TOOL_CHILDREN if k in changes}
    for key, value in changes.items():
        setattr(tool, key, value)
    if not actor.is_staff and "last_reviewed" not in changes:
        tool.last_reviewed = today()  # a supplier's edit confirms the listing is current
        tool.stale = False
    tool.updated_at = utcnow()
    _replace_children(session, tool, children)


SPEC: ResourceSpec[Tool, ToolCreate, ToolUpdate] = ResourceSpec(
    name="tools",
    entity_type="tool",
    model=Tool,
    read_schema=ToolRead,
    create_schema=ToolCreate,
    update_schema=ToolUpdate,
    to_read=to_read,
    create=create,
    apply_update=apply_update,
    scope=tool_scope,
    can_write=can_write,
    retire=rules.retire_listing,
    view=tool_view,
    workflow_fields={"status": STATUS_DOORS},
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


_DOC_COLUMNS = (
    col(Tool.id),
    col(Tool.name),
    col(Tool.supplier_id),
    col(Tool.summary),
    col(Tool.description),
    col(Tool.category),
    col(Tool.classification),
    col(Tool.trl),
    col(Tool.deployments),
    col(Tool.hosting),
    col(Tool.data_standards),
    col(Tool.workstreams),
    col(Tool.four_ps),
    col(Tool.five_ds),
    col(Tool.pricing_model),
    col(Tool.price_capital),
    col(Tool.price_annual),
    col(Tool.last_reviewed),
    col(Tool.version),
)
# Only the columns the docs need, as plain rows (tool_id first).
_DOC_CHILDREN = (
    (
        "capabilities",
        (col(CapabilityClaim.tool_id), col(CapabilityClaim.node_id), col(CapabilityClaim.state)),
        col(CapabilityClaim.id),
    ),
    (
        "accreditations",
        (
            col(Accreditation.tool_id),
            col(Accreditation.name),
            col(Accreditation.expires_on),
            col(Accreditation.mandatory),
        ),
        col(Accreditation.id),
    ),
    ("skills_needed", (col(ToolSkill.tool_id), col(ToolSkill.skill_id), col(ToolSkill.level)), col(ToolSkill.id)),
    ("training_offered", (col(ToolTraining.tool_id), col(ToolTraining.skill_id)), col(ToolTraining.id)),
)
# Above this many tools, read whole child tables rather than IN lists.
_WHOLE_TABLE_FROM = 5000
_STREAM = {"yield_per": 5000}


def tool_docs(
    session: Session, *, status: str | None = ToolStatus.PUBLISHED.value, tool_ids: Iterable[int] | None = None
) -> list[ToolDoc]:
    """Build ToolDocs in a handful of queries (used by the search index and the gap engine).

    Plain Core rows streamed in batches, not ORM objects, and equal sub-records (claims,
    accreditations, skill needs, code tuples) are shared between docs: at 100,000 tools this
    takes a fraction of the time and memory of loading the ORM graph, and every worker keeps
    the result for its search index.
    """
    ids = None if tool_ids is None else list(tool_ids)
    if ids is not None and not ids:
        return []
    shared: dict[Any, Any] = {}

    def one(value: Any) -> Any:
        return shared.setdefault(value, value)

    def enums(cls: Any, raw: list[str]) -> tuple[Any, ...]:
        key = (cls, *raw)
        hit = shared.get(key)
        if hit is None:
            hit = shared[key] = tuple(cls(v) for v in raw)
        return hit

    nodes = all_nodes(session)
    skills = {sid: code for sid, code in session.execute(select(col(Skill.id), col(Skill.code)))}
    claims = {
        (nid, str(state)): CapabilityClaimDoc(nid, n.code, path_of(n, nodes), state)
        for nid, n in nodes.items()
        for state in VerificationState
    }
    convert: dict[str, Any] = {
        "capabilities": lambda r: claims.get((r.node_id, r.state)),
        "accreditations": lambda r: one(AccreditationDoc(r.name, r.expires_on, r.mandatory)),
        "skills_needed": lambda r: one(SkillNeed(skills[r.skill_id], r.level)),
        "training_offered": lambda r: skills[r.skill_id],
    }
    children: dict[str, dict[int, list[Any]]] = {k: defaultdict(list) for k, _, _ in _DOC_CHILDREN}
    for key, columns, order in _DOC_CHILDREN:
        child = select(*columns).order_by(order)
        if ids is not None and len(ids) < _WHOLE_TABLE_FROM:
            child = child.where(columns[0].in_(ids))
        to_doc = convert[key]
        for row in session.execute(child):
            item = to_doc(row)
            if item is not None:
                children[key][row[0]].append(item)
    suppliers = {
        r.id: (r.name, SizeBand(r.size_band).is_sme, bool(r.verified))
        for r in session.execute(
            select(col(Supplier.id), col(Supplier.name), col(Supplier.size_band), col(Supplier.verified))
        )
    }
    stmt = select(*_DOC_COLUMNS).order_by(col(Tool.id))
    if status is not None:
        stmt = stmt.where(col(Tool.status) == status)
    if ids is not None:
        stmt = stmt.where(col(Tool.id).in_(ids))
    empty: list[Any] = []
    docs = []
    for t in session.execute(stmt, execution_options=_STREAM):
        sup_name, sme, verified = suppliers.get(t.supplier_id, ("", False, False))
        docs.append(
            ToolDoc(
                id=t.id,
                name=t.name,
                supplier_id=t.supplier_id,
                supplier_name=one(sup_name),
                summary=t.summary,
                description=t.description,
                category=one(t.category),
                capabilities=tuple(children["capabilities"].get(t.id, empty)),
                classification=Classification[t.classification],
                trl=t.trl,
                deployments=enums(Deployment, t.deployments),
                hosting=Hosting(t.hosting),
                data_standards=one(tuple(t.data_standards)),
                workstreams=one(tuple(t.workstreams)),
                four_ps=enums(FourP, t.four_ps),
                five_ds=enums(FiveD, t.five_ds),
                accreditations=tuple(children["accreditations"].get(t.id, empty)),
                pricing_model=PricingModel(t.pricing_model) if t.pricing_model else None,
                price_capital=t.price_capital,
                price_annual=t.price_annual,
                sme=sme,
                verified=verified,
                skills_needed=tuple(children["skills_needed"].get(t.id, empty)),
                training_offered=one(tuple(children["training_offered"].get(t.id, empty))),
                last_reviewed=t.last_reviewed,
                version=t.version,
            )
        )
    return docs
