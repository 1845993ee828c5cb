"""Audit trail and the listing change counter. Called inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, object_mapper
from sqlmodel import col

from registry.actor import Actor
from registry.changelog.models import AuditEvent, RegistryState
from registry.db_types import rows_affected


def snapshot(obj: object | None, extra: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """A JSON-safe copy of a mapped row's columns (plus any child data the caller adds)."""
    if obj is None:
        return None
    # The mapper's table is the model's __table__, which SQLModel's stubs do not declare.
    data = {c.key: _jsonable(getattr(obj, c.key)) for c in object_mapper(obj).local_table.columns}
    if extra:
        data.update({k: _jsonable(v) for k, v in extra.items()})
    return data


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value if not isinstance(value.value, int) else value.name
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


AuditListener = Callable[[Session, AuditEvent], object]  # what a listener returns is ignored
_LISTENERS: list[AuditListener] = []


def listen(listener: AuditListener) -> None:
    """Hear of every audit event inside its transaction (registered at the composition root)."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: Any,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    organisation_id: int | None = None,
    summary: str = "",
) -> AuditEvent:
    event = AuditEvent(
        actor_id=actor.user_id,
        actor_label=actor.label,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        organisation_id=organisation_id,
        summary=summary[:1000],
        before=before,
        after=after,
    )
    session.add(event)
    for listener in _LISTENERS:  # e.g. immutable listing versions (registered by registry.app.wire)
        listener(session, event)
    return event


def bump_generation(session: Session) -> None:
    """Mark the published listings as changed; search indexes in every process notice."""
    result = session.execute(
        update(RegistryState).where(col(RegistryState.id) == 1).values(generation=col(RegistryState.generation) + 1)
    )
    if rows_affected(result) == 0:
        session.add(RegistryState(id=1, generation=1))


def current_generation(session: Session) -> int:
    value = session.execute(select(col(RegistryState.generation)).where(col(RegistryState.id) == 1)).scalar()
    return int(value or 0)


def history(session: Session, entity_type: str, entity_id: Any) -> list[AuditEvent]:
    stmt = (
        select(AuditEvent)
        .where(col(AuditEvent.entity_type) == entity_type, col(AuditEvent.entity_id) == str(entity_id))
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
    )
    return list(session.execute(stmt).scalars())
