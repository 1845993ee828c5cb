"""Load the demo data set and synthetic data (same dict shapes: see seed_data/README.md)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.accounts.models import Organisation, User
from registry.accounts.security import hash_password
from registry.actor import SYSTEM
from registry.changelog import services as changelog
from registry.db import session_scope
from registry.db_types import require_id, today, utcnow
from registry.enums import WORKSTREAMS
from registry.inventory.models import InventoryItem
from registry.progress import NULL_PROGRESS, Progress
from registry.requirements.models import Requirement, RequirementSkill
from registry.seed_files import read_seed
from registry.skills.models import Skill, SkillHolding
from registry.suppliers.models import Supplier
from registry.taxonomy.models import CapabilityNode, Workstream
from registry.tools.models import Accreditation, CapabilityClaim, Tool, ToolSkill, ToolTraining

DEMO_MARKER = "Registry administration (demo)"


def _walk(nodes: list[dict[str, Any]], parent: str | None = None) -> Iterator[tuple[dict[str, Any], str | None, int]]:
    for pos, node in enumerate(nodes):
        yield node, parent, pos
        yield from _walk(node.get("children", []), node["code"])


def load_reference(session: Session, taxonomy: list[dict[str, Any]], skills: list[dict[str, Any]]) -> None:
    """Workstreams, capability taxonomy and skills; idempotent (existing codes are kept)."""
    have_ws = set(session.execute(select(col(Workstream.code))).scalars())
    for code, title in WORKSTREAMS.items():
        if code not in have_ws:
            session.add(Workstream(code=code, title=title))
    codes = {n.code: n for n in session.execute(select(CapabilityNode)).scalars()}
    for node, parent, pos in _walk(taxonomy):
        if node["code"] in codes:
            continue
        row = CapabilityNode(
            code=node["code"],
            name=node["name"],
            description=node.get("description", ""),
            parent_id=codes[parent].id if parent else None,
            position=pos,
        )
        session.add(row)
        session.flush()
        codes[row.code] = row
    have_skills = set(session.execute(select(col(Skill.code))).scalars())
    for s in skills:
        if s["code"] not in have_skills:
            session.add(
                Skill(
                    code=s["code"], name=s["name"], category=s.get("category", ""), description=s.get("description", "")
                )
            )
    session.flush()


def _tool_row(t: dict[str, Any], supplier_id: int) -> dict[str, Any]:
    now = today()
    reviewed = t.get("last_reviewed")
    if reviewed is None and t.get("last_reviewed_days_ago") is not None:
        reviewed = now - timedelta(days=int(t["last_reviewed_days_ago"]))
    return {
        "supplier_id": supplier_id,
        "name": t["name"],
        "summary": t.get("summary", ""),
        "description": t.get("description", ""),
        "category": t.get("category", ""),
        "trl": t.get("trl", 1),
        "deployments": t.get("deployments", []),
        "hosting": t.get("hosting", "uk"),
        "classification": t.get("classification", "OFFICIAL"),
        "data_standards": t.get("data_standards", []),
        "pricing_model": t.get("pricing_model"),
        "price_capital": float(t.get("price_capital") or 0),
        "price_annual": float(t.get("price_annual") or 0),
        "workstreams": t.get("workstreams", []),
        "four_ps": t.get("four_ps", []),
        "five_ds": t.get("five_ds", []),
        "status": t.get("status", "published"),
        "last_reviewed": reviewed,
        "created_at": utcnow(),
        "updated_at": utcnow(),
        "version": 1,
        "stale": False,
        "moderator_feedback": t.get("moderator_feedback", ""),
    }


def _accreditation_rows(tool_id: int, t: dict[str, Any]) -> list[dict[str, Any]]:
    now = today()
    rows = []
    for a in t.get("accreditations", []):
        expires = a.get("expires_on")
        if expires is None and a.get("expires_in_days") is not None:
            expires = now + timedelta(days=int(a["expires_in_days"]))
        rows.append(
            {"tool_id": tool_id, "name": a["name"], "expires_on": expires, "mandatory": bool(a.get("mandatory", False))}
        )
    return rows


def is_demo_loaded(session: Session) -> bool:
    return (
        session.execute(select(col(Organisation.id)).where(col(Organisation.name) == DEMO_MARKER)).first() is not None
    )


def load_demo(engine: Engine, demo_password: str) -> dict[str, int]:
    """Load the fictional demo data set in one transaction. Does nothing if already loaded."""
    with session_scope(engine, write=True) as session:
        if is_demo_loaded(session):
            return {}
        load_reference(session, read_seed("taxonomy"), read_seed("skills"))
        nodes = {n.code: require_id(n) for n in session.execute(select(CapabilityNode)).scalars()}
        skills = {s.code: require_id(s) for s in session.execute(select(Skill)).scalars()}
        orgs: dict[str, int] = {}
        for o in read_seed("organisations"):
            org = Organisation(name=o["name"], kind=o["kind"])
            session.add(org)
            session.flush()
            orgs[o["key"]] = require_id(org)
        suppliers: dict[str, int] = {}
        for s in read_seed("suppliers"):
            org = Organisation(name=s["name"], kind="supplier")
            session.add(org)
            session.flush()
            orgs[s["key"]] = require_id(org)
            sup = Supplier(
                organisation_id=require_id(org),
                name=s["name"],
                companies_house_number=s["companies_house_number"],
                address=s.get("address", ""),
                region=s.get("region", ""),
                website=s.get("website", ""),
                size_band=s["size_band"],
                employees=s.get("employees"),
                turnover_gbp=s.get("turnover_gbp"),
                clearances=s.get("clearances", []),
                verified=bool(s.get("verified")),
                status=s.get("status", "active"),
                contact_name=s.get("contact_name", ""),
                contact_email=s.get("contact_email", ""),
            )
            session.add(sup)
            session.flush()
            suppliers[s["key"]] = require_id(sup)
        tools: dict[str, int] = {}
        for t in read_seed("tools"):
            tool = Tool(**_tool_row(t, suppliers[t["supplier"]]))
            session.add(tool)
            session.flush()
            tools[t["key"]] = require_id(tool)
            _add_children(session, require_id(tool), t, nodes, skills)
        requirements = {r["code"]: r for r in read_seed("requirements")}
        for o in read_seed("organisations"):
            org_id = orgs[o["key"]]
            for code in o.get("requirements", []):
                _add_requirement(session, org_id, requirements[code], nodes, skills)
            for item in o.get("inventory", []):
                end = None
                if item.get("licence_end_in_days") is not None:
                    end = today() + timedelta(days=int(item["licence_end_in_days"]))
                session.add(
                    InventoryItem(
                        organisation_id=org_id, tool_id=tools[item["tool"]], licence_end=end, seats=item.get("seats", 1)
                    )
                )
            for w in o.get("workforce", []):
                session.add(
                    SkillHolding(
                        organisation_id=org_id, skill_id=skills[w["skill"]], level=w["level"], people=w["people"]
                    )
                )
        password_hash = hash_password(demo_password)
        for u in read_seed("users"):
            session.add(
                User(
                    email=u["email"].lower(),
                    name=u["name"],
                    role=u["role"],
                    organisation_id=orgs[u["org"]],
                    password_hash=password_hash,
                )
            )
        changelog.bump_generation(session)
        counts = {
            "suppliers": len(suppliers),
            "tools": len(tools),
            "organisations": len(orgs),
            "requirements": sum(len(o.get("requirements", [])) for o in read_seed("organisations")),
        }
        changelog.record(session, SYSTEM, "seed", "registry", "demo", after=counts, summary="Loaded demo data")
        return counts


def _add_children(
    session: Session, tool_id: int, t: dict[str, Any], nodes: dict[str, int], skills: dict[str, int]
) -> None:
    for c in t.get("capabilities", []):
        session.add(
            CapabilityClaim(
                tool_id=tool_id,
                node_id=nodes[c["node"]],
                state=c.get("state", "claimed"),
                evidence=c.get("evidence", ""),
            )
        )
    for a in _accreditation_rows(tool_id, t):
        session.add(Accreditation(**a))
    for s in t.get("skills_needed", []):
        session.add(ToolSkill(tool_id=tool_id, skill_id=skills[s["skill"]], level=s["level"]))
    for code in dict.fromkeys(t.get("training_offered", [])):
        session.add(ToolTraining(tool_id=tool_id, skill_id=skills[code]))


def _requirement_row(org_id: int, r: dict[str, Any], nodes: dict[str, int]) -> dict[str, Any]:
    return {
        "organisation_id": org_id,
        "code": r["code"],
        "title": r["title"],
        "description": r.get("description", ""),
        "source": r.get("source", ""),
        "capability_node_id": nodes[r["capability"]],
        "workstreams": r.get("workstreams") or [],
        "four_ps": r.get("four_ps") or [],
        "five_ds": r.get("five_ds") or [],
        "five_cs": r.get("five_cs") or [],
        "priority": r.get("priority", "should"),
        "weight": float(r.get("weight") or 1),
        "min_classification": r.get("min_classification"),
        "allowed_hosting": r.get("allowed_hosting") or [],
        "data_standards": r.get("data_standards") or [],
        "min_trl": r.get("min_trl"),
        "allowed_deployments": r.get("allowed_deployments") or [],
        "retired": False,
        "created_at": utcnow(),
        "version": 1,
    }


def _add_requirement(
    session: Session, org_id: int, r: dict[str, Any], nodes: dict[str, int], skills: dict[str, int]
) -> None:
    req = Requirement(**_requirement_row(org_id, r, nodes))
    session.add(req)
    session.flush()
    for s in r.get("skills") or []:
        session.add(
            RequirementSkill(
                requirement_id=require_id(req),
                skill_id=skills[s["skill"]],
                level=s["level"],
                people=s.get("people", 1),
            )
        )


# --- synthetic bulk load -----------------------------------------------------------------------


def _batched(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _next_id(session: Session, model: Any) -> int:
    return int(session.execute(select(func.coalesce(func.max(model.id), 0))).scalar_one()) + 1


def load_synthetic(
    engine: Engine, *, tools: int, seed: int = 42, batch: int = 5000, progress: Progress = NULL_PROGRESS
) -> dict[str, Any]:
    """Bulk-load N synthetic published tools (plus suppliers) in one transaction, with Core inserts."""
    from registry import synthetic

    started = time.perf_counter()
    n_suppliers = max(1, tools // 8)
    with session_scope(engine, write=True) as session:
        taxonomy = read_seed("taxonomy")
        skill_rows = synthetic.generate_skills(200, seed=seed, taxonomy=taxonomy)
        load_reference(session, taxonomy, skill_rows)
        nodes = {n.code: n.id for n in session.execute(select(CapabilityNode)).scalars()}
        skills = {s.code: s.id for s in session.execute(select(Skill)).scalars()}
        org_id, sup_id, tool_id = (_next_id(session, m) for m in (Organisation, Supplier, Tool))
        existing_numbers = set(session.execute(select(col(Supplier.companies_house_number))).scalars())
        sup_ids: dict[str, int] = {}
        org_rows, sup_rows = [], []
        for s in synthetic.iter_suppliers(n_suppliers, seed=seed):
            if s["companies_house_number"] in existing_numbers:
                continue
            org_rows.append({"id": org_id, "name": s["name"], "kind": "supplier", "created_at": utcnow(), "version": 1})
            sup_rows.append(
                {
                    "id": sup_id,
                    "organisation_id": org_id,
                    "name": s["name"],
                    "companies_house_number": s["companies_house_number"],
                    "address": s.get("address", ""),
                    "region": s.get("region", ""),
                    "website": s.get("website", ""),
                    "size_band": s["size_band"],
                    "employees": s.get("employees"),
                    "turnover_gbp": s.get("turnover_gbp"),
                    "clearances": s.get("clearances", []),
                    "verified": bool(s.get("verified")),
                    "status": "active",
                    "contact_name": s.get("contact_name", ""),
                    "contact_email": s.get("contact_email", ""),
                    "created_at": utcnow(),
                    "updated_at": utcnow(),
                    "version": 1,
                }
            )
            sup_ids[s["key"]] = sup_id
            org_id += 1
            sup_id += 1
        for chunk in _batched(org_rows, batch):
            session.execute(insert(Organisation), chunk)
        for chunk in _batched(sup_rows, batch):
            session.execute(insert(Supplier), chunk)
        fallback_supplier = next(iter(sup_ids.values()))
        tool_rows: list[dict[str, Any]] = []
        claims: list[dict[str, Any]] = []
        accs: list[dict[str, Any]] = []
        needs: list[dict[str, Any]] = []
        trains: list[dict[str, Any]] = []
        progress.start("Generating tools", tools)
        for t in synthetic.iter_tools(
            tools=tools,
            seed=seed,
            suppliers=n_suppliers,
            taxonomy=taxonomy,
            skill_codes=[s["code"] for s in skill_rows],
        ):
            row = _tool_row(t, sup_ids.get(t["supplier"], fallback_supplier))
            row["id"] = tool_id
            row["status"] = "published"
            tool_rows.append(row)
            claims += [
                {
                    "tool_id": tool_id,
                    "node_id": nodes[c["node"]],
                    "state": c.get("state", "claimed"),
                    "evidence": c.get("evidence", ""),
                }
                for c in t.get("capabilities", [])
            ]
            accs += _accreditation_rows(tool_id, t)
            needs += [
                {"tool_id": tool_id, "skill_id": skills[s["skill"]], "level": s["level"]}
                for s in t.get("skills_needed", [])
                if s["skill"] in skills
            ]
            trains += [
                {"tool_id": tool_id, "skill_id": skills[c]}
                for c in dict.fromkeys(t.get("training_offered", []))
                if c in skills
            ]
            tool_id += 1
            progress.advance()
            if len(tool_rows) >= batch:
                _flush_tools(session, tool_rows, claims, accs, needs, trains)
                tool_rows, claims, accs, needs, trains = [], [], [], [], []
        _flush_tools(session, tool_rows, claims, accs, needs, trains)
        _reset_sequences(session)
        changelog.bump_generation(session)
        changelog.record(
            session,
            SYSTEM,
            "seed",
            "registry",
            "synthetic",
            after={"tools": tools, "seed": seed},
            summary=f"Loaded {tools} synthetic tools",
        )
    return {"tools": tools, "suppliers": len(sup_rows), "seconds": round(time.perf_counter() - started, 2)}


def _flush_tools(session: Session, tools: list[dict[str, Any]], *children: list[dict[str, Any]]) -> None:
    if not tools:
        return
    session.execute(insert(Tool), tools)
    for model, rows in zip((CapabilityClaim, Accreditation, ToolSkill, ToolTraining), children, strict=True):
        if rows:
            session.execute(insert(model), rows)


def _reset_sequences(session: Session) -> None:
    """Explicit ids were inserted: move PostgreSQL sequences past them (SQLite needs nothing)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ("organisation", "supplier", "tool"):
        session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))")
        )
