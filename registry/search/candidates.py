"""The gap engine's candidate index: every published tool pre-indexed by capability node, with
the hard constraints in numpy arrays, so ranking one requirement only touches the tools that claim
its nodes. It gives the same answers as :func:`registry.search.matching.rank_candidates`, which
checks tools one by one (tests/unit/test_matching.py holds them to that).

Pure: stdlib, numpy and rapidfuzz only.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from rapidfuzz import fuzz, process

from registry.enums import Deployment
from registry.search.documents import RequirementSpec, ToolDoc
from registry.search.matching import (
    HOSTINGS,
    MAX_TRL,
    RANK_STATE,
    STANDARDS_POINTS,
    STATE_POINTS,
    STATE_RANK,
    TEXT_POINTS,
    TEXT_SCALE,
    TRL_POINTS,
    MatchResult,
    Ranked,
    match,
    mix64,
    normalise_standard,
    requirement_text,
    tie_salt,
    tool_text,
)

_DEPLOYMENT_BIT = {d: 1 << i for i, d in enumerate(Deployment)}
_HOSTING_CODE = {h: i for i, h in enumerate(HOSTINGS)}
_NO_EXPIRY = np.iinfo(np.int64).max

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
            allowed = np.zeros(len(HOSTINGS), bool)
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
            scored.add(base[at] + TEXT_SCALE * ratios, mix64(self._ids[idx[at]], salt), at)

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
            reach = base[rest] + TEXT_SCALE * text.bounds(idx[rest], query[0])
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
            Ranked(int(idx[a]), float(s), RANK_STATE[int(st[a])])
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
