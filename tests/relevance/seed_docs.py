"""Turn seed-shaped dicts (seed_data/*.json, registry.synthetic) into ToolDocs.

A small local converter so the relevance test and the benchmark need no database.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from registry.enums import (
    Classification,
    Deployment,
    FiveD,
    FourP,
    Hosting,
    PricingModel,
    SizeBand,
    VerificationState,
)
from registry.search.documents import AccreditationDoc, CapabilityClaimDoc, SkillNeed, ToolDoc

SEED_DIR = Path(__file__).resolve().parents[2] / "seed_data"


def key_number(key: str) -> int:
    """'T042' -> 42, 'S07' -> 7 (seed keys carry a numeric suffix)."""
    digits = "".join(ch for ch in str(key) if ch.isdigit())
    return int(digits)


def taxonomy_paths(taxonomy: Iterable[Mapping[str, Any]]) -> dict[str, tuple[int, str]]:
    """code -> (node id, 'Parent › Child' path) for a nested taxonomy list."""
    out: dict[str, tuple[int, str]] = {}

    def walk(node: Mapping[str, Any], trail: tuple[str, ...]) -> None:
        path = (*trail, node["name"])
        out[node["code"]] = (len(out) + 1, " › ".join(path))
        for child in node.get("children", ()):
            walk(child, path)

    for root in taxonomy:
        walk(root, ())
    return out


def tool_doc(
    row: Mapping[str, Any],
    supplier: Mapping[str, Any],
    paths: Mapping[str, tuple[int, str]],
    today: date,
) -> ToolDoc:
    claims = tuple(
        CapabilityClaimDoc(
            node_id=paths.get(c["node"], (0, ""))[0],
            code=c["node"],
            path=paths.get(c["node"], (0, c["node"]))[1],
            state=VerificationState(c.get("state", "claimed")),
        )
        for c in row.get("capabilities", ())
    )
    accreditations = tuple(
        AccreditationDoc(
            name=a["name"],
            expires_on=None if a.get("expires_in_days") is None else today + timedelta(days=a["expires_in_days"]),
            mandatory=bool(a.get("mandatory", False)),
        )
        for a in row.get("accreditations", ())
    )
    reviewed = row.get("last_reviewed_days_ago")
    return ToolDoc(
        id=key_number(row["key"]),
        name=row["name"],
        supplier_id=key_number(supplier["key"]),
        supplier_name=supplier["name"],
        summary=row.get("summary", ""),
        description=row.get("description", ""),
        category=row.get("category", ""),
        capabilities=claims,
        classification=Classification.parse(row.get("classification", "OFFICIAL")),
        trl=int(row.get("trl", 1)),
        deployments=tuple(Deployment(d) for d in row.get("deployments", ())),
        hosting=Hosting(row.get("hosting", "uk")),
        data_standards=tuple(row.get("data_standards", ())),
        workstreams=tuple(row.get("workstreams", ())),
        four_ps=tuple(FourP(p) for p in row.get("four_ps", ())),
        five_ds=tuple(FiveD(d) for d in row.get("five_ds", ())),
        accreditations=accreditations,
        pricing_model=PricingModel(row["pricing_model"]) if row.get("pricing_model") else None,
        price_capital=float(row.get("price_capital", 0) or 0),
        price_annual=float(row.get("price_annual", 0) or 0),
        sme=SizeBand(supplier.get("size_band", "large")).is_sme,
        verified=bool(supplier.get("verified", False)),
        skills_needed=tuple(SkillNeed(s["skill"], int(s["level"])) for s in row.get("skills_needed", ())),
        training_offered=tuple(row.get("training_offered", ())),
        last_reviewed=None if reviewed is None else today - timedelta(days=reviewed),
    )


def tool_docs(
    tools: Iterable[Mapping[str, Any]],
    suppliers: Iterable[Mapping[str, Any]],
    taxonomy: Iterable[Mapping[str, Any]],
    today: date,
    *,
    published_only: bool = True,
) -> list[ToolDoc]:
    by_key = {s["key"]: s for s in suppliers}
    paths = taxonomy_paths(taxonomy)
    return [
        tool_doc(row, by_key[row["supplier"]], paths, today)
        for row in tools
        if not published_only or row.get("status", "published") == "published"
    ]


def load_seed(name: str) -> Any:
    return json.loads((SEED_DIR / f"{name}.json").read_text(encoding="utf-8"))


def seed_tool_docs(today: date) -> list[ToolDoc]:
    return tool_docs(load_seed("tools"), load_seed("suppliers"), load_seed("taxonomy"), today)
