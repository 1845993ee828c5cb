"""Relevance of the search engine on the demo data: MRR@10 >= 0.9 and recall@10 >= 0.95.

Each query in queries.json lists the tools a person would expect near the top. Ties are
shuffled per seed (fairness rule), so the figures must hold for several seeds.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from registry.search.engine import SearchIndex
from tests.relevance.seed_docs import key_number, load_seed, seed_tool_docs

TODAY = date(2025, 6, 1)
QUERIES = json.loads((Path(__file__).with_name("queries.json")).read_text(encoding="utf-8"))
K = 10


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex.build(seed_tool_docs(TODAY), load_seed("synonyms"), today=TODAY)


def evaluate(index: SearchIndex, seed: str) -> tuple[float, float, list[str]]:
    rr_total = recall_total = 0.0
    misses: list[str] = []
    for case in QUERIES:
        expected = {key_number(k) for k in case["expected"]}
        top = [h.tool_id for h in index.search(case["q"], per_page=K, shuffle_seed=seed).hits]
        first = next((rank for rank, tid in enumerate(top, 1) if tid in expected), None)
        rr = 1.0 / first if first else 0.0
        recall = len(expected & set(top)) / len(expected)
        rr_total += rr
        recall_total += recall
        if rr < 1.0 or recall < 1.0:
            misses.append(f"{case['q']!r}: rr={rr:.2f} recall={recall:.2f} top={top[:5]}")
    return rr_total / len(QUERIES), recall_total / len(QUERIES), misses


def test_query_set_is_large_enough() -> None:
    assert len(QUERIES) >= 60
    published = {d.id for d in seed_tool_docs(TODAY)}
    for case in QUERIES:
        assert {key_number(k) for k in case["expected"]} <= published, case


@pytest.mark.parametrize("seed", ["", "session-a", "2025-06-01"])
def test_mrr_and_recall_at_10(index: SearchIndex, seed: str) -> None:
    mrr, recall, misses = evaluate(index, seed)
    print(f"\nseed={seed!r} queries={len(QUERIES)} MRR@10={mrr:.3f} recall@10={recall:.3f}")
    for line in misses:
        print("  ", line)
    assert mrr >= 0.9
    assert recall >= 0.95
