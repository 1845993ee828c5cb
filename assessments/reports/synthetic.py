"""A real capability-gap report over synthetic data, for tests, benchmarks and previews.

The synthetic catalogue and requirements (``registry.synthetic``) go through the real gap
engine, optimiser and report builders, so what the benchmarks time and the renderer tests check
is exactly what a capability lead downloads. Fixed seeds and dates keep it reproducible.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from assessments.adapters import convert, requirement_snapshot
from assessments.engine import AssessmentInput, InventoryItem, SkillHolding, assess
from assessments.optimiser import recommend
from assessments.reports.common import ReportMeta
from assessments.reports.document import Report
from assessments.reports.gap_report import GapReportData, RunPoint, build_gap_report
from registry import synthetic

TODAY = date(2026, 11, 25)
GENERATED_AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def synthetic_gap_report(
    requirements: int = 120,
    *,
    tools: int = 2_000,
    seed: int = 11,
    budget: float = 500_000.0,
    marking: str = "OFFICIAL-SENSITIVE",
    compact: bool = False,
) -> Report:
    """The gap report for ``requirements`` synthetic requirements against ``tools`` catalogue
    tools, with 40 of them in the inventory and a workforce holding a few people per skill.
    ``compact`` as the service renders PDF and HTML."""
    raw = synthetic.generate(tools=tools, requirements=requirements, seed=seed)
    data = convert(raw, TODAY)
    rng = random.Random(seed)
    inventory = [InventoryItem(t, None, rng.randint(1, 40)) for t in rng.sample(data.tools, min(40, len(data.tools)))]
    workforce = [SkillHolding(s["code"], rng.randint(1, 7), rng.randint(0, 5)) for s in raw.skills]
    result = assess(
        AssessmentInput(
            requirements=data.requirements,
            inventory=inventory,
            workforce=workforce,
            candidates=data.tools,
            today=TODAY,
            skill_names=data.skill_names,
        )
    )
    inputs = {
        "scope": {"budget_capital": budget, "budget_annual": budget},
        "requirements": [requirement_snapshot(r) for r in data.requirements],
    }
    score = result.overall_score  # None when nothing carries weight: then no run had a score
    gap = GapReportData(
        assessment_name="Synthetic force-wide review",
        run_id="synthetic",
        run_at=GENERATED_AT,
        result=result,
        recommendation=recommend(result, budget, budget).to_dict(),
        inputs=inputs,
        # Three earlier quarterly runs, so the report shows a coverage trend.
        history=[
            *(
                RunPoint(
                    f"earlier-{i}", GENERATED_AT - timedelta(days=91 * i), None if score is None else score - 4.0 * i
                )
                for i in (3, 2, 1)
            ),
            RunPoint("synthetic", GENERATED_AT, score),
        ],
    )
    meta = ReportMeta(
        organisation="Synthetic Regional Organised Crime Unit",
        generated_by="synthetic data",
        generated_at=GENERATED_AT,
        marking=marking,
    )
    return build_gap_report(gap, meta, compact=compact)
