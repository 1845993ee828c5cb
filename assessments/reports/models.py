"""Stored reports: a generation job and, once done, the rendered bytes.

The bytes live in the database (not on disk) so a report is written in the same transaction
as its status and is backed up, isolated and deleted with everything else. Ids are random
hex: a guessed id must never reveal that a report exists.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary, UniqueConstraint
from sqlalchemy.orm import deferred
from sqlmodel import Field, SQLModel

from assessments.models import new_id
from registry.db_types import utcnow

STATUSES = ("queued", "running", "done", "failed")


class StoredReport(SQLModel, table=True):
    __tablename__ = "stored_report"
    # A subscription generates at most one report per period (the scheduler can retry safely).
    __table_args__ = (UniqueConstraint("subscription_id", "period_key"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    kind: str = Field(max_length=30)  # capability_gap | procurement | evaluation
    source_id: str = Field(max_length=64)
    format: str = Field(max_length=10)  # a name in assessments/reports/formats.py
    marking: str = Field(default="OFFICIAL", max_length=30)
    title: str = Field(default="", max_length=300)
    status: str = Field(default="queued", max_length=10, index=True)
    progress: int = Field(default=0)  # 0..100
    error: str = Field(default="", max_length=2000)
    filename: str = Field(default="", max_length=200)
    content_type: str = Field(default="", max_length=100)
    size: int = Field(default=0)
    # Deferred: listing the library must not load every report's bytes.
    content: bytes | None = Field(default=None, sa_column=deferred(Column(LargeBinary, nullable=True)))  # type: ignore[call-overload]  # SQLModel's Field() stubs accept only a Column for sa_column; deferred(Column) works at runtime
    created_by: int | None = None
    created_by_label: str = Field(default="", max_length=254)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    period_key: str | None = Field(default=None, max_length=40)
    subscription_id: str | None = Field(default=None, max_length=32)


class ReportSubscription(SQLModel, table=True):
    """A report an organisation wants generated into its library every week or month."""

    __tablename__ = "report_subscription"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    created_by: int | None = None
    kind: str = Field(max_length=40)  # a reports kind, e.g. "capability_gap"
    format: str = Field(default="pdf", max_length=10)  # a name in assessments/reports/formats.py
    schedule: str = Field(default="monthly", max_length=10)  # weekly | monthly
    source_id: str | None = Field(default=None, max_length=32)  # assessment id
    marking: str = Field(default="OFFICIAL", max_length=30)
    active: bool = Field(default=True)
    last_period_key: str | None = Field(default=None, max_length=40)  # last period generated
    created_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)
