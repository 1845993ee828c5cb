"""Procurement evaluation: validation, price scoring, ranking, sensitivity (numbers by hand)."""

from __future__ import annotations

import json

import pytest

from assessments.evaluations.scoring import (
    Criterion,
    EvaluationError,
    Score,
    evaluate,
    neutral_key,
    perturbed_weights,
    price_scores,
)

CRITERIA = [
    Criterion("Q", "Quality", 50),
    Criterion("P", "Price", 40, "price"),
    Criterion("SV", "Social value", 10, "social_value"),
]
# Tool 1: quality 90, social value 50, £100. Tool 2: quality 70, social value 60, £80.
SCORES = [
    Score(1, "Q", 90, "Meets every must-have; strong audit trail"),
    Score(1, "SV", 50, "Two apprenticeships"),
    Score(2, "Q", 70, "Meets must-haves; weaker reporting"),
    Score(2, "SV", 60, "Local SME supply chain"),
]
PRICES = {1: 100.0, 2: 80.0}


def test_weighted_totals_and_ranking_by_hand() -> None:
    result = evaluate(CRITERIA, SCORES, PRICES)
    # Price: lowest 80 → tool 2 scores 100, tool 1 scores 80 / 100 × 100 = 80.
    # Tool 1: 50 × 0.90 + 40 × 0.80 + 10 × 0.50 = 45 + 32 + 5 = 82
    # Tool 2: 50 × 0.70 + 40 × 1.00 + 10 × 0.60 = 35 + 40 + 6 = 81
    assert [(r.tool, r.rank, r.total) for r in result.ranking] == [(1, 1, pytest.approx(82)), (2, 2, pytest.approx(81))]
    assert result.winner == 1
    b = result.ranking[0].breakdown
    assert (b["P"].score, b["P"].weighted) == (pytest.approx(80.0), pytest.approx(32.0))
    assert b["P"].reason == "lowest price 80.00 / price 100.00 × 100 = 80.00"
    assert b["Q"].reason == "Meets every must-have; strong audit trail"
    json.dumps(result.to_dict())


def test_sensitivity_flip_by_hand() -> None:
    result = evaluate(CRITERIA, SCORES, PRICES)
    # Quality −10 → 40; the other 60 points split 40:10 → price 48, social value 12.
    # Tool 1: 40×0.9 + 48×0.8 + 12×0.5 = 36 + 38.4 + 6 = 80.4
    # Tool 2: 40×0.7 + 48×1.0 + 12×0.6 = 28 + 48 + 7.2 = 83.2 → tool 2 wins by 2.8
    q_down = next(p for p in result.sensitivity if p.criterion == "Q" and p.delta == -10)
    assert q_down.weights == pytest.approx({"Q": 40, "P": 48, "SV": 12})
    assert q_down.winner == 2 and q_down.winner_changed
    assert q_down.margin == pytest.approx(2.8)
    # Quality +10 → 60; price 32, social value 8: tool 1 54 + 25.6 + 4 = 83.6 vs 42 + 32 + 4.8 = 78.8
    q_up = next(p for p in result.sensitivity if p.criterion == "Q" and p.delta == 10)
    assert q_up.winner == 1 and not q_up.winner_changed
    assert not result.winner_stable
    assert {(p.criterion, p.delta) for p in result.flips} == {("Q", -10), ("P", 10), ("SV", 10)}
    assert len(result.sensitivity) == 6


def test_stable_winner() -> None:
    scores = [*SCORES[:1], Score(1, "SV", 100, "x"), Score(2, "Q", 10, "poor"), Score(2, "SV", 0, "none")]
    result = evaluate(CRITERIA, scores, {1: 80.0, 2: 100.0})  # tool 1 best at everything
    assert result.winner == 1 and result.winner_stable and result.flips == []


def test_perturbation_clamps_and_keeps_total() -> None:
    w = perturbed_weights({"A": 95.0, "B": 5.0, "C": 0.0}, "A", 10)
    assert w == {"A": 100.0, "B": 0.0, "C": 0.0}
    w = perturbed_weights({"A": 100.0, "B": 0.0, "C": 0.0}, "A", -10)
    assert w == {"A": 90.0, "B": 5.0, "C": 5.0}  # others all zero: shared equally
    assert sum(perturbed_weights({"A": 30, "B": 60, "C": 10}, "C", -10).values()) == pytest.approx(100)


def test_price_scoring_and_zero_price() -> None:
    assert price_scores({1: 50.0, 2: 100.0, 3: 200.0}) == {1: 100.0, 2: 50.0, 3: 25.0}
    # A free tool scores 100 and, as the lowest price is 0, every priced tool scores 0.
    assert price_scores({1: 0.0, 2: 10.0}) == {1: 100.0, 2: 0.0}
    result = evaluate(CRITERIA, SCORES, {1: 0.0, 2: 80.0})
    assert result.ranking[0].breakdown["P"].reason == "zero price scores 100"


@pytest.mark.parametrize(
    ("criteria", "problem"),
    [
        ([Criterion("Q", "Q", 60), Criterion("P", "P", 30, "price")], "social value must weigh at least 10, not 0"),
        (
            [Criterion("Q", "Q", 50), Criterion("P", "P", 40, "price"), Criterion("S", "S", 5, "social_value")],
            "weights must sum to 100, not 95",
        ),
        (
            [Criterion("Q", "Q", 55), Criterion("P", "P", 40, "price"), Criterion("S", "S", 5, "social_value")],
            "social value must weigh at least 10, not 5",
        ),
        ([Criterion("Q", "Q", 90), Criterion("S", "S", 10, "social_value")], "exactly one price criterion is required"),
    ],
)
def test_weights_validation(criteria: list[Criterion], problem: str) -> None:
    with pytest.raises(EvaluationError) as err:
        evaluate(criteria, [], {})
    assert problem in err.value.problems


def test_scores_validation() -> None:
    bad = [
        Score(1, "Q", 90, "   "),  # reason required
        Score(1, "SV", 120, "too high"),
        Score(2, "Q", 70, "ok"),
        Score(3, "Q", 70, "not shortlisted"),
        Score(2, "P", 50, "price is computed, not scored"),
    ]
    with pytest.raises(EvaluationError) as err:
        evaluate(CRITERIA, bad, PRICES, names={1: "Tidemark Vessel Watch", 2: "Kestrel Link", 3: "Halwyn Extract"})
    problems = err.value.problems
    # Problems name the tool and the criterion in words, never an internal id or key.
    assert "give a reason for the Quality score of Tidemark Vessel Watch" in problems
    assert "the Social value score of Tidemark Vessel Watch is 120, but scores must be from 0 to 100" in problems
    assert "Halwyn Extract is scored but is not on the shortlist" in problems
    assert "the Price score of Kestrel Link is not for a scored criterion" in problems
    assert "Kestrel Link still needs a score for Social value" in problems
    assert not any(p[:1].isdigit() for p in problems)


def test_ties_share_rank_and_are_not_alphabetical() -> None:
    names = [f"Supplier {c}" for c in "ABCDEFGHIJ"]
    scores = [Score(n, code, 70, "same") for n in names for code in ("Q", "SV")]
    result = evaluate(CRITERIA, scores, dict.fromkeys(names, 100.0))
    assert {r.rank for r in result.ranking} == {1} and all(r.tied for r in result.ranking)
    order = [r.tool for r in result.ranking]
    assert order == sorted(names, key=neutral_key)
    assert order != sorted(names)  # not alphabetical
