"""A synthetic capability-gap report for tests, benchmarks and template previews.

The data is random but shaped like a real assessment (see DESIGN.md): requirements tagged
with workstreams, 4P/5D functions and MoSCoW priorities, coverage per requirement, skills
gaps and costed recommendations. A fixed seed keeps it reproducible.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from assessments.reports.model import (
    BarData,
    Chart,
    Column,
    HeatmapData,
    KeyFigure,
    LineData,
    Report,
    Section,
    Table,
)
from registry.enums import WORKSTREAMS, FiveD, FourP, MoSCoW

_CAPABILITIES = (
    "Network analysis",
    "Financial investigation",
    "Open-source intelligence",
    "Digital forensics",
    "Case management",
    "Entity resolution",
    "Geospatial analysis",
    "Communications data analysis",
    "Cryptocurrency tracing",
    "Image triage",
    "Risk scoring",
    "Data sharing gateway",
    "Translation and transcription",
    "Vessel tracking",
    "Dark web monitoring",
    "Victim identification",
)
_QUALIFIERS = (
    "at scale",
    "across forces",
    "for partner agencies",
    "in near real time",
    "with audit trail",
    "for international data",
    "on air-gapped networks",
    "for analysts",
)
_REASONS = {
    "none": (
        "No tool in the current inventory claims this capability.",
        "Only candidate tool is not accredited above OFFICIAL.",
        "Current tool is hosted outside the UK and the requirement needs UK hosting.",
        "No tool supports the required POLE data standard.",
    ),
    "partial": (
        "Tool claims the capability but the claim is not yet evidenced.",
        "Capability covered for some workstreams only.",
        "Tool meets the capability but its TRL is below the minimum of 7.",
        "Too few trained staff to operate the tool at the required level.",
    ),
}
_TOOLS = (
    ("Lattice Graph", "Northgate Analytics Ltd"),
    ("LedgerTrace", "Fenwick Forensics"),
    ("OpenLens OSINT", "Brightwater Intelligence"),
    ("Keystone Case", "Keystone Systems plc"),
    ("HarbourWatch", "Solent Maritime Data"),
    ("CipherFollow", "Tally Chain Labs"),
    ("TriageVision", "Clearpath Imaging"),
    ("Bridge Exchange", "Commonwealth Data Services"),
    ("Polyglot Transcribe", "Lingua Secure"),
    ("Sentinel Risk", "Ardent Risk Ltd"),
)
_SKILLS = (
    ("Intelligence analysis", 4),
    ("Financial investigation", 5),
    ("Digital forensics", 5),
    ("Data engineering", 4),
    ("Open-source research", 3),
    ("Cryptocurrency analysis", 5),
    ("Geospatial analysis", 3),
    ("Information governance", 4),
)
# One combination deliberately left empty so the heatmaps show an "n/a" cell.
_EMPTY_COMBO = ("CONFLICT", FourP.PREPARE)


def _requirements(n: int, rng: random.Random) -> list[dict]:
    codes = list(WORKSTREAMS)
    priorities = (MoSCoW.MUST, MoSCoW.SHOULD, MoSCoW.COULD)
    today = date(2025, 3, 31)
    reqs = []
    for i in range(n):
        ws = rng.choice(codes)
        four_p = rng.choice(list(FourP))
        if (ws, four_p) == _EMPTY_COMBO:
            four_p = FourP.PURSUE
        priority = rng.choices(priorities, weights=(3, 4, 3))[0]
        roll = rng.random()
        state = "full" if roll < 0.55 else "partial" if roll < 0.8 else "none"
        coverage = {"full": 100.0, "partial": float(rng.randrange(20, 80, 5)), "none": 0.0}[state]
        tool = rng.choice(_TOOLS) if state != "none" else None
        reqs.append(
            {
                "code": f"REQ-{i + 1:04d}",
                "title": f"{rng.choice(_CAPABILITIES)} {rng.choice(_QUALIFIERS)}",
                "workstream": ws,
                "workstream_title": WORKSTREAMS[ws],
                "four_p": four_p.value.title(),
                "five_d": rng.choice(list(FiveD)).value.title(),
                "priority": priority.value.title(),
                "weight": {"Must": 3.0, "Should": 2.0, "Could": 1.0}[priority.value.title()],
                "coverage": coverage,
                "state": state,
                "reason": "" if state == "full" else rng.choice(_REASONS[state]),
                "tool": tool[0] if tool else "",
                "assessed_on": today - timedelta(days=rng.randrange(0, 90)),
            }
        )
    return reqs


def _weighted(reqs: list[dict]) -> float | None:
    total = sum(r["weight"] for r in reqs)
    return round(sum(r["coverage"] * r["weight"] for r in reqs) / total, 1) if total else None


def _heatmap(reqs: list[dict], key: str, cols: list[str], chart_id: str, title: str) -> Chart:
    rows = list(WORKSTREAMS)
    values = [[_weighted([r for r in reqs if r["workstream"] == ws and r[key] == c]) for c in cols] for ws in rows]
    row_titles = [WORKSTREAMS[ws].split(" (")[0] for ws in rows]
    table = Table(
        id=f"{chart_id}-data",
        title=f"{title} (data)",
        columns=[Column("workstream", "Workstream")] + [Column(c.lower(), c, "percent") for c in cols],
        rows=[
            {"workstream": t, **{c.lower(): v for c, v in zip(cols, vals, strict=True)}}
            for t, vals in zip(row_titles, values, strict=True)
        ],
    )
    flat = [
        (t, c, v)
        for t, vals in zip(row_titles, values, strict=True)
        for c, v in zip(cols, vals, strict=True)
        if v is not None
    ]
    lo, hi = min(flat, key=lambda x: x[2]), max(flat, key=lambda x: x[2])
    alt = (
        f"{title}: weighted coverage for {len(rows)} workstreams by {len(cols)} functions. "
        f"Lowest is {lo[0]} / {lo[1]} at {lo[2]:.0f}%; highest is {hi[0]} / {hi[1]} at "
        f"{hi[2]:.0f}%."
    )
    return Chart(chart_id, title, "heatmap", HeatmapData(row_titles, cols, values), alt, table)


def _bar_chart(
    chart_id: str,
    title: str,
    labels: list[str],
    values: list[float],
    unit: str,
    max_value: float | None,
    label_col: str,
    value_col: str,
    kind: str,
) -> Chart:
    table = Table(
        id=f"{chart_id}-data",
        title=f"{title} (data)",
        columns=[Column("label", label_col), Column("value", value_col, kind)],  # type: ignore[arg-type]
        rows=[{"label": lbl, "value": v} for lbl, v in zip(labels, values, strict=True)],
    )
    unit_text = "%" if unit == "%" else f" {unit}"
    alt = f"{title}. " + "; ".join(f"{lbl}: {v:.0f}{unit_text}" for lbl, v in zip(labels, values, strict=True)) + "."
    return Chart(chart_id, title, "bar", BarData(labels, values, unit, max_value), alt, table)


def _gap_table(reqs: list[dict], priority: str, limit: int | None) -> Table:
    gaps = sorted(
        (r for r in reqs if r["priority"] == priority and r["state"] != "full"),
        key=lambda r: (r["coverage"], r["code"]),
    )
    total = len(gaps)
    caption = f"{total} {priority.lower()}-have requirements, least covered first."
    if limit is not None and total > limit:
        gaps = gaps[:limit]
        caption = (
            f"The {limit} least covered of {total} {priority.lower()}-have requirements not fully "
            "met; the appendix lists every requirement."
        )
    return Table(
        id=f"gaps-{priority.lower()}",
        title=f"{priority} have requirements not fully met",
        columns=[
            Column("code", "Code"),
            Column("title", "Requirement"),
            Column("workstream", "Workstream"),
            Column("coverage", "Coverage", "percent"),
            Column("reason", "Why not met"),
        ],
        rows=gaps,
        caption=caption,
    )


def _recommendations(rng: random.Random, reqs: list[dict]) -> Table:
    gaps = sum(1 for r in reqs if r["state"] != "full")
    rows = []
    for rank, (tool, supplier) in enumerate(rng.sample(_TOOLS, 6), start=1):
        rows.append(
            {
                "rank": rank,
                "tool": tool,
                "supplier": supplier,
                "closes": max(1, gaps // (rank + 3)),
                "capital": float(rng.randrange(20, 400) * 1000),
                "annual": float(rng.randrange(10, 150) * 1000),
                "gain": round(12.0 / rank + rng.random() * 3, 1),
                "sme": "Yes" if rng.random() < 0.5 else "No",
            }
        )
    return Table(
        id="recommended-tools",
        title="Recommended purchases within budget",
        columns=[
            Column("rank", "Rank", "int"),
            Column("tool", "Tool"),
            Column("supplier", "Supplier"),
            Column("closes", "Gaps closed", "int"),
            Column("capital", "Capital cost", "money"),
            Column("annual", "Annual cost", "money"),
            Column("gain", "Coverage gain", "percent"),
            Column("sme", "SME"),
        ],
        rows=rows,
        caption="Ranked by weighted coverage gained per pound; ties broken by requirement code.",
    )


def _skills(rng: random.Random) -> tuple[Chart, Table]:
    rows = []
    for name, level in _SKILLS:
        needed = rng.randrange(4, 30)
        held = rng.randrange(0, needed + 1)
        rows.append({"skill": name, "level": level, "needed": needed, "held": held, "shortfall": needed - held})
    rows.sort(key=lambda r: -r["shortfall"])
    table = Table(
        id="skills-shortfall",
        title="Skills needed and held",
        columns=[
            Column("skill", "Skill"),
            Column("level", "Level (SFIA)", "int"),
            Column("needed", "People needed", "int"),
            Column("held", "People held", "int"),
            Column("shortfall", "Shortfall", "int"),
        ],
        rows=rows,
    )
    chart = _bar_chart(
        "skills-shortfall-chart",
        "Skills shortfall (people)",
        [r["skill"] for r in rows],
        [float(r["shortfall"]) for r in rows],
        "people",
        None,
        "Skill",
        "Shortfall (people)",
        "int",
    )
    return chart, table


def build_demo_report(n_requirements: int = 120, *, seed: int = 7) -> Report:
    """A realistic-looking capability-gap report over ``n_requirements`` synthetic rows."""
    rng = random.Random(seed)
    reqs = _requirements(n_requirements, rng)
    overall = _weighted(reqs) or 0.0
    by_priority = {p: _weighted([r for r in reqs if r["priority"] == p]) or 0.0 for p in ("Must", "Should", "Could")}
    must_gaps = sum(1 for r in reqs if r["priority"] == "Must" and r["state"] != "full")
    recs = _recommendations(rng, reqs)
    spend = sum(r["capital"] + r["annual"] for r in recs.rows)  # type: ignore[operator]
    skills_chart, skills_table = _skills(rng)
    shortfall = sum(r["shortfall"] for r in skills_table.rows)  # type: ignore[misc]
    trend_points = [("Q2 2024", overall - 14), ("Q3 2024", overall - 9), ("Q4 2024", overall - 6), ("Q1 2025", overall)]
    four_ps = [p.value.title() for p in FourP]
    five_ds = [d.value.title() for d in FiveD]

    summary = [
        KeyFigure("Overall weighted coverage", f"{overall:.0f}%", "All requirements, weighted"),
        KeyFigure("Must-have gaps", f"{must_gaps:,}", "Must-have requirements not fully met"),
        KeyFigure("Skills shortfall", f"{shortfall:,} people", "Across 8 skills"),
        KeyFigure("Recommended investment", f"£{spend:,.0f}", "Capital plus first-year costs"),
    ]
    trend_table = Table(
        id="coverage-trend-data",
        title="Coverage trend (data)",
        columns=[Column("run", "Assessment run"), Column("coverage", "Coverage", "percent")],
        rows=[{"run": label, "coverage": value} for label, value in trend_points],
    )
    sections = [
        Section(
            id="executive-summary",
            title="Executive summary",
            paragraphs=[
                f"This assessment compares {n_requirements:,} information management "
                f"requirements with the current tool inventory and workforce skills. "
                f"Weighted coverage is {overall:.0f}%, up from {overall - 14:.0f}% a year ago.",
                f"{must_gaps:,} must-have requirements are not fully met. The largest gaps are "
                "in data sharing with partner agencies and in tools accredited above OFFICIAL.",
                "The recommended purchases below fit the stated budget and close the most "
                "weighted gaps per pound; skills shortfalls should be addressed alongside them.",
            ],
        ),
        Section(
            id="coverage",
            title="Coverage by workstream and function",
            paragraphs=[
                "Coverage is the priority-weighted share of requirements met by the "
                "current inventory. Cells marked n/a have no requirements."
            ],
            charts=[
                _heatmap(reqs, "four_p", four_ps, "heatmap-4p", "Coverage by workstream and 4P"),
                _heatmap(reqs, "five_d", five_ds, "heatmap-5d", "Coverage by workstream and 5D"),
                _bar_chart(
                    "coverage-by-priority",
                    "Coverage by priority",
                    list(by_priority),
                    list(by_priority.values()),
                    "%",
                    100.0,
                    "Priority",
                    "Coverage",
                    "percent",
                ),
                Chart(
                    "coverage-trend",
                    "Coverage trend",
                    "line",
                    LineData(trend_points, "%", 100.0),
                    "Coverage trend over four quarterly runs: "
                    + "; ".join(f"{lbl} {v:.0f}%" for lbl, v in trend_points)
                    + ".",
                    trend_table,
                ),
            ],
        ),
        Section(
            id="gaps",
            title="Gaps by priority",
            paragraphs=[
                "Requirements not fully met, grouped by MoSCoW priority, with the "
                "reason the current inventory falls short."
            ],
            subsections=[
                Section(
                    id=f"gaps-{p.lower()}-have",
                    title=f"{p} have",
                    tables=[_gap_table(reqs, p, None if p == "Must" else 25)],
                )
                for p in ("Must", "Should", "Could")
            ],
        ),
        Section(
            id="skills",
            title="Skills gaps",
            paragraphs=[
                "People needed to run the current and recommended tools at the required "
                "SFIA level, against the workforce records."
            ],
            charts=[skills_chart],
            tables=[skills_table],
        ),
        Section(
            id="recommendations",
            title="Recommendations",
            paragraphs=[f"Six purchases totalling £{spend:,.0f} (capital plus first year)."],
            tables=[recs],
        ),
        Section(
            id="appendix-requirements",
            title="Appendix: all requirements",
            tables=[
                Table(
                    id="all-requirements",
                    title="All requirements and their coverage",
                    columns=[
                        Column("code", "Code"),
                        Column("title", "Requirement"),
                        Column("workstream", "Workstream"),
                        Column("four_p", "4P"),
                        Column("five_d", "5D"),
                        Column("priority", "Priority"),
                        Column("weight", "Weight", "score"),
                        Column("coverage", "Coverage", "percent"),
                        Column("tool", "Best current tool"),
                        Column("assessed_on", "Assessed", "date"),
                    ],
                    rows=reqs,
                )
            ],
        ),
    ]
    return Report(
        kind="capability_gap",
        title="Capability gap assessment",
        organisation="North Region Organised Crime Unit",
        marking="OFFICIAL-SENSITIVE",
        generated_at=datetime(2025, 4, 1, 9, 30, tzinfo=UTC),
        generated_by="capability.lead@nrocu.police.uk",
        summary=summary,
        sections=sections,
    )
