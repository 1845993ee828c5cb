"""The demo seed data loads, meets its minimum sizes and every reference resolves."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from registry.enums import (
    DATA_STANDARDS,
    WORKSTREAMS,
    Classification,
    Clearance,
    Deployment,
    FiveC,
    FiveD,
    FourP,
    Hosting,
    MoSCoW,
    OrgKind,
    PricingModel,
    Role,
    SizeBand,
    ToolStatus,
    VerificationState,
)

SEED = Path(__file__).resolve().parents[2] / "seed_data"
FILES = (
    "taxonomy",
    "skills",
    "synonyms",
    "suppliers",
    "tools",
    "requirements",
    "organisations",
    "users",
)
CH_NUMBER = re.compile(r"^(\d{8}|(SC|NI|OC)\d{6})$")


def load(name: str) -> Any:
    return json.loads((SEED / f"{name}.json").read_text(encoding="utf-8"))


def walk(nodes: list[dict], parent: str | None = None) -> Iterator[tuple[dict, str | None]]:
    for node in nodes:
        yield node, parent
        yield from walk(node["children"], node["code"])


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    return {name: load(name) for name in FILES}


@pytest.fixture(scope="module")
def nodes(data: dict[str, Any]) -> dict[str, dict]:
    return {n["code"]: n for n, _ in walk(data["taxonomy"])}


@pytest.fixture(scope="module")
def skill_codes(data: dict[str, Any]) -> set[str]:
    return {s["code"] for s in data["skills"]}


def values(enum: type) -> set[str]:
    return {m.value for m in enum}


@pytest.mark.parametrize("name", FILES)
def test_every_file_is_valid_json(name: str) -> None:
    assert load(name), f"{name}.json is empty"


def test_minimum_counts(data: dict[str, Any], nodes: dict[str, dict]) -> None:
    assert len(nodes) >= 45
    assert len(data["skills"]) >= 35
    assert len(data["synonyms"]) >= 25
    assert len(data["suppliers"]) >= 28
    assert len(data["tools"]) >= 90
    assert len(data["requirements"]) >= 64


def test_taxonomy_codes_unique_dotted_and_nested(data: dict[str, Any]) -> None:
    codes = [n["code"] for n, _ in walk(data["taxonomy"])]
    assert len(codes) == len(set(codes))
    for node, parent in walk(data["taxonomy"]):
        assert node["name"] and node["description"]
        if parent is None:
            assert "." not in node["code"]
        else:
            assert node["code"].startswith(parent + "."), node["code"]
    top = {n["name"].lower() for n in data["taxonomy"]}
    for area in (
        "intelligence analysis",
        "data management and sharing",
        "digital forensics",
        "open source intelligence",
        "financial investigation",
        "case management",
        "victim support",
        "training",
    ):
        assert area in top


def test_skills_unique_and_complete(data: dict[str, Any]) -> None:
    codes = [s["code"] for s in data["skills"]]
    assert len(codes) == len(set(codes))
    for s in data["skills"]:
        assert s["code"].startswith("SK-") and s["name"] and s["category"] and s["description"]


def test_synonyms_are_lists_of_phrases(data: dict[str, Any]) -> None:
    for acronym in ("ANPR", "OSINT", "CSAM", "SAR", "POLE", "AML", "CDR", "MSHT"):
        assert data["synonyms"][acronym]
    for key, phrases in data["synonyms"].items():
        assert isinstance(phrases, list) and phrases, key
        assert all(isinstance(p, str) and p.strip() for p in phrases), key


def test_suppliers_valid(data: dict[str, Any]) -> None:
    sups = data["suppliers"]
    for field in ("key", "name", "companies_house_number", "website"):
        column = [s[field] for s in sups]
        assert len(column) == len(set(column)), f"duplicate {field}"
    bands = {"micro": (0, 9), "small": (10, 49), "medium": (50, 249), "large": (250, 10**7)}
    for s in sups:
        assert CH_NUMBER.match(s["companies_house_number"]), s["companies_house_number"]
        assert re.match(r"^https://[a-z0-9-]+\.example$", s["website"]), s["website"]
        assert s["contact_email"].endswith(".example")
        assert s["size_band"] in values(SizeBand)
        lo, hi = bands[s["size_band"]]
        assert lo <= s["employees"] <= hi, s["name"]
        assert set(s["clearances"]) <= values(Clearance)
        assert isinstance(s["verified"], bool) and s["turnover_gbp"] > 0
    smes = [s for s in sups if SizeBand(s["size_band"]).is_sme]
    assert len(smes) > len(sups) * 0.75, "most suppliers should be SMEs"


def test_tools_reference_and_enum_validity(data: dict[str, Any], nodes: dict[str, dict], skill_codes: set[str]) -> None:
    sup_keys = {s["key"] for s in data["suppliers"]}
    keys = [t["key"] for t in data["tools"]]
    assert len(keys) == len(set(keys))
    names = [t["name"].lower() for t in data["tools"]]
    assert len(names) == len(set(names))
    standards = set(DATA_STANDARDS)
    for t in data["tools"]:
        assert t["supplier"] in sup_keys, t["key"]
        assert t["summary"] and t["description"].count(".") >= 2, t["key"]
        assert t["capabilities"], t["key"]
        for c in t["capabilities"]:
            assert c["node"] in nodes, c["node"]
            assert not nodes[c["node"]]["children"], f"{t['key']} claims non-leaf {c['node']}"
            assert c["state"] in values(VerificationState)
        assert 1 <= t["trl"] <= 9
        assert t["deployments"] and set(t["deployments"]) <= values(Deployment)
        assert t["hosting"] in values(Hosting)
        Classification[t["classification"]]  # a KeyError fails the test
        assert set(t["data_standards"]) <= standards
        assert t["pricing_model"] in values(PricingModel)
        assert 0 <= t["price_capital"] <= 400_000 and 0 <= t["price_annual"] <= 400_000
        assert t["workstreams"] and set(t["workstreams"]) <= set(WORKSTREAMS)
        assert set(t["four_ps"]) <= values(FourP) and set(t["five_ds"]) <= values(FiveD)
        for need in t["skills_needed"]:
            assert need["skill"] in skill_codes and 1 <= need["level"] <= 7
        assert set(t["training_offered"]) <= skill_codes
        assert t["status"] in values(ToolStatus)
        for a in t["accreditations"]:
            assert a["name"] and isinstance(a["expires_in_days"], int)
            assert isinstance(a["mandatory"], bool)
        assert t["last_reviewed_days_ago"] >= 0


def test_tools_cover_every_leaf_workstream_area_and_supplier(data: dict[str, Any], nodes: dict[str, dict]) -> None:
    tools = data["tools"]
    claimed = {c["node"] for t in tools for c in t["capabilities"]}
    leaves = {code for code, n in nodes.items() if not n["children"]}
    assert leaves <= claimed, f"unclaimed leaves: {sorted(leaves - claimed)}"
    published = [t for t in tools if t["status"] == "published"]
    assert set(WORKSTREAMS) <= {w for t in published for w in t["workstreams"]}
    areas = {c["node"].split(".")[0] for t in published for c in t["capabilities"]}
    assert {n["code"] for n in data["taxonomy"]} <= areas
    assert {s["key"] for s in data["suppliers"]} <= {t["supplier"] for t in tools}


def test_tools_include_the_demo_edge_cases(data: dict[str, Any]) -> None:
    tools = data["tools"]
    expired = [t for t in tools if any(a["expires_in_days"] < 0 for a in t["accreditations"])]
    stale = [t for t in tools if t["last_reviewed_days_ago"] > 365]
    unpublished = [t for t in tools if t["status"] in ("draft", "submitted")]
    retired = [t for t in tools if t["status"] == "retired"]
    assert 6 <= len(expired) <= 12 and 6 <= len(stale) <= 12
    assert 4 <= len(unpublished) <= 10 and 2 <= len(retired) <= 5
    prices = [t["price_capital"] + t["price_annual"] for t in tools]
    assert min(prices) == 0 and max(t["price_annual"] for t in tools) >= 300_000
    assert {t["classification"] for t in tools} == {c.name for c in Classification}
    assert {"eea", "other"} <= {t["hosting"] for t in tools}
    trls = {t["trl"] for t in tools}
    assert min(trls) <= 3 and max(trls) == 9


@pytest.mark.parametrize("acronym", ["ANPR", "OSINT", "CSAM", "SAR", "POLE", "AML", "CDR", "MoRiLE", "NRM", "AIS"])
def test_acronyms_appear_in_tool_summaries(data: dict[str, Any], acronym: str) -> None:
    assert any(re.search(rf"\b{acronym}\b", t["summary"]) for t in data["tools"])


def test_requirements_valid(data: dict[str, Any], nodes: dict[str, dict], skill_codes: set[str]) -> None:
    codes = [r["code"] for r in data["requirements"]]
    assert len(codes) == len(set(codes))
    for r in data["requirements"]:
        assert re.match(r"^IM-\d{3}$", r["code"]) and r["title"] and r["description"]
        assert r["source"] and r["capability"] in nodes
        assert set(r["workstreams"]) <= set(WORKSTREAMS)
        assert set(r["four_ps"]) <= values(FourP) and set(r["five_ds"]) <= values(FiveD)
        assert set(r["five_cs"]) <= values(FiveC)
        assert r["priority"] in values(MoSCoW) and r["weight"] > 0
        if r["min_classification"] is not None:
            Classification[r["min_classification"]]
        assert set(r["allowed_hosting"]) <= values(Hosting)
        assert set(r["allowed_deployments"]) <= values(Deployment)
        assert set(r["data_standards"]) <= set(DATA_STANDARDS)
        assert r["min_trl"] is None or 1 <= r["min_trl"] <= 9
        for s in r["skills"]:
            assert s["skill"] in skill_codes and 1 <= s["level"] <= 7 and s["people"] >= 1


def _covers(tool: dict, req: dict) -> bool:
    """Published tool claims the target node or a descendant and meets every hard constraint."""
    target = req["capability"]
    return (
        tool["status"] == "published"
        and any(c["node"] == target or c["node"].startswith(target + ".") for c in tool["capabilities"])
        and (
            req["min_classification"] is None
            or Classification[tool["classification"]] >= Classification[req["min_classification"]]
        )
        and (not req["allowed_hosting"] or tool["hosting"] in req["allowed_hosting"])
        and set(req["data_standards"]) <= set(tool["data_standards"])
        and (req["min_trl"] is None or tool["trl"] >= req["min_trl"])
        and (not req["allowed_deployments"] or bool(set(req["allowed_deployments"]) & set(tool["deployments"])))
    )


def test_catalogue_covers_most_but_not_all_requirements(data: dict[str, Any]) -> None:
    reqs = data["requirements"]
    covered = [r for r in reqs if any(_covers(t, r) for t in data["tools"])]
    fraction = len(covered) / len(reqs)
    assert 0.7 <= fraction <= 0.95, fraction


def test_organisations_reference_existing_records(data: dict[str, Any], skill_codes: set[str]) -> None:
    orgs = {o["key"]: o for o in data["organisations"]}
    assert orgs["PLATFORM"]["kind"] == OrgKind.PLATFORM.value
    req_codes = {r["code"] for r in data["requirements"]}
    tools = {t["key"]: t for t in data["tools"]}
    buyers = [o for o in orgs.values() if o["kind"] == OrgKind.BUYER.value]
    assert {o["key"] for o in buyers} == {"NWROCU", "SCDEA"}
    for org in buyers:
        assert len(org["requirements"]) >= 40
        assert set(org["requirements"]) <= req_codes
        assert len(org["requirements"]) == len(set(org["requirements"]))
        assert 6 <= len(org["inventory"]) <= 10
        for item in org["inventory"]:
            assert item["tool"] in tools and item["seats"] > 0
        ends = [i["licence_end_in_days"] for i in org["inventory"]]
        assert any(0 <= d <= 90 for d in ends), "one licence should end within 90 days"
        assert any(d < 0 for d in ends), "one licence should already have expired"
        assert len(org["workforce"]) >= 20
        for w in org["workforce"]:
            assert w["skill"] in skill_codes and 1 <= w["level"] <= 7 and w["people"] >= 1


def test_users_cover_every_role_and_orgs_exist(data: dict[str, Any]) -> None:
    org_keys = {o["key"] for o in data["organisations"]} | {s["key"] for s in data["suppliers"]}
    emails = [u["email"] for u in data["users"]]
    assert len(emails) == len(set(emails))
    for u in data["users"]:
        assert u["role"] in values(Role) and u["org"] in org_keys and u["name"]
        assert u["email"].endswith(".example")
        assert "password" not in u
    assert {u["role"] for u in data["users"]} == values(Role)
    supplier_keys = {s["key"] for s in data["suppliers"]}
    supplier_users = [u for u in data["users"] if u["role"] == Role.SUPPLIER.value]
    assert len({u["org"] for u in supplier_users}) >= 3
    assert all(u["org"] in supplier_keys for u in supplier_users)
    for org in ("NWROCU", "SCDEA"):
        roles = {u["role"] for u in data["users"] if u["org"] == org}
        assert {"procurement_officer", "capability_lead"} <= roles
    platform = {u["role"] for u in data["users"] if u["org"] == "PLATFORM"}
    assert {"moderator", "admin"} <= platform
