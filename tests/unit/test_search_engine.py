"""Unit tests for the pure search engine: ranking, synonyms, filters, facets, sorting,
fairness of tie-breaks, incremental updates and explanations."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.enums import (
    Classification,
    Deployment,
    FiveD,
    FourP,
    Hosting,
    VerificationState,
)
from registry.search.documents import AccreditationDoc, CapabilityClaimDoc, ToolDoc
from registry.search.engine import Filters, SearchIndex, shuffle_keys
from registry.search.text import SynonymTable, content_tokens, normalise, tokenise

TODAY = date(2025, 6, 1)
SYNONYMS = {
    "ANPR": ["automatic number plate recognition", "number plate recognition"],
    "OSINT": ["open source intelligence"],
    "CDR": ["call data record"],
}


def claim(code: str, path: str) -> CapabilityClaimDoc:
    return CapabilityClaimDoc(0, code, path, VerificationState.CLAIMED)


def doc(tool_id: int, name: str, **kw) -> ToolDoc:
    kw.setdefault("supplier_id", tool_id)
    kw.setdefault("supplier_name", f"Supplier {tool_id}")
    return ToolDoc(id=tool_id, name=name, **kw)


DOCS = [
    doc(
        1,
        "Roadmark ANPR Insight",
        supplier_name="Roadmark Vision Ltd",
        summary="ANPR analysis for convoy detection",
        capabilities=(claim("VEH.ANPR", "ANPR and vehicles › ANPR analysis"),),
        workstreams=("GANGS",),
        trl=8,
        price_annual=20000,
        last_reviewed=TODAY - timedelta(days=10),
        sme=True,
        verified=True,
        hosting=Hosting.UK,
        deployments=(Deployment.SAAS,),
        four_ps=(FourP.PURSUE,),
        five_ds=(FiveD.DETECT,),
        classification=Classification.OFFICIAL_SENSITIVE,
        accreditations=(AccreditationDoc("CE+", TODAY + timedelta(days=30)),),
    ),
    doc(
        2,
        "Ferrous Lens",
        supplier_name="Ferrous Lane Intelligence Ltd",
        summary="Social media monitoring for gang threats",
        capabilities=(claim("OSINT.SOC", "Open source intelligence › Social media monitoring"),),
        workstreams=("GANGS", "CYBER"),
        trl=6,
        price_annual=5000,
        last_reviewed=TODAY - timedelta(days=300),
        hosting=Hosting.EEA,
        deployments=(Deployment.SAAS, Deployment.HYBRID),
        four_ps=(FourP.PREVENT,),
        classification=Classification.OFFICIAL,
        accreditations=(AccreditationDoc("CE+", TODAY - timedelta(days=1)),),
    ),
    doc(
        3,
        "Kestrel Link",
        supplier_name="Kestrel Analytics Ltd",
        summary="Link and network analysis workbench",
        capabilities=(claim("INT.NET", "Intelligence analysis › Network analysis"),),
        workstreams=("ECON",),
        trl=9,
        price_annual=12000,
        sme=True,
        classification=Classification.SECRET,
        deployments=(Deployment.ON_PREMISES,),
    ),
    doc(
        4,
        "Kestrel Link Enterprise Suite",
        supplier_name="Kestrel Analytics Ltd",
        summary="Network analysis at national scale",
        capabilities=(claim("INT.NET", "Intelligence analysis › Network analysis"),),
        workstreams=("ECON",),
        trl=7,
        price_annual=90000,
        classification=Classification.TOP_SECRET,
        deployments=(Deployment.AIR_GAPPED,),
    ),
    doc(
        5,
        "Signalyard CDR",
        supplier_name="Signalyard Ltd",
        summary="Call data record analysis and handset swaps",
        capabilities=(claim("COMMS.CDR", "Communications data › Call data record analysis"),),
        workstreams=("GANGS",),
        trl=7,
        price_annual=15000,
    ),
]


@pytest.fixture()
def index() -> SearchIndex:
    return SearchIndex.build(DOCS, SYNONYMS, today=TODAY)


def ids(result) -> list[int]:  # noqa: ANN001
    return [h.tool_id for h in result.hits]


# ---- text --------------------------------------------------------------------------------


def test_normalise_and_tokenise() -> None:
    assert normalise("  Open-Source  INTEL! ") == "open source intel"
    assert tokenise("Kestrel/Link, v2") == ["kestrel", "link", "v2"]
    assert content_tokens(["the", "link", "of"]) == ["link"]
    assert content_tokens(["the"]) == ["the"]


def test_synonym_groups_merge_and_match_typos_and_merged_words() -> None:
    table = SynonymTable({"ANPR": ["alpr"], "alpr": ["licence plate recognition"]})
    assert ("licence", "plate", "recognition") in table.alternatives(("anpr",))
    spans = SynonymTable(SYNONYMS).find_spans(["automatic", "numberplate", "recogntion", "tool"])
    assert [(s.start, s.end) for s in spans] == [(0, 3)]
    assert ("anpr",) in spans[0].alternatives
    assert SynonymTable(SYNONYMS).find_spans(["anpt"]) == []  # short words: exact only


# ---- ranking -----------------------------------------------------------------------------


def test_exact_name_ranks_first_and_scores_100(index: SearchIndex) -> None:
    result = index.search("Kestrel Link")
    assert ids(result)[:2] == [3, 4]
    assert result.hits[0].score == 100.0
    assert result.hits[1].score < 100.0


def test_typo_and_word_order_still_find_the_tool(index: SearchIndex) -> None:
    assert ids(index.search("kestral link"))[0] == 3
    assert ids(index.search("link kestrel"))[0] == 3
    assert ids(index.search("signalyad"))[0] == 5


def test_exact_beats_prefix_beats_fuzzy() -> None:
    idx = SearchIndex.build(
        [doc(1, "Tracer"), doc(2, "Tracers"), doc(3, "Tracor"), doc(4, "Trackers"), doc(5, "Tracks")],
        {},
        today=TODAY,
    )
    known = idx.search("tracer")
    # a word the index knows: itself, then inflections; loose typo neighbours are noise
    assert ids(known) == [1, 2]
    assert known.hits[0].score > known.hits[1].score
    unknown = idx.search("tracke")  # probably being typed: prefix completions beat typos
    scores = {h.tool_id: h.score for h in unknown.hits}
    assert ids(unknown)[0] == 4
    assert scores[4] > scores[5] > 0
    assert idx.search("tracr").hits[0].tool_id in {1, 3}  # a typo still finds something


def test_acronym_and_expansion_find_each_other(index: SearchIndex) -> None:
    assert ids(index.search("automatic number plate recognition"))[0] == 1
    assert ids(index.search("anpr"))[0] == 1
    assert ids(index.search("osint"))[0] == 2
    result = index.search("CDR")
    assert ids(result)[0] == 5
    assert "call data record" in result.query_terms


def test_split_words_match_a_compound_name() -> None:
    idx = SearchIndex.build(
        [doc(1, "Signalyard Cellsite"), doc(2, "Cell tower survey", summary="site visits")], {}, today=TODAY
    )
    result = idx.search("cell site")
    assert ids(result)[0] == 1
    assert "cellsite" in result.query_terms


def test_supplier_name_search(index: SearchIndex) -> None:
    assert set(ids(index.search("Kestrel Analytics"))[:2]) == {3, 4}
    assert ids(index.search("roadmark vision"))[0] == 1


def test_unrelated_query_finds_nothing(index: SearchIndex) -> None:
    result = index.search("zzqx wobble")
    assert result.total == 0
    assert result.hits == []


def test_explain_names_field_term_and_listing_word(index: SearchIndex) -> None:
    hit = index.search("kestral network").hits[0]
    by_term = {m.term: m for m in hit.explain}
    assert by_term["kestral"].field == "name"
    assert by_term["kestral"].matched_text == "kestrel"
    assert 0 < by_term["kestral"].score < 100
    assert by_term["network"].matched_text == "network"
    synonym_hit = index.search("automatic number plate recognition").hits[0]
    assert any(m.term == "anpr" and m.field == "name" for m in synonym_hit.explain)


def test_scores_within_0_and_100(index: SearchIndex) -> None:
    for q in ("anpr", "kestrel link", "network analysis", "gang", "lnk"):
        for hit in index.search(q).hits:
            assert 0 <= hit.score <= 100


# ---- filters and facets ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(workstreams=("ECON",)), {3, 4}),
        (Filters(workstreams=("ECON", "CYBER")), {2, 3, 4}),
        (Filters(capability_codes=("INT",)), {3, 4}),
        (Filters(capability_codes=("INT.NET", "VEH.ANPR")), {1, 3, 4}),
        (Filters(capability_codes=("INT.NE",)), set()),  # prefix is by dotted segment
        (Filters(four_ps=(FourP.PREVENT,)), {2}),
        (Filters(five_ds=(FiveD.DETECT,)), {1}),
        (Filters(classifications=(Classification.SECRET,)), {3}),
        (Filters(min_classification=Classification.SECRET), {3, 4}),
        (Filters(trl_min=8), {1, 3}),
        (Filters(deployments=(Deployment.HYBRID, Deployment.AIR_GAPPED)), {2, 4}),
        (Filters(hostings=(Hosting.EEA,)), {2}),
        (Filters(sme_only=True), {1, 3}),
        (Filters(verified_only=True), {1}),
        (Filters(accreditations_current_only=True), {1}),
        (Filters(max_price_annual=12000), {2, 3}),
        (Filters(sme_only=True, trl_min=9), {3}),
    ],
)
def test_filters(index: SearchIndex, filters: Filters, expected: set[int]) -> None:
    result = index.search("", filters, per_page=50)
    assert set(ids(result)) == expected
    assert result.total == len(expected)


def test_filters_apply_before_ranking(index: SearchIndex) -> None:
    result = index.search("kestrel link", Filters(min_classification=Classification.TOP_SECRET))
    assert ids(result) == [4]


def test_facets_count_the_filtered_result_set(index: SearchIndex) -> None:
    facets = index.search("", Filters(workstreams=("GANGS",))).facets
    assert facets["workstream"]["GANGS"] == 3
    assert facets["workstream"]["CYBER"] == 1
    assert facets["workstream"]["ECON"] == 0
    assert facets["capability"] == {"COMMS": 1, "COMMS.CDR": 1, "OSINT": 1, "OSINT.SOC": 1, "VEH": 1, "VEH.ANPR": 1}
    assert facets["trl"]["7"] == 1 and facets["trl"]["8"] == 1 and facets["trl"]["6"] == 1
    assert facets["deployment"]["saas"] == 2 and facets["deployment"]["hybrid"] == 1
    assert facets["hosting"] == {"uk": 2, "eea": 1, "other": 0}
    assert facets["classification"]["OFFICIAL"] == 2
    assert facets["sme"] == {"true": 1, "false": 2}
    assert facets["verified"] == {"true": 1, "false": 2}
    assert facets["accreditations_current"] == {"true": 1, "false": 2}
    assert facets["four_p"]["pursue"] == 1 and facets["five_d"]["detect"] == 1


def test_facets_follow_the_query(index: SearchIndex) -> None:
    facets = index.search("network").facets
    assert facets["capability"].get("INT.NET") == 2
    assert "VEH.ANPR" not in facets["capability"]


def test_accreditation_currency_moves_with_today(index: SearchIndex) -> None:
    current = Filters(accreditations_current_only=True)
    index.today = TODAY + timedelta(days=31)
    assert index.search("", current).total == 0
    index.today = TODAY - timedelta(days=5)
    assert {h.tool_id for h in index.search("", current).hits} == {1, 2}


# ---- sorting, paging and fairness --------------------------------------------------------


def test_sorts(index: SearchIndex) -> None:
    assert ids(index.search("", sort="price")) == [2, 3, 5, 1, 4]
    assert ids(index.search("", sort="-price")) == [4, 1, 5, 3, 2]
    assert ids(index.search("", sort="name"))[:2] == [2, 3]
    reviewed = ids(index.search("", sort="last_reviewed"))
    assert reviewed[:2] == [1, 2]  # newest first, unknown dates last
    with pytest.raises(ValueError):
        index.search("", sort="supplier")


def test_paging_covers_every_hit_once(index: SearchIndex) -> None:
    pages = [ids(index.search("", page=p, per_page=2, shuffle_seed="s")) for p in (1, 2, 3)]
    assert [len(p) for p in pages] == [2, 2, 1]
    assert sorted(sum(pages, [])) == [1, 2, 3, 4, 5]
    assert index.search("", page=9, per_page=2).hits == []


def tied_index(n: int = 40) -> SearchIndex:
    docs = [doc(i, f"Widget {i}", summary="same words", price_annual=100.0) for i in range(1, n + 1)]
    return SearchIndex.build(docs, {}, today=TODAY)


def test_ties_are_shuffled_stably_per_seed_not_alphabetically() -> None:
    idx = tied_index()
    a1 = ids(idx.search("same words", per_page=40, shuffle_seed="alpha"))
    a2 = ids(idx.search("same words", per_page=40, shuffle_seed="alpha"))
    b = ids(idx.search("same words", per_page=40, shuffle_seed="beta"))
    assert a1 == a2
    assert a1 != b
    assert sorted(a1) == sorted(b) == list(range(1, 41))
    assert a1 != sorted(a1)
    by_name = sorted(range(1, 41), key=lambda i: f"widget {i}")
    assert a1 != by_name


def test_ties_shuffle_under_other_sorts_and_pages_agree() -> None:
    idx = tied_index()
    full = ids(idx.search("", sort="price", per_page=40, shuffle_seed="x"))
    paged = [
        tid for p in range(1, 5) for tid in ids(idx.search("", sort="price", page=p, per_page=10, shuffle_seed="x"))
    ]
    assert paged == full
    assert full != sorted(full)


def test_each_tool_leads_under_some_seed() -> None:
    """Over many seeds, first place is spread across the tied tools (no fixed winner)."""
    idx = tied_index(5)
    leaders = {ids(idx.search("widget", shuffle_seed=str(s)))[0] for s in range(60)}
    assert leaders == {1, 2, 3, 4, 5}


def test_shuffle_keys_depend_on_seed_and_id_only() -> None:
    tool_ids = np.array([1, 2, 3], dtype=np.int64)
    assert (shuffle_keys(tool_ids, "s") == shuffle_keys(tool_ids, "s")).all()
    assert not (shuffle_keys(tool_ids, "s") == shuffle_keys(tool_ids, "t")).all()
    assert shuffle_keys(tool_ids[:1], "s")[0] == shuffle_keys(tool_ids, "s")[0]


# ---- incremental updates -----------------------------------------------------------------


def test_upsert_remove_and_generation(index: SearchIndex) -> None:
    gen = index.generation
    assert len(index) == 5
    index.upsert(doc(6, "Northlight Chain", summary="cryptocurrency tracing"))
    assert len(index) == 6 and index.generation == gen + 1
    assert ids(index.search("northlight"))[0] == 6
    index.upsert(replace(DOCS[2], name="Kestrel Graph"))  # rename replaces, not duplicates
    assert len(index) == 6
    assert ids(index.search("kestrel link"))[0] == 4  # 3 is no longer named "link"
    assert ids(index.search("kestrel graph"))[0] == 3
    assert index.get(3).name == "Kestrel Graph"
    assert index.remove(6) is True
    assert index.remove(6) is False
    assert 6 not in index and len(index) == 5
    assert index.search("northlight").total == 0
    assert index.generation == gen + 3


def test_compaction_keeps_results_identical() -> None:
    docs = [doc(i, f"Tool {i} alpha", summary=f"word{i % 7}") for i in range(1, 3001)]
    idx = SearchIndex.build(docs, {}, today=TODAY)
    for i in range(1, 1501):  # enough churn to trigger compaction
        idx.upsert(replace(docs[i - 1], summary="changed text"))
    assert len(idx) == 3000
    assert len(idx._docs) < 3000 + 1500  # tombstones were compacted away
    fresh = SearchIndex.build([idx.get(i) for i in range(1, 3001)], {}, today=TODAY)
    for q in ("changed", "word3", "tool 42 alpha"):
        assert ids(idx.search(q, shuffle_seed="k")) == ids(fresh.search(q, shuffle_seed="k"))
        assert idx.search(q).total == fresh.search(q).total


@settings(max_examples=40, deadline=None)
@given(
    names=st.lists(st.text(alphabet="abcdefgh ", min_size=1, max_size=12), min_size=1, max_size=12),
    query=st.text(alphabet="abcdefgh ", max_size=10),
    seed=st.text(max_size=4),
)
def test_any_query_returns_consistent_results(names: list[str], query: str, seed: str) -> None:
    idx = SearchIndex.build([doc(i, n) for i, n in enumerate(names, 1)], {}, today=TODAY)
    result = idx.search(query, per_page=50, shuffle_seed=seed)
    got = ids(result)
    assert len(got) == len(set(got)) == result.total
    assert all(0 <= h.score <= 100 for h in result.hits)
    scores = [h.score for h in result.hits]
    assert scores == sorted(scores, reverse=True)
    if not query.strip():
        assert result.total == len(names)
