"""Unit tests for duplicate supplier/tool detection."""

from __future__ import annotations

import random
import time

import pytest

from registry.search.dedupe import (
    SupplierKey,
    ToolKey,
    domain_of,
    duplicate_report,
    find_duplicate_suppliers,
    find_duplicate_tools,
    normalise_company_number,
    normalise_org_name,
    similar_name_pairs,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Kestrel Analytics Ltd", "kestrel analytics"),
        ("KESTREL ANALYTICS LIMITED.", "kestrel analytics"),
        ("Kestrel  Analytics,  Ltd", "kestrel analytics"),
        ("The Kestrel Analytics Company", "kestrel analytics"),
        ("Smith & Jones PLC", "smith and jones"),
        ("Smith and Jones plc", "smith and jones"),
        ("Acme Co", "acme"),
        ("Acme & Co. Ltd", "acme"),
        ("Northlight Ledger LLP", "northlight ledger"),
        ("Widgets Inc.", "widgets"),
        ("Widgets LLC", "widgets"),
        ("Co-operative Data", "co operative data"),  # 'co' only stripped at the end
        ("", ""),
    ],
)
def test_normalise_org_name(raw: str, expected: str) -> None:
    assert normalise_org_name(raw) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.kestrel-analytics.example/about", "kestrel-analytics.example"),
        ("http://KESTREL.co.uk", "kestrel.co.uk"),
        ("tools.kestrel.co.uk/path?q=1", "kestrel.co.uk"),
        ("sales@kestrel.co.uk", "kestrel.co.uk"),
        ("https://shop.acme.com:8443/", "acme.com"),
        ("", ""),
        (None, ""),
    ],
)
def test_domain_of(url: str | None, expected: str) -> None:
    assert domain_of(url) == expected


def test_company_number_normalisation() -> None:
    assert normalise_company_number(" 1234567 ") == "01234567"
    assert normalise_company_number("sc 123456") == "SC123456"
    assert normalise_company_number(None) == ""


EXISTING = [
    SupplierKey(1, "Kestrel Analytics Ltd", "11482736", "https://kestrel-analytics.example"),
    SupplierKey(2, "Halwyn Forensic Systems Ltd", "09837215", "https://halwyn.example"),
    SupplierKey(3, "Smith & Jones PLC", None, None),
    SupplierKey(4, "Kestrel Holdings Ltd", "22222222", "https://kestrel-holdings.example"),
]


def test_same_company_number_fires_even_with_a_new_name() -> None:
    cand = SupplierKey(99, "KA Trading", "11482736", None)
    matches = find_duplicate_suppliers(cand, EXISTING)
    assert [m.id for m in matches] == [1]
    assert matches[0].same_number and matches[0].score == 100
    assert "same_company_number" in matches[0].signals


def test_same_domain_fires() -> None:
    cand = SupplierKey(99, "Something Else", None, "www.kestrel-analytics.example/contact")
    matches = find_duplicate_suppliers(cand, EXISTING)
    assert [m.id for m in matches] == [1]
    assert matches[0].same_domain and not matches[0].same_number


def test_fuzzy_name_fires_above_threshold_only() -> None:
    cand = SupplierKey(99, "Kestrel Analytcs Limited", None, None)
    matches = find_duplicate_suppliers(cand, EXISTING)
    assert [m.id for m in matches] == [1]
    assert 88 <= matches[0].name_score < 100
    assert any(s.startswith("similar_name:") for s in matches[0].signals)
    assert find_duplicate_suppliers(SupplierKey(99, "Quayside Learning"), EXISTING) == []


def test_ampersand_and_word_order() -> None:
    matches = find_duplicate_suppliers(SupplierKey(99, "Jones and Smith"), EXISTING)
    assert [m.id for m in matches] == [3]
    assert matches[0].name_score == 100


def test_different_company_numbers_discount_the_name() -> None:
    # Same normalised name but a different registered company: flagged below a match
    # that carries no conflicting number.
    cand = SupplierKey(99, "Smith and Jones Ltd", "33333333", None)
    same_name_other_number = SupplierKey(5, "Smith & Jones PLC", "44444444", None)
    matches = find_duplicate_suppliers(cand, [EXISTING[2], same_name_other_number])
    assert [m.id for m in matches] == [3, 5]
    assert matches[0].score == 100 and matches[1].score == 90


def test_candidate_does_not_match_itself() -> None:
    assert find_duplicate_suppliers(EXISTING[0], EXISTING) == []


TOOLS = [
    ToolKey(1, 10, "Kestrel Link"),
    ToolKey(2, 10, "Kestrel Timeline"),
    ToolKey(3, 20, "Graph Lens"),
]


def test_find_duplicate_tools_same_supplier_and_across() -> None:
    same = find_duplicate_tools(ToolKey(9, 10, "Kestrel Lnk"), TOOLS)
    assert [m.id for m in same] == [1]
    assert same[0].same_supplier and "same_supplier" in same[0].signals
    # the same looseness across suppliers is not enough...
    assert find_duplicate_tools(ToolKey(9, 30, "Kestrel Lk"), TOOLS) == []
    assert [m.id for m in find_duplicate_tools(ToolKey(9, 10, "Kestrel Lk"), TOOLS)] == [1]
    # ...but a near-identical name is
    across = find_duplicate_tools(ToolKey(9, 30, "Graph-Lens"), TOOLS)
    assert [m.id for m in across] == [3]
    assert not across[0].same_supplier


def test_duplicate_report_groups_transitively() -> None:
    suppliers = [
        SupplierKey(1, "Kestrel Analytics Ltd", "11482736", "https://kestrel.example"),
        SupplierKey(2, "Kestrel Analytics Limited", None, None),  # name
        SupplierKey(3, "KA Group", None, "http://www.kestrel.example"),  # domain of 1
        SupplierKey(4, "Halwyn Forensic Systems", "09837215", None),
        SupplierKey(5, "Halwyn Forensics", "9837215", None),  # same number, unpadded
        SupplierKey(6, "Quayside Learning", None, None),
    ]
    tools = [
        ToolKey(1, 1, "Kestrel Link"),
        ToolKey(2, 1, "Kestrel Link "),
        ToolKey(3, 4, "Halwyn Imager"),
        ToolKey(4, 6, "Halwyn Imager"),  # identical name, other supplier
        ToolKey(5, 6, "Quayside Academy"),
    ]
    groups = duplicate_report(suppliers, tools)
    supplier_groups = {g.ids for g in groups if g.kind == "supplier"}
    tool_groups = {g.ids for g in groups if g.kind == "tool"}
    assert supplier_groups == {(1, 2, 3), (4, 5)}
    assert tool_groups == {(1, 2), (3, 4)}
    assert all(0 < g.score <= 100 for g in groups)


def test_similar_name_pairs_matches_brute_force() -> None:
    rng = random.Random(3)
    words = ["data", "graph", "lens", "watch", "north", "light", "kestrel", "atlas", "vault"]
    names = [" ".join(rng.sample(words, rng.randint(1, 3))) for _ in range(300)]
    names += [n[:-1] for n in names[:50]]  # near-duplicates
    blocked = similar_name_pairs(names, 90)
    from rapidfuzz import fuzz

    brute = {
        (i, j)
        for i in range(len(names))
        for j in range(i + 1, len(names))
        if fuzz.token_sort_ratio(names[i], names[j]) >= 90
    }
    # blocking may only lose pairs whose every word changed at both ends; none here
    assert set(blocked) == brute


def test_duplicate_report_scales_to_10k_suppliers() -> None:
    rng = random.Random(7)
    syllables = ["kes", "trel", "hal", "wyn", "quay", "side", "north", "light", "brook", "fen"]
    nouns = ["Analytics", "Systems", "Data", "Forensics", "Labs", "Intelligence", "Security"]
    suppliers = [
        SupplierKey(
            i,
            f"{''.join(rng.sample(syllables, 3)).title()} {rng.choice(nouns)} {i} Ltd",
            f"{i:08d}",
            f"https://s{i}.example",
        )
        for i in range(10_000)
    ]
    suppliers.append(SupplierKey(10_000, suppliers[123].name.upper(), None, None))
    start = time.perf_counter()
    groups = duplicate_report(suppliers)
    elapsed = time.perf_counter() - start
    assert any({123, 10_000} <= set(g.ids) for g in groups)
    assert elapsed < 20
