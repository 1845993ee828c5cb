"""The supplier directory: approved (active) suppliers as the public sees them, with how many
published listings each has, found by name with the search engine's own name matching.

Both doors use it: the directory page (`/suppliers`) and the search page's "Suppliers" section.
Every row is the public view of the supplier (`services.supplier_view` for an anonymous reader),
so the directory never shows more than the public supplier page. The rows are read once per
registry generation (which every supplier and listing change bumps) and shared by all requests.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.actor import ANONYMOUS
from registry.changelog.services import current_generation
from registry.enums import SizeBand, ToolStatus
from registry.search.matching import tie_key
from registry.search.text import name_scores, normalise
from registry.suppliers.models import Supplier
from registry.suppliers.services import supplier_view, to_read
from registry.tools.models import Tool

PER_PAGE = 20
MAX_PAGE = 10_000


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    id: int
    name: str
    size_band: str
    sme: bool
    region: str
    verified: bool
    listings: int  # published tools
    key: str  # normalised name, for matching


@dataclass(frozen=True, slots=True)
class DirectoryPage:
    entries: list[DirectoryEntry]
    total: int
    page: int
    pages: int


_cache: dict[int, tuple[int, list[DirectoryEntry]]] = {}
_lock = threading.Lock()


def entries(session: Session) -> list[DirectoryEntry]:
    """Every active supplier's public entry, A to Z (shared until the registry changes)."""
    generation = current_generation(session)
    bind = id(session.get_bind())
    hit = _cache.get(bind)
    if hit is not None and hit[0] == generation:
        return hit[1]
    with _lock:
        rows = list(
            session.execute(
                select(Supplier).where(col(Supplier.status) == "active").order_by(func.lower(col(Supplier.name)))
            ).scalars()
        )
        counts = dict(
            session.execute(
                select(col(Tool.supplier_id), func.count())
                .where(col(Tool.status) == ToolStatus.PUBLISHED.value)
                .group_by(col(Tool.supplier_id))
            ).all()
        )
        built = [
            _entry(supplier_view(ANONYMOUS, read), int(counts.get(read["id"], 0))) for read in to_read(session, rows)
        ]
        _cache[bind] = (generation, built)
        return built


def _entry(view: dict[str, Any], listings: int) -> DirectoryEntry:
    return DirectoryEntry(
        id=view["id"],
        name=view["name"],
        size_band=view["size_band"],
        sme=bool(view["sme"]),
        region=view["region"] or "",
        verified=bool(view["verified"]),
        listings=listings,
        key=normalise(view["name"]),
    )


def search(rows: Sequence[DirectoryEntry], q: str = "", *, sme: bool = False, region: str = "") -> list[DirectoryEntry]:
    """The entries matching a name query and filters: best match first, ties in a stable
    per-query shuffle (never by name); with no query, A to Z."""
    kept = [r for r in rows if (not sme or r.sme) and (not region or r.region == region)]
    if not q.strip():
        return kept
    scored = name_scores(q, [r.key for r in kept])
    scored.sort(key=lambda s: (-s[1], tie_key(q.strip().lower(), kept[s[0]].id)))
    return [kept[i] for i, _ in scored]


def page_of(rows: Sequence[DirectoryEntry], page: int, per_page: int = PER_PAGE) -> DirectoryPage:
    pages = max(1, -(-len(rows) // per_page))
    page = min(max(1, page), pages)
    start = (page - 1) * per_page
    return DirectoryPage(list(rows[start : start + per_page]), len(rows), page, pages)


def regions(rows: Sequence[DirectoryEntry]) -> list[str]:
    return sorted({r.region for r in rows if r.region})


def size_label(entry: DirectoryEntry) -> str:
    return SizeBand.label_of(entry.size_band)
