from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from registry.db_types import utcnow


class Shortlist(SQLModel, table=True):
    """A named list of tools owned by one user (private to that user)."""

    __tablename__ = "shortlist"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    name: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)


class ShortlistItem(SQLModel, table=True):
    """A tool on a shortlist; tool_version records which revision of the listing was chosen."""

    __tablename__ = "shortlist_item"
    __table_args__ = (UniqueConstraint("shortlist_id", "tool_id"),)
    id: int | None = Field(default=None, primary_key=True)
    shortlist_id: int = Field(foreign_key="shortlist.id", index=True)
    tool_id: int = Field(foreign_key="tool.id", index=True)
    tool_version: int = Field(default=1)
    note: str = Field(default="", max_length=1000)
    added_at: datetime = Field(default_factory=utcnow)
