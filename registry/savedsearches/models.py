from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from registry.db_types import utcnow


class UserSavedSearch(SQLModel, table=True):
    """A search a user keeps to run again: its words and filters as query-string values (the
    format of `registry.search.query.saved_filters`). Not the same as a procurement project's
    saved searches (`registry.procurement.models.SavedSearch`), which belong to the project."""

    __tablename__ = "user_saved_search"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    name: str = Field(max_length=100)
    query: str = Field(default="", max_length=200)
    filters: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    alerts: bool = Field(default=False)  # opt-in: e-mail when new published listings match
    created_at: datetime = Field(default_factory=utcnow)
    last_alert_at: datetime | None = None
    version: int = Field(default=1)


class SavedSearchSeen(SQLModel, table=True):
    """A listing a saved search has already told its owner about (or that matched when alerts
    were switched on), so each new match is sent once."""

    __tablename__ = "user_saved_search_seen"
    __table_args__ = (UniqueConstraint("saved_search_id", "tool_id"),)
    id: int | None = Field(default=None, primary_key=True)
    saved_search_id: int = Field(foreign_key="user_saved_search.id", index=True)
    tool_id: int = Field(index=True)  # no foreign key: a listing removed by an import leaves no dangling alert
    seen_at: datetime = Field(default_factory=utcnow)
