"""Gap engine: a hand-worked scenario, JSON round trip, diff, and properties."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.engine import (
    AssessmentInput,
    AssessmentResult,
    InventoryItem,
    SkillHolding,
    assess,
    diff,
)
from registry.enums import (
    Classification,
    FiveC,
    FiveD,
    FourP,
    Hosting,
    MoSCoW,
    VerificationState,
)
from registry.search.documents import (
    CapabilityClaimDoc,
    RequirementSpec,
    SkillNeed,
    ToolDoc,
)

TODAY = date(2025, 6, 1)
# Taxonomy: 1 INT (root) › 2 INT.NET, 3 INT.OSINT; 4 FIN.TX
INT, NET, OSINT, FINTX = 1, 2, 3, 4


def claim(node: int, state: str) -> CapabilityClaimDoc:
    return CapabilityClaimDoc(node, f"N{node}", f"Node {node}", VerificationState(state))


def tool(tool_id: int, name: str, node: int, state: str, **kw: object) -> ToolDoc:
    base: dict[str, object] = {
        "supplier_id": tool_id * 10,
        "supplier_name": f"Supplier of {name}",
        "capabilities": (claim(node, state),),
        "classification": Classification.SECRET,
        "trl": 9,
        "hosting": Hosting.UK,
    }
    base.update(kw)
    return ToolDoc(id=tool_id, name=name, **base)  # type: ignore[arg-type]


def req(code: str, nodes: set[int], priority: MoSCoW, weight: float, **kw: object) -> RequirementSpec:
    return RequirementSpec(
        id=int(code[1:]),
        code=code,
        title=f"Requirement {code}",
        capability_node_ids=frozenset(nodes),
        priority=priority,
        weight=weight,
        **kw,  # type: ignore[arg-type]
    )


P, D, C = FourP, FiveD, FiveC
REQUIREMENTS = [
    req("R1", {NET}, MoSCoW.MUST, 1, min_trl=7, workstreams=("ECON",), four_ps=(P.PURSUE,),
        five_ds=(D.DETECT,), five_cs=(C.CAPABILITIES,), skills=(SkillNeed("SNA", 4, 2),)),
    req("R2", {OSINT}, MoSCoW.SHOULD, 2, allowed_hosting=(Hosting.UK,), workstreams=("CYBER",),
        four_ps=(P.PURSUE,), five_ds=(D.DISRUPT,), five_cs=(C.CAPACITY,),
        skills=(SkillNeed("OSINT", 3, 1),)),
    req("R3", {FINTX}, MoSCoW.COULD, 1, workstreams=("ECON",), four_ps=(P.PREVENT,),
        five_ds=(D.DETER,), five_cs=(C.CAPABILITIES,)),
    req("R4", {INT, NET, OSINT}, MoSCoW.WONT, 1, workstreams=("ECON",), four_ps=(P.PURSUE,),
        five_ds=(D.DETECT,), skills=(SkillNeed("OSINT", 5, 4),)),
    req("R5", {NET}, MoSCoW.SHOULD, 1, required_data_standards=("STIX",),
        workstreams=("CYBER",), four_ps=(P.PROTECT,), five_ds=(D.DETECT,),
        five_cs=(C.CAPACITY,)),
]  # fmt: skip

GRAPHWISE = tool(1, "Graphwise", NET, "verified", trl=8, data_standards=("POLE",),
                 skills_needed=(SkillNeed("SNA", 3),), training_offered=("SNA",))  # fmt: skip
OPENEYE = tool(2, "OpenEye", OSINT, "claimed", hosting=Hosting.EEA)
LEDGERSCAN = tool(3, "LedgerScan", FINTX, "evidenced", skills_needed=(SkillNeed("FIN", 2),))
INVENTORY = [
    InventoryItem(GRAPHWISE, licence_end=None, seats=25),
    InventoryItem(OPENEYE, licence_end=TODAY + timedelta(days=30)),
    InventoryItem(LEDGERSCAN, licence_end=TODAY - timedelta(days=1)),  # expired yesterday
]
WORKFORCE = [SkillHolding("SNA", 5, 1), SkillHolding("SNA", 3, 2), SkillHolding("OSINT", 2, 3)]
CATALOGUE = [
    GRAPHWISE,  # already owned: must never be offered as a candidate
    tool(11, "NetLens", NET, "verified", data_standards=("STIX", "POLE")),
    tool(12, "NodeMap", NET, "evidenced", trl=6, data_standards=("STIX",)),
    tool(13, "OsintPro", OSINT, "verified", trl=8, training_offered=("OSINT",)),
    tool(14, "Skimmer", OSINT, "claimed", trl=5),
]


def scenario(**kw: object) -> AssessmentInput:
    base = AssessmentInput(
        requirements=REQUIREMENTS,
        inventory=INVENTORY,
        workforce=WORKFORCE,
        candidates=CATALOGUE,
        today=TODAY,
        skill_names={"SNA": "Social network analysis"},
    )
    return replace(base, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def result() -> AssessmentResult:
    return assess(scenario())


def test_coverage_states_and_reasons(result: AssessmentResult) -> None:
    by = {c.requirement_code: c for c in result.coverage}
    # R1: Graphwise verified, TRL 8 ≥ 7, no licence end → full.
    assert (by["R1"].status, by["R1"].score, by["R1"].covered_by) == ("full", 1.0, [1])
    # R2: OpenEye only claims it and is hosted in the EEA → partial, both reasons.
    assert by["R2"].status == "partial"
    assert [r.code for r in by["R2"].reasons] == ["claim_only", "hosting_not_allowed"]
    assert by["R2"].reasons[1].message == "OpenEye: Hosting outside UK: hosted in European Economic Area (EEA)"
    # R3: LedgerScan fits and is evidenced but its licence ended yesterday → partial.
    assert by["R3"].status == "partial"
    assert [r.code for r in by["R3"].reasons] == ["licence_expired"]
    assert "31 May 2025" in by["R3"].reasons[0].message
    # R4 (Won't) targets the whole INT subtree: Graphwise covers it.
    assert by["R4"].status == "full" and by["R4"].weight == 0
    # R5: Graphwise lacks STIX → partial.
    assert [r.code for r in by["R5"].reasons] == ["data_standard_missing"]
    assert result.status_counts == {"full": 2, "partial": 3, "none": 0}


def test_none_status() -> None:
    res = assess(scenario(inventory=[]))
    assert {c.status for c in res.coverage} == {"none"}
    assert res.coverage[0].reasons[0].code == "no_capability"
    assert res.overall_score == 0.0


def test_weighted_score_by_hand(result: AssessmentResult) -> None:
    # weights w = weight × (Must 3, Should 2, Could 1, Won't 0):
    # R1 3, R2 4, R3 1, R4 0, R5 2 → Σw = 10
    # covered: R1 3×1 + R2 4×0.5 + R3 1×0.5 + R5 2×0.5 = 6.5 → 65.0
    assert result.overall_score == pytest.approx(65.0)
    assert result.by_priority["must"].score == pytest.approx(100.0)
    # should: (4×0.5 + 2×0.5) / 6 = 50
    assert result.by_priority["should"].score == pytest.approx(50.0)
    assert result.by_priority["should"].count == 2
    assert result.by_priority["wont"].score is None and result.by_priority["wont"].count == 1


def test_matrix_cells_by_hand(result: AssessmentResult) -> None:
    m4 = result.by_workstream_4p
    # ECON × pursue: R1 (w3, full) and R4 (w0) → 100 over 2 requirements
    assert (m4["ECON"]["pursue"].score, m4["ECON"]["pursue"].count) == (100.0, 2)
    assert (m4["ECON"]["prevent"].score, m4["ECON"]["prevent"].count) == (50.0, 1)
    assert (m4["CYBER"]["pursue"].score, m4["CYBER"]["protect"].score) == (50.0, 50.0)
    assert (m4["MSHT"]["pursue"].score, m4["MSHT"]["pursue"].count) == (None, 0)
    m5 = result.by_workstream_5d
    assert (m5["ECON"]["detect"].score, m5["ECON"]["detect"].count) == (100.0, 2)
    assert m5["ECON"]["deter"].score == 50.0
    assert (m5["CYBER"]["detect"].score, m5["CYBER"]["disrupt"].score) == (50.0, 50.0)
    # 5C capabilities: R1 3×1 + R3 1×0.5 over 4 = 87.5; capacity: R2, R5 → 50
    assert result.by_5c["capabilities"].score == pytest.approx(87.5)
    assert result.by_5c["capacity"].score == pytest.approx(50.0)
    assert result.by_5c["culture"].score is None
    # ECON overall: R1 (3, 1), R3 (1, 0.5), R4 (0) → 3.5 / 4 = 87.5
    assert result.by_workstream["ECON"].score == pytest.approx(87.5)


def test_skills_shortfall_by_hand(result: AssessmentResult) -> None:
    skills = {g.skill_code: g for g in result.skills}
    sna = skills["SNA"]
    # Needs: R1 2 people ≥ L4; Graphwise (25 seats → ceil(25/10) = 3 people) ≥ L3.
    # Held: 1 at L5, 2 at L3.  ≥L3: need 5, hold 3 (deficit 2); ≥L4: need 2, hold 1 (1).
    assert [(c.level, c.needed, c.held) for c in sna.levels] == [(3, 5, 3), (4, 2, 1)]
    assert (sna.level, sna.needed, sna.held, sna.shortfall) == (3, 5, 3, 2)
    assert sna.skill_name == "Social network analysis"
    assert sna.needed_by == ["R1", "Graphwise"]
    assert sna.training_in_inventory == ["Graphwise"]
    # OSINT: R2 needs 1 at ≥ L3, the 3 holders are L2 → short 1. R4 (Won't) is ignored.
    osint = skills["OSINT"]
    assert (osint.level, osint.needed, osint.held, osint.shortfall) == (3, 1, 0, 1)
    assert osint.training_candidates == [13] and osint.training_candidate_names == ["OsintPro"]
    # LedgerScan's licence has ended, so its FIN skill is not demanded.
    assert "FIN" not in skills
    assert [g.skill_code for g in result.skills] == ["SNA", "OSINT"]  # biggest shortfall first


def test_candidates_ranked_and_inventory_excluded(result: AssessmentResult) -> None:
    by = {c.requirement_code: c for c in result.coverage}
    assert by["R1"].candidates == []  # full: nothing to buy
    r2 = by["R2"].candidates
    assert [c.tool_id for c in r2] == [13, 14]
    assert (r2[0].coverage, r2[1].coverage) == (1.0, 0.5)
    assert [r.code for r in r2[1].reasons] == ["claim_only"]
    # R5 needs STIX: NetLens and NodeMap (no TRL minimum on R5); Graphwise is owned.
    assert [c.tool_id for c in by["R5"].candidates] == [11, 12]
    assert by["R3"].candidates == []  # nothing in the catalogue claims FIN.TX
    assert by["R4"].candidates == []  # Won't: no shopping list


def test_json_round_trip(result: AssessmentResult) -> None:
    text = json.dumps(result.to_dict())
    back = AssessmentResult.from_dict(json.loads(text))
    assert back == result
    assert back.by_workstream_4p["ECON"]["pursue"].count == 2


def test_diff_after_buying_a_tool(result: AssessmentResult) -> None:
    bought = InventoryItem(CATALOGUE[3])  # OsintPro closes R2
    after = assess(scenario(inventory=[*INVENTORY, bought]))
    # R2 now full: covered 3 + 4 + 0.5 + 1 = 8.5 of 10 → 85, up 20.
    change = diff(result, after)
    assert change.score_change == pytest.approx(20.0)
    assert [(c.requirement_code, c.before, c.after) for c in change.gaps_closed] == [("R2", "partial", "full")]
    assert change.gaps_opened == []
    back = diff(after, result)
    assert [c.requirement_code for c in back.gaps_opened] == ["R2"]
    fewer = assess(scenario(requirements=REQUIREMENTS[:4]))
    assert diff(result, fewer).removed == ["R5"] and diff(fewer, result).added == ["R5"]


# ---------------------------------------------------------------- properties

world_tools = st.lists(
    st.builds(
        lambda i, node, state, trl, host, licence: InventoryItem(
            tool(i, f"T{i}", node, state.value, trl=trl, hosting=host),
            licence_end=None if licence is None else TODAY + timedelta(days=licence),
        ),
        st.integers(1, 50),
        st.sampled_from([INT, NET, OSINT, FINTX]),
        st.sampled_from(list(VerificationState)),
        st.integers(1, 9),
        st.sampled_from(list(Hosting)),
        st.none() | st.integers(-3, 3),
    ),
    max_size=6,
    unique_by=lambda it: it.tool.id,
)
world_reqs = st.lists(
    st.builds(
        lambda i, nodes, prio, w, trl, host: req(
            f"R{i}",
            nodes,
            prio,
            w,
            min_trl=trl,
            allowed_hosting=host,
            workstreams=("ECON",),
            four_ps=(P.PURSUE,),
        ),  # fmt: skip
        st.integers(1, 99),
        st.sets(st.sampled_from([INT, NET, OSINT, FINTX]), min_size=1, max_size=2),
        st.sampled_from(list(MoSCoW)),
        st.sampled_from([0.5, 1.0, 3.0]),
        st.none() | st.integers(1, 9),
        st.sampled_from([(), (Hosting.UK,)]),
    ),
    min_size=1,
    max_size=6,
    unique_by=lambda r: r.code,
)


@settings(max_examples=80, deadline=None)
@given(reqs=world_reqs, inventory=world_tools, extra=world_tools)
def test_adding_a_tool_never_lowers_coverage(
    reqs: list[RequirementSpec], inventory: list[InventoryItem], extra: list[InventoryItem]
) -> None:
    owned = {it.tool.id for it in inventory}
    added = [it for it in extra if it.tool.id not in owned][:1]
    before = assess(AssessmentInput(reqs, inventory, [], [], TODAY))
    after = assess(AssessmentInput(reqs, inventory + added, [], [], TODAY))
    for b, a in zip(before.coverage, after.coverage, strict=True):
        assert a.score >= b.score
    if before.overall_score is None:
        assert after.overall_score is None
    else:
        assert after.overall_score is not None
        assert after.overall_score >= before.overall_score - 1e-9
        for score in (before.overall_score, after.overall_score):
            assert 0.0 <= score <= 100.0
    for row in after.by_workstream_4p.values():
        for cell in row.values():
            assert cell.score is None or 0.0 <= cell.score <= 100.0
