"""Budgeted recommendation: which candidate tools to buy to close the most gap value.

Pure (numpy + highspy). Solved exactly as a mixed-integer programme with HiGHS:

    x_t ∈ {0,1}   buy tool t                 z_s ∈ {0,1}   use supplier s
    a_r ∈ [0,1]   requirement r reaches at least partial coverage
    f_r ∈ [0,1]   requirement r reaches full coverage

    maximise   Σ_r value_r × (gain_a_r × a_r + gain_f_r × f_r)
    subject to a_r ≤ Σ_{t covers r} x_t          (any fitting claim: partial or better)
               f_r ≤ Σ_{t fully covers r} x_t    (evidenced/verified claim)
               Σ_t capital_t x_t ≤ budget_capital
               Σ_t annual_t x_t ≤ budget_annual
               x_t ≤ z_supplier(t),  Σ_s z_s ≤ max_suppliers          (if given)
               Σ_t (sme_t − share)(capital_t + annual_t) x_t ≥ 0       (if min_sme_share)

``value_r`` is the requirement's weight × priority multiplier (Must 3, Should 2, Could 1).
Coverage moves in halves as in the gap engine: from none, reaching partial gains 0.5 and full
another 0.5; a requirement already partial only gains 0.5 from full coverage. A tool whose
claim is only "claimed" therefore closes half a gap. a_r and f_r may be continuous: at an
optimum they equal min(1, Σx), which is integral.

The SME share is a share of first-year spend (capital + annual) going to SMEs; an empty
purchase satisfies it. ``min_classification`` removes tools cleared below it before solving.

When HiGHS hits the time limit the answer falls back to :func:`greedy` and says so
(``method = "greedy (solver time limit)"``); the solver's incumbent objective and MIP gap are
still reported.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import highspy
import numpy as np

from assessments.engine import AssessmentResult
from registry.enums import Classification

EXACT = "exact"
GREEDY = "greedy"
GREEDY_FALLBACK = "greedy (solver time limit)"
_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class ToolOption:
    tool_id: int
    name: str
    supplier_id: int
    supplier_name: str = ""
    sme: bool = False
    classification: int = int(Classification.OFFICIAL)
    price_capital: float = 0.0
    price_annual: float = 0.0

    @property
    def spend(self) -> float:
        return self.price_capital + self.price_annual


@dataclass(frozen=True, slots=True)
class GapOption:
    requirement_code: str
    value: float  # weight × priority multiplier
    current: float  # 0.0 (none) or 0.5 (partial)
    partial_by: frozenset[int] = frozenset()  # tool ids that fit but only claim
    full_by: frozenset[int] = frozenset()  # tool ids that fit with evidenced/verified claims

    def gains(self) -> tuple[float, float]:
        """(gain from reaching partial, extra gain from reaching full)."""
        return (0.5 if self.current < 0.5 else 0.0), (0.5 if self.current < 1.0 else 0.0)


@dataclass(frozen=True, slots=True)
class Problem:
    tools: tuple[ToolOption, ...]
    gaps: tuple[GapOption, ...]


@dataclass(slots=True)
class ChosenTool:
    tool_id: int
    name: str
    supplier_id: int
    supplier_name: str
    sme: bool
    price_capital: float
    price_annual: float
    value: float  # value lost if this tool alone were dropped from the set
    closes: list[str] = field(default_factory=list)  # requirements it brings to full
    partially_closes: list[str] = field(default_factory=list)
    why: str = ""


@dataclass(slots=True)
class Alternative:
    excluded_tool_id: int
    objective: float
    tool_ids: list[int]
    total_capital: float
    total_annual: float


@dataclass(slots=True)
class Recommendation:
    method: str
    status: str
    chosen: list[ChosenTool]
    closes: list[str]  # brought to full coverage
    partially_closes: list[str]  # brought from none to partial only
    remaining: list[str]  # gaps left at their current state or still short of full
    total_capital: float
    total_annual: float
    objective: float  # gap value closed
    value_available: float  # value if every gap were closed fully
    mip_gap: float | None
    solve_time_s: float
    solver_objective: float | None = None  # the solver's own incumbent, when it has one
    alternatives: list[Alternative] = field(default_factory=list)

    @property
    def tool_ids(self) -> list[int]:
        return [c.tool_id for c in self.chosen]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Limits:
    budget_capital: float
    budget_annual: float
    max_suppliers: int | None = None
    min_sme_share: float | None = None


# ---------------------------------------------------------------- building problems


def problem_from_assessment(result: AssessmentResult) -> Problem:
    """Gaps (requirements not fully covered, weight > 0) and their ranked candidates."""
    tools: dict[int, ToolOption] = {}
    gaps = []
    for cov in result.coverage:
        if cov.status == "full" or cov.weight <= 0 or not cov.candidates:
            continue
        partial: set[int] = set()
        full: set[int] = set()
        for c in cov.candidates:
            (full if c.coverage >= 1.0 else partial).add(c.tool_id)
            tools.setdefault(
                c.tool_id,
                ToolOption(
                    c.tool_id,
                    c.tool_name,
                    c.supplier_id,
                    c.supplier_name,
                    c.sme,
                    c.classification,
                    c.price_capital,
                    c.price_annual,
                ),  # fmt: skip
            )
        gaps.append(
            GapOption(cov.requirement_code, cov.weight, cov.score, frozenset(partial), frozenset(full))  # fmt: skip
        )
    return Problem(tuple(tools.values()), tuple(gaps))


def _filtered(problem: Problem, min_classification: Classification | None) -> Problem:
    if min_classification is None:
        return problem
    keep = {t.tool_id for t in problem.tools if t.classification >= min_classification}
    gaps = tuple(replace(g, partial_by=g.partial_by & keep, full_by=g.full_by & keep) for g in problem.gaps)
    return Problem(tuple(t for t in problem.tools if t.tool_id in keep), gaps)


def _as_problem(source: AssessmentResult | Problem) -> Problem:
    return source if isinstance(source, Problem) else problem_from_assessment(source)


# ---------------------------------------------------------------- evaluating a set


def coverage_value(problem: Problem, chosen: Iterable[int]) -> float:
    """Gap value closed by a set of tools (the MIP objective for that set)."""
    picked = set(chosen)
    total = 0.0
    for g in problem.gaps:
        gain_a, gain_f = g.gains()
        if g.full_by & picked:
            total += g.value * (gain_a + gain_f)
        elif g.partial_by & picked:
            total += g.value * gain_a
    return total


def _gap_value(g: GapOption, full: bool, partial: bool) -> float:
    gain_a, gain_f = g.gains()
    return g.value * (gain_a + gain_f) if full else (g.value * gain_a if partial else 0.0)


class _Cover:
    """Which chosen tools cover each gap, so one tool's marginal value is cheap to find."""

    def __init__(self, problem: Problem, picked: set[int]) -> None:
        self.gaps = problem.gaps
        self.full = [set(g.full_by & picked) for g in problem.gaps]
        self.partial = [set(g.partial_by & picked) for g in problem.gaps]
        self.touches: dict[int, list[int]] = {t: [] for t in picked}
        for gi, g in enumerate(problem.gaps):
            for t in (g.full_by | g.partial_by) & picked:
                self.touches[t].append(gi)

    def loss(self, tool_id: int) -> float:
        """Value lost if this tool alone were removed."""
        lost = 0.0
        for gi in self.touches[tool_id]:
            g, f, p = self.gaps[gi], self.full[gi], self.partial[gi]
            lost += _gap_value(g, bool(f), bool(p)) - _gap_value(g, bool(f - {tool_id}), bool(p - {tool_id}))
        return lost

    def remove(self, tool_id: int) -> None:
        for gi in self.touches.pop(tool_id):
            self.full[gi].discard(tool_id)
            self.partial[gi].discard(tool_id)


def _prune(problem: Problem, picked: set[int], limits: Limits) -> set[int]:
    """Drop tools that add no value (the solver may keep them when money is spare)."""
    cover = _Cover(problem, picked)
    chosen = sorted((t for t in problem.tools if t.tool_id in picked), key=lambda t: (-t.spend, t.tool_id))
    spend = sum(t.spend for t in chosen)
    sme = sum(t.spend for t in chosen if t.sme)
    kept = set(picked)
    for t in chosen:
        if cover.loss(t.tool_id) > _EPS:
            continue
        # Dropping a tool only frees budget and suppliers; only the SME share can break.
        new_sme = sme - (t.spend if t.sme else 0.0)
        if limits.min_sme_share is not None and new_sme < limits.min_sme_share * (spend - t.spend) - _EPS:
            continue
        kept.discard(t.tool_id)
        cover.remove(t.tool_id)
        spend, sme = spend - t.spend, new_sme
    return kept


def _explain(problem: Problem, picked: set[int]) -> tuple[list[ChosenTool], list[str], list[str], list[str]]:
    options = {t.tool_id: t for t in problem.tools}
    cover = _Cover(problem, picked)
    chosen = []
    for tid in sorted(picked, key=lambda i: (-options[i].spend, i)):
        t = options[tid]
        closes = [problem.gaps[gi].requirement_code for gi in cover.touches[tid] if tid in problem.gaps[gi].full_by]
        partly = [problem.gaps[gi].requirement_code for gi in cover.touches[tid] if tid not in problem.gaps[gi].full_by]
        value = cover.loss(tid)
        why = (
            f"Covers {len(closes)} gap(s) fully and {len(partly)} partially; "
            f"worth {value:g} of gap value not delivered by the rest of the set"
            if closes or partly
            else "Covers no gap"
        )
        chosen.append(
            ChosenTool(
                t.tool_id,
                t.name,
                t.supplier_id,
                t.supplier_name,
                t.sme,
                t.price_capital,
                t.price_annual,
                value,
                closes,
                partly,
                why,
            )  # fmt: skip
        )
    full_done, part_done, remaining = [], [], []
    for gi, g in enumerate(problem.gaps):
        if cover.full[gi]:
            full_done.append(g.requirement_code)
        elif cover.partial[gi] and g.current < 0.5:
            part_done.append(g.requirement_code)
            remaining.append(g.requirement_code)
        else:
            remaining.append(g.requirement_code)
    return chosen, full_done, part_done, remaining


def _recommendation(
    problem: Problem, picked: set[int], method: str, status: str, started: float, **extra: Any
) -> Recommendation:
    chosen, full_done, part_done, remaining = _explain(problem, picked)
    return Recommendation(
        method=method,
        status=status,
        chosen=chosen,
        closes=full_done,
        partially_closes=part_done,
        remaining=remaining,
        total_capital=sum(c.price_capital for c in chosen),
        total_annual=sum(c.price_annual for c in chosen),
        objective=coverage_value(problem, picked),
        value_available=sum(g.value * sum(g.gains()) for g in problem.gaps),
        solve_time_s=time.perf_counter() - started,
        mip_gap=extra.pop("mip_gap", None),
        **extra,
    )


# ---------------------------------------------------------------- greedy


def _greedy_set(problem: Problem, limits: Limits) -> set[int]:
    """Repeatedly buy the affordable tool with the best marginal value per pound.

    Cost is first-year spend (capital + annual); free tools rank first; equal ratios go to
    the larger gain, then the lower tool id (ids carry no supplier meaning). Every step must
    keep the set feasible (budgets, supplier count, SME share), so with an SME share the
    greedy may stop early: it is a heuristic, not a guarantee.
    """
    level = [g.current for g in problem.gaps]  # coverage reached so far per gap
    touches: dict[int, list[tuple[int, float]]] = {t.tool_id: [] for t in problem.tools}
    for gi, gap in enumerate(problem.gaps):
        for tid in gap.full_by:
            touches.setdefault(tid, []).append((gi, 1.0))
        for tid in gap.partial_by - gap.full_by:
            touches.setdefault(tid, []).append((gi, 0.5))

    def gain(tid: int) -> float:
        return sum(problem.gaps[gi].value * max(0.0, reach - level[gi]) for gi, reach in touches[tid])

    picked: set[int] = set()
    capital = annual = spend = sme_spend = 0.0
    suppliers: set[int] = set()
    options = {t.tool_id: t for t in problem.tools}

    def verdict(t: ToolOption) -> str:
        # Budgets and the supplier cap only tighten as tools are bought: "never" is final.
        # The SME share can recover after an SME purchase: "later".
        if capital + t.price_capital > limits.budget_capital + _EPS:
            return "never"
        if annual + t.price_annual > limits.budget_annual + _EPS:
            return "never"
        if (
            limits.max_suppliers is not None
            and t.supplier_id not in suppliers
            and len(suppliers) >= limits.max_suppliers
        ):
            return "never"
        if limits.min_sme_share is not None:
            new_sme = sme_spend + (t.spend if t.sme else 0.0)
            if new_sme < limits.min_sme_share * (spend + t.spend) - _EPS:
                return "later"
        return "ok"

    def key(t: ToolOption, g: float) -> tuple[float, float, int]:
        # Min-heap order: best ratio, then larger gain, then lower id.
        return (-math.inf if t.spend <= 0 else -g / t.spend), -g, t.tool_id

    # Lazy greedy: gains only fall as gaps close, so a popped entry whose key is still
    # current is the best remaining choice; stale entries are re-queued with fresh keys.
    heap = [key(t, g) for t in problem.tools if (g := gain(t.tool_id)) > _EPS]
    heapq.heapify(heap)
    deferred: list[tuple[float, float, int]] = []
    while heap:
        entry = heapq.heappop(heap)
        tool = options[entry[2]]
        g = gain(tool.tool_id)
        if g <= _EPS:
            continue
        fresh = key(tool, g)
        if fresh != entry:
            heapq.heappush(heap, fresh)
            continue
        state = verdict(tool)
        if state == "later":
            deferred.append(entry)
        if state != "ok":
            continue
        picked.add(tool.tool_id)
        capital += tool.price_capital
        annual += tool.price_annual
        spend += tool.spend
        sme_spend += tool.spend if tool.sme else 0.0
        suppliers.add(tool.supplier_id)
        for gi, reach in touches[tool.tool_id]:
            level[gi] = max(level[gi], reach)
        for item in deferred:
            heapq.heappush(heap, item)
        deferred.clear()
    return picked


def greedy(
    source: AssessmentResult | Problem,
    budget_capital: float,
    budget_annual: float,
    *,
    max_suppliers: int | None = None,
    min_sme_share: float | None = None,
    min_classification: Classification | None = None,
) -> Recommendation:
    """Value-per-pound greedy, for comparison with (and fallback from) the exact solver."""
    started = time.perf_counter()
    problem = _filtered(_as_problem(source), min_classification)
    limits = _limits(budget_capital, budget_annual, max_suppliers, min_sme_share)
    picked = _greedy_set(_relevant(problem), limits)
    return _recommendation(problem, picked, GREEDY, "heuristic", started)


# ---------------------------------------------------------------- exact MIP


def _limits(capital: float, annual: float, max_suppliers: int | None, sme_share: float | None) -> Limits:
    if capital < 0 or annual < 0:
        raise ValueError("budgets must be non-negative")
    if max_suppliers is not None and max_suppliers < 0:
        raise ValueError("max_suppliers must be non-negative")
    if sme_share is not None and not 0.0 <= sme_share <= 1.0:
        raise ValueError("min_sme_share must be between 0 and 1")
    return Limits(capital, annual, max_suppliers, sme_share)


def _relevant(problem: Problem) -> Problem:
    """Only tools that close something; the rest can never improve the objective."""
    useful: set[int] = set()
    for g in problem.gaps:
        gain_a, gain_f = g.gains()
        if gain_a > 0:
            useful |= g.partial_by | g.full_by
        if gain_f > 0:
            useful |= g.full_by
    return Problem(tuple(t for t in problem.tools if t.tool_id in useful), problem.gaps)


class _Model:
    """The MIP in HiGHS, kept so alternatives can be re-solved by fixing one column."""

    def __init__(self, problem: Problem, limits: Limits, time_limit_s: float) -> None:
        self.problem = problem
        tools = problem.tools
        col = {t.tool_id: i for i, t in enumerate(tools)}
        costs: list[float] = [0.0] * len(tools)
        upper: list[float] = [1.0] * len(tools)
        integral: list[bool] = [True] * len(tools)
        rows: list[tuple[float, float, list[int], list[float]]] = []  # lower, upper, idx, val

        def add_col(cost: float, ub: float, is_int: bool) -> int:
            costs.append(cost)
            upper.append(ub)
            integral.append(is_int)
            return len(costs) - 1

        for g in problem.gaps:
            gain_a, gain_f = g.gains()
            for gain, by in ((gain_a, g.partial_by | g.full_by), (gain_f, g.full_by)):
                cols = sorted(col[t] for t in by if t in col)
                if gain <= 0 or not cols:
                    continue
                y = add_col(g.value * gain, 1.0, False)
                rows.append((-math.inf, 0.0, [y, *cols], [1.0] + [-1.0] * len(cols)))
        all_x = list(range(len(tools)))
        rows.append((-math.inf, limits.budget_capital, all_x, [t.price_capital for t in tools]))
        rows.append((-math.inf, limits.budget_annual, all_x, [t.price_annual for t in tools]))
        if limits.max_suppliers is not None:
            z = {s: add_col(0.0, 1.0, True) for s in dict.fromkeys(t.supplier_id for t in tools)}
            for i, t in enumerate(tools):
                rows.append((-math.inf, 0.0, [i, z[t.supplier_id]], [1.0, -1.0]))
            rows.append((-math.inf, float(limits.max_suppliers), list(z.values()),
                         [1.0] * len(z)))  # fmt: skip
        if limits.min_sme_share is not None:
            share = limits.min_sme_share
            coef = [((1.0 if t.sme else 0.0) - share) * t.spend for t in tools]
            rows.append((0.0, math.inf, all_x, coef))
        self.cols = col
        self.highs = self._build(costs, upper, integral, rows, time_limit_s)

    @staticmethod
    def _build(
        costs: list[float],
        upper: list[float],
        integral: list[bool],
        rows: Sequence[tuple[float, float, list[int], list[float]]],
        time_limit_s: float,
    ) -> highspy.Highs:
        inf = highspy.kHighsInf
        lp = highspy.HighsLp()
        lp.num_col_ = len(costs)
        lp.num_row_ = len(rows)
        lp.sense_ = highspy.ObjSense.kMaximize
        lp.col_cost_ = np.array(costs, dtype=np.float64)
        lp.col_lower_ = np.zeros(len(costs))
        lp.col_upper_ = np.array(upper, dtype=np.float64)
        lp.row_lower_ = np.array([max(r[0], -inf) for r in rows], dtype=np.float64)
        lp.row_upper_ = np.array([min(r[1], inf) for r in rows], dtype=np.float64)
        starts = np.cumsum([0] + [len(r[2]) for r in rows])
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = starts.astype(np.int32)
        lp.a_matrix_.index_ = np.array([i for r in rows for i in r[2]], dtype=np.int32)
        lp.a_matrix_.value_ = np.array([v for r in rows for v in r[3]], dtype=np.float64)
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in integral]
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("time_limit", max(float(time_limit_s), 0.0))
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("threads", 1)
        h.passModel(lp)
        return h

    def solve(self) -> tuple[str, set[int] | None, float | None, float | None]:
        """(status, chosen tool ids or None, solver objective, MIP gap)."""
        h = self.highs
        h.run()
        status = h.modelStatusToString(h.getModelStatus())
        info = h.getInfo()
        has_solution = info.primal_solution_status == highspy.kSolutionStatusFeasible
        if not has_solution:
            return status, None, None, None
        values = h.getSolution().col_value
        picked = {t.tool_id for i, t in enumerate(self.problem.tools) if values[i] > 0.5}
        return status, picked, info.objective_function_value, info.mip_gap

    def optimal(self) -> bool:
        return self.highs.getModelStatus() == highspy.HighsModelStatus.kOptimal

    def fix_out(self, tool_id: int, out: bool) -> None:
        self.highs.changeColBounds(self.cols[tool_id], 0.0, 0.0 if out else 1.0)


def recommend(
    source: AssessmentResult | Problem,
    budget_capital: float,
    budget_annual: float,
    *,
    max_suppliers: int | None = None,
    min_sme_share: float | None = None,
    min_classification: Classification | None = None,
    time_limit_s: float = 10.0,
    alternatives: int = 3,
) -> Recommendation:
    """Best set of candidate tools within budget; exact unless the solver runs out of time.

    ``alternatives``: re-solve with each of the (up to this many) most valuable chosen
    tools excluded, to show runner-up sets and how much each choice matters.
    """
    started = time.perf_counter()
    limits = _limits(budget_capital, budget_annual, max_suppliers, min_sme_share)
    full_problem = _filtered(_as_problem(source), min_classification)
    problem = _relevant(full_problem)
    if not problem.tools:
        return _recommendation(full_problem, set(), EXACT, "Optimal", started, mip_gap=0.0)
    model = _Model(problem, limits, time_limit_s)
    status, picked, solver_obj, gap = model.solve()
    if not model.optimal() or picked is None:
        fallback = _greedy_set(problem, limits)
        return _recommendation(
            full_problem, fallback, GREEDY_FALLBACK, status, started,
            mip_gap=gap, solver_objective=solver_obj,
        )  # fmt: skip
    picked = _prune(problem, picked, limits)
    rec = _recommendation(full_problem, picked, EXACT, status, started, mip_gap=gap, solver_objective=solver_obj)
    rec.alternatives = _alternatives(model, rec, alternatives, limits)
    rec.solve_time_s = time.perf_counter() - started
    return rec


def _alternatives(model: _Model, rec: Recommendation, count: int, limits: Limits) -> list[Alternative]:
    found = []
    for choice in sorted(rec.chosen, key=lambda c: (-c.value, c.tool_id))[:count]:
        model.fix_out(choice.tool_id, True)
        _, picked, _, _ = model.solve()
        solved = picked is not None and model.optimal()  # read before bounds change
        model.fix_out(choice.tool_id, False)
        if not solved or picked is None:
            continue
        picked = _prune(model.problem, picked, limits)
        tools = [t for t in model.problem.tools if t.tool_id in picked]
        found.append(
            Alternative(
                excluded_tool_id=choice.tool_id,
                objective=coverage_value(model.problem, picked),
                tool_ids=sorted(picked),
                total_capital=sum(t.price_capital for t in tools),
                total_annual=sum(t.price_annual for t in tools),
            )
        )
    return found
