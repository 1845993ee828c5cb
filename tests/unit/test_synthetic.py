"""The synthetic generator is deterministic, valid and shaped like the seed data."""

from __future__ import annotations

import itertools
import json
import re
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
    PricingModel,
    SizeBand,
    ToolStatus,
    VerificationState,
)
from registry.synthetic import (
    SyntheticData,
    generate,
    generate_skills,
    iter_suppliers,
    iter_tools,
    load_seed,
)

CH_NUMBER = re.compile(r"^(\d{8}|(SC|NI|OC)\d{6})$")


def values(enum: type) -> set[str]:
    return {m.value for m in enum}


def node_codes(tree: list[dict]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for node in tree:
        out[node["code"]] = node
        out.update(node_codes(node.get("children") or []))
    return out


@pytest.fixture(scope="module")
def big() -> SyntheticData:
    return generate(tools=10_000, requirements=300, seed=7)


def test_same_seed_gives_identical_output() -> None:
    a = generate(tools=500, requirements=40, seed=3)
    b = generate(tools=500, requirements=40, seed=3)
    assert json.dumps(a.tools) == json.dumps(b.tools)
    assert json.dumps(a.suppliers) == json.dumps(b.suppliers)
    assert json.dumps(a.requirements) == json.dumps(b.requirements)
    assert a.skills == b.skills


def test_different_seed_gives_different_output() -> None:
    a = generate(tools=300, requirements=20, seed=1)
    b = generate(tools=300, requirements=20, seed=2)
    assert [t["name"] for t in a.tools] != [t["name"] for t in b.tools]
    assert [s["name"] for s in a.suppliers] != [s["name"] for s in b.suppliers]
    assert [r["capability"] for r in a.requirements] != [r["capability"] for r in b.requirements]


def test_prefix_stable_and_streaming_matches_list() -> None:
    # Crosses a chunk boundary, so per-chunk seeding is exercised.
    small = list(iter_tools(tools=5000, seed=9, suppliers=50))
    large = list(itertools.islice(iter_tools(tools=20_000, seed=9, suppliers=50), 5000))
    assert small == large
    assert generate(tools=5000, seed=9, suppliers=50).tools == small


def test_counts_and_keys() -> None:
    d = generate(tools=100, requirements=12, skills=30)
    assert len(d.tools) == 100 and len(d.requirements) == 12
    assert len(d.suppliers) == 100 // 8
    assert len(d.skills) == 30 + len(load_seed("skills"))
    assert [t["key"] for t in d.tools[:2]] == ["SYN-T0000001", "SYN-T0000002"]
    assert d.suppliers[0]["key"] == "SYN-S000001" and d.requirements[0]["code"] == "SYN-R000001"
    assert [s["code"] for s in d.skills if re.match(r"^SK-\d{4}$", s["code"])][:2] == [
        "SK-0001",
        "SK-0002",
    ]
    assert len(generate(tools=3).suppliers) == 1
    assert len(generate(tools=40, suppliers=5).suppliers) == 5
    assert generate(tools=0).tools == []


def test_default_taxonomy_is_the_seed_taxonomy() -> None:
    assert generate(tools=1).taxonomy == load_seed("taxonomy")


def test_custom_taxonomy_is_used_for_claims_and_targets() -> None:
    tax = [
        {
            "code": "A",
            "name": "Alpha",
            "description": "",
            "children": [
                {"code": "A.X", "name": "Ex", "description": "", "children": []},
                {"code": "A.Y", "name": "Why", "description": "", "children": []},
            ],
        },
    ]
    d = generate(tools=200, requirements=50, taxonomy=tax)
    assert d.taxonomy is tax
    assert {c["node"] for t in d.tools for c in t["capabilities"]} == {"A.X", "A.Y"}
    assert {r["capability"] for r in d.requirements} <= {"A", "A.X", "A.Y"}
    assert {t["category"] for t in d.tools} == {"Alpha"}


def test_tools_valid(big: SyntheticData) -> None:
    nodes = node_codes(big.taxonomy)
    sup_keys = {s["key"] for s in big.suppliers}
    skills = {s["code"] for s in big.skills}
    assert len({t["key"] for t in big.tools}) == len(big.tools)
    for t in big.tools:
        assert t["supplier"] in sup_keys
        assert t["name"] and t["summary"] and t["description"] and t["category"]
        claimed = [c["node"] for c in t["capabilities"]]
        assert claimed and len(claimed) == len(set(claimed))
        for c in t["capabilities"]:
            assert not nodes[c["node"]]["children"], "tools claim leaves only"
            assert c["state"] in values(VerificationState)
        assert 3 <= t["trl"] <= 9
        assert t["deployments"] and set(t["deployments"]) <= values(Deployment)
        assert t["hosting"] in values(Hosting)
        assert t["classification"] in Classification.__members__
        assert t["data_standards"] and set(t["data_standards"]) <= set(DATA_STANDARDS)
        assert t["pricing_model"] in values(PricingModel)
        if t["pricing_model"] == PricingModel.FREE_OPEN_SOURCE.value:
            assert t["price_capital"] == 0 and t["price_annual"] == 0
        assert 0 <= t["price_annual"] <= 400_000 and t["price_capital"] >= 0
        assert t["workstreams"] and set(t["workstreams"]) <= set(WORKSTREAMS)
        assert t["four_ps"] and set(t["four_ps"]) <= values(FourP)
        assert t["five_ds"] and set(t["five_ds"]) <= values(FiveD)
        for need in t["skills_needed"]:
            assert need["skill"] in skills and 1 <= need["level"] <= 7
        assert set(t["training_offered"]) <= skills
        assert t["status"] in values(ToolStatus)
        assert t["accreditations"][0]["name"] == "Cyber Essentials Plus"
        assert all(isinstance(a["expires_in_days"], int) for a in t["accreditations"])
        assert 0 <= t["last_reviewed_days_ago"] < 1000


def test_tool_values_are_spread(big: SyntheticData) -> None:
    tools = big.tools
    assert {t["status"] for t in tools} == values(ToolStatus)
    assert {t["classification"] for t in tools} == set(Classification.__members__)
    assert {t["hosting"] for t in tools} == values(Hosting)
    assert {w for t in tools for w in t["workstreams"]} == set(WORKSTREAMS)
    leaves = {c for c, n in node_codes(big.taxonomy).items() if not n["children"]}
    assert {c["node"] for t in tools for c in t["capabilities"]} == leaves
    expired = sum(t["accreditations"][0]["expires_in_days"] < 0 for t in tools)
    assert 0.1 < expired / len(tools) < 0.4
    published = sum(t["status"] == "published" for t in tools)
    assert 0.75 < published / len(tools) < 0.95


def test_names_mostly_unique_and_varied(big: SyntheticData) -> None:
    names = [t["name"] for t in big.tools]
    assert len(set(names)) / len(names) >= 0.95
    brands = {n.split()[0] for n in names}
    nouns = {n.split()[1] for n in names}
    assert len(brands) > 1000 and len(nouns) > 40


def test_summaries_mention_capabilities_and_some_acronyms(big: SyntheticData) -> None:
    leaf_names = {n["name"] for n in node_codes(big.taxonomy).values() if not n["children"]}
    for t in big.tools[:500]:
        assert any(t["summary"].startswith(name) for name in leaf_names)
    with_acronym = sum(bool(re.search(r"\([A-Za-z]{2,6}\)$", t["summary"])) for t in big.tools)
    assert 0.2 < with_acronym / len(big.tools) < 0.5
    for acronym in ("ANPR", "OSINT", "CSAM", "SAR", "POLE", "AML"):
        assert any(f"({acronym})" in t["summary"] for t in big.tools), acronym


def test_suppliers_valid(big: SyntheticData) -> None:
    sups = big.suppliers
    for field in ("key", "companies_house_number", "website"):
        column = [s[field] for s in sups]
        assert len(column) == len(set(column)), field
    bands = {"micro": (1, 9), "small": (10, 49), "medium": (50, 249), "large": (250, 5000)}
    for s in sups:
        assert CH_NUMBER.match(s["companies_house_number"])
        assert re.match(r"^https://[a-z0-9-]+\.example$", s["website"])
        lo, hi = bands[s["size_band"]]
        assert s["size_band"] in values(SizeBand) and lo <= s["employees"] <= hi
        assert set(s["clearances"]) <= values(Clearance) and s["clearances"]
        assert s["contact_email"].endswith(".example")
    smes = sum(SizeBand(s["size_band"]).is_sme for s in sups)
    assert smes / len(sups) > 0.8


def test_companies_house_numbers_unique_at_scale() -> None:
    numbers = [s["companies_house_number"] for s in iter_suppliers(60_000, seed=5)]
    assert len(numbers) == len(set(numbers))
    with pytest.raises(ValueError):
        next(iter_suppliers(1_000_001))


def test_requirements_valid(big: SyntheticData) -> None:
    nodes = node_codes(big.taxonomy)
    skills = {s["code"] for s in big.skills}
    seed_keys = set(load_seed("requirements")[0])
    for r in big.requirements:
        assert set(r) == seed_keys, "same shape as seed_data/requirements.json"
        assert r["capability"] in nodes
        assert set(r["workstreams"]) <= set(WORKSTREAMS)
        assert set(r["four_ps"]) <= values(FourP) and set(r["five_ds"]) <= values(FiveD)
        assert set(r["five_cs"]) <= values(FiveC) and r["priority"] in values(MoSCoW)
        cls = r["min_classification"]
        assert cls is None or cls in Classification.__members__
        assert set(r["allowed_hosting"]) <= values(Hosting)
        assert set(r["allowed_deployments"]) <= values(Deployment)
        assert set(r["data_standards"]) <= set(DATA_STANDARDS)
        assert r["min_trl"] is None or 4 <= r["min_trl"] <= 9
        assert all(s["skill"] in skills for s in r["skills"])
    assert {r["capability"] for r in big.requirements} & {n["code"] for n in big.taxonomy}


def test_same_shapes_as_seed_files(big: SyntheticData) -> None:
    def keys(rows: list[dict[str, Any]]) -> set[str]:
        return set(rows[0])

    assert keys(big.tools) == keys(load_seed("tools"))
    assert keys(big.suppliers) == keys(load_seed("suppliers"))
    assert keys(big.skills[-1:]) == keys(load_seed("skills"))
    seed_tool = load_seed("tools")[0]
    assert set(big.tools[0]["capabilities"][0]) == set(seed_tool["capabilities"][0])
    assert set(big.tools[0]["accreditations"][0]) == set(seed_tool["accreditations"][0])


def test_synthetic_skill_names_unique_even_past_the_word_space() -> None:
    rows = generate_skills(1000, seed=1)
    synthetic = [s for s in rows if re.match(r"^SK-\d{4}$", s["code"])]
    assert len(synthetic) == 1000
    assert len({s["name"] for s in synthetic}) == 1000
    assert len({s["code"] for s in rows}) == len(rows)
