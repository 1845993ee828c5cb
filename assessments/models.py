from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from registry.db_types import NAMING, json_list, utcnow  # noqa: F401  (naming convention first)


def new_id() -> str:
    """Unguessable ids: an organisation's capability gaps are sensitive."""
    return uuid.uuid4().hex


class Assessment(SQLModel, table=True):
    """A saved assessment set-up (scope, budget, schedule) owned by one buying organisation."""

    __tablename__ = "assessment"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    name: str = Field(max_length=200)
    workstreams: list[str] = json_list()  # empty = all
    budget_capital: float = Field(default=0.0)
    budget_annual: float = Field(default=0.0)
    max_suppliers: int | None = None
    min_sme_share: float | None = None
    min_classification: str | None = Field(default=None, max_length=30)
    schedule: str = Field(default="none", max_length=10)  # none | weekly | monthly
    created_by: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)


class AssessmentRun(SQLModel, table=True):
    """One run: a snapshot of the inputs and the results, kept for trends."""

    __tablename__ = "assessment_run"
    __table_args__ = (UniqueConstraint("assessment_id", "period_key"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    assessment_id: str = Field(foreign_key="assessment.id", index=True, max_length=32)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    run_at: datetime = Field(default_factory=utcnow, index=True)
    run_by: int | None = None
    trigger: str = Field(default="manual", max_length=20)  # manual | scheduled
    period_key: str = Field(max_length=40)  # unique per assessment: scheduled runs are idempotent
    overall_score: float | None = None
    full_count: int = 0
    partial_count: int = 0
    none_count: int = 0
    inputs: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    result: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    recommendation: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
