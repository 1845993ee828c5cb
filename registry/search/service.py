"""The per-process search index, kept current with the database, and the one way to run a search.

Each process holds one SearchIndex of published tools. At most once a second a request checks
the registry's change counter (one indexed single-row read); when it moved, the audit trail
since the last check says which tools changed, and only those are reloaded. Anything the audit
trail cannot pin down (seed, import, taxonomy edits) triggers a full rebuild. So no process
serves results staler than about a second, whatever process made the change.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.changelog.models import AuditEvent
from registry.changelog.services import current_generation
from registry.db_types import today
from registry.enums import ToolStatus
from registry.lru import LRUCache
from registry.search.documents import ToolDoc
from registry.search.engine import SearchIndex, SearchResult
from registry.search.query import FACETED, SearchQuery
from registry.seed_files import read_seed
from registry.taxonomy.services import tree
from registry.tools.models import Tool
from registry.tools.services import tool_docs

CHECK_INTERVAL_S = 1.0
RESULT_CACHE_SIZE = 1024
BACKGROUND_REBUILD_FROM = 5_000  # indexed tools
FULL_REBUILD_TYPES = {"capability_node", "registry", "tools", "suppliers", "skill"}


class SearchService:
    """Owns this process's index; thread-safe."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self.index: SearchIndex | None = None
        self.generation = -1
        self.audit_cursor = 0
        self.checked_at = 0.0
        self._synonyms: dict[str, list[str]] | None = None
        self._results: LRUCache[tuple[Any, ...], SearchResult] = LRUCache(RESULT_CACHE_SIZE)
        self.warmed = False  # set by warm_up once the indexes are built
        self.frozen = False  # warm_up froze the heap (server processes)
        self._rebuilding = False
        # Values derived from one state of the index (candidate index, capability tree), each
        # with its own lock: a search must never wait behind the gap engine's index build.
        self._derived: dict[str, tuple[Any, Any]] = {}
        self._derive_locks: dict[str, threading.Lock] = {}

    def _with_session(self, session: Session | None, fn: Any) -> Any:
        if session is not None:
            return fn(session)
        with Session(self.engine) as own:
            return fn(own)

    def _derived_value(self, name: str, key: Any, build: Any) -> Any:
        """``build()``, kept until ``key`` (a state of the index) changes."""
        with self._derive_locks.setdefault(name, threading.Lock()):
            hit = self._derived.get(name)
            if hit is None or hit[0] != key:
                hit = self._derived[name] = (key, build())
            return hit[1]

    def synonyms(self) -> dict[str, list[str]]:
        if self._synonyms is None:
            raw = read_seed("synonyms")
            self._synonyms = dict(raw) if isinstance(raw, list) else raw
        return self._synonyms

    def current(self, session: Session | None = None) -> SearchIndex:
        now = time.monotonic()
        if self.index is not None and now - self.checked_at < CHECK_INTERVAL_S:
            return self.index
        with self._lock:
            if self.index is not None and time.monotonic() - self.checked_at < CHECK_INTERVAL_S:
                return self.index
            self._with_session(session, self._refresh)
            self.checked_at = time.monotonic()
            assert self.index is not None
            return self.index

    def _refresh(self, session: Session) -> None:
        generation = current_generation(session)
        if self.index is not None and generation == self.generation:
            if self.index.today != today():
                self._full_rebuild(session, generation)  # accreditation currency depends on the date
            return
        if self.index is None:
            self._rebuild(session, generation)
            return
        if self._rebuilding:
            return  # the new index will include these changes
        events = list(
            session.execute(
                select(col(AuditEvent.entity_type), col(AuditEvent.entity_id)).where(
                    col(AuditEvent.id) > self.audit_cursor
                )
            )
        )
        if any(t in FULL_REBUILD_TYPES for t, _ in events):
            self._full_rebuild(session, generation)
            return
        tool_ids = {int(i) for t, i in events if t == "tool" and i.isdecimal()}
        supplier_ids = [int(i) for t, i in events if t == "supplier" and i.isdecimal()]
        if supplier_ids:
            owned = session.execute(select(col(Tool.id)).where(col(Tool.supplier_id).in_(supplier_ids))).scalars()
            tool_ids |= {i for i in owned if i is not None}  # primary keys: never None once stored
        if tool_ids:
            fresh = {d.id: d for d in tool_docs(session, status=None, tool_ids=tool_ids)}
            published = set(
                session.execute(
                    select(col(Tool.id)).where(
                        col(Tool.id).in_(tool_ids), col(Tool.status) == ToolStatus.PUBLISHED.value
                    )
                ).scalars()
            )
            for tid in tool_ids:
                if tid in published and tid in fresh:
                    self.index.upsert(fresh[tid])
                else:
                    self.index.remove(tid)
        self.generation = generation
        self.audit_cursor = self._max_audit(session)

    def _max_audit(self, session: Session) -> int:
        return int(session.execute(select(func.coalesce(func.max(col(AuditEvent.id)), 0))).scalar_one() or 0)

    def _rebuild(self, session: Session, generation: int) -> None:
        cursor = self._max_audit(session)
        docs = tool_docs(session)
        self.index = SearchIndex.build(docs, self.synonyms(), today=today())
        self.generation = generation
        self.audit_cursor = cursor

    def _full_rebuild(self, session: Session, generation: int) -> None:
        """A small catalogue is rebuilt at once (milliseconds). A large one is rebuilt in a
        background thread while the current index keeps answering: at 100,000 tools a rebuild
        takes about ten seconds, and searches run on the event loop."""
        if self.index is None or len(self.index) < BACKGROUND_REBUILD_FROM:
            self._rebuild(session, generation)
            return
        if not self._rebuilding:
            self._rebuilding = True
            threading.Thread(target=self._rebuild_in_background, name="search-rebuild", daemon=True).start()

    def _rebuild_in_background(self) -> None:
        try:
            with Session(self.engine) as own:
                generation = current_generation(own)
                cursor = self._max_audit(own)
                docs = tool_docs(own)
            index = SearchIndex.build(docs, self.synonyms(), today=today())
            with self._lock:
                self.index, self.generation, self.audit_cursor = index, generation, cursor
                self.checked_at = float("-inf")  # look for changes made during the rebuild
            if self.frozen:
                gc.freeze()  # as at warm-up: keep the new index out of the collector's walks
        except Exception:  # noqa: BLE001 - keep serving the old index; the next check tries again
            logging.getLogger(__name__).exception("search index rebuild failed")
        finally:
            self._rebuilding = False

    def run(self, query: SearchQuery, session: Session | None = None, salt: str = "") -> SearchResult:
        """The search every door runs (the search page, the API, procurement projects): the
        engine's results with disjunctive facets. The counts of a chosen group are taken with
        every other filter applied but not the group's own (values in a group are ORed), so a
        count always says how many results choosing that value would give.

        `salt` varies the stable tie shuffle (a procurement project's id); counts do not
        depend on order, so the relaxed searches share one cache entry across salts.
        """
        result = self.search(query, session, salt)
        facets = dict(result.facets)
        for param in FACETED:
            assert param.filter_field and param.facet
            if getattr(query.filters, param.filter_field) == param.empty:
                continue
            facets[param.facet] = self.search(query.without(param), session).facets.get(param.facet, {})
        return replace(result, facets=facets)

    def search(self, params: SearchQuery, session: Session | None = None, salt: str = "") -> SearchResult:
        """One engine search (facets counted over its own results). Results are cached per
        index generation: the same search (popular queries, facet counts, paging back and
        forth) costs a dict lookup until the listings change."""
        index = self.current(session)
        key = (
            index.serial,
            index.generation,
            index.today,
            params.q,
            params.filters,
            params.sort,
            params.page,
            params.per_page,
            salt,
        )
        return self._results.get_or_make(
            key,
            lambda: index.search(
                params.q,
                params.filters,
                sort=params.sort,
                page=params.page,
                per_page=params.per_page,
                shuffle_seed=params.shuffle_seed(salt),
            ),
        )

    def capability_counts(self, session: Session | None = None) -> dict[str, int]:
        """Published tools per capability code (areas included), as the unfiltered search
        counts them: what a link filtered by that capability finds."""
        return dict(self.run(SearchQuery(), session).facets.get("capability", {}))

    def candidate_index(self, session: Session | None = None) -> Any:
        """A CandidateIndex over the published tools for the gap engine, rebuilt only when the
        search index changed (building one for 100k tools is the costly step of an assessment)."""
        from registry.search.candidates import CandidateIndex

        index = self.current(session)
        return self._derived_value(
            "candidates",
            (index.serial, index.generation, index.today),
            lambda: CandidateIndex([d for d in (index.get(i) for i in index.tool_ids()) if d is not None]),
        )

    def taxonomy_tree(self, session: Session | None = None) -> list[dict[str, Any]]:
        """The capability tree for facet labels, re-read only when the listings change."""
        index = self.current(session)
        return self._derived_value("tree", (index.serial, index.generation), lambda: self._with_session(session, tree))

    def docs(self, ids: Sequence[int]) -> list[ToolDoc]:
        index = self.current()
        return [d for d in (index.get(i) for i in ids) if d is not None]


_services: dict[int, SearchService] = {}
_services_lock = threading.Lock()


def service_for(engine: Engine) -> SearchService:
    with _services_lock:
        svc = _services.get(id(engine))
        if svc is None or svc.engine is not engine:
            svc = _services[id(engine)] = SearchService(engine)
        return svc


def warm_up(engine: Engine) -> None:
    """Build this process's search index and the gap engine's candidate index before the first
    search or assessment needs them (100k tools: about 10 s and 1.3 s of CPU, ~170 MB and ~45 MB),
    then settle the heap.

    The indexes are hundreds of thousands of long-lived objects: freezing them keeps the cyclic
    garbage collector from walking them on every full collection (a pause of tens of ms under
    load), and trimming hands the memory freed by the build back to the system.
    """
    service = service_for(engine)
    service.current()
    service.candidate_index().prepare()
    gc.collect()
    gc.freeze()
    service.frozen = service.warmed = True
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def warm_up_in_background(engine: Engine) -> None:
    threading.Thread(target=warm_up, args=(engine,), name="search-warm-up", daemon=True).start()
