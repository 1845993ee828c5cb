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
import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from rapidfuzz import fuzz, process, utils

from registry.enums import Deployment, Hosting, VerificationState
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
_RANK_STATE = {rank: state for state, rank in STATE_RANK.items()}
# Points by claim rank 0 (none) .. 3 (verified); an array so numpy can index it.
STATE_POINTS = np.array([0.0, 15.0, 30.0, 40.0])
TEXT_POINTS = 20.0
STANDARDS_POINTS = 15.0
TRL_POINTS = 25.0
_TEXT_SCALE = TEXT_POINTS / 100.0
MAX_TRL = 9

_HOSTINGS = tuple(Hosting)
_HOSTING_CODE = {h: i for i, h in enumerate(_HOSTINGS)}
_DEPLOYMENT_BIT = {d: 1 << i for i, d in enumerate(Deployment)}
_NO_EXPIRY = np.iinfo(np.int64).max


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
    return _RANK_STATE.get(best)


def _join(values: Iterable[object]) -> str:
    return ", ".join(str(v) for v in values)


def capability_reason(req: RequirementSpec, state: VerificationState | None) -> Reason:
    target = req.capability_path or "the required capability"
    if state is None:
        return Reason(NO_CAPABILITY, f"No capability claimed under {target}")
    if state is VerificationState.CLAIMED:
        return Reason(CLAIM_ONLY, f"Capability under {target} is only claimed, not evidenced")
    return Reason("capability_ok", f"Capability under {target} is {state.value}")


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
    allowed = _join(h.value.upper() for h in req.allowed_hosting)
    hosted = tool.hosting.value.upper()
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
    allowed = _join(d.value for d in req.allowed_deployments)
    if not offered:
        has = _join(d.value for d in tool.deployments) or "none stated"
        return Reason(DEPLOYMENT_NOT_ALLOWED, f"Deployment {has} not allowed (allowed: {allowed})")
    return Reason("deployment_ok", f"Deployable as {_join(d.value for d in offered)}")


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
            f"Mandatory accreditation {first.name} expired on {first.expires_on.isoformat()} ({days} days ago)",
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
        fit_score=base + _TEXT_SCALE * text if score else 0.0,
    )


def rank_candidates(
    req: RequirementSpec, tools: Iterable[ToolDoc], *, today: date, limit: int = 10
) -> list[MatchResult]:
    """Tools that satisfy every hard constraint, best fit first, ties broken neutrally."""
    fitting = [m for m in (match(req, t, today=today) for t in tools) if m.fits]
    fitting.sort(key=lambda m: (-m.fit_score, tie_key(req.code, m.tool_id)))
    return fitting[:limit]


_BINS = 37  # a-z, 0-9, everything else (merging characters keeps the bound valid)
_ASCII_BIN = np.full(128, _BINS - 1, np.int64)
_ASCII_BIN[np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", np.uint8)] = np.arange(26)
_ASCII_BIN[np.frombuffer(b"0123456789", np.uint8)] = np.arange(26, 36)


def _char_bins(text: str) -> np.ndarray:
    points = np.frombuffer(text.encode("utf-32-le"), np.uint32)
    return _ASCII_BIN[np.minimum(points, 127)]  # code 127 (DEL) is in the "other" bin too


class _TextIndex:
    """Processed tool texts plus what an upper bound on token_set_ratio needs.

    token_set_ratio compares the sorted unique tokens: with S the shared tokens and
    A, B the rest, it is 100 if S is non-empty and A or B is empty, else the best of
    ratio(S, S+A), ratio(S, S+B) (both fixed by lengths) and an Indel ratio of A vs B.
    Lengths give the first two exactly; for the third, the longest common subsequence of
    A and B cannot exceed the shared character counts, so the Indel distance is at least
    |A| + |B| − 2·Σ_c min(count_A(c), count_B(c)). That needs only token ids, token lengths
    and per-tool character histograms, all vectorised over a requirement's fitting tools.
    """

    def __init__(self, tools: Sequence[ToolDoc]) -> None:
        n = len(tools)
        texts = [tool_text(t) for t in tools]
        token_sets = [set(text.split()) for text in texts]
        all_words = [w for words in token_sets for w in words]
        self.vocab: dict[str, int] = {w: i for i, w in enumerate(dict.fromkeys(all_words))}
        self.texts = np.array(texts + [None], dtype=object)[:n]  # the None keeps it 1-D
        self.flat = np.fromiter(map(self.vocab.__getitem__, all_words), np.int64, len(all_words))
        self.counts = np.fromiter(map(len, token_sets), np.int64, n)
        self.starts = np.concatenate([[0], np.cumsum(self.counts)[:-1]]).astype(np.int64)
        self.token_len = np.fromiter(map(len, self.vocab), np.int64, len(self.vocab))
        letters = ["".join(words) for words in token_sets]
        owner = np.repeat(np.arange(n), np.fromiter(map(len, letters), np.int64, n))
        hist = np.bincount(owner * _BINS + _char_bins("".join(letters)), minlength=n * _BINS)
        self.hist = hist.reshape(n, _BINS).astype(np.uint16)
        self.letters = self.hist.sum(axis=1, dtype=np.int64)

    def bounds(self, positions: np.ndarray, query: str) -> np.ndarray:
        """Upper bounds on token_set_ratio(query, tool text) for each position."""
        words = set(query.split())
        m = len(positions)
        if not words or m == 0:
            return np.zeros(m)
        n_q = len(words)
        letters_q = sum(len(w) for w in words)
        hist_q = np.bincount(_char_bins("".join(words)), minlength=_BINS)
        in_query = np.zeros(len(self.vocab), bool)
        in_query[[self.vocab[w] for w in words if w in self.vocab]] = True
        counts = self.counts[positions]
        seg = np.repeat(np.arange(m), counts)
        offsets = np.arange(len(seg)) - np.repeat(np.cumsum(counts) - counts, counts)
        tokens = self.flat[np.repeat(self.starts[positions], counts) + offsets]
        hit = in_query[tokens]
        shared = np.bincount(seg, weights=hit, minlength=m)
        shared_letters = np.bincount(seg, weights=hit * self.token_len[tokens], minlength=m)
        has = (shared > 0).astype(np.float64)
        spaces_a = np.maximum(n_q - shared - 1, 0)
        spaces_b = np.maximum(counts - shared - 1, 0)
        len_s = shared_letters + np.maximum(shared - 1, 0)
        len_a = letters_q - shared_letters + spaces_a
        len_b = self.letters[positions] - shared_letters + spaces_b
        common = np.minimum(self.hist[positions], hist_q.astype(np.uint16)).sum(axis=1, dtype=np.int64)
        common = common - shared_letters
        lcs = np.minimum(np.minimum(common + np.minimum(spaces_a, spaces_b), len_a), len_b)
        sa, sb = len_s + has + len_a, len_s + has + len_b
        lensum = sa + sb
        diff_ratio = np.where(lensum > 0, 100 - 100 * (len_a + len_b - 2 * lcs) / np.maximum(lensum, 1), 100)
        sect_a = np.where(has > 0, 100 - 100 * (has + len_a) / np.maximum(len_s + sa, 1), 0)
        sect_b = np.where(has > 0, 100 - 100 * (has + len_b) / np.maximum(len_s + sb, 1), 0)
        bound = np.maximum(diff_ratio, np.maximum(sect_a, sect_b))
        subset = (has > 0) & ((shared == n_q) | (shared == counts))
        bound = np.where(subset, 100.0, bound)
        return np.where(counts == 0, 0.0, bound)


@dataclass(frozen=True, slots=True)
class _Pool:
    """Tools claiming a set of nodes, with their constraint columns gathered once."""

    idx: np.ndarray
    st: np.ndarray
    cls: np.ndarray
    trl: np.ndarray
    host: np.ndarray
    dep: np.ndarray
    expiry: np.ndarray


class _TopK:
    """The best ``limit`` (score desc, tie key asc) seen so far, as numpy arrays."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.score = np.empty(0)
        self.key = np.empty(0, np.uint64)
        self.at = np.empty(0, np.int64)

    def add(self, score: np.ndarray, key: np.ndarray, at: np.ndarray) -> None:
        score = np.concatenate([self.score, score])
        key = np.concatenate([self.key, key])
        at = np.concatenate([self.at, at])
        best = np.lexsort((key, -score))[: self.limit]
        self.score, self.key, self.at = score[best], key[best], at[best]

    def kth(self) -> float:
        """Score a tool must reach to enter (minus a tolerance for float rounding)."""
        return float(self.score[-1]) - 1e-6 if len(self.score) >= self.limit else -math.inf


class CandidateIndex:
    """A catalogue of candidate tools indexed for fast ranking against many requirements.

    Build once per catalogue (independent of the date); ``rank`` returns exactly what
    :func:`rank_candidates` would for the same tools, minus any excluded tool ids.
    """

    first_block = 64  # tools text-scored in the first round; later rounds double

    def __init__(self, tools: Sequence[ToolDoc]) -> None:
        self.tools: list[ToolDoc] = list(tools)
        n = len(self.tools)
        cls = np.empty(n, np.int8)
        trl = np.empty(n, np.int8)
        host = np.empty(n, np.int8)
        dep = np.empty(n, np.uint8)
        expiry = np.full(n, _NO_EXPIRY, np.int64)
        nodes: dict[int, tuple[list[int], list[int]]] = {}
        standards: dict[str, list[int]] = {}
        training: dict[str, list[int]] = {}
        dep_cache: dict[tuple[Deployment, ...], int] = {}
        self.position: dict[int, int] = {}
        for i, t in enumerate(self.tools):
            self.position[t.id] = i
            cls[i] = t.classification
            trl[i] = t.trl
            host[i] = _HOSTING_CODE[t.hosting]
            mask = dep_cache.get(t.deployments)
            if mask is None:
                mask = dep_cache[t.deployments] = sum({_DEPLOYMENT_BIT[d] for d in t.deployments})
            dep[i] = mask
            for claim in t.capabilities:
                pool = nodes.get(claim.node_id)
                if pool is None:
                    pool = nodes[claim.node_id] = ([], [])
                rank = STATE_RANK[claim.state]
                if pool[0] and pool[0][-1] == i:  # the same node claimed twice: keep the best
                    pool[1][-1] = max(pool[1][-1], rank)
                else:
                    pool[0].append(i)
                    pool[1].append(rank)
            for s in t.data_standards:
                standards.setdefault(normalise_standard(s), []).append(i)
            for skill in t.training_offered:
                training.setdefault(skill, []).append(i)
            if t.accreditations:
                dated = [a.expires_on.toordinal() for a in t.accreditations if a.mandatory
                         and a.expires_on is not None]  # fmt: skip
                if dated:
                    expiry[i] = min(dated)
        self._cls, self._trl, self._host, self._dep, self._expiry = cls, trl, host, dep, expiry
        self._nodes = {k: (np.array(ix, np.int64), np.array(st, np.int8)) for k, (ix, st) in nodes.items()}
        self._standard_lists = standards
        self._training = training
        self._standard_masks: dict[str, np.ndarray] = {}
        self._ids = np.fromiter((t.id for t in self.tools), np.int64, n)
        self._text_index: _TextIndex | None = None  # built on first ranking
        self._exclude_cache: tuple[frozenset[int], np.ndarray] | None = None
        self._pool_cache: dict[frozenset[int], _Pool] = {}

    def __len__(self) -> int:
        return len(self.tools)

    def tools_claiming(self, node_ids: Collection[int]) -> list[ToolDoc]:
        return [self.tools[i] for i in self._pool(frozenset(node_ids)).idx]

    def _pool(self, node_ids: frozenset[int]) -> _Pool:
        """Tools claiming any of the nodes (best claim each), constraint columns gathered."""
        cached = self._pool_cache.get(node_ids)
        if cached is not None:
            return cached
        parts = [self._nodes[k] for k in node_ids if k in self._nodes]
        if not parts:
            idx, st = np.empty(0, np.int64), np.empty(0, np.int8)
        elif len(parts) == 1:
            idx, st = parts[0]
        else:
            idx = np.concatenate([p[0] for p in parts])
            st = np.concatenate([p[1] for p in parts])
            order = np.lexsort((-st, idx))  # by tool, best claim first
            idx, st = idx[order], st[order]
            first = np.ones(len(idx), bool)
            first[1:] = idx[1:] != idx[:-1]
            idx, st = idx[first], st[first]
        pool = _Pool(idx, st, self._cls[idx], self._trl[idx], self._host[idx], self._dep[idx], self._expiry[idx])
        self._pool_cache[node_ids] = pool
        return pool

    def _standard_mask(self, standard: str) -> np.ndarray:
        mask = self._standard_masks.get(standard)
        if mask is None:
            mask = np.zeros(len(self.tools), bool)
            mask[self._standard_lists.get(standard, [])] = True
            self._standard_masks[standard] = mask
        return mask

    def prepare(self) -> CandidateIndex:
        """Build the text index now rather than on the first ranking (server warm-up)."""
        self._text()
        return self

    def _text(self) -> _TextIndex:
        if self._text_index is None:
            self._text_index = _TextIndex(self.tools)
        return self._text_index

    def _excluded(self, exclude_ids: Collection[int]) -> np.ndarray | None:
        """Boolean mask of excluded positions, cached for the last exclusion set."""
        if not exclude_ids:
            return None
        key = frozenset(exclude_ids)
        if self._exclude_cache is None or self._exclude_cache[0] != key:
            mask = np.zeros(len(self.tools), bool)
            mask[[self.position[t] for t in key if t in self.position]] = True
            self._exclude_cache = (key, mask)
        return self._exclude_cache[1]

    def fitting(
        self, req: RequirementSpec, *, today: date, exclude_ids: Collection[int] = ()
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Positions of tools meeting every hard constraint, their claim rank and base score.

        The base score is the fit score without text similarity.
        """
        pool = self._pool(frozenset(req.capability_node_ids))
        idx = pool.idx
        keep = pool.expiry >= today.toordinal()
        if req.min_classification is not None:
            keep &= pool.cls >= int(req.min_classification)
        if req.allowed_hosting:
            allowed = np.zeros(len(_HOSTINGS), bool)
            allowed[[_HOSTING_CODE[h] for h in req.allowed_hosting]] = True
            keep &= allowed[pool.host]
        if req.min_trl is not None:
            keep &= pool.trl >= req.min_trl
        for s in dict.fromkeys(normalise_standard(s) for s in req.required_data_standards):
            keep &= self._standard_mask(s)[idx]
        if req.allowed_deployments:
            bits = sum({_DEPLOYMENT_BIT[d] for d in req.allowed_deployments})
            keep &= (pool.dep & bits) != 0
        excluded = self._excluded(exclude_ids)
        if excluded is not None:
            keep &= ~excluded[idx]
        idx, st, trl = idx[keep], pool.st[keep], pool.trl[keep]
        floor = req.min_trl or 0
        span = MAX_TRL - floor
        if span <= 0:
            trl_pts = np.where(trl >= floor, TRL_POINTS, 0.0)
        else:
            margin = np.clip(trl.astype(np.int64) - floor, 0, span)
            trl_pts = TRL_POINTS * margin / span
        # Every fitting tool has all required standards, so that component is always full.
        base = STATE_POINTS[st] + STANDARDS_POINTS + trl_pts
        return idx, st, base

    def rank_positions(
        self,
        req: RequirementSpec,
        *,
        today: date,
        limit: int = 10,
        exclude_ids: Collection[int] = (),
    ) -> list[Ranked]:
        """Top ``limit`` fitting tools as (position, fit score, claim state).

        Tools are visited in descending order of the best total they could reach (base
        score plus an upper bound on text similarity, see ``_TextIndex``) and the exact,
        expensive scorer only runs while a tool could still reach the current top ``limit``.
        """
        idx, st, base = self.fitting(req, today=today, exclude_ids=exclude_ids)
        if len(idx) == 0 or limit <= 0:
            return []
        text = self._text()
        query = [requirement_text(req)]
        salt = tie_salt(req.code)
        scored = _TopK(limit)

        def score(at: np.ndarray) -> None:
            choices = text.texts[idx[at]].tolist()
            ratios = process.cdist(query, choices, scorer=fuzz.token_set_ratio, dtype=np.float64)[0]
            scored.add(base[at] + _TEXT_SCALE * ratios, mix64(self._ids[idx[at]], salt), at)

        # Round 1: the best base scores (any order), scored exactly, give a first k-th score.
        first = max(limit, self.first_block)
        head = np.argpartition(-base, first - 1)[:first] if first < len(idx) else np.arange(len(idx))
        score(head)
        # Only tools whose base plus the best possible text score can reach it remain...
        later = base + TEXT_POINTS >= scored.kth()
        later[head] = False
        rest = np.flatnonzero(later)
        if len(rest):
            # ...visited by the best total each could reach (base + text bound), stopping
            # once none can reach the current k-th score.
            reach = base[rest] + _TEXT_SCALE * text.bounds(idx[rest], query[0])
            by_reach = np.argsort(-reach, kind="stable")
            rest, neg_reach = rest[by_reach], -reach[by_reach]
            done, block = 0, first
            while done < len(rest):
                stop = min(done + block, int(np.searchsorted(neg_reach, -scored.kth(), side="right")))
                if stop <= done:
                    break
                score(rest[done:stop])
                done, block = stop, block * 2
        top_at, top_score = scored.at, scored.score
        return [
            Ranked(int(idx[a]), float(s), _RANK_STATE[int(st[a])])
            for a, s in zip(top_at.tolist(), top_score.tolist(), strict=True)
        ]

    def rank(
        self,
        req: RequirementSpec,
        *,
        today: date,
        limit: int = 10,
        exclude_ids: Collection[int] = (),
    ) -> list[MatchResult]:
        """Same answer as :func:`rank_candidates` over this catalogue, with full reasons."""
        top = self.rank_positions(req, today=today, limit=limit, exclude_ids=exclude_ids)
        return [match(req, self.tools[r.position], today=today) for r in top]

    def tools_training(self, skill_code: str) -> list[ToolDoc]:
        """Tools offering training in a skill, in catalogue order."""
        return [self.tools[i] for i in self._training.get(skill_code, ())]
