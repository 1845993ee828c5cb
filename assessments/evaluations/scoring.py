"""Procurement evaluation scoring (pure): weighted criteria, reasons, ranking, sensitivity.

Rules
* Criteria weights are points that sum to 100; social value criteria together weigh at
  least 10 (the Procurement Policy Note 06/20 minimum). Exactly one price criterion.
* Quality and social value scores are 0–100 per tool per criterion and each needs a
  written reason.
* Price is scored, not entered: ``lowest price / tool price × 100``. A zero price scores
  100; if the lowest price is zero, every non-zero price scores 0 (the formula's limit as
  the lowest price tends to zero). Negative prices are rejected.
* Weighted total = Σ weight × score / 100, so totals are 0–100.
* Ranking: by total, highest first. Equal totals (within 1e-9) share a rank, and their
  order in the list follows a stable hash of the tool id, never the name.
* Sensitivity: each criterion's weight is moved by +10 and −10 points (clamped to 0..100);
  the other weights are rescaled in proportion to their original weights so the total stays
  100 (shared equally if they were all zero). We report the winner under each perturbation
  and which perturbations change it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from registry.search.matching import tie_key, tie_salt

Kind = Literal["quality", "price", "social_value"]
KIND_LABELS: dict[str, str] = {"quality": "Quality", "price": "Price", "social_value": "Social value"}
ToolKey = int | str
SOCIAL_VALUE_MINIMUM = 10.0
SENSITIVITY_STEP = 10.0
_TOL = 1e-9


class EvaluationError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Criterion:
    code: str
    name: str
    weight: float  # points out of 100
    kind: Kind = "quality"


@dataclass(frozen=True, slots=True)
class Score:
    tool: ToolKey
    criterion: str  # Criterion.code
    score: float  # 0..100
    reason: str


@dataclass(slots=True)
class Contribution:
    score: float
    weight: float
    weighted: float
    reason: str


@dataclass(slots=True)
class RankedTool:
    tool: ToolKey
    rank: int
    total: float
    tied: bool
    breakdown: dict[str, Contribution]


@dataclass(slots=True)
class Perturbation:
    criterion: str
    delta: float
    weights: dict[str, float]
    winner: ToolKey
    winner_changed: bool
    margin: float  # winner's lead over the runner-up under these weights


@dataclass(slots=True)
class EvaluationResult:
    criteria: list[Criterion]
    ranking: list[RankedTool]
    winner: ToolKey | None
    price_method: str
    sensitivity: list[Perturbation] = field(default_factory=list)

    @property
    def winner_stable(self) -> bool:
        return not any(p.winner_changed for p in self.sensitivity)

    @property
    def flips(self) -> list[Perturbation]:
        return [p for p in self.sensitivity if p.winner_changed]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["winner_stable"] = self.winner_stable
        return data


PRICE_METHOD = "lowest price / tool price × 100 (zero price scores 100)"


# ---------------------------------------------------------------- validation


def validate_criteria(criteria: Sequence[Criterion]) -> list[str]:
    problems = []
    codes = [c.code for c in criteria]
    if len(set(codes)) != len(codes):
        problems.append("criterion codes must be unique")
    if any(c.weight < 0 for c in criteria):
        problems.append("weights must not be negative")
    total = sum(c.weight for c in criteria)
    if abs(total - 100.0) > 1e-6:
        problems.append(f"weights must sum to 100, not {total:g}")
    social = sum(c.weight for c in criteria if c.kind == "social_value")
    if social < SOCIAL_VALUE_MINIMUM - 1e-6:
        problems.append(f"social value must weigh at least {SOCIAL_VALUE_MINIMUM:g}, not {social:g}")
    if sum(1 for c in criteria if c.kind == "price") != 1:
        problems.append("exactly one price criterion is required")
    return problems


def price_scores(prices: Mapping[ToolKey, float]) -> dict[ToolKey, float]:
    if not prices:
        return {}
    lowest = min(prices.values())
    return {tool: 100.0 if price == 0 else 100.0 * lowest / price for tool, price in prices.items()}


def _score_table(
    criteria: Sequence[Criterion],
    scores: Iterable[Score],
    prices: Mapping[ToolKey, float],
    names: Mapping[ToolKey, str] | None = None,
) -> dict[ToolKey, dict[str, tuple[float, str]]]:
    # Problems are read by people: tools and criteria by name, never by internal id or key.
    def name(t: ToolKey) -> str:
        return (names or {}).get(t) or str(t)

    labels = {c.code: c.name or c.code for c in criteria}
    problems = validate_criteria(criteria)
    problems += [f"the price of {name(t)} must not be negative" for t, p in prices.items() if p < 0]
    tools = list(prices)
    table: dict[ToolKey, dict[str, tuple[float, str]]] = {t: {} for t in tools}
    kinds = {c.code: c.kind for c in criteria}
    for s in scores:
        where = f"the {labels.get(s.criterion, s.criterion)} score of {name(s.tool)}"
        if s.tool not in table:
            problems.append(f"{name(s.tool)} is scored but is not on the shortlist")
        elif kinds.get(s.criterion) in (None, "price"):
            problems.append(f"{where} is not for a scored criterion")
        elif not 0.0 <= s.score <= 100.0:
            problems.append(f"{where} is {s.score:g}, but scores must be from 0 to 100")
        elif not s.reason.strip():
            problems.append(f"give a reason for {where}")
        elif s.criterion in table[s.tool]:
            problems.append(f"{where} is given twice")
        else:
            table[s.tool][s.criterion] = (float(s.score), s.reason.strip())
    for t in tools:
        missing = [labels[c.code] for c in criteria if c.kind != "price" and c.code not in table[t]]
        if missing:
            problems.append(f"{name(t)} still needs {'a score' if len(missing) == 1 else 'scores'} for {_and(missing)}")
    if problems:
        raise EvaluationError(problems)
    lowest = min(prices.values()) if prices else 0.0
    price = next(c.code for c in criteria if c.kind == "price")
    for t, value in price_scores(prices).items():
        why = f"lowest price {lowest:,.2f} / price {prices[t]:,.2f} × 100 = {value:.2f}"
        table[t][price] = (value, "zero price scores 100" if prices[t] == 0 else why)
    return table


# ---------------------------------------------------------------- scoring and ranking


def _totals(
    table: Mapping[ToolKey, Mapping[str, tuple[float, str]]], weights: Mapping[str, float]
) -> dict[ToolKey, float]:
    return {t: sum(weights[c] * row[c][0] / 100.0 for c in weights) for t, row in table.items()}


def _order(totals: Mapping[ToolKey, float]) -> list[ToolKey]:
    # Quantise so float noise cannot split a tie; then a neutral hash, never the name.
    return sorted(totals, key=lambda t: (-round(totals[t], 9), neutral_key(t)))


def neutral_key(tool: ToolKey) -> int:
    """Stable pseudo-random position for a tool in tied lists (independent of its name)."""
    if isinstance(tool, int):
        return tie_key("evaluation", tool)
    return tie_salt(f"evaluation\x1f{tool}")


def _ranking(
    table: Mapping[ToolKey, Mapping[str, tuple[float, str]]], weights: Mapping[str, float]
) -> list[RankedTool]:
    totals = _totals(table, weights)
    ranked: list[RankedTool] = []
    for pos, t in enumerate(_order(totals), start=1):
        same = [o for o in totals if o != t and abs(totals[o] - totals[t]) <= _TOL]
        prev = ranked[-1] if ranked else None
        rank = prev.rank if prev and abs(prev.total - totals[t]) <= _TOL else pos
        breakdown = {
            c: Contribution(table[t][c][0], w, w * table[t][c][0] / 100.0, table[t][c][1]) for c, w in weights.items()
        }
        ranked.append(RankedTool(t, rank, totals[t], bool(same), breakdown))
    return ranked


def perturbed_weights(weights: Mapping[str, float], code: str, delta: float) -> dict[str, float]:
    """Move one weight by ``delta`` points; rescale the others to keep the sum at 100."""
    moved = min(100.0, max(0.0, weights[code] + delta))
    others = {c: w for c, w in weights.items() if c != code}
    rest = sum(others.values())
    left = 100.0 - moved
    if rest > 0:
        scaled = {c: left * w / rest for c, w in others.items()}
    else:
        scaled = {c: left / len(others) for c in others} if others else {}
    return {c: (moved if c == code else scaled[c]) for c in weights}


def _sensitivity(
    table: Mapping[ToolKey, Mapping[str, tuple[float, str]]],
    weights: Mapping[str, float],
    winner: ToolKey,
) -> list[Perturbation]:
    out = []
    for code in weights:
        for delta in (SENSITIVITY_STEP, -SENSITIVITY_STEP):
            new = perturbed_weights(weights, code, delta)
            totals = _totals(table, new)
            order = _order(totals)
            margin = totals[order[0]] - totals[order[1]] if len(order) > 1 else 0.0
            out.append(Perturbation(code, delta, new, order[0], order[0] != winner, margin))
    return out


def _and(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def evaluate(
    criteria: Sequence[Criterion],
    scores: Iterable[Score],
    prices: Mapping[ToolKey, float],
    names: Mapping[ToolKey, str] | None = None,
) -> EvaluationResult:
    """Score, rank and stress-test a shortlist; raises EvaluationError listing every problem.

    ``prices`` names the shortlisted tools (one price each); ``scores`` gives every
    quality and social value score with its reason; ``names`` (optional) are the tools' names,
    used to word the problems.
    """
    table = _score_table(criteria, scores, prices, names)
    weights = {c.code: float(c.weight) for c in criteria}
    ranking = _ranking(table, weights)
    winner = ranking[0].tool if ranking else None
    result = EvaluationResult(list(criteria), ranking, winner, PRICE_METHOD)
    if winner is not None:
        result.sensitivity = _sensitivity(table, weights, winner)
    return result
