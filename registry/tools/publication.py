"""When each tool was first published, read from its listing versions.

The Tool row has no publication date, but registry.versions records a numbered version every
time a published tool changes, starting the moment it is first published; the earliest such
version is the first publication. The hygiene rule (registry.tools.hygiene) counts a
never-reviewed listing from this date.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.versions.models import BASELINE_ACTOR, ListingVersion

_IN_LIST_LIMIT = 1000  # above this, read every tool's date rather than a long IN list


def first_published(session: Session, tool_ids: Iterable[int] | None = None) -> dict[int, date]:
    """{tool id: day of its first published version}; tools never seen published are absent."""
    ids = None if tool_ids is None else list(dict.fromkeys(tool_ids))
    if ids is not None and not ids:
        return {}
    stmt = (
        select(col(ListingVersion.entity_id), func.min(col(ListingVersion.created_at)))
        .where(col(ListingVersion.entity_type) == "tool", col(ListingVersion.actor_label) != BASELINE_ACTOR)
        .group_by(col(ListingVersion.entity_id))
    )
    if ids is not None and len(ids) <= _IN_LIST_LIMIT:
        stmt = stmt.where(col(ListingVersion.entity_id).in_(ids))
    wanted = None if ids is None else set(ids)
    out: dict[int, date] = {}
    for tool_id, first in session.execute(stmt):
        if first is not None and (wanted is None or tool_id in wanted):
            out[int(tool_id)] = _day(first)
    return out


def first_published_on(session: Session, tool_id: int) -> date | None:
    return first_published(session, [tool_id]).get(tool_id)


def _day(value: object) -> date:
    """The UTC day, like registry.db_types.today() and Tool.last_reviewed."""
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo is not None else value).date()
    if isinstance(value, date):
        return value
    return _day(datetime.fromisoformat(str(value)))  # SQLite hands MIN() of a timestamp back as text
