"""Budget optimiser: exact beats greedy where it should, constraints hold, properties."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.engine import assess
from assessments.optimiser import (
    EXACT,
    GREEDY,
    GREEDY_FALLBACK,
    GapOption,
    Problem,
    ToolOption,
    coverage_value,
    greedy,
    problem_from_assessment,
    recommend,
)
from registry.enums import Classification
from tests.unit.test_gap_engine import scenario


def full(code: str, value: float, *tools: int, current: float = 0.0) -> GapOption:
    return GapOption(code, value, current, full_by=frozenset(tools))


# Budget £100k capital. A: £55k closes R1 (value 6); B and C: £50k each close R2, R3 (5 each).
# Greedy by value per £: A 6/55 = 0.109 > B, C 5/50 = 0.100 → buys A, then £45k is left and
# nothing else fits: value 6. Exact: B + C = £100k, value 10.
TIGHT = Problem(
    tools=(
        ToolOption(1, "A", supplier_id=1, price_capital=55_000),
        ToolOption(2, "B", supplier_id=2, price_capital=50_000),
        ToolOption(3, "C", supplier_id=3, price_capital=50_000),
    ),
    gaps=(full("R1", 6, 1), full("R2", 5, 2), full("R3", 5, 3)),
)


def test_exact_beats_greedy_on_a_tight_budget() -> None:
    g = greedy(TIGHT, 100_000, 0)
    assert (g.method, g.tool_ids, g.objective) == (GREEDY, [1], 6.0)
    exact = recommend(TIGHT, 100_000, 0)
    assert exact.method == EXACT and exact.status == "Optimal"
    assert sorted(exact.tool_ids) == [2, 3] and exact.objective == pytest.approx(10.0)
    assert exact.total_capital == 100_000 and exact.mip_gap == pytest.approx(0.0)
    assert exact.closes == ["R2", "R3"] and exact.remaining == ["R1"]
    assert exact.value_available == 16.0
    why = {c.tool_id: c for c in exact.chosen}
    assert why[2].closes == ["R2"] and why[2].value == pytest.approx(5.0)
    # Runner-up: without B (or C) the best is A alone, value 6.
    assert {a.excluded_tool_id: a.objective for a in exact.alternatives} == {2: 6.0, 3: 6.0}
    assert all(a.tool_ids == [1] for a in exact.alternatives)
    json.dumps(exact.to_dict())  # serialisable for storage


def test_partial_cover_counts_half_and_partial_gap_only_gains_full() -> None:
    # R1 is uncovered (value 4): P only claims (→ half, 2), F fully covers (→ 4).
    # R2 is already partial (value 2): P adds nothing; F would add the missing half (1).
    problem = Problem(
        tools=(ToolOption(1, "P", 1, price_annual=10), ToolOption(2, "F", 2, price_annual=30)),
        gaps=(
            GapOption("R1", 4, 0.0, partial_by=frozenset({1}), full_by=frozenset({2})),
            GapOption("R2", 2, 0.5, partial_by=frozenset({1})),
        ),
    )
    assert coverage_value(problem, {1}) == 2.0
    assert coverage_value(problem, {2}) == 4.0
    assert recommend(problem, 0, 20).tool_ids == [1]  # only P is affordable
    best = recommend(problem, 0, 30)
    assert best.tool_ids == [2] and best.objective == 4.0
    assert recommend(problem, 0, 9).tool_ids == []


def test_max_suppliers_respected() -> None:
    # Two tools from supplier 1 (value 3 each), one from supplier 2 (value 5); all free.
    problem = Problem(
        tools=(ToolOption(1, "A1", 1), ToolOption(2, "A2", 1), ToolOption(3, "B", 2)),
        gaps=(full("R1", 3, 1), full("R2", 3, 2), full("R3", 5, 3)),
    )
    assert recommend(problem, 0, 0).objective == 11.0  # all three
    one = recommend(problem, 0, 0, max_suppliers=1)
    assert sorted(one.tool_ids) == [1, 2] and one.objective == 6.0  # supplier 1 beats 5
    assert len({c.supplier_id for c in one.chosen}) == 1
    g = greedy(problem, 0, 0, max_suppliers=1)
    assert len({c.supplier_id for c in g.chosen}) == 1


def test_min_sme_share_of_spend() -> None:
    # Big (non-SME) £80 closes value 10; SME £20 closes value 3. Budget £100.
    problem = Problem(
        tools=(ToolOption(1, "Big", 1, sme=False, price_annual=80), ToolOption(2, "Sme", 2, sme=True, price_annual=20)),
        gaps=(full("R1", 10, 1), full("R2", 3, 2)),
    )
    # Both: SME share 20 / 100 = 20 %.
    assert sorted(recommend(problem, 0, 100, min_sme_share=0.2).tool_ids) == [1, 2]
    # Needing 25 %: Big alone has 0 %, both 20 % → only the SME tool is allowed.
    rec = recommend(problem, 0, 100, min_sme_share=0.25)
    assert rec.tool_ids == [2] and rec.objective == 3.0


def test_min_classification_filters_tools() -> None:
    problem = Problem(
        tools=(
            ToolOption(1, "Official", 1, classification=int(Classification.OFFICIAL)),
            ToolOption(2, "Secret", 2, classification=int(Classification.SECRET), price_capital=5),
        ),
        gaps=(full("R1", 5, 1, 2),),
    )
    either = recommend(problem, 10, 0)
    assert len(either.tool_ids) == 1 and either.objective == 5.0  # one tool is enough
    rec = recommend(problem, 10, 0, min_classification=Classification.SECRET)
    assert rec.tool_ids == [2]


def test_time_limit_falls_back_to_labelled_greedy() -> None:
    rec = recommend(TIGHT, 100_000, 0, time_limit_s=0.0)
    assert rec.method == GREEDY_FALLBACK == "greedy (solver time limit)"
    assert rec.status == "Time limit reached"
    assert rec.tool_ids == [1] and rec.objective == 6.0  # the greedy answer, labelled as such


def test_bad_inputs_rejected() -> None:
    with pytest.raises(ValueError):
        recommend(TIGHT, -1, 0)
    with pytest.raises(ValueError):
        recommend(TIGHT, 1, 0, min_sme_share=1.5)


def test_from_assessment_result() -> None:
    problem = problem_from_assessment(assess(scenario()))
    # Gaps with candidates: R2 (w4, partial) and R5 (w2, partial); R3 has none.
    assert [(g.requirement_code, g.value, g.current) for g in problem.gaps] == [("R2", 4.0, 0.5), ("R5", 2.0, 0.5)]
    assert problem.gaps[0].full_by == {13} and problem.gaps[0].partial_by == {14}
    rec = recommend(problem, 0, 0)  # the test catalogue's tools are all free
    # Closing both partial gaps adds (4 + 2) × 0.5 = 3.
    assert rec.objective == pytest.approx(3.0)
    assert set(rec.closes) == {"R2", "R5"}


# ---------------------------------------------------------------- properties


def _problem(prices: list[tuple[int, int]], gaps: list[tuple[int, float, set[int], set[int]]]) -> Problem:
    n = len(prices)
    tools = tuple(
        ToolOption(i, f"T{i}", i % 3, sme=i % 2 == 0, price_capital=c, price_annual=a)
        for i, (c, a) in enumerate(prices)
    )
    options = tuple(
        GapOption(f"R{j}", v, cur, frozenset(t for t in part if t < n), frozenset(t for t in fl if t < n))
        for j, (v, cur, part, fl) in enumerate(gaps)
    )
    return Problem(tools, options)


tool_sets = st.sets(st.integers(0, 6), max_size=3)
problems = st.builds(
    _problem,
    st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), min_size=1, max_size=7),
    st.lists(
        st.tuples(st.integers(1, 9), st.sampled_from([0.0, 0.5]), tool_sets, tool_sets),
        min_size=1,
        max_size=6,
    ),
)


def brute_force(problem: Problem, capital: float, annual: float) -> float:
    best = 0.0
    tools = problem.tools
    for r in range(len(tools) + 1):
        for combo in itertools.combinations(tools, r):
            if sum(t.price_capital for t in combo) <= capital and sum(t.price_annual for t in combo) <= annual:
                best = max(best, coverage_value(problem, {t.tool_id for t in combo}))
    return best


@settings(max_examples=60, deadline=None)
@given(problem=problems, capital=st.integers(0, 120), annual=st.integers(0, 120), extra=st.integers(0, 60))
def test_exact_is_optimal_and_monotone_in_budget(problem: Problem, capital: int, annual: int, extra: int) -> None:
    rec = recommend(problem, capital, annual, alternatives=0)
    assert rec.method == EXACT
    assert rec.objective == pytest.approx(brute_force(problem, capital, annual))
    assert rec.total_capital <= capital and rec.total_annual <= annual
    assert rec.objective >= greedy(problem, capital, annual).objective - 1e-9
    more = recommend(problem, capital + extra, annual + extra, alternatives=0)
    assert more.objective >= rec.objective - 1e-9


@settings(max_examples=40, deadline=None)
@given(problem=problems, k=st.integers(0, 2), share=st.sampled_from([None, 0.3, 0.7]))
def test_supplier_and_sme_limits_always_hold(problem: Problem, k: int, share: float | None) -> None:
    for rec in (
        recommend(problem, 100, 100, max_suppliers=k, min_sme_share=share, alternatives=0),
        greedy(problem, 100, 100, max_suppliers=k, min_sme_share=share),
    ):
        assert len({c.supplier_id for c in rec.chosen}) <= k
        spend = sum(c.price_capital + c.price_annual for c in rec.chosen)
        sme = sum(c.price_capital + c.price_annual for c in rec.chosen if c.sme)
        if share is not None:
            assert sme >= share * spend - 1e-6
