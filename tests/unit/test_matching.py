"""Requirement → tool matching: every reason code, the fit score by hand, neutral ranking."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from registry.enums import Classification, Deployment, Hosting, VerificationState
from registry.search.candidates import CandidateIndex, _TextIndex
from registry.search.documents import (
    AccreditationDoc,
    CapabilityClaimDoc,
    RequirementSpec,
    ToolDoc,
)
from registry.search.matching import (
    match,
    mix64,
    rank_candidates,
    requirement_text,
    tie_key,
    tie_salt,
)

TODAY = date(2025, 6, 1)
NET = 2  # node id of "Intelligence analysis › Network analysis"


def claim(node: int = NET, state: str = "verified") -> CapabilityClaimDoc:
    return CapabilityClaimDoc(node, f"N{node}", f"Node {node}", VerificationState(state))


def tool(tool_id: int = 1, name: str = "Network analysis", **kw: object) -> ToolDoc:
    base: dict[str, object] = {
        "supplier_id": 100 + tool_id,
        "supplier_name": f"Supplier {tool_id}",
        "capabilities": (claim(),),
        "classification": Classification.SECRET,
        "trl": 8,
        "deployments": (Deployment.ON_PREMISES,),
        "hosting": Hosting.UK,
        "data_standards": ("POLE", "STIX"),
    }
    base.update(kw)
    return ToolDoc(id=tool_id, name=name, **base)  # type: ignore[arg-type]


def requirement(**kw: object) -> RequirementSpec:
    base: dict[str, object] = {
        "id": 1,
        "code": "R1",
        "title": "Network analysis",
        "capability_node_ids": frozenset({NET}),
        "capability_path": "Intelligence analysis › Network analysis",
        "min_classification": Classification.OFFICIAL_SENSITIVE,
        "allowed_hosting": (Hosting.UK,),
        "required_data_standards": ("stix",),
        "min_trl": 7,
        "allowed_deployments": (Deployment.ON_PREMISES, Deployment.AIR_GAPPED),
    }
    base.update(kw)
    return RequirementSpec(**base)  # type: ignore[arg-type]


def test_pass_case_and_fit_score_by_hand() -> None:
    m = match(requirement(), tool(), today=TODAY)
    assert m.fits and m.failures == []
    assert m.capability_state is VerificationState.VERIFIED
    assert {r.code for r in m.passes} == {
        "capability_ok",
        "classification_ok",
        "hosting_ok",
        "trl_ok",
        "data_standards_ok",
        "deployment_ok",
    }
    # verified 40 + text: identical processed texts → ratio 100 → 20
    # + standards 1 of 1 → 15 + TRL margin (8 − 7) / (9 − 7) × 25 = 12.5  → 87.5
    assert m.fit_score == pytest.approx(87.5)


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        ({"capabilities": (claim(node=99),)}, "no_capability", "No capability claimed under"),
        ({"capabilities": ()}, "no_capability", "Intelligence analysis › Network analysis"),
        ({"classification": Classification.OFFICIAL}, "classification_too_low",
         "Cleared to OFFICIAL, below minimum OFFICIAL-SENSITIVE"),
        ({"hosting": Hosting.EEA}, "hosting_not_allowed", "Hosting outside UK: hosted in European Economic Area (EEA)"),
        ({"trl": 5}, "trl_below_minimum", "TRL 5 below minimum 7"),
        ({"data_standards": ("POLE",)}, "data_standard_missing",
         "Missing data standard STIX (0 of 1 present)"),
        ({"deployments": (Deployment.SAAS,)}, "deployment_not_allowed",
         "Offered as Software as a service (SaaS), which is not allowed (allowed: On-premises, Air-gapped)"),
        ({"accreditations": (AccreditationDoc("ISO/IEC 27001", TODAY - timedelta(days=12),
                                              mandatory=True),)},
         "mandatory_accreditation_expired",
         "Mandatory accreditation ISO/IEC 27001 expired on 20 May 2025 (12 days ago)"),
    ],
)  # fmt: skip
def test_each_hard_failure(change: dict[str, object], code: str, message: str) -> None:
    m = match(requirement(), tool(**change), today=TODAY)
    assert not m.fits
    assert m.failure_codes() == [code]
    assert message in m.failures[0].message


def test_claim_only_is_a_soft_failure() -> None:
    m = match(requirement(), tool(capabilities=(claim(state="claimed"),)), today=TODAY)
    assert m.fits  # can be shortlisted...
    assert m.failure_codes() == ["claim_only"]  # ...but is flagged
    assert m.capability_state is VerificationState.CLAIMED
    # claimed 15 instead of verified 40: 87.5 − 25 = 62.5
    assert m.fit_score == pytest.approx(62.5)


def test_optional_accreditation_expiry_and_current_mandatory_pass() -> None:
    old = AccreditationDoc("Cyber Essentials", TODAY - timedelta(days=1), mandatory=False)
    ok = AccreditationDoc("Cyber Essentials Plus", TODAY, mandatory=True)  # expires today: ok
    m = match(requirement(), tool(accreditations=(old, ok)), today=TODAY)
    assert m.fits and "accreditations_ok" in {r.code for r in m.passes}


def test_best_claim_over_descendant_nodes() -> None:
    req = requirement(capability_node_ids=frozenset({1, 2, 3}))
    t = tool(capabilities=(claim(1, "claimed"), claim(3, "evidenced")))
    assert match(req, t, today=TODAY).capability_state is VerificationState.EVIDENCED


def test_no_constraints_means_only_capability_matters() -> None:
    req = RequirementSpec(id=1, code="R", title="x", capability_node_ids=frozenset({NET}))
    t = tool(hosting=Hosting.OTHER, trl=1, classification=Classification.OFFICIAL,
             deployments=(), data_standards=())  # fmt: skip
    m = match(req, t, today=TODAY)
    assert m.fits and m.failures == []


def test_ranking_order_excludes_non_fitting() -> None:
    tools = [
        tool(1, capabilities=(claim(state="claimed"),)),
        tool(2, capabilities=(claim(state="evidenced"),)),
        tool(3),
        tool(4, trl=3),  # fails TRL: never listed
    ]
    ranked = rank_candidates(requirement(), tools, today=TODAY)
    # Same text, TRL, standards: order is claim strength (40 > 30 > 15).
    assert [m.tool_id for m in ranked] == [3, 2, 1]
    assert [m.tool_id for m in rank_candidates(requirement(), tools, today=TODAY, limit=2)] == [
        3,
        2,
    ]


def test_ties_are_neutral_not_alphabetical() -> None:
    names = [f"{chr(65 + i)} Network analysis" for i in range(12)]
    # Identical except id and name; the name differences are not in the compared text
    # (each name shares the same tokens plus one letter), so give every tool one summary.
    tools = [tool(i + 1, name="Network analysis", summary="", supplier_name=n)
             for i, n in enumerate(names)]  # fmt: skip
    ranked = rank_candidates(requirement(), tools, today=TODAY, limit=12)
    scores = {m.fit_score for m in ranked}
    assert len(scores) == 1  # a genuine 12-way tie
    order = [m.tool_id for m in ranked]
    assert order == sorted(order, key=lambda i: tie_key("R1", i))
    assert order != sorted(order)  # not by id (ids follow the alphabetical names here)
    again = [m.tool_id for m in rank_candidates(requirement(), tools, today=TODAY, limit=12)]
    assert again == order  # stable
    other = rank_candidates(requirement(code="R2"), tools, today=TODAY, limit=12)
    assert [m.tool_id for m in other] != order  # each requirement gets its own shuffle


def test_scalar_and_vector_tie_keys_agree() -> None:
    ids = np.array([0, 1, 2, 99, 123456789, 2**40 + 7], dtype=np.int64)
    vec = mix64(ids, tie_salt("REQ-7")).tolist()
    assert vec == [tie_key("REQ-7", int(i)) for i in ids]


# ---------------------------------------------------------------- index == reference

states = st.sampled_from(list(VerificationState))
tools_strategy = st.lists(
    st.builds(
        lambda i, nodes, cls, trl, host, deps, stds, exp, words: ToolDoc(
            id=i,
            name=f"tool {words}",
            supplier_id=i % 3,
            supplier_name="s",
            summary=words,
            capabilities=tuple(claim(n, s.value) for n, s in nodes),
            classification=cls,
            trl=trl,
            hosting=host,
            deployments=tuple(deps),
            data_standards=tuple(stds),
            accreditations=(AccreditationDoc("ISO", TODAY + timedelta(days=exp), True),),
        ),
        st.integers(1, 10_000),
        st.lists(st.tuples(st.integers(1, 4), states), max_size=3),
        st.sampled_from(list(Classification)),
        st.integers(1, 9),
        st.sampled_from(list(Hosting)),
        st.sets(st.sampled_from(list(Deployment)), max_size=2),
        st.sets(st.sampled_from(["POLE", "STIX", "CSV"]), max_size=3),
        st.integers(-5, 5),
        st.sampled_from(["network graph", "osint web", "graph link chart", "ledger"]),
    ),
    max_size=40,
    unique_by=lambda t: t.id,
)
req_strategy = st.builds(
    lambda nodes, cls, trl, hosts, stds, deps, title: RequirementSpec(
        id=1,
        code=f"R{title}",
        title=title,
        capability_node_ids=frozenset(nodes),
        min_classification=cls,
        min_trl=trl,
        allowed_hosting=tuple(hosts),
        required_data_standards=tuple(stds),
        allowed_deployments=tuple(deps),
    ),
    st.sets(st.integers(1, 4), min_size=1, max_size=3),
    st.none() | st.sampled_from(list(Classification)),
    st.none() | st.integers(1, 9),
    st.sets(st.sampled_from(list(Hosting)), max_size=2),
    st.sets(st.sampled_from(["POLE", "stix"]), max_size=1),
    st.sets(st.sampled_from(list(Deployment)), max_size=2),
    st.sampled_from(["network graph", "web osint", "ledger"]),
)


@settings(max_examples=150, deadline=None)
@given(tools=tools_strategy, req=req_strategy, limit=st.integers(1, 8), data=st.data())
def test_index_ranks_exactly_like_reference(
    tools: list[ToolDoc], req: RequirementSpec, limit: int, data: st.DataObject
) -> None:
    excluded = data.draw(st.sets(st.sampled_from([t.id for t in tools]))) if tools else set()
    index = CandidateIndex(tools)
    index.first_block = 1  # exercise the lazy text-scoring rounds, not one big batch
    expected = rank_candidates(req, [t for t in tools if t.id not in excluded], today=TODAY, limit=limit)
    got = index.rank_positions(req, today=TODAY, limit=limit, exclude_ids=excluded)
    assert [tools[r.position].id for r in got] == [m.tool_id for m in expected]
    assert [r.fit_score for r in got] == [m.fit_score for m in expected]
    assert [r.capability_state for r in got] == [m.capability_state for m in expected]


def test_index_is_date_independent() -> None:
    t = tool(accreditations=(AccreditationDoc("ISO", TODAY, mandatory=True),))
    index = CandidateIndex([t, replace(t, id=2)])
    assert len(index.rank(requirement(), today=TODAY)) == 2
    assert index.rank(requirement(), today=TODAY + timedelta(days=1)) == []


words = st.sampled_from(["network", "net", "graph", "analysis", "data", "dark", "web", "é", "ß", "42", "x"])
phrases = st.lists(words, max_size=8).map(" ".join) | st.text(max_size=30)


@settings(max_examples=300, deadline=None)
@given(query=phrases, texts=st.lists(st.tuples(phrases, phrases), min_size=1, max_size=8))
def test_text_bound_never_below_token_set_ratio(query: str, texts: list[tuple[str, str]]) -> None:
    # The index prunes with this bound, so it must be a true upper bound for any text.
    tools = [ToolDoc(id=i, name=n, supplier_id=1, supplier_name="s", summary=s) for i, (n, s) in enumerate(texts)]
    index = _TextIndex(tools)
    q = requirement_text(RequirementSpec(id=1, code="R", title=query))
    bounds = index.bounds(np.arange(len(tools)), q)
    for i, text in enumerate(index.texts):
        assert bounds[i] >= fuzz.token_set_ratio(q, text) - 1e-9
