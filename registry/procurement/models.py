from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from registry.db_types import utcnow


class ProcurementProject(SQLModel, table=True):
    """One buying exercise of an organisation, from need to outcome.

    The id is a random UUID hex so ids reveal nothing across organisations.
    """

    __tablename__ = "procurement_project"
    id: str = Field(primary_key=True, max_length=32)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    name: str = Field(max_length=200)
    need_statement: str = Field(default="", max_length=5000)
    budget: float | None = None  # GBP
    status: str = Field(default="open", max_length=20, index=True)  # open|awarded|cancelled|none_suitable
    locked: bool = Field(default=False)
    created_by: int = Field(foreign_key="user_account.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)


class ProjectRequirement(SQLModel, table=True):
    """An IM requirement of the organisation that the project is meant to meet."""

    __tablename__ = "project_requirement"
    __table_args__ = (UniqueConstraint("project_id", "requirement_id"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: str = Field(foreign_key="procurement_project.id", index=True, max_length=32)
    requirement_id: int = Field(foreign_key="requirement.id", index=True)


class SavedSearch(SQLModel, table=True):
    """A search run for the project. `frozen` marks the one whose results were frozen."""

    __tablename__ = "saved_search"
    id: int | None = Field(default=None, primary_key=True)
    project_id: str = Field(foreign_key="procurement_project.id", index=True, max_length=32)
    query: str = Field(default="", max_length=200)
    # Facet filters as query-string values: {"workstream": ["CYBER"], "sme": ["true"], ...}
    filters: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    created_by: int | None = Field(default=None, foreign_key="user_account.id")
    result_count: int = Field(default=0)
    frozen: bool = Field(default=False)


class FrozenResult(SQLModel, table=True):
    """One result of the frozen search, pinned to the listing version the buyer saw."""

    __tablename__ = "frozen_result"
    __table_args__ = (UniqueConstraint("project_id", "tool_id"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: str = Field(foreign_key="procurement_project.id", index=True, max_length=32)
    saved_search_id: int = Field(foreign_key="saved_search.id", index=True)
    position: int
    tool_id: int = Field(foreign_key="tool.id", index=True)
    tool_version_number: int
    supplier_id: int = Field(foreign_key="supplier.id", index=True)
    score: float = Field(default=0.0)
    # Exclusion reasons suggested by requirement matching at freeze time: [{"code", "message"}]
    suggestions: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Decision(SQLModel, table=True):
    """Keep or exclude one frozen result, with a reason; the latest decision per result."""

    __tablename__ = "procurement_decision"
    id: int | None = Field(default=None, primary_key=True)
    frozen_result_id: int = Field(foreign_key="frozen_result.id", unique=True, index=True)
    decision: str = Field(max_length=10)  # keep|exclude
    reason_code: str | None = Field(default=None, max_length=40)
    reason_text: str = Field(default="", max_length=2000)
    suggested: bool = Field(default=False)  # the reason was one matching suggested
    decided_by: int = Field(foreign_key="user_account.id")
    decided_at: datetime = Field(default_factory=utcnow)


class Outcome(SQLModel, table=True):
    """How the project ended; recording it locks the project."""

    __tablename__ = "procurement_outcome"
    project_id: str = Field(foreign_key="procurement_project.id", primary_key=True, max_length=32)
    kind: str = Field(max_length=20)  # awarded|cancelled|none_suitable
    tool_id: int | None = Field(default=None, foreign_key="tool.id")
    tool_version_number: int | None = None
    supplier_id: int | None = Field(default=None, foreign_key="supplier.id")
    value: float | None = None  # GBP
    start_date: date | None = None
    end_date: date | None = None
    reason: str = Field(default="", max_length=2000)
    recorded_by: int = Field(foreign_key="user_account.id")
    recorded_at: datetime = Field(default_factory=utcnow)
