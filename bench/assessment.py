"""Benchmark: full gap assessment at scale and the budget optimiser (exact vs greedy).

    .venv/bin/python -m bench.assessment                 # 100k tools, 2,000 requirements
    .venv/bin/python -m bench.assessment --tools 20000 --requirements 500

Prints timings for: building the candidate index, the first assessment (which also builds
the text index), warm assessments (the index reused, as the service does), and the optimiser
at 500 and 2,000 candidate tools with its MIP gap and the greedy objective for comparison.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assessments.adapters import convert  # noqa: E402
from assessments.engine import AssessmentInput, InventoryItem, SkillHolding, assess  # noqa: E402
from assessments.optimiser import Problem, greedy, problem_from_assessment, recommend  # noqa: E402
from registry.search.matching import CandidateIndex, tie_key  # noqa: E402
from registry.synthetic import generate  # noqa: E402

TODAY = date(2025, 6, 1)


def _timed(label: str, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    started, cpu = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    print(f"{label:<48} {time.perf_counter() - started:8.3f} s wall {time.process_time() - cpu:8.3f} s cpu")
    return out


def _restrict(problem: Problem, n: int, seed: int) -> Problem:
    """The first n candidate tools in a seeded neutral order, with gaps trimmed to them."""
    tools = sorted(problem.tools, key=lambda t: tie_key(f"bench{seed}", t.tool_id))[:n]
    keep = {t.tool_id for t in tools}
    gaps = tuple(
        replace(g, partial_by=g.partial_by & keep, full_by=g.full_by & keep)
        for g in problem.gaps
        if (g.partial_by | g.full_by) & keep
    )
    return Problem(tuple(tools), gaps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tools", type=int, default=100_000)
    parser.add_argument("--requirements", type=int, default=2_000)
    parser.add_argument("--skills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--inventory", type=int, default=40)
    parser.add_argument("--candidates", default="500,2000", help="optimiser sizes, comma separated")
    parser.add_argument("--budget-share", type=float, default=0.05, help="budget as a share of candidates' cost")
    parser.add_argument("--time-limit", type=float, default=10.0)
    args = parser.parse_args()

    data = _timed(
        "generate synthetic data",
        generate,
        tools=args.tools,
        requirements=args.requirements,
        skills=args.skills,
        seed=args.seed,
    )
    docs = _timed("convert dicts to documents", convert, data, TODAY)
    rng = random.Random(args.seed)
    inventory = [InventoryItem(t, None, rng.randint(1, 40)) for t in rng.sample(docs.tools, args.inventory)]
    workforce = [SkillHolding(s["code"], rng.randint(1, 7), rng.randint(0, 5)) for s in data.skills]
    print(f"{len(docs.tools):,} published tools, {len(docs.requirements):,} requirements, {len(data.skills)} skills")

    index = _timed("build candidate index", CandidateIndex, docs.tools)
    inp = AssessmentInput(docs.requirements, inventory, workforce, index, TODAY, docs.skill_names)
    result = _timed("first assessment (+ text index build)", assess, inp)
    walls, cpus = [], []
    for _ in range(3):
        started, cpu = time.perf_counter(), time.process_time()
        assess(inp)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    label = "warm assessment (median of 3)"
    print(f"{label:<48} {statistics.median(walls):8.3f} s wall {statistics.median(cpus):8.3f} s cpu")
    cold = AssessmentInput(docs.requirements, inventory, workforce, docs.tools, TODAY, docs.skill_names)
    _timed("cold assessment from a list of tools", assess, cold)
    print(f"coverage {result.overall_score:.1f} / 100; status counts {result.status_counts}")

    problem = problem_from_assessment(result)
    print(f"optimiser: {len(problem.tools):,} distinct candidates over {len(problem.gaps):,} gaps")
    for n in (int(x) for x in args.candidates.split(",")):
        sub = _restrict(problem, n, args.seed)
        capital = args.budget_share * sum(t.price_capital for t in sub.tools)
        annual = args.budget_share * sum(t.price_annual for t in sub.tools)
        exact = recommend(sub, capital, annual, time_limit_s=args.time_limit, alternatives=0)
        quick = greedy(sub, capital, annual)
        gap = "n/a" if exact.mip_gap is None else f"{exact.mip_gap:.2e}"
        print(
            f"  {len(sub.tools):>5} candidates / {len(sub.gaps):>4} gaps: {exact.method} ({exact.status}) "
            f"{exact.solve_time_s:.3f} s, MIP gap {gap}, objective {exact.objective:.1f}; "
            f"greedy {quick.objective:.1f} in {quick.solve_time_s:.3f} s; {len(exact.chosen)} tools chosen"
        )
        with_alts = recommend(sub, capital, annual, time_limit_s=args.time_limit, alternatives=3)
        print(f"        with 3 runner-up re-solves: {with_alts.solve_time_s:.3f} s")


if __name__ == "__main__":
    main()
