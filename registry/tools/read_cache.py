"""Read models of published tools and their suppliers, cached per listing generation.

The public tool page is the most read page of the registry, and building its read model
takes about ten queries. Every change to a listing, supplier, taxonomy node or skill bumps the
listing generation in the same transaction as the change. The cache is dropped whenever the
generation moves; for the public it is checked at most once a second (the same freshness as
search results), while people who edit listings (suppliers, staff) check it on every request,
so they always see their own change at once. Only published tools are cached: they are visible
to everyone, so no per-viewer key is needed, and drafts always take the scoped path.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from registry.changelog.services import current_generation
from registry.db_types import today
from registry.enums import ToolStatus
from registry.lru import LRUCache

ToolView = tuple[dict[str, Any], dict[str, Any]]  # (tool read model, supplier read model)
CHECK_INTERVAL_S = 1.0


class PublishedToolCache:
    def __init__(self, size: int = 4096) -> None:
        self._lock = threading.Lock()
        self._key: tuple[int, Any] = (-1, None)  # (listing generation, date)
        self._checked_at = float("-inf")
        self._items: LRUCache[int, ToolView] = LRUCache(size)

    def _current_key(self, session: Session, strict: bool) -> tuple[int, Any]:
        now = time.monotonic()
        # Accreditation currency in the read model depends on the date as well.
        if strict or now - self._checked_at >= CHECK_INTERVAL_S or self._key[1] != today():
            key = (current_generation(session), today())
            with self._lock:
                if key != self._key:
                    self._items.clear()
                    self._key = key
                self._checked_at = now
        return self._key

    def get(self, session: Session, tool_id: int, build: Callable[[], ToolView], *, strict: bool) -> ToolView:
        """The view of ``tool_id``; ``build`` (which applies the viewer's scope) runs on a miss.

        ``strict`` re-reads the generation now (for viewers who edit listings)."""
        key = self._current_key(session, strict)
        hit = self._items.get(tool_id)
        if hit is not None:
            return hit
        view = build()
        if view[0]["status"] == ToolStatus.PUBLISHED.value and key == self._key:
            self._items.put(tool_id, view)
        return view
