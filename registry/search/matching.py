"""Requirement → tool matching: hard constraints, reasons and a fit score.

Pure: stdlib, numpy and rapidfuzz only. Two entry points give identical answers:

* :func:`match` / :func:`rank_candidates` check tools one by one (clear, used for a handful).
* :class:`CandidateIndex` pre-indexes a large catalogue by capability node and keeps the hard
  constraints in numpy arrays, so ranking a requirement only touches tools claiming its nodes.

Hard constraints (any failure makes ``fits`` False): the tool claims a capability on one of
the requirement's nodes, classification, hosting, TRL, every required data standard, an
allowed deployment, and no expired mandatory accreditation. A claim that is only "claimed"
(not evidenced or verified) is reported as the soft failure ``claim_only``: the tool still
fits (it can be shortlisted) but the gap engine will not count it as full coverage.

Fit score (0..100), only meaningful to order tools for one requirement:
  capability claim strength  verified 40, evidenced 30, claimed 15, none 0
  TRL margin                 25 × (trl − m) / (9 − m), clipped to 0..1, m = min TRL or 0
  text similarity            20 × token_set_ratio(requirement title+description,
                                                  tool name+summary) / 100
  data standards overlap     15 × required standards present / required (15 if none required)
Evidence (claims, maturity) outweighs wording: a summary that echoes the requirement's words
is weak evidence, and a smaller text share also lets the index skip more text scoring.
Ties are broken by a stable hash of (requirement code, tool id), never by name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from rapidfuzz import fuzz, utils

from registry.enums import Hosting, VerificationState
from registry.formatting import long_date, plural
from registry.search.documents import RequirementSpec, ToolDoc

# Stable reason codes (the UI and reports key on these).
NO_CAPABILITY = "no_capability"
CLAIM_ONLY = "claim_only"
CLASSIFICATION_TOO_LOW = "classification_too_low"
HOSTING_NOT_ALLOWED = "hosting_not_allowed"
TRL_BELOW_MINIMUM = "trl_below_minimum"
DATA_STANDARD_MISSING = "data_standard_missing"
DEPLOYMENT_NOT_ALLOWED = "deployment_not_allowed"
MANDATORY_ACCREDITATION_EXPIRED = "mandatory_accreditation_expired"
SOFT_CODES = frozenset({CLAIM_ONLY})

STATE_RANK: dict[VerificationState, int] = {
    VerificationState.CLAIMED: 1,
    VerificationState.EVIDENCED: 2,
    VerificationState.VERIFIED: 3,
}
RANK_STATE = {rank: state for state, rank in STATE_RANK.items()}
# Points by claim rank 0 (none) .. 3 (verified); an array so numpy can index it.
STATE_POINTS = np.array([0.0, 15.0, 30.0, 40.0])
TEXT_POINTS = 20.0
STANDARDS_POINTS = 15.0
TRL_POINTS = 25.0
TEXT_SCALE = TEXT_POINTS / 100.0
MAX_TRL = 9

HOSTINGS = tuple(Hosting)


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class MatchResult:
    requirement_code: str
    tool_id: int
    tool_name: str
    supplier_id: int
    fits: bool
    capability_state: VerificationState | None
    failures: list[Reason] = field(default_factory=list)
    passes: list[Reason] = field(default_factory=list)
    fit_score: float = 0.0

    def failure_codes(self) -> list[str]:
        return [r.code for r in self.failures]


_M64 = 0xFFFFFFFFFFFFFFFF


@dataclass(frozen=True, slots=True)
class Ranked:
    position: int  # index into CandidateIndex.tools
    fit_score: float
    capability_state: VerificationState


def tie_salt(text: str) -> int:
    """A 64-bit salt per requirement (or skill) so every list gets its own neutral order."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def mix64(values: np.ndarray, salt: int) -> np.ndarray:
    """splitmix64 of (value XOR salt), vectorised: a stable pseudo-random order of ids."""
    with np.errstate(over="ignore"):
        z = values.astype(np.uint64) ^ np.uint64(salt)
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def tie_key(requirement_code: str, tool_id: int) -> int:
    """Neutral, stable tie-break for (requirement, tool), unrelated to names.

    Scalar twin of :func:`mix64` (same bits), so both ranking paths agree.
    """
    z = ((tool_id & _M64) ^ tie_salt(requirement_code)) + 0x9E3779B97F4A7C15 & _M64
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9 & _M64
    z = (z ^ (z >> 27)) * 0x94D049BB133111EB & _M64
    return z ^ (z >> 31)


def normalise_standard(value: str) -> str:
    return value.strip().upper()


def tool_text(tool: ToolDoc) -> str:
    return utils.default_process(f"{tool.name} {tool.summary}")


def requirement_text(req: RequirementSpec) -> str:
    return utils.default_process(f"{req.title} {req.description}")


def trl_points(trl: int, min_trl: int | None) -> float:
    floor = min_trl or 0
    span = MAX_TRL - floor
    if span <= 0:
        return TRL_POINTS if trl >= floor else 0.0
    margin = min(max(trl - floor, 0), span)
    return TRL_POINTS * margin / span


def best_claim(req: RequirementSpec, tool: ToolDoc) -> VerificationState | None:
    best = 0
    for claim in tool.capabilities:
        if claim.node_id in req.capability_node_ids:
            best = max(best, STATE_RANK[claim.state])
    return RANK_STATE.get(best)


def _join(values: Iterable[object]) -> str:
    return ", ".join(str(v) for v in values)


def capability_reason(req: RequirementSpec, state: VerificationState | None) -> Reason:
    target = req.capability_path or "the required capability"
    if state is None:
        return Reason(NO_CAPABILITY, f"No capability claimed under {target}")
    if state is VerificationState.CLAIMED:
        return Reason(CLAIM_ONLY, f"Capability under {target} is only claimed, not evidenced")
    return Reason("capability_ok", f"Capability under {target} is {state.label.lower()}")


def _check_classification(req: RequirementSpec, tool: ToolDoc) -> Reason | None:
    if req.min_classification is None:
        return None
    have, need = tool.classification.label, req.min_classification.label
    if tool.classification < req.min_classification:
        return Reason(CLASSIFICATION_TOO_LOW, f"Cleared to {have}, below minimum {need}")
    return Reason("classification_ok", f"Cleared to {have} (minimum {need})")


def _check_hosting(req: RequirementSpec, tool: ToolDoc) -> Reason | None:
    if not req.allowed_hosting:
        return None
    allowed = _join(h.label for h in req.allowed_hosting)
    hosted = tool.hosting.label
    if tool.hosting not in req.allowed_hosting:
        return Reason(HOSTING_NOT_ALLOWED, f"Hosting outside {allowed}: hosted in {hosted}")
    return Reason("hosting_ok", f"Hosted in {hosted} (allowed: {allowed})")


def _check_trl(req: RequirementSpec, tool: ToolDoc) -> Reason | None:
    if req.min_trl is None:
        return None
    if tool.trl < req.min_trl:
        return Reason(TRL_BELOW_MINIMUM, f"TRL {tool.trl} below minimum {req.min_trl}")
    return Reason("trl_ok", f"TRL {tool.trl} meets minimum {req.min_trl}")


def _standards(req: RequirementSpec, tool: ToolDoc) -> tuple[list[str], int]:
    have = {normalise_standard(s) for s in tool.data_standards}
    required = list(dict.fromkeys(normalise_standard(s) for s in req.required_data_standards))
    missing = [s for s in required if s not in have]
    return missing, len(required)


def _check_standards(missing: list[str], required: int) -> Reason | None:
    if not required:
        return None
    if missing:
        present = required - len(missing)
        return Reason(
            DATA_STANDARD_MISSING,
            f"Missing data standard {_join(missing)} ({present} of {required} present)",
        )
    return Reason("data_standards_ok", f"Supports all {required} required data standards")


def _check_deployment(req: RequirementSpec, tool: ToolDoc) -> Reason | None:
    if not req.allowed_deployments:
        return None
    offered = [d for d in tool.deployments if d in req.allowed_deployments]
    allowed = _join(d.label for d in req.allowed_deployments)
    if not offered:
        has = _join(d.label for d in tool.deployments) or "none stated"
        return Reason(DEPLOYMENT_NOT_ALLOWED, f"Offered as {has}, which is not allowed (allowed: {allowed})")
    return Reason("deployment_ok", f"Deployable as {_join(d.label for d in offered)}")


def _check_accreditations(tool: ToolDoc, today: date) -> Reason | None:
    mandatory = [a for a in tool.accreditations if a.mandatory]
    if not mandatory:
        return None
    expired = [a for a in mandatory if not a.current_on(today)]
    if expired:
        first = min(expired, key=lambda a: a.expires_on or today)
        assert first.expires_on is not None  # only dated accreditations can expire
        days = (today - first.expires_on).days
        return Reason(
            MANDATORY_ACCREDITATION_EXPIRED,
            f"Mandatory accreditation {first.name} expired on {long_date(first.expires_on)} ({plural(days, 'day')} ago)",
        )
    return Reason("accreditations_ok", f"All {len(mandatory)} mandatory accreditations current")


def match(req: RequirementSpec, tool: ToolDoc, *, today: date, score: bool = True) -> MatchResult:
    """Check one tool against one requirement; see the module docstring for the rules.

    ``score=False`` skips the fit score (left at 0.0) when only the verdict is needed.
    """
    state = best_claim(req, tool)
    missing, required = _standards(req, tool)
    checks = [
        capability_reason(req, state),
        _check_classification(req, tool),
        _check_hosting(req, tool),
        _check_trl(req, tool),
        _check_standards(missing, required),
        _check_deployment(req, tool),
        _check_accreditations(tool, today),
    ]
    failures = [r for r in checks if r is not None and not r.code.endswith("_ok")]
    passes = [r for r in checks if r is not None and r.code.endswith("_ok")]
    fits = all(r.code in SOFT_CODES for r in failures)
    # Same addition order as CandidateIndex so both paths give bit-identical scores.
    state_pts = float(STATE_POINTS[STATE_RANK[state] if state else 0])
    std_pts = STANDARDS_POINTS * (required - len(missing)) / required if required else STANDARDS_POINTS
    base = state_pts + std_pts + trl_points(tool.trl, req.min_trl)
    text = fuzz.token_set_ratio(requirement_text(req), tool_text(tool)) if score else 0.0
    return MatchResult(
        requirement_code=req.code,
        tool_id=tool.id,
        tool_name=tool.name,
        supplier_id=tool.supplier_id,
        fits=fits,
        capability_state=state,
        failures=failures,
        passes=passes,
        fit_score=base + TEXT_SCALE * text if score else 0.0,
    )


def rank_candidates(
    req: RequirementSpec, tools: Iterable[ToolDoc], *, today: date, limit: int = 10
) -> list[MatchResult]:
    """Tools that satisfy every hard constraint, best fit first, ties broken neutrally."""
    fitting = [m for m in (match(req, t, today=today) for t in tools) if m.fits]
    fitting.sort(key=lambda m: (-m.fit_score, tie_key(req.code, m.tool_id)))
    return fitting[:limit]
