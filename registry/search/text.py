"""Text normalisation, tokenising and synonym expansion for search and duplicate detection.

Pure: stdlib and rapidfuzz only. Everything the index stores and every query goes through
`normalise` (rapidfuzz's `default_process`: lower case, non-alphanumerics to spaces, trimmed),
so index-time and query-time text always agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

# Words that carry no meaning in a search over tool listings; dropped from queries and the
# inverted index (kept when a query consists only of them, so "the" still finds something).
STOPWORDS: frozenset[str] = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "it",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "via",
        "our",
        "your",
        "we",
        "their",
        "its",
        "that",
        "this",
        "these",
        "those",
    }
)

# A synonym phrase matches a query window when fuzz.ratio reaches this (typos in long phrases).
_PHRASE_CUTOFF = 86.0
# Windows shorter than this (spaces ignored) only match exactly: "anpr" vs "anpt" is risky.
_MIN_FUZZY_SYNONYM_LEN = 6


def normalise(text: str) -> str:
    """Lower case, punctuation to spaces, trimmed ("Open-Source" -> "open source")."""
    return " ".join(utils.default_process(text).split()) if text else ""


def tokenise(text: str) -> list[str]:
    """Normalised words in order, duplicates kept."""
    return utils.default_process(text).split() if text else []


def content_tokens(tokens: Sequence[str]) -> list[str]:
    """Drop stopwords, unless that would leave nothing."""
    kept = [t for t in tokens if t not in STOPWORDS]
    return kept or list(tokens)


@dataclass(frozen=True, slots=True)
class Span:
    """A run of query tokens [start, end) that matched a synonym group."""

    start: int
    end: int
    alternatives: tuple[tuple[str, ...], ...]  # other phrasings, each as tokens


class SynonymTable:
    """Equivalence groups of phrases built from a mapping term -> [synonyms].

    Groups are merged transitively (if "anpr" ~ "alpr" and "alpr" ~ "licence plate
    recognition", all three are one group) so lookups work in every direction.
    """

    def __init__(self, synonyms: Mapping[str, Sequence[str]] | None = None) -> None:
        self._group_of: dict[tuple[str, ...], int] = {}
        self._groups: list[set[tuple[str, ...]]] = []
        # phrases by token count, plus the same joined without spaces for rapidfuzz, so
        # "numberplate" can match "number plate"
        self._by_len: dict[int, list[tuple[str, ...]]] = {}
        self._squashed: dict[int, list[str]] = {}
        for term, others in (synonyms or {}).items():
            self.add_group([term, *others])

    def __len__(self) -> int:
        return len(self._group_of)

    def add_group(self, phrases: Sequence[str]) -> None:
        keys = [tuple(content_tokens(tokenise(p))) for p in phrases]
        keys = [k for k in keys if k]
        if not keys:
            return
        merged: set[tuple[str, ...]] = set(keys)
        gids = {self._group_of[k] for k in keys if k in self._group_of}
        for gid in gids:
            merged |= self._groups[gid]
            self._groups[gid] = set()
        gid = len(self._groups)
        self._groups.append(merged)
        for k in merged:
            if k not in self._group_of:
                self._by_len.setdefault(len(k), []).append(k)
                self._squashed.setdefault(len(k), []).append("".join(k))
            self._group_of[k] = gid

    def alternatives(self, phrase: Sequence[str]) -> tuple[tuple[str, ...], ...]:
        """Other phrasings of an exact phrase (tokens), sorted for determinism."""
        gid = self._group_of.get(tuple(phrase))
        if gid is None:
            return ()
        return tuple(sorted(p for p in self._groups[gid] if p != tuple(phrase)))

    def find_spans(self, tokens: Sequence[str]) -> list[Span]:
        """Non-overlapping synonym phrases in the query, typo-tolerant.

        A window of n query words is compared with phrases of n-1..n+1 words, spaces
        ignored, so split or merged words ("numberplate") still match. Candidates are taken
        best score first, longer first on equal scores, so a loose window that swallows a
        neighbouring word loses to the tighter one.
        """
        longest = max(self._by_len, default=0)
        candidates: list[tuple[float, int, int, tuple[str, ...]]] = []
        for size in range(1, min(len(tokens), longest + 1) + 1):
            for start in range(len(tokens) - size + 1):
                found = self._match(tuple(tokens[start : start + size]))
                if found is not None:
                    candidates.append((found[0], size, start, found[1]))
        taken = [False] * len(tokens)
        spans: list[Span] = []
        for _, size, start, key in sorted(candidates, key=lambda c: (-c[0], -c[1], c[2])):
            if any(taken[start : start + size]):
                continue
            window = tuple(tokens[start : start + size])
            alts = self.alternatives(key)
            if window != key:
                alts = (key, *alts)  # a misspelt phrase also searches its correct form
            spans.append(Span(start, start + size, alts))
            for i in range(start, start + size):
                taken[i] = True
        return sorted(spans, key=lambda s: s.start)

    def _match(self, window: tuple[str, ...]) -> tuple[float, tuple[str, ...]] | None:
        """(score, phrase) of the best phrase for a query window, or None."""
        if window in self._group_of:
            return 100.0, window
        squashed = "".join(window)
        if len(squashed) < _MIN_FUZZY_SYNONYM_LEN:
            return None
        best: tuple[float, tuple[str, ...]] | None = None
        for count in (len(window) - 1, len(window), len(window) + 1):
            found = process.extractOne(
                squashed,
                self._squashed.get(count, ()),
                scorer=fuzz.ratio,
                score_cutoff=_PHRASE_CUTOFF,
            )
            if found and (best is None or found[1] > best[0]):
                best = (float(found[1]), self._by_len[count][found[2]])
        return best


# --- names (suppliers): the one fuzzy name match the supplier directory and the search use -------

# Each query word must match a word of the name: as its start ("kes" -> "Kestrel"), or, for
# words of 4+ letters, with fuzz.ratio at least WORD_CUTOFF (typos: "kestral", "halwin").
WORD_CUTOFF = 80.0
_MIN_FUZZY_WORD = 4


def _word_score(word: str, tokens: Sequence[str]) -> float:
    best = 0.0
    for token in tokens:
        if token.startswith(word):
            return 100.0
        if len(word) >= _MIN_FUZZY_WORD:
            best = max(best, float(fuzz.ratio(word, token, score_cutoff=WORD_CUTOFF)))
    return best


def name_scores(query: str, names: Sequence[str]) -> list[tuple[int, float]]:
    """(index, score 0..101) of each name in `names` (already `normalise`d) that matches
    `query`, in input order: the mean of its words' scores, 101 for the whole name exactly.
    The caller orders them (ties fairly, never by name)."""
    q = normalise(query)
    words = content_tokens(q.split())
    if not words:
        return []
    out: list[tuple[int, float]] = []
    for i, name in enumerate(names):
        if not name:
            continue
        if name == q:
            out.append((i, 101.0))
            continue
        tokens = name.split()
        scores = [_word_score(w, tokens) for w in words]
        if all(scores):
            out.append((i, sum(scores) / len(scores)))
    return out
