"""Duplicate detection for suppliers and tools (registration checks and a registry report).

Pure: stdlib, numpy and rapidfuzz only.

Signals for suppliers: the same Companies House number, the same website domain, or a
fuzzy match of normalised names (`fuzz.token_sort_ratio`, so word order does not matter).
When both records carry *different* company numbers the name signal is discounted, because
"Acme Ltd" and "Acme Holdings Ltd" are often genuinely separate companies.

The whole-registry report avoids comparing every pair: names are blocked by the first and
the last four letters of each word, small blocks are compared in full with `process.cdist`,
and oversized blocks (common words such as "data") fall back to a sorted-neighbourhood window.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import numpy as np
from rapidfuzz import fuzz, process, utils

# Legal-form words stripped from the end of an organisation name.
_LEGAL_SUFFIXES: frozenset[str] = frozenset(
    {
        "ltd",
        "limited",
        "plc",
        "llp",
        "llc",
        "lp",
        "inc",
        "incorporated",
        "company",
        "co",
        "corp",
        "corporation",
        "cic",
        "gmbh",
        "uk",
    }
)
# Second-level labels under which the registrable domain has three labels (acme.co.uk).
_SECOND_LEVEL: frozenset[str] = frozenset(
    {"co", "org", "ac", "gov", "ltd", "plc", "net", "me", "police", "nhs", "com", "mod", "sch"}
)
_DIFFERENT_NUMBER_PENALTY = 10.0
_DOMAIN_SCORE = 95.0
_BLOCK_KEY_LEN = 4
_MAX_BLOCK = 400  # above this a block is scanned with a sliding window instead
_WINDOW = 25


@dataclass(frozen=True, slots=True)
class SupplierKey:
    id: int
    name: str
    companies_house_number: str | None = None
    website: str | None = None


@dataclass(frozen=True, slots=True)
class ToolKey:
    id: int
    supplier_id: int
    name: str


@dataclass(frozen=True, slots=True)
class DuplicateMatch:
    """One existing record that looks like the candidate, and why."""

    id: int
    score: float  # 0..100
    name_score: float
    same_number: bool = False
    same_domain: bool = False
    same_supplier: bool = False

    @property
    def signals(self) -> tuple[str, ...]:
        fired = [
            ("same_company_number", self.same_number),
            ("same_domain", self.same_domain),
            ("same_supplier", self.same_supplier),
        ]
        names = [name for name, on in fired if on]
        if self.name_score:
            names.append(f"similar_name:{self.name_score:.0f}")
        return tuple(names)


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    """Records the report believes are one real-world entity."""

    kind: str  # "supplier" or "tool"
    ids: tuple[int, ...]
    score: float  # strongest pair score in the group
    pairs: tuple[tuple[int, DuplicateMatch], ...]  # (id, match of another id in the group)


def normalise_org_name(name: str) -> str:
    """Canonical organisation name: case, punctuation, '&'/'and', legal suffixes, spaces."""
    text = (name or "").replace("&", " and ").replace("+", " and ")
    words = utils.default_process(text).split()
    if words and words[0] == "the":
        words = words[1:]
    while words and (words[-1] in _LEGAL_SUFFIXES or words[-1] == "and"):
        words.pop()
    return " ".join(words)


def normalise_company_number(number: str | None) -> str:
    """Companies House number, upper case without spaces; short numeric ones zero-padded."""
    value = re.sub(r"\s+", "", number or "").upper()
    return value.zfill(8) if value.isdecimal() else value


def domain_of(url: str | None) -> str:
    """Registrable domain of a website or e-mail ('https://www.acme.co.uk/x' -> 'acme.co.uk')."""
    value = (url or "").strip().lower()
    if not value:
        return ""
    if "@" in value and "/" not in value:
        value = value.rsplit("@", 1)[1]
    host = urlsplit(value if "//" in value else f"//{value}").hostname or ""
    labels = [p for p in host.split(".") if p]
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _name_score(a: str, b: str) -> float:
    return float(fuzz.token_sort_ratio(a, b)) if a and b else 0.0


def _compare_suppliers(cand: SupplierKey, other: SupplierKey, cand_norm: str, other_norm: str) -> DuplicateMatch:
    num_a = normalise_company_number(cand.companies_house_number)
    num_b = normalise_company_number(other.companies_house_number)
    dom_a, dom_b = domain_of(cand.website), domain_of(other.website)
    same_number = bool(num_a) and num_a == num_b
    same_domain = bool(dom_a) and dom_a == dom_b
    name_score = _name_score(cand_norm, other_norm)
    effective = name_score
    if num_a and num_b and not same_number:
        effective -= _DIFFERENT_NUMBER_PENALTY
    score = max(effective, _DOMAIN_SCORE if same_domain else 0.0, 100.0 if same_number else 0.0)
    return DuplicateMatch(other.id, round(score, 1), round(name_score, 1), same_number, same_domain)


def find_duplicate_suppliers(
    candidate: SupplierKey, existing: Iterable[SupplierKey], threshold: float = 88
) -> list[DuplicateMatch]:
    """Existing suppliers that probably are the candidate, strongest first."""
    cand_norm = normalise_org_name(candidate.name)
    out = []
    for other in existing:
        if other.id == candidate.id:
            continue
        match = _compare_suppliers(candidate, other, cand_norm, normalise_org_name(other.name))
        if match.same_number or match.same_domain or match.score >= threshold:
            out.append(match)
    return sorted(out, key=lambda m: -m.score)


def _tool_norm(name: str) -> str:
    return " ".join(utils.default_process(name or "").split())


def find_duplicate_tools(
    candidate: ToolKey,
    existing: Iterable[ToolKey],
    *,
    same_supplier_threshold: float = 85,
    cross_supplier_threshold: float = 95,
) -> list[DuplicateMatch]:
    """Same supplier and a similar name, or a near-identical name from another supplier."""
    cand_norm = _tool_norm(candidate.name)
    out = []
    for other in existing:
        if other.id == candidate.id:
            continue
        same = other.supplier_id == candidate.supplier_id
        score = _name_score(cand_norm, _tool_norm(other.name))
        if score >= (same_supplier_threshold if same else cross_supplier_threshold):
            out.append(DuplicateMatch(other.id, round(score, 1), round(score, 1), same_supplier=same))
    return sorted(out, key=lambda m: -m.score)


def _blocks(names: Sequence[str]) -> list[list[int]]:
    """Indices sharing a word's first or last letters (a typo rarely hits both ends)."""
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, name in enumerate(names):
        words = name.split()
        keys = {"^" + w[:_BLOCK_KEY_LEN] for w in words} | {w[-_BLOCK_KEY_LEN:] + "$" for w in words}
        for key in keys:
            by_key[key].append(i)
    return [ids for ids in by_key.values() if len(ids) > 1]


def similar_name_pairs(names: Sequence[str], cutoff: float) -> dict[tuple[int, int], float]:
    """Pairs (i < j) of already-normalised names with token_sort_ratio >= cutoff, blocked."""
    pairs: dict[tuple[int, int], float] = {}

    def compare(ids: list[int]) -> None:
        group = [names[i] for i in ids]
        sims = process.cdist(group, group, scorer=fuzz.token_sort_ratio, score_cutoff=cutoff, dtype=np.uint8)
        for a, b in zip(*np.nonzero(np.triu(sims, k=1)), strict=True):
            i, j = sorted((ids[a], ids[b]))
            pairs[(i, j)] = max(pairs.get((i, j), 0.0), float(sims[a, b]))

    for ids in _blocks(names):
        if len(ids) <= _MAX_BLOCK:
            compare(ids)
            continue
        ordered = sorted(ids, key=lambda i: names[i])
        for start in range(0, len(ordered), _WINDOW):
            compare(ordered[max(0, start - _WINDOW) : start + _WINDOW])
    return pairs


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def _group(kind: str, found: list[tuple[int, DuplicateMatch]]) -> list[DuplicateGroup]:
    uf = _UnionFind()
    for a, match in found:
        uf.union(a, match.id)
    members: dict[int, list[tuple[int, DuplicateMatch]]] = defaultdict(list)
    for a, match in found:
        members[uf.find(a)].append((a, match))
    groups = []
    for pairs in members.values():
        ids = sorted({a for a, _ in pairs} | {m.id for _, m in pairs})
        score = max(m.score for _, m in pairs)
        groups.append(DuplicateGroup(kind, tuple(ids), score, tuple(pairs)))
    return sorted(groups, key=lambda g: (-g.score, g.ids))


def _supplier_pairs(suppliers: list[SupplierKey], threshold: float) -> list[tuple[int, DuplicateMatch]]:
    norms = [normalise_org_name(s.name) for s in suppliers]
    candidates: set[tuple[int, int]] = set(similar_name_pairs(norms, threshold))
    for key_of in (
        lambda s: normalise_company_number(s.companies_house_number),
        lambda s: domain_of(s.website),
    ):
        same: dict[str, list[int]] = defaultdict(list)
        for i, s in enumerate(suppliers):
            if key := key_of(s):
                same[key].append(i)
        for ids in same.values():
            candidates.update((a, b) for a in ids for b in ids if a < b)
    found = []
    for i, j in sorted(candidates):
        match = _compare_suppliers(suppliers[i], suppliers[j], norms[i], norms[j])
        if match.same_number or match.same_domain or match.score >= threshold:
            found.append((suppliers[i].id, match))
    return found


def _tool_pairs(
    tools: list[ToolKey], same_supplier_threshold: float, cross_supplier_threshold: float
) -> list[tuple[int, DuplicateMatch]]:
    norms = [_tool_norm(t.name) for t in tools]
    found = []
    for (i, j), score in sorted(similar_name_pairs(norms, same_supplier_threshold).items()):
        same = tools[i].supplier_id == tools[j].supplier_id
        if score >= (same_supplier_threshold if same else cross_supplier_threshold):
            found.append((tools[i].id, DuplicateMatch(tools[j].id, score, score, same_supplier=same)))
    return found


def duplicate_report(
    suppliers: Iterable[SupplierKey],
    tools: Iterable[ToolKey] = (),
    *,
    supplier_threshold: float = 88,
    same_supplier_threshold: float = 85,
    cross_supplier_threshold: float = 95,
) -> list[DuplicateGroup]:
    """Groups of probable duplicates across the registry, strongest first."""
    supplier_found = _supplier_pairs(list(suppliers), supplier_threshold)
    tool_found = _tool_pairs(list(tools), same_supplier_threshold, cross_supplier_threshold)
    return _group("supplier", supplier_found) + _group("tool", tool_found)
