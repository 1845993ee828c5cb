"""In-memory fuzzy search over tool listings: index, query, facets and explanations.

Pure: stdlib, numpy and rapidfuzz only; services build `ToolDoc`s and own the instance.

How a query is answered
1. The query is normalised and tokenised (`registry.search.text`); stopwords are dropped.
2. Synonym phrases in the query (typo-tolerant) become *slots* with alternative phrasings,
   so "automatic number plate recognition" also searches "anpr" and vice versa.
3. Each query word is matched against the index vocabulary: exact (1.0), prefix
   (0.75..0.9; only inflections such as "tracks" when the word itself is known, every
   completion when it is not, as while typing), stem ("redaction" finds "redact") or
   fuzzy via `rapidfuzz.fuzz.ratio` over the vocabulary (<= 0.8; only near-identical
   variants when the word is known). That vocabulary is the cheap pre-filter: the
   per-document work is numpy scatter over the postings of the few matching words, never
   a scorer over every document.
4. A posting records which fields of a tool hold the word. Its weight is the best field's
   (name 1.0 ... description 0.4) plus a share of the headroom for each extra field, times
   the match quality. A slot scores the best of its alternatives (synonyms x 0.95); the
   tool's base score is the weighted mean over slots. The final score, 0..100, is
   `base x (0.9 + 0.1 x share of the tool's name covered by the query)`, so a query that is
   the whole name outranks one that is part of a longer name.
5. Filters are numpy boolean masks over column arrays, applied before ranking. Tools
   below `max(MIN_SCORE, RELATIVE_CUTOFF x best score)` are not results.

Fairness (procurement rule)
Equal sort keys are never broken by name or id, which would favour some suppliers for
ever. Ties are ordered by a stable shuffle: a 64-bit mix of the tool id and a hash of
`shuffle_seed`. The same search with the same seed always gives the same order; another
seed (e.g. per user session or per day) gives another. Relevance ties are judged on scores
rounded to 0.01, so scores that display as equal are shuffled too. An empty query returns
every filtered tool; under relevance sort they all tie, so the order is the shuffle alone.

Concurrency: one internal lock serialises searches and updates, so a single instance can
be shared by threads. Updates are incremental (`upsert`, `remove`); removed slots are
tombstoned and the structures are compacted once tombstones exceed a quarter of the slots.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import threading
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from rapidfuzz import fuzz, process

from registry.enums import WORKSTREAMS, Classification, Deployment, FiveD, FourP, Hosting
from registry.search.documents import ToolDoc
from registry.search.text import STOPWORDS, SynonymTable, content_tokens, tokenise

MIN_SCORE = 12.0
RELATIVE_CUTOFF = 0.3
SYNONYM_FACTOR = 0.95
SORTS = ("relevance", "name", "price", "last_reviewed")

# Searchable fields, best first; a word's posting keeps the best field it occurs in.
FIELDS: tuple[str, ...] = (
    "name",
    "supplier",
    "capability",
    "category",
    "data_standard",
    "summary",
    "capability_path",
    "workstream",
    "description",
)
_FIELD_WEIGHT = np.array([1.0, 0.92, 0.85, 0.8, 0.75, 0.7, 0.6, 0.5, 0.4], dtype=np.float32)
_NAME_BIT = 1
# Postings keep a bitmask of the fields a word occurs in. Its weight is the best field's
# plus part of the headroom to 1 for each extra field (up to three): a tool whose
# capability, summary and description all say "resolution" is more about it than one that
# lists it once, yet still ranks below a tool named for it.
_EXTRA_FIELD_SHARE = 0.12


def _mask_weight(mask: int) -> float:
    best = max((float(_FIELD_WEIGHT[i]) for i in range(len(FIELDS)) if mask >> i & 1), default=0)
    extra = min(3, max(0, mask.bit_count() - 1))
    return best + (1.0 - best) * _EXTRA_FIELD_SHARE * extra


_MASK_WEIGHT = np.array([_mask_weight(m) for m in range(1 << len(FIELDS))], dtype=np.float32)

_EXACT = 1.0
_FUZZY_MAX = 0.8
_FUZZY_CUTOFF = 75.0  # fuzz.ratio for a word missing from the vocabulary
_FUZZY_CUTOFF_KNOWN = 90.0  # only close variants (plurals) when the word itself exists
_MIN_FUZZY_LEN = 4
_MIN_PREFIX_LEN = 3
_MAX_PREFIX_EXPANSIONS = 64
_INFLECTION_LEN = 3  # "s", "es", "ed", "ing", "ers"
_NO_EXPIRY = np.iinfo(np.int32).max
_MISSING_DATE = -1

_CLASSIFICATIONS = tuple(Classification)
_HOSTINGS = tuple(Hosting)
_DEPLOYMENTS = tuple(Deployment)
_FOUR_PS = tuple(FourP)
_FIVE_DS = tuple(FiveD)


@dataclass(frozen=True, slots=True)
class Filters:
    """Facet filters. Values within one filter are OR-ed; different filters are AND-ed.

    Empty / None means "no constraint". `capability_codes` match a node and its
    descendants by dotted prefix ("INT" matches "INT.NET").
    """

    workstreams: frozenset[str] | tuple[str, ...] = ()
    capability_codes: frozenset[str] | tuple[str, ...] = ()
    four_ps: frozenset[FourP] | tuple[FourP, ...] = ()
    five_ds: frozenset[FiveD] | tuple[FiveD, ...] = ()
    classifications: frozenset[Classification] | tuple[Classification, ...] = ()
    min_classification: Classification | None = None  # tool may hold at least this
    trl_min: int | None = None
    deployments: frozenset[Deployment] | tuple[Deployment, ...] = ()
    hostings: frozenset[Hosting] | tuple[Hosting, ...] = ()
    sme_only: bool = False
    verified_only: bool = False
    accreditations_current_only: bool = False
    max_price_annual: float | None = None


@dataclass(frozen=True, slots=True)
class Match:
    field: str
    term: str  # the query word or synonym word that matched
    matched_text: str  # the word in the listing it matched
    score: float  # 0..100: match quality x field weight


@dataclass(frozen=True, slots=True)
class Hit:
    tool_id: int
    score: float  # 0..100
    explain: list[Match] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SearchResult:
    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]]
    query_terms: list[str]
    page: int = 1
    per_page: int = 20


@dataclass(slots=True)
class _Slot:
    weight: float
    alternatives: list[tuple[tuple[str, ...], float]]  # (tokens, factor)


class _Columns:
    """Growable numpy columns sharing one length (amortised O(1) append)."""

    def __init__(self, spec: Mapping[str, np.dtype | type], capacity: int = 1024) -> None:
        self._arrays = {k: np.zeros(capacity, dtype=dt) for k, dt in spec.items()}
        self.size = 0

    def append(self, row: Mapping[str, object]) -> int:
        cap = len(next(iter(self._arrays.values())))
        if self.size == cap:
            for key, arr in self._arrays.items():
                grown = np.zeros(cap * 2, dtype=arr.dtype)
                grown[:cap] = arr
                self._arrays[key] = grown
        for key, value in row.items():
            self._arrays[key][self.size] = value
        self.size += 1
        return self.size - 1

    def __getitem__(self, key: str) -> np.ndarray:
        return self._arrays[key][: self.size]

    def nbytes(self) -> int:
        return sum(a.nbytes for a in self._arrays.values())


_COLUMN_SPEC: dict[str, type] = {
    "alive": np.bool_,
    "tool_id": np.int64,
    "classification": np.int8,
    "trl": np.int8,
    "hosting": np.int8,
    "deployments": np.uint8,
    "workstreams": np.uint64,
    "four_ps": np.uint8,
    "five_ds": np.uint8,
    "sme": np.bool_,
    "verified": np.bool_,
    "acc_count": np.int16,
    "acc_min_expiry": np.int32,
    "price_annual": np.float64,
    "last_reviewed": np.int32,
    "name_len": np.int16,
}


def _bits(values: Iterable[object], universe: Sequence[object]) -> int:
    return sum(1 << universe.index(v) for v in set(values) if v in universe)


# _BYTE_BITS[v, i] is bit i of byte value v: turns a byte histogram into per-bit counts.
_BYTE_BITS = ((np.arange(256)[:, None] >> np.arange(8)) & 1).astype(np.int64)


def _bit_counts(column: np.ndarray, width: int) -> np.ndarray:
    """How many rows have each of the low `width` bits set: one histogram per byte."""
    counts = np.zeros(-(-width // 8) * 8, dtype=np.int64)
    for k in range(-(-width // 8)):
        byte = ((column >> (8 * k)) & 0xFF).astype(np.uint8)
        counts[8 * k : 8 * k + 8] = np.bincount(byte, minlength=256) @ _BYTE_BITS
    return counts[:width]


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """Vectorised splitmix64 finaliser: a well-mixed, platform-independent 64-bit hash."""
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def shuffle_keys(tool_ids: np.ndarray, seed: str) -> np.ndarray:
    """Stable per-seed tie-break keys (uint64) for the given tool ids."""
    seed_hash = int.from_bytes(hashlib.blake2b(seed.encode(), digest_size=8).digest(), "little")
    return _splitmix64(tool_ids.astype(np.uint64) ^ np.uint64(seed_hash))


def _path_parts(path: str) -> list[str]:
    for sep in ("›", ">", "/", "|"):
        if sep in path:
            return [p.strip() for p in path.split(sep) if p.strip()]
    return [path] if path else []


def _field_texts(doc: ToolDoc) -> list[tuple[int, str]]:
    """(field index, text) pairs that are searchable for a tool."""
    out: list[tuple[int, str]] = [(0, doc.name), (1, doc.supplier_name), (3, doc.category)]
    for claim in doc.capabilities:
        parts = _path_parts(claim.path)
        if parts:
            out.append((2, parts[-1]))
            out.extend((6, p) for p in parts[:-1])
    out.extend((4, s) for s in doc.data_standards)
    out.append((5, doc.summary))
    out.extend((7, WORKSTREAMS.get(ws, ws)) for ws in doc.workstreams)
    out.append((8, doc.description))
    return out


def _code_prefixes(code: str) -> list[str]:
    parts = code.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


_SERIALS = itertools.count(1)


class SearchIndex:
    """Incremental in-memory search index over `ToolDoc`s (see module docstring)."""

    def __init__(self, synonyms: Mapping[str, Sequence[str]] | None = None, *, today: date):
        self.today = today
        self.synonyms = SynonymTable(synonyms)
        # (serial, generation) names one state of one index for caches; ids of dead objects
        # can be reused, serials never are.
        self.serial = next(_SERIALS)
        self.generation = 0
        self._lock = threading.RLock()
        self._reset()

    # ---- building and updating ------------------------------------------------------

    @classmethod
    def build(
        cls,
        docs: Iterable[ToolDoc],
        synonyms: Mapping[str, Sequence[str]] | None = None,
        *,
        today: date,
    ) -> SearchIndex:
        index = cls(synonyms, today=today)
        for doc in docs:
            index._add(doc)
        index.generation = 1
        return index

    def _reset(self) -> None:
        self._cols = _Columns(_COLUMN_SPEC)
        self._docs: list[ToolDoc | None] = []
        self._slot_of: dict[int, int] = {}
        self._name_norm: list[str] = []
        self._dead = 0
        self._tok_id: dict[str, int] = {}
        self._tokens: list[str] = []
        self._post_docs: list[array] = []
        self._post_fields: list[array] = []
        self._sorted_vocab: list[str] = []
        self._fuzzy_vocab: list[str] = []  # words eligible for typo matching
        self._fuzzy_ids: list[int] = []
        self._cap_docs: dict[str, array] = {}
        self._ws_codes: list[str] = list(WORKSTREAMS)
        self._name_rank: np.ndarray | None = None
        self._name_rank_gen = -1

    def __len__(self) -> int:
        return len(self._slot_of)

    def tool_ids(self) -> list[int]:
        """Ids of the live (not removed) documents."""
        with self._lock:
            return list(self._slot_of)

    def __contains__(self, tool_id: object) -> bool:
        return tool_id in self._slot_of

    def get(self, tool_id: int) -> ToolDoc | None:
        slot = self._slot_of.get(tool_id)
        return None if slot is None else self._docs[slot]

    def upsert(self, doc: ToolDoc) -> None:
        """Add or replace one tool; O(words in the listing)."""
        with self._lock:
            self._kill(doc.id)
            self._add(doc)
            self.generation += 1
            self._maybe_compact()

    def remove(self, tool_id: int) -> bool:
        """Drop one tool; returns False if it was not indexed."""
        with self._lock:
            found = self._kill(tool_id)
            if found:
                self.generation += 1
                self._maybe_compact()
            return found

    def _kill(self, tool_id: int) -> bool:
        slot = self._slot_of.pop(tool_id, None)
        if slot is None:
            return False
        self._cols["alive"][slot] = False
        self._docs[slot] = None
        self._dead += 1
        return True

    def _maybe_compact(self) -> None:
        if self._dead > 1000 and self._dead * 4 > len(self._docs):
            live = [d for d in self._docs if d is not None]
            self._reset()
            for doc in live:
                self._add(doc)

    def _add(self, doc: ToolDoc) -> None:
        if doc.id in self._slot_of:
            self._kill(doc.id)
        for ws in doc.workstreams:
            if ws not in self._ws_codes and len(self._ws_codes) < 64:
                self._ws_codes.append(ws)
        expiries = [a.expires_on.toordinal() for a in doc.accreditations if a.expires_on]
        name_tokens = tokenise(doc.name)
        slot = self._cols.append(
            {
                "alive": True,
                "tool_id": doc.id,
                "classification": int(doc.classification),
                "trl": doc.trl,
                "hosting": _HOSTINGS.index(doc.hosting) if doc.hosting in _HOSTINGS else -1,
                "deployments": _bits(doc.deployments, _DEPLOYMENTS),
                "workstreams": _bits(doc.workstreams, self._ws_codes),
                "four_ps": _bits(doc.four_ps, _FOUR_PS),
                "five_ds": _bits(doc.five_ds, _FIVE_DS),
                "sme": doc.sme,
                "verified": doc.verified,
                "acc_count": len(doc.accreditations),
                "acc_min_expiry": min(expiries, default=_NO_EXPIRY),
                "price_annual": doc.price_annual,
                "last_reviewed": doc.last_reviewed.toordinal() if doc.last_reviewed else _MISSING_DATE,
                "name_len": max(1, len(content_tokens(name_tokens))),
            }
        )
        self._docs.append(doc)
        self._name_norm.append(" ".join(name_tokens))
        self._slot_of[doc.id] = slot
        fields: dict[str, int] = {}  # word -> bitmask of fields it occurs in
        for fidx, text in _field_texts(doc):
            for tok in tokenise(text):
                if tok not in STOPWORDS:
                    fields[tok] = fields.get(tok, 0) | 1 << fidx
        for tok, mask in fields.items():
            tid = self._tok_id.get(tok)
            if tid is None:
                tid = self._new_token(tok)
            self._post_docs[tid].append(slot)
            self._post_fields[tid].append(mask)
        for code in {p for c in doc.capabilities for p in _code_prefixes(c.code)}:
            self._cap_docs.setdefault(code, array("i")).append(slot)

    def _new_token(self, tok: str) -> int:
        tid = len(self._tokens)
        self._tok_id[tok] = tid
        self._tokens.append(tok)
        self._post_docs.append(array("i"))
        self._post_fields.append(array("H"))
        bisect.insort(self._sorted_vocab, tok)
        if len(tok) >= _MIN_FUZZY_LEN and not tok.isdecimal():
            self._fuzzy_vocab.append(tok)
            self._fuzzy_ids.append(tid)
        return tid

    def memory_bytes(self) -> int:
        """Rough size of the index structures (numpy columns and postings)."""
        posting = sum(a.buffer_info()[1] * a.itemsize for a in self._post_docs)
        posting += sum(a.buffer_info()[1] * a.itemsize for a in self._post_fields)
        return self._cols.nbytes() + posting

    # ---- querying ---------------------------------------------------------------------

    def search(
        self,
        query: str,
        filters: Filters | None = None,
        *,
        sort: str = "relevance",
        page: int = 1,
        per_page: int = 20,
        shuffle_seed: str = "",
    ) -> SearchResult:
        """Rank, filter, facet and page; `sort` may be prefixed with "-" to reverse it."""
        descending = sort.startswith("-")
        sort_key = sort.lstrip("-")
        if sort_key not in SORTS:
            raise ValueError(f"unknown sort {sort!r}; expected one of {SORTS}")
        page, per_page = max(1, page), max(1, per_page)
        with self._lock:
            mask = self._filter_mask(filters or Filters())
            slots, query_terms = self._plan(query)
            matches: dict[str, dict[int, float]] = {}
            if slots:
                scores = self._score(slots, matches)
                mask &= scores >= max(MIN_SCORE, RELATIVE_CUTOFF * float(scores[mask].max(initial=0)))
            else:
                scores = np.zeros(self._cols.size, dtype=np.float32)
            selected = np.flatnonzero(mask)
            order = self._order(selected, scores, sort_key, descending, page * per_page, shuffle_seed)
            page_slots = order[(page - 1) * per_page : page * per_page]
            hits = [
                Hit(
                    tool_id=int(self._cols["tool_id"][s]),
                    score=round(float(scores[s]), 2),
                    explain=self._explain(int(s), slots, matches),
                )
                for s in page_slots
            ]
            return SearchResult(
                hits=hits,
                total=int(selected.size),
                facets=self._facets(selected),
                query_terms=query_terms,
                page=page,
                per_page=per_page,
            )

    def _plan(self, query: str) -> tuple[list[_Slot], list[str]]:
        tokens = content_tokens(tokenise(query))
        slots: list[_Slot] = []
        terms: list[str] = list(tokens)
        spans = {s.start: s for s in self.synonyms.find_spans(tokens)}
        i = 0
        while i < len(tokens):
            span = spans.get(i)
            end = span.end if span else i + 1
            alts: list[tuple[tuple[str, ...], float]] = [(tuple(tokens[i:end]), 1.0)]
            if span:
                for alt in span.alternatives:
                    alts.append((tuple(content_tokens(alt)), SYNONYM_FACTOR))
                    terms.append(" ".join(alt))
            elif end < len(tokens) and end not in spans and tokens[i] + tokens[end] in self._tok_id:
                # two words the listings write as one ("cell site" -> "Cellsite")
                compound = tokens[i] + tokens[end]
                end += 1
                alts = [(tuple(tokens[i:end]), 1.0), ((compound,), 1.0)]
                terms.append(compound)
            slots.append(_Slot(weight=float(end - i), alternatives=alts))
            i = end
        return slots, terms

    def _vocab_matches(self, words: Iterable[str]) -> dict[str, dict[int, float]]:
        """Each word -> {token id: similarity 0..1}: exact, prefix and fuzzy matches."""
        out: dict[str, dict[int, float]] = {}
        fuzzy_words: list[str] = []
        for word in words:
            found: dict[int, float] = {}
            tid = self._tok_id.get(word)
            if tid is not None:
                found[tid] = _EXACT
            if len(word) >= _MIN_PREFIX_LEN:
                for tok in self._prefixed(word):
                    found.setdefault(self._tok_id[tok], 0.75 + 0.15 * len(word) / len(tok))
            # the reverse, a poor man's stemmer: "redaction" finds "redact", "networks" "network"
            for size in range(max(_MIN_FUZZY_LEN, -(-len(word) * 3 // 5)), len(word)):
                stem_id = self._tok_id.get(word[:size])
                if stem_id is not None:
                    found.setdefault(stem_id, 0.75 + 0.15 * size / len(word))
            if len(word) >= _MIN_FUZZY_LEN and not word.isdecimal():
                fuzzy_words.append(word)
            out[word] = found
        if fuzzy_words and self._fuzzy_vocab:
            # one cdist call for all words: rapidfuzz's length filter makes it cheap
            sims = process.cdist(
                fuzzy_words,
                self._fuzzy_vocab,
                scorer=fuzz.ratio,
                score_cutoff=_FUZZY_CUTOFF,
                dtype=np.uint8,
            )
            for row, word in enumerate(fuzzy_words):
                cutoff = _FUZZY_CUTOFF_KNOWN if word in self._tok_id else _FUZZY_CUTOFF
                for col in np.flatnonzero(sims[row] >= cutoff):
                    tid = self._fuzzy_ids[col]
                    out[word].setdefault(tid, _FUZZY_MAX * float(sims[row, col]) / 100.0)
        return out

    def _prefixed(self, word: str) -> list[str]:
        """Vocabulary words starting with `word`; only inflections if `word` is itself known.

        A complete word ("track") should find "tracks"/"tracking", not every longer word;
        an unknown fragment ("invest") is probably being typed, so all completions count.
        """
        lo = bisect.bisect_right(self._sorted_vocab, word)
        hi = bisect.bisect_left(self._sorted_vocab, word + "\uffff", lo)
        found = self._sorted_vocab[lo:hi]
        if word in self._tok_id:
            found = [t for t in found if len(t) - len(word) <= _INFLECTION_LEN]
        if len(found) > _MAX_PREFIX_EXPANSIONS:
            found = sorted(found, key=len)[:_MAX_PREFIX_EXPANSIONS]
        return found

    def _score(self, slots: list[_Slot], matches: dict[str, dict[int, float]]) -> np.ndarray:
        n = self._cols.size
        words = {w for s in slots for alt, _ in s.alternatives for w in alt}
        matches.update(self._vocab_matches(sorted(words)))
        word_score: dict[str, np.ndarray] = {}
        name_hit: dict[str, np.ndarray] = {}
        for word in words:
            best = np.zeros(n, dtype=np.float32)
            on_name = np.zeros(n, dtype=np.float32)
            for tid, sim in matches[word].items():
                docs = np.frombuffer(self._post_docs[tid], dtype=np.int32)
                fields = np.frombuffer(self._post_fields[tid], dtype=np.uint16)
                best[docs] = np.maximum(best[docs], _MASK_WEIGHT[fields] * sim)
                named = docs[(fields & _NAME_BIT) != 0]
                on_name[named] = np.maximum(on_name[named], sim)
            word_score[word] = best
            name_hit[word] = on_name
        base = np.zeros(n, dtype=np.float32)
        name_cover = np.zeros(n, dtype=np.float32)
        for slot in slots:
            best_alt = np.zeros(n, dtype=np.float32)
            for alt, factor in slot.alternatives:
                if alt:
                    mean = sum(word_score[w] for w in alt) / len(alt)
                    np.maximum(best_alt, mean * factor, out=best_alt)
            base += slot.weight * best_alt
            # name words covered by this slot: the most any of its phrasings covers
            covered = np.zeros(n, dtype=np.float32)
            for alt, factor in slot.alternatives:
                if alt:
                    np.maximum(covered, factor * sum(name_hit[w] for w in alt), out=covered)
            name_cover += covered
        base /= sum(s.weight for s in slots)
        cover = np.minimum(1.0, name_cover / self._cols["name_len"])
        return 100.0 * base * (0.9 + 0.1 * cover)

    def _filter_mask(self, f: Filters) -> np.ndarray:
        c = self._cols
        mask = c["alive"].copy()
        if f.workstreams:
            bits = _bits(f.workstreams, self._ws_codes)
            mask &= (c["workstreams"] & np.uint64(bits)) != 0
        if f.capability_codes:
            cap = np.zeros(c.size, dtype=bool)
            for code in f.capability_codes:
                if code in self._cap_docs:
                    cap[np.frombuffer(self._cap_docs[code], dtype=np.int32)] = True
            mask &= cap
        for key, wanted, universe in (
            ("four_ps", f.four_ps, _FOUR_PS),
            ("five_ds", f.five_ds, _FIVE_DS),
            ("deployments", f.deployments, _DEPLOYMENTS),
        ):
            if wanted:
                mask &= (c[key] & _bits(wanted, universe)) != 0
        if f.classifications:
            mask &= np.isin(c["classification"], [int(x) for x in f.classifications])
        if f.min_classification is not None:
            mask &= c["classification"] >= int(f.min_classification)
        if f.trl_min is not None:
            mask &= c["trl"] >= f.trl_min
        if f.hostings:
            mask &= np.isin(c["hosting"], [_HOSTINGS.index(Hosting(h)) for h in f.hostings])
        if f.sme_only:
            mask &= c["sme"]
        if f.verified_only:
            mask &= c["verified"]
        if f.accreditations_current_only:
            mask &= self._accreditations_current()
        if f.max_price_annual is not None:
            mask &= c["price_annual"] <= f.max_price_annual
        return mask

    def _accreditations_current(self) -> np.ndarray:
        """Holds at least one accreditation and none has expired as of `today`."""
        c = self._cols
        return (c["acc_count"] > 0) & (c["acc_min_expiry"] >= self.today.toordinal())

    # ---- ordering, facets, explanations -----------------------------------------------

    def _primary_key(self, selected: np.ndarray, scores: np.ndarray, sort: str) -> np.ndarray:
        """Ascending key per selected slot; ties are left to the shuffle."""
        c = self._cols
        if sort == "relevance":
            return -np.round(scores[selected].astype(np.float64), 2)
        if sort == "name":
            return self._name_ranks()[selected].astype(np.float64)
        if sort == "price":
            return c["price_annual"][selected]
        reviewed = c["last_reviewed"][selected].astype(np.float64)
        return np.where(reviewed == _MISSING_DATE, np.inf, -reviewed)  # newest first

    def _order(
        self,
        selected: np.ndarray,
        scores: np.ndarray,
        sort: str,
        descending: bool,
        needed: int,
        seed: str,
    ) -> np.ndarray:
        if selected.size == 0:
            return selected
        key = self._primary_key(selected, scores, sort)
        if descending:
            key = -key
        if needed < selected.size:
            # only the first `needed` matter, plus everything tied with the last of them
            kth = np.partition(key, needed - 1)[needed - 1]
            keep = key <= kth
            selected, key = selected[keep], key[keep]
        ties = shuffle_keys(self._cols["tool_id"][selected], seed)
        return selected[np.lexsort((ties, key))][:needed]

    def _name_ranks(self) -> np.ndarray:
        """Dense rank of each slot's normalised name, cached per generation."""
        if self._name_rank is None or self._name_rank_gen != self.generation:
            names = np.array(self._name_norm, dtype=object)
            _, inverse = np.unique(names, return_inverse=True)
            self._name_rank = inverse.astype(np.int32)
            self._name_rank_gen = self.generation
        return self._name_rank

    def _facets(self, selected: np.ndarray) -> dict[str, dict[str, int]]:
        c = self._cols
        facets: dict[str, dict[str, int]] = {}
        ws = _bit_counts(c["workstreams"][selected], len(self._ws_codes))
        facets["workstream"] = {code: int(ws[i]) for i, code in enumerate(self._ws_codes)}
        in_set = np.zeros(c.size, dtype=bool)
        in_set[selected] = True
        caps: dict[str, int] = {}
        for code in sorted(self._cap_docs):
            count = int(np.count_nonzero(in_set[np.frombuffer(self._cap_docs[code], dtype=np.int32)]))
            if count:
                caps[code] = count
        facets["capability"] = caps
        for name, key, universe in (
            ("four_p", "four_ps", _FOUR_PS),
            ("five_d", "five_ds", _FIVE_DS),
            ("deployment", "deployments", _DEPLOYMENTS),
        ):
            counts = _bit_counts(c[key][selected], len(universe))
            facets[name] = {str(v): int(counts[i]) for i, v in enumerate(universe)}
        cls_counts = np.bincount(c["classification"][selected], minlength=5)
        facets["classification"] = {x.name: int(cls_counts[int(x)]) for x in _CLASSIFICATIONS}
        trl_counts = np.bincount(np.clip(c["trl"][selected], 0, 9), minlength=10)
        facets["trl"] = {str(t): int(trl_counts[t]) for t in range(1, 10)}
        host = np.bincount(c["hosting"][selected] + 1, minlength=len(_HOSTINGS) + 1)
        facets["hosting"] = {str(h): int(host[i + 1]) for i, h in enumerate(_HOSTINGS)}
        for name, flags in (
            ("sme", c["sme"][selected]),
            ("verified", c["verified"][selected]),
            ("accreditations_current", self._accreditations_current()[selected]),
        ):
            yes = int(np.count_nonzero(flags))
            facets[name] = {"true": yes, "false": int(selected.size) - yes}
        return facets

    def _explain(self, slot: int, slots: list[_Slot], matches: dict[str, dict[int, float]]) -> list[Match]:
        """Why a tool matched: for each query slot, the words of its winning phrasing."""
        doc = self._docs[slot]
        if doc is None or not slots:
            return []
        where: dict[str, int] = {}  # listing word -> best field index
        for fidx, text in _field_texts(doc):
            for tok in tokenise(text):
                if where.get(tok, 99) > fidx:
                    where[tok] = fidx
        out: list[Match] = []
        for query_slot in slots:
            best_alt: list[Match] = []
            best_value = 0.0
            for alt, factor in query_slot.alternatives:
                found = [m for m in (self._best_match(w, where, matches) for w in alt) if m]
                value = factor * sum(m.score for m in found) / max(1, len(alt))
                if value > best_value:
                    best_alt, best_value = found, value
            out.extend(best_alt)
        return sorted(out, key=lambda m: -m.score)

    def _best_match(self, word: str, where: dict[str, int], matches: dict[str, dict[int, float]]) -> Match | None:
        best: Match | None = None
        for tid, sim in matches.get(word, {}).items():
            fidx = where.get(self._tokens[tid])
            if fidx is None:
                continue
            score = round(100.0 * sim * float(_FIELD_WEIGHT[fidx]), 1)
            if best is None or score > best.score:
                best = Match(FIELDS[fidx], word, self._tokens[tid], score)
        return best
