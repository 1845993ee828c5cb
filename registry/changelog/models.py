from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from registry.db_types import json_dict_nullable, utcnow


class AuditEvent(SQLModel, table=True):
    """Who did what to which record, when, with the record before and after."""

    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: int | None = Field(default=None, index=True)
    actor_label: str = Field(default="system", max_length=254)
    action: str = Field(max_length=40)
    entity_type: str = Field(max_length=40, index=True)
    entity_id: str = Field(max_length=64, index=True)
    organisation_id: int | None = Field(default=None, index=True)
    summary: str = Field(default="", max_length=1000)
    before: dict[str, Any] | None = json_dict_nullable()
    after: dict[str, Any] | None = json_dict_nullable()


class RegistryState(SQLModel, table=True):
    """One row: a change counter bumped on every listing write, so each process can tell
    cheaply whether its in-memory search index is stale."""

    __tablename__ = "registry_state"
    id: int = Field(default=1, primary_key=True)
    generation: int = Field(default=0)
