"""Seed/synthetic JSON dicts → the plain documents the pure engines consume.

Used by the benchmark and by tests; services build documents from the database instead.
Taxonomy node ids are assigned in depth-first order starting at 1, so they are stable for
a given taxonomy file. Missing optional keys fall back to "no constraint"/empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from registry.enums import (
    Classification,
    Deployment,
    FiveC,
    FiveD,
    FourP,
    Hosting,
    MoSCoW,
    SizeBand,
    VerificationState,
)
from registry.search.documents import (
    AccreditationDoc,
    CapabilityClaimDoc,
    RequirementSpec,
    SkillNeed,
    ToolDoc,
)

Dict = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Taxonomy:
    ids: dict[str, int]  # code -> node id
    paths: dict[str, str]  # code -> "Parent › Child"
    subtree: dict[str, frozenset[int]]  # code -> the node id and all its descendants


def taxonomy(roots: Sequence[Dict]) -> Taxonomy:
    ids: dict[str, int] = {}
    paths: dict[str, str] = {}
    subtree: dict[str, frozenset[int]] = {}

    def walk(node: Dict, parent_path: str) -> set[int]:
        code = node["code"]
        ids[code] = len(ids) + 1
        paths[code] = f"{parent_path} › {node['name']}" if parent_path else node["name"]
        below = {ids[code]}
        for child in node.get("children", ()):
            below |= walk(child, paths[code])
        subtree[code] = frozenset(below)
        return below

    for root in roots:
        walk(root, "")
    return Taxonomy(ids, paths, subtree)


def _supplier_info(suppliers: Iterable[Dict]) -> dict[str, tuple[int, str, bool]]:
    info = {}
    for i, s in enumerate(suppliers, start=1):
        key = s.get("key") or s.get("code") or s["name"]
        band = s.get("size_band")
        sme = bool(s.get("sme", SizeBand(band).is_sme if band else False))
        info[key] = (i, s.get("name", key), sme)
    return info


def tool_doc(
    d: Dict,
    tool_id: int,
    tax: Taxonomy,
    suppliers: Mapping[str, tuple[int, str, bool]],
    today: date,
) -> ToolDoc:
    supplier_id, supplier_name, sme = suppliers.get(d.get("supplier", ""), (0, "", False))
    claims = tuple(
        CapabilityClaimDoc(
            tax.ids[c["node"]],
            c["node"],
            tax.paths[c["node"]],
            VerificationState(c.get("state", "claimed")),
        )
        for c in d.get("capabilities", ())
        if c["node"] in tax.ids
    )
    accreditations = tuple(
        AccreditationDoc(
            a["name"],
            None if a.get("expires_in_days") is None else today + timedelta(days=a["expires_in_days"]),
            bool(a.get("mandatory", False)),
        )
        for a in d.get("accreditations", ())
    )
    reviewed = d.get("last_reviewed_days_ago")
    return ToolDoc(
        id=tool_id,
        name=d["name"],
        supplier_id=supplier_id,
        supplier_name=supplier_name,
        summary=d.get("summary", ""),
        description=d.get("description", ""),
        category=d.get("category", ""),
        capabilities=claims,
        classification=Classification.parse(d.get("classification", "OFFICIAL")),
        trl=int(d.get("trl", 1)),
        deployments=tuple(Deployment(v) for v in d.get("deployments", ())),
        hosting=Hosting(d.get("hosting", "uk")),
        data_standards=tuple(d.get("data_standards", ())),
        workstreams=tuple(d.get("workstreams", ())),
        four_ps=tuple(FourP(v) for v in d.get("four_ps", ())),
        five_ds=tuple(FiveD(v) for v in d.get("five_ds", ())),
        accreditations=accreditations,
        price_capital=float(d.get("price_capital", 0.0)),
        price_annual=float(d.get("price_annual", 0.0)),
        sme=sme,
        skills_needed=tuple(SkillNeed(s["skill"], int(s["level"])) for s in d.get("skills_needed", ())),
        training_offered=tuple(d.get("training_offered", ())),
        last_reviewed=None if reviewed is None else today - timedelta(days=reviewed),
    )


def requirement_spec(d: Dict, req_id: int, tax: Taxonomy) -> RequirementSpec:
    node = d.get("capability")
    min_cls = d.get("min_classification")
    return RequirementSpec(
        id=req_id,
        code=d["code"],
        title=d["title"],
        description=d.get("description", ""),
        capability_node_ids=tax.subtree.get(node, frozenset()) if node else frozenset(),
        capability_path=tax.paths.get(node, "") if node else "",
        priority=MoSCoW(d.get("priority", "should")),
        weight=float(d.get("weight", 1.0)),
        workstreams=tuple(d.get("workstreams", ())),
        four_ps=tuple(FourP(v) for v in d.get("four_ps", ())),
        five_ds=tuple(FiveD(v) for v in d.get("five_ds", ())),
        five_cs=tuple(FiveC(v) for v in d.get("five_cs", ())),
        min_classification=Classification.parse(min_cls) if min_cls else None,
        allowed_hosting=tuple(Hosting(v) for v in d.get("allowed_hosting", ()) or ()),
        required_data_standards=tuple(d.get("data_standards", ()) or ()),
        min_trl=d.get("min_trl"),
        allowed_deployments=tuple(Deployment(v) for v in d.get("allowed_deployments", ()) or ()),
        skills=tuple(SkillNeed(s["skill"], int(s["level"]), int(s.get("people", 1))) for s in d.get("skills", ())),
    )


@dataclass(frozen=True, slots=True)
class Converted:
    taxonomy: Taxonomy
    tools: list[ToolDoc]
    requirements: list[RequirementSpec]
    skill_names: dict[str, str]


def convert(data: Any, today: date, *, published_only: bool = True) -> Converted:
    """Convert an object with ``.taxonomy/.skills/.suppliers/.tools/.requirements`` lists."""
    tax = taxonomy(data.taxonomy)
    suppliers = _supplier_info(data.suppliers)
    tools = [
        tool_doc(d, i, tax, suppliers, today)
        for i, d in enumerate(data.tools, start=1)
        if not published_only or d.get("status", "published") == "published"
    ]
    reqs = [requirement_spec(d, i, tax) for i, d in enumerate(data.requirements, start=1)]
    names = {s.get("code", ""): s.get("name", s.get("code", "")) for s in data.skills}
    return Converted(tax, tools, reqs, names)


def requirement_snapshot(r: RequirementSpec) -> dict[str, Any]:
    """What a run's inputs snapshot (and the reports built from it) keep of a requirement."""
    return {
        "code": r.code,
        "title": r.title,
        "priority": r.priority.value,
        "weight": r.weight,
        "capability": r.capability_path,
        "workstreams": list(r.workstreams),
    }
