"""Pure gap engine: requirements × inventory × workforce → coverage, scores, skills gaps.

No web or database imports; services build the inputs from the database and store
``AssessmentResult.to_dict()`` as JSON.

Coverage rules, per requirement (``score`` in brackets):

* **full** (1.0) — some inventory tool with a current licence (no end date, or ending today
  or later) fits every hard constraint (see ``registry.search.matching``) and its claim on
  the requirement's capability node is evidenced or verified.
* **partial** (0.5) — no tool gives full coverage, but some inventory tool claims the
  capability; the reasons say what falls short, per tool: ``claim_only``, a failed hard
  constraint code, or ``licence_expired``.
* **none** (0.0) — no inventory tool claims the node (or any descendant); reason
  ``no_capability``.

Weighted coverage score = 100 × Σ(w × score) / Σ w, with w = requirement weight × priority
multiplier (Must 3, Should 2, Could 1, Won't 0). It is ``None`` where the total weight is
zero (nothing to cover). Matrices (workstream × 4P, workstream × 5D) and the 5C, priority and
workstream breakdowns use the same formula per cell; a requirement tagged with several
workstreams/functions counts in each of their cells.

Skills: demand per skill is summed over requirements (Won't excluded) and inventory tools
with a current licence. A tool's skill need is ``max(need.people, ceil(seats / 10))`` people,
i.e. one skilled person per ten licensed seats (``SEATS_PER_SKILLED_PERSON``). Because a
person at a higher level can fill a lower-level need, for every needed level L we compare
people needed at ≥ L with people held at ≥ L; the shortfall is the largest deficit over
those thresholds (the fewest extra people, hired at the top needed level, that close it).

Candidates: for every requirement not fully covered (Won't excluded) the top
``CANDIDATE_LIMIT`` catalogue tools that fit its hard constraints, ranked by
``CandidateIndex.rank`` (ties neutral), excluding tools already in the inventory.
"""

from __future__ import annotations

import math
import types
import typing
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from datetime import date
from typing import Any, Literal, TypedDict

import numpy as np

from registry.enums import WORKSTREAMS, FiveC, FiveD, FourP, MoSCoW, VerificationState
from registry.formatting import long_date
from registry.search.candidates import CandidateIndex
from registry.search.documents import RequirementSpec, ToolDoc
from registry.search.matching import (
    MatchResult,
    Ranked,
    Reason,
    capability_reason,
    match,
    mix64,
    tie_salt,
)

PRIORITY_MULTIPLIER: dict[MoSCoW, int] = {
    MoSCoW.MUST: 3,
    MoSCoW.SHOULD: 2,
    MoSCoW.COULD: 1,
    MoSCoW.WONT: 0,
}
STATUS_SCORE: dict[str, float] = {"full": 1.0, "partial": 0.5, "none": 0.0}
SEATS_PER_SKILLED_PERSON = 10
CANDIDATE_LIMIT = 5
TRAINING_LIMIT = 5
LICENCE_EXPIRED = "licence_expired"
_STRONG = (VerificationState.EVIDENCED, VerificationState.VERIFIED)

Status = Literal["full", "partial", "none"]


# ---------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class InventoryItem:
    tool: ToolDoc
    licence_end: date | None = None
    seats: int = 1

    def licensed_on(self, today: date) -> bool:
        return self.licence_end is None or self.licence_end >= today


@dataclass(frozen=True, slots=True)
class SkillHolding:
    skill_code: str
    level: int
    people: int


@dataclass(frozen=True, slots=True)
class AssessmentInput:
    requirements: list[RequirementSpec]
    inventory: list[InventoryItem]
    workforce: list[SkillHolding]
    # A prebuilt CandidateIndex can be passed to reuse it across runs (building one for
    # 100k tools is the most expensive step).
    candidates: Sequence[ToolDoc] | CandidateIndex
    today: date
    skill_names: Mapping[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------- outputs


@dataclass(slots=True)
class CandidateTool:
    tool_id: int
    tool_name: str
    supplier_id: int
    supplier_name: str
    sme: bool
    classification: int
    price_capital: float
    price_annual: float
    fit_score: float
    capability_state: str | None
    coverage: float  # 1.0 if it would fully cover, 0.5 if only partially (claim only)
    reasons: list[Reason] = field(default_factory=list)


@dataclass(slots=True)
class RequirementCoverage:
    requirement_code: str
    title: str
    priority: str
    weight: float  # effective weight: requirement weight × priority multiplier
    status: Status
    score: float
    covered_by: list[int] = field(default_factory=list)
    covered_by_names: list[str] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    candidates: list[CandidateTool] = field(default_factory=list)


@dataclass(slots=True)
class Cell:
    score: float | None
    count: int
    weight: float


@dataclass(slots=True)
class LevelCount:
    level: int
    needed: int
    held: int


@dataclass(slots=True)
class SkillGap:
    skill_code: str
    skill_name: str
    level: int  # the binding threshold: needed/held below are "at this level or above"
    needed: int
    held: int
    shortfall: int
    levels: list[LevelCount] = field(default_factory=list)
    needed_by: list[str] = field(default_factory=list)
    training_in_inventory: list[str] = field(default_factory=list)
    training_candidates: list[int] = field(default_factory=list)
    training_candidate_names: list[str] = field(default_factory=list)
    training_candidate_count: int = 0


@dataclass(slots=True)
class AssessmentResult:
    assessed_on: str  # ISO date
    overall_score: float | None
    status_counts: dict[str, int]
    coverage: list[RequirementCoverage]
    by_workstream: dict[str, Cell]
    by_workstream_4p: dict[str, dict[str, Cell]]
    by_workstream_5d: dict[str, dict[str, Cell]]
    by_5c: dict[str, Cell]
    by_priority: dict[str, Cell]
    skills: list[SkillGap]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AssessmentResult:
        return _build(cls, data)

    def requirement(self, code: str) -> RequirementCoverage | None:
        return next((c for c in self.coverage if c.requirement_code == code), None)


@dataclass(slots=True)
class StatusChange:
    requirement_code: str
    before: str | None  # None: the requirement is new
    after: str | None  # None: the requirement was removed


@dataclass(slots=True)
class AssessmentDiff:
    score_before: float | None
    score_after: float | None
    score_change: float | None
    gaps_opened: list[StatusChange]  # coverage got worse
    gaps_closed: list[StatusChange]  # coverage got better
    added: list[str]
    removed: list[str]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------- JSON round trip


def _build(tp: Any, data: Any) -> Any:
    """Rebuild dataclasses from ``asdict`` output using their type hints."""
    if data is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        return _build(options[0], data)
    if origin is Literal:
        return data
    if origin is list:
        (item,) = typing.get_args(tp)
        return [_build(item, v) for v in data]
    if origin is dict:
        _, value = typing.get_args(tp)
        return {k: _build(value, v) for k, v in data.items()}
    if isinstance(tp, type) and is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        return tp(**{f.name: _build(hints[f.name], data[f.name]) for f in fields(tp)})
    return data


# ---------------------------------------------------------------- coverage


def effective_weight(req: RequirementSpec) -> float:
    return req.weight * PRIORITY_MULTIPLIER[req.priority]


def _node_index(inventory: Sequence[InventoryItem]) -> dict[int, list[int]]:
    index: dict[int, list[int]] = defaultdict(list)
    for i, item in enumerate(inventory):
        for claim in item.tool.capabilities:
            if not index[claim.node_id] or index[claim.node_id][-1] != i:
                index[claim.node_id].append(i)
    return index


def _claiming(req: RequirementSpec, index: Mapping[int, list[int]]) -> list[int]:
    found: set[int] = set()
    for node in req.capability_node_ids:
        found.update(index.get(node, ()))
    return sorted(found)  # inventory order


def _prefixed(tool: ToolDoc, reasons: Iterable[Reason]) -> list[Reason]:
    return [Reason(r.code, f"{tool.name}: {r.message}") for r in reasons]


class _CoverageHead(TypedDict):
    """The fields every coverage verdict on one requirement starts with."""

    requirement_code: str
    title: str
    priority: str
    weight: float


def _cover(
    req: RequirementSpec, inventory: Sequence[InventoryItem], claiming: list[int], today: date
) -> RequirementCoverage:
    w = effective_weight(req)
    common: _CoverageHead = {
        "requirement_code": req.code,
        "title": req.title,
        "priority": req.priority.value,
        "weight": w,
    }
    if not claiming:
        target = req.capability_path or "the required capability"
        reason = Reason("no_capability", f"No inventory tool claims a capability under {target}")
        return RequirementCoverage(**common, status="none", score=0.0, reasons=[reason])
    matches: list[tuple[InventoryItem, MatchResult, bool]] = []
    for i in claiming:
        item = inventory[i]
        matches.append((item, match(req, item.tool, today=today, score=False), item.licensed_on(today)))
    full = [(it, m) for it, m, ok in matches if ok and m.fits and m.capability_state in _STRONG]
    if full:
        return RequirementCoverage(
            **common,
            status="full",
            score=1.0,
            covered_by=[it.tool.id for it, _ in full],
            covered_by_names=[it.tool.name for it, _ in full],
            reasons=_prefixed(full[0][0].tool, full[0][1].passes),
        )
    reasons: list[Reason] = []
    for item, m, licensed in matches:
        reasons += _prefixed(item.tool, m.failures)
        if not licensed:
            assert item.licence_end is not None
            msg = f"Licence ended on {long_date(item.licence_end)}"
            reasons += _prefixed(item.tool, [Reason(LICENCE_EXPIRED, msg)])
    return RequirementCoverage(
        **common,
        status="partial",
        score=0.5,
        covered_by=[it.tool.id for it, _, _ in matches],
        covered_by_names=[it.tool.name for it, _, _ in matches],
        reasons=reasons,
    )


def _candidate(req: RequirementSpec, ranked: Ranked, tool: ToolDoc) -> CandidateTool:
    # Ranked tools already fit every hard constraint; the only possible failure left is
    # the soft claim_only, which capability_reason reports exactly as match() would.
    state = ranked.capability_state
    reason = capability_reason(req, state)
    return CandidateTool(
        tool_id=tool.id,
        tool_name=tool.name,
        supplier_id=tool.supplier_id,
        supplier_name=tool.supplier_name,
        sme=tool.sme,
        classification=int(tool.classification),
        price_capital=tool.price_capital,
        price_annual=tool.price_annual,
        fit_score=ranked.fit_score,
        capability_state=state.value,
        coverage=1.0 if state in _STRONG else 0.5,
        reasons=[] if reason.code.endswith("_ok") else [reason],
    )


# ---------------------------------------------------------------- scores and matrices


class _Acc:
    """Accumulates weighted coverage for one cell."""

    __slots__ = ("count", "weight", "covered")

    def __init__(self) -> None:
        self.count = 0
        self.weight = 0.0
        self.covered = 0.0

    def add(self, weight: float, score: float) -> None:
        self.count += 1
        self.weight += weight
        self.covered += weight * score

    def cell(self) -> Cell:
        score = 100.0 * self.covered / self.weight if self.weight > 0 else None
        return Cell(score=score, count=self.count, weight=self.weight)


def _axis(known: Iterable[str], seen: Iterable[str]) -> list[str]:
    return list(dict.fromkeys([*known, *seen]))


def _breakdowns(reqs: Sequence[RequirementSpec], cov: Sequence[RequirementCoverage]) -> dict[str, Any]:
    ws_axis = _axis(WORKSTREAMS, (w for r in reqs for w in r.workstreams))
    by_ws = {w: _Acc() for w in ws_axis}
    by_4p = {w: {p.value: _Acc() for p in FourP} for w in ws_axis}
    by_5d = {w: {d.value: _Acc() for d in FiveD} for w in ws_axis}
    by_5c = {c.value: _Acc() for c in FiveC}
    by_priority = {p.value: _Acc() for p in MoSCoW}
    overall = _Acc()
    for req, c in zip(reqs, cov, strict=True):
        add = (c.weight, c.score)
        overall.add(*add)
        by_priority[req.priority.value].add(*add)
        for five_c in req.five_cs:
            by_5c[five_c.value].add(*add)
        for ws in dict.fromkeys(req.workstreams):
            by_ws[ws].add(*add)
            for p in dict.fromkeys(req.four_ps):
                by_4p[ws][p.value].add(*add)
            for d in dict.fromkeys(req.five_ds):
                by_5d[ws][d.value].add(*add)

    def cells(accs: Mapping[str, _Acc]) -> dict[str, Cell]:
        return {k: a.cell() for k, a in accs.items()}

    return {
        "overall_score": overall.cell().score,
        "by_workstream": cells(by_ws),
        "by_workstream_4p": {w: cells(row) for w, row in by_4p.items()},
        "by_workstream_5d": {w: cells(row) for w, row in by_5d.items()},
        "by_5c": cells(by_5c),
        "by_priority": cells(by_priority),
    }


# ---------------------------------------------------------------- skills


def _skill_demand(
    reqs: Sequence[RequirementSpec], inventory: Sequence[InventoryItem], today: date
) -> dict[str, list[tuple[int, int, str]]]:
    demand: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for req in reqs:
        if req.priority is MoSCoW.WONT:
            continue
        for need in req.skills:
            demand[need.skill_code].append((need.level, need.people, req.code))
    for item in inventory:
        if not item.licensed_on(today):
            continue
        by_seats = math.ceil(item.seats / SEATS_PER_SKILLED_PERSON)
        for need in item.tool.skills_needed:
            people = max(need.people, by_seats)
            demand[need.skill_code].append((need.level, people, item.tool.name))
    return demand


def _skill_gap(code: str, needs: list[tuple[int, int, str]], held: list[tuple[int, int]], name: str) -> SkillGap:
    levels = []
    for level in sorted({lv for lv, _, _ in needs}):
        needed = sum(p for lv, p, _ in needs if lv >= level)
        have = sum(p for lv, p in held if lv >= level)
        levels.append(LevelCount(level=level, needed=needed, held=have))
    # Binding threshold: the largest deficit; on equal deficits the higher level.
    worst = max(levels, key=lambda c: (c.needed - c.held, c.level))
    deficit = worst.needed - worst.held
    shown = worst if deficit > 0 else levels[0]
    return SkillGap(
        skill_code=code,
        skill_name=name,
        level=shown.level,
        needed=shown.needed,
        held=shown.held,
        shortfall=max(0, deficit),
        levels=levels,
        needed_by=list(dict.fromkeys(src for _, _, src in needs)),
    )


def _skills(inp: AssessmentInput, index: CandidateIndex, owned: set[int]) -> list[SkillGap]:
    held: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for h in inp.workforce:
        held[h.skill_code].append((h.level, h.people))
    gaps = []
    for code, needs in _skill_demand(inp.requirements, inp.inventory, inp.today).items():
        gap = _skill_gap(code, needs, held.get(code, []), inp.skill_names.get(code, code))
        gap.training_in_inventory = [it.tool.name for it in inp.inventory if code in it.tool.training_offered]
        offering = [t for t in index.tools_training(code) if t.id not in owned]
        if offering:
            keys = mix64(np.array([t.id for t in offering], np.int64), tie_salt(code))
            chosen = [offering[i] for i in np.argsort(keys, kind="stable")[:TRAINING_LIMIT]]
            gap.training_candidates = [t.id for t in chosen]
            gap.training_candidate_names = [t.name for t in chosen]
        gap.training_candidate_count = len(offering)
        gaps.append(gap)
    # Biggest shortfall first; then by code (skills are not suppliers, so order is neutral).
    gaps.sort(key=lambda g: (-g.shortfall, g.skill_code))
    return gaps


# ---------------------------------------------------------------- entry points


def assess(inp: AssessmentInput) -> AssessmentResult:
    """Run one assessment; see the module docstring for every rule."""
    index = inp.candidates if isinstance(inp.candidates, CandidateIndex) else CandidateIndex(inp.candidates)
    owned = {item.tool.id for item in inp.inventory}
    by_node = _node_index(inp.inventory)
    coverage = []
    for req in inp.requirements:
        cov = _cover(req, inp.inventory, _claiming(req, by_node), inp.today)
        if cov.status != "full" and req.priority is not MoSCoW.WONT:
            top = index.rank_positions(req, today=inp.today, limit=CANDIDATE_LIMIT, exclude_ids=owned)
            cov.candidates = [_candidate(req, r, index.tools[r.position]) for r in top]
        coverage.append(cov)
    counts = {s: 0 for s in STATUS_SCORE}
    for c in coverage:
        counts[c.status] += 1
    return AssessmentResult(
        assessed_on=inp.today.isoformat(),
        status_counts=counts,
        coverage=coverage,
        skills=_skills(inp, index, owned),
        **_breakdowns(inp.requirements, coverage),
    )


_ORDER = {"none": 0, "partial": 1, "full": 2}


def diff(previous: AssessmentResult, current: AssessmentResult) -> AssessmentDiff:
    """What changed between two runs: score change and gaps opened or closed."""
    before = {c.requirement_code: c.status for c in previous.coverage}
    after = {c.requirement_code: c.status for c in current.coverage}
    opened: list[StatusChange] = []
    closed: list[StatusChange] = []
    for code, status in after.items():
        old = before.get(code)
        if old is None or old == status:
            continue
        change = StatusChange(code, old, status)
        (closed if _ORDER[status] > _ORDER[old] else opened).append(change)
    a, b = previous.overall_score, current.overall_score
    return AssessmentDiff(
        score_before=a,
        score_after=b,
        score_change=None if a is None or b is None else b - a,
        gaps_opened=opened,
        gaps_closed=closed,
        added=[c for c in after if c not in before],
        removed=[c for c in before if c not in after],
    )
