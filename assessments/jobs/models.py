"""Tables for scheduled jobs, notifications, the e-mail outbox and report subscriptions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Float, Index, LargeBinary, Table, Text, Unicode, UniqueConstraint
from sqlmodel import Field, SQLModel

from registry.db_types import NAMING, utcnow  # noqa: F401  (naming convention must be set first)


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


class Notification(SQLModel, table=True):
    """An in-app message to one user. dedupe_key makes 'notify once per item and threshold'
    hold even when a job reruns."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("user_id", "dedupe_key"),
        Index("ix_notification_user_unread", "user_id", "read_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id")
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    kind: str = Field(max_length=40)
    title: str = Field(max_length=200)
    body: str = Field(default="", max_length=2000)
    link: str = Field(default="", max_length=300)
    dedupe_key: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    read_at: datetime | None = None


class OutboxEmail(SQLModel, table=True):
    """Mail waiting to be sent; a sender delivers it only when SMTP_URL is configured."""

    __tablename__ = "outbox_email"
    id: int | None = Field(default=None, primary_key=True)
    to_address: str = Field(max_length=254)
    subject: str = Field(max_length=200)
    body: str = Field(default="", sa_column=Column(Text, nullable=False))
    notification_id: int | None = Field(default=None, foreign_key="notification.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    sent_at: datetime | None = Field(default=None, index=True)
    attempts: int = Field(default=0)
    last_error: str | None = Field(default=None, max_length=1000)


class ReportSubscription(SQLModel, table=True):
    """A report an organisation wants generated into its library every week or month."""

    __tablename__ = "report_subscription"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    created_by: int | None = None
    kind: str = Field(max_length=40)  # a reports kind, e.g. "capability_gap"
    format: str = Field(default="pdf", max_length=10)  # html | pdf | xlsx | csv | json
    schedule: str = Field(default="monthly", max_length=10)  # weekly | monthly
    source_id: str | None = Field(default=None, max_length=32)  # assessment id
    marking: str = Field(default="OFFICIAL", max_length=30)
    active: bool = Field(default=True)
    last_period_key: str | None = Field(default=None, max_length=40)  # last period generated
    created_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)


class ToolFlag(SQLModel, table=True):
    """A listing problem found by the nightly hygiene job (stale, accreditation expiring or
    expired, mandatory accreditation expired). Rows are removed once the problem is fixed."""

    __tablename__ = "tool_flag"
    __table_args__ = (UniqueConstraint("tool_id", "flag"),)
    id: int | None = Field(default=None, primary_key=True)
    tool_id: int = Field(foreign_key="tool.id", index=True)
    flag: str = Field(max_length=40, index=True)
    detail: str = Field(default="", max_length=500)
    since: datetime = Field(default_factory=utcnow)


# APScheduler's SQLAlchemyJobStore table, declared here so Alembic owns the schema (the store's
# own create(checkfirst=True) then finds it) and autogenerate sees no stray table.
APSCHEDULER_JOBS = Table(
    "apscheduler_jobs",
    SQLModel.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
