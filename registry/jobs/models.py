"""The job runner's own table: one JobRun per job and period."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Float, LargeBinary, Table, Text, Unicode, UniqueConstraint
from sqlmodel import Field, SQLModel

from registry.db_types import utcnow


def new_id() -> str:
    return uuid.uuid4().hex


class JobRun(SQLModel, table=True):
    """One run of a job for one period. The unique (job_id, period_key) is what makes a period
    run at most once, whichever process or restart tries it."""

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job_id", "period_key"),)
    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(max_length=60, index=True)
    period_key: str = Field(max_length=60)
    trigger: str = Field(default="scheduled", max_length=20)  # scheduled | manual | cli
    started_at: datetime = Field(default_factory=utcnow, index=True)
    finished_at: datetime | None = None
    outcome: str = Field(default="ok", max_length=10)  # ok | error | skipped
    attempts: int = Field(default=1)
    counts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


# APScheduler's SQLAlchemyJobStore table, declared here so Alembic owns the schema (the store's
# own create(checkfirst=True) then finds it) and autogenerate sees no stray table.
APSCHEDULER_JOBS = Table(
    "apscheduler_jobs",
    SQLModel.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)


class QueuedJob(SQLModel, table=True):
    """One unit of background work (a report to render) in the embedded queue.

    A worker claims a queued row, or a running row whose lease ran out (its worker died), by
    writing its own `lease_token` and a `lease_until`; it renews the lease while it works. The
    finishing write is fenced on the token, so only the current owner can complete a job."""

    __tablename__ = "job_queue"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    kind: str = Field(max_length=60)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="queued", max_length=10, index=True)  # queued | running | done | failed
    attempts: int = Field(default=0)
    max_attempts: int = Field(default=3)
    lease_token: str | None = Field(default=None, max_length=32)
    lease_until: datetime | None = Field(default=None, index=True)
    worker: str = Field(default="", max_length=120)  # host:pid of the last claimant, for people
    created_at: datetime = Field(default_factory=utcnow, index=True)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
