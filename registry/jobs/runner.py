"""The job runner: job definitions, one run per period (a JobRun row claims it), errors recorded.

Job bodies live in their domains (registry/tools/jobs.py, registry/inventory/jobs.py,
registry/notifications/jobs.py, assessments/jobs.py, assessments/reports/jobs.py); the composition
root (registry/app.py) registers them.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Engine,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.db import in_write_transaction, session_scope
from registry.db_types import utcnow
from registry.jobs import periods
from registry.jobs.models import JobRun

log = logging.getLogger(__name__)
LONDON = ZoneInfo("Europe/London")  # periods and fire times follow UK civil time


class JobSkipped(Exception):
    """Raised by a job that cannot do its work this period; recorded as outcome "skipped"."""

    def __init__(self, reason: str, **counts: Any) -> None:
        super().__init__(reason)
        self.counts = {"reason": reason, **counts}


@dataclass
class JobContext:
    session: Session
    now: datetime  # aware, UTC
    today: date  # UK civil date
    period_key: str
    smtp_url: str | None = None
    errors: list[str] = field(default_factory=list)  # per-item failures; work done still commits


JobFunc = Callable[[JobContext], dict[str, Any]]


@dataclass(frozen=True)
class JobDef:
    id: str
    title: str
    description: str
    func: JobFunc
    period: periods.PeriodKind = "daily"
    hour: int = 2
    minute: int = 0

    @property
    def schedule_text(self) -> str:
        if self.period == "hourly":
            return f"Every hour at {self.minute:02d} minutes past"
        return f"Every day at {self.hour:02d}:{self.minute:02d} (UK time)"


@dataclass
class JobResult:
    job_id: str
    period_key: str
    outcome: str  # ok | error | skipped | already-done
    counts: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


JOBS: dict[str, JobDef] = {}


def register(job: JobDef) -> JobDef:
    JOBS[job.id] = job
    return job


# --- runner ---------------------------------------------------------------------------------


@dataclass
class _Config:
    engine: Engine | None = None
    smtp_url: str | None = None


CONFIG = _Config()


def configure(engine: Engine, smtp_url: str | None) -> None:
    """Set what run_scheduled() uses (APScheduler calls it by import path, with the job id only)."""
    CONFIG.engine, CONFIG.smtp_url = engine, smtp_url


def run_scheduled(job_id: str) -> None:
    """APScheduler's entry point. Never raises: a crashing job must not stop the scheduler."""
    engine = CONFIG.engine
    if engine is None:
        from registry.db import make_engine
        from registry.settings import load_settings

        settings = load_settings()
        configure(make_engine(settings.database_url), settings.smtp_url)
        engine = CONFIG.engine
    assert engine is not None
    try:
        result = run_job(engine, job_id, trigger="scheduled", smtp_url=CONFIG.smtp_url)
        log.info("job %s %s: %s %s", job_id, result.period_key, result.outcome, result.counts)
    except Exception:  # pragma: no cover - run_job already records errors; this is a last guard
        log.exception("job %s failed outside its run", job_id)


def local_now(now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(LONDON)


def current_period(job: JobDef, now: datetime | None = None) -> str:
    return periods.period_key(job.period, local_now(now))


def run_job(
    engine: Engine,
    job_id: str,
    *,
    now: datetime | None = None,
    trigger: str = "scheduled",
    force: bool = False,
    smtp_url: str | None = None,
) -> JobResult:
    """Run one job for the current period unless that period already ran (or force=True, which
    runs it under a separate manual period key)."""
    job = JOBS[job_id]
    now = (now or datetime.now(UTC)).astimezone(UTC)
    local = local_now(now)
    key = periods.period_key(job.period, local)
    if force:
        key = f"{key}/manual-{local:%H%M%S.%f}"[:60]
    try:
        with session_scope(engine, write=True) as session:
            row = _claim(session, job_id, key, trigger)
            if row is None:
                return JobResult(job_id, key, "already-done")
            ctx = JobContext(session, now, local.date(), key, smtp_url=smtp_url)
            try:
                counts, outcome = job.func(ctx), "ok"
            except JobSkipped as skip:
                counts, outcome = skip.counts, "skipped"
            if ctx.errors:
                outcome = "error"
            row.outcome, row.counts, row.finished_at = outcome, _jsonable(counts), utcnow()
            row.error = "\n".join(ctx.errors)[:8000] if ctx.errors else None
            session.add(row)
        return JobResult(job_id, key, outcome, row.counts, row.error)
    except IntegrityError:
        return JobResult(job_id, key, "already-done")  # another process claimed the period first
    except Exception as exc:
        log.exception("job %s (%s) failed", job_id, key)
        text = traceback.format_exc()[-8000:]
        _record_error(engine, job_id, key, trigger, text)
        return JobResult(job_id, key, "error", error=f"{type(exc).__name__}: {exc}")


def _claim(session: Session, job_id: str, key: str, trigger: str) -> JobRun | None:
    """The JobRun row for this period, locked; None when the period already completed."""
    existing = session.execute(
        select(JobRun).where(col(JobRun.job_id) == job_id, col(JobRun.period_key) == key).with_for_update()
    ).scalar_one_or_none()
    if existing is not None and existing.outcome != "error":
        return None
    row = existing or JobRun(job_id=job_id, period_key=key, trigger=trigger, attempts=0)
    row.attempts += 1
    row.trigger, row.started_at, row.finished_at, row.outcome = trigger, utcnow(), None, "error"
    session.add(row)
    session.flush()  # the unique index now holds the period for this transaction
    return row


def _record_error(engine: Engine, job_id: str, key: str, trigger: str, text: str) -> None:
    """Write down that a run failed: retried while the failure is transient (registry/db.py
    in_write_transaction), and logged if it still cannot be written, never dropped silently."""

    def write(session: Session) -> None:
        row = session.execute(
            select(JobRun).where(col(JobRun.job_id) == job_id, col(JobRun.period_key) == key)
        ).scalar_one_or_none()
        if row is None:
            row = JobRun(job_id=job_id, period_key=key, trigger=trigger, attempts=1)
        elif row.outcome != "error":
            return  # another process completed it meanwhile
        else:
            row.attempts += 1
        row.outcome, row.error, row.finished_at, row.counts = "error", text, utcnow(), {}
        session.add(row)

    try:
        in_write_transaction(engine, write, what=f"record the failure of job {job_id}")
    except Exception:  # noqa: BLE001 - logged by the helper; recording must never take the scheduler down
        log.error("the failure of job %s (%s) could not be recorded:\n%s", job_id, key, text)


def run_all(
    engine: Engine,
    *,
    now: datetime | None = None,
    trigger: str = "cli",
    force: bool = False,
    smtp_url: str | None = None,
) -> list[JobResult]:
    """Every job once, each isolated: one crashing job never stops the others."""
    return [run_job(engine, job_id, now=now, trigger=trigger, force=force, smtp_url=smtp_url) for job_id in JOBS]


def history(session: Session, job_id: str, *, limit: int = 50) -> list[JobRun]:
    stmt = (
        select(JobRun)
        .where(col(JobRun.job_id) == job_id)
        .order_by(col(JobRun.started_at).desc(), col(JobRun.id).desc())
    )
    return list(session.execute(stmt.limit(limit)).scalars())


def last_runs(session: Session) -> dict[str, JobRun]:
    out: dict[str, JobRun] = {}
    for job_id in JOBS:
        rows = history(session, job_id, limit=1)
        if rows:
            out[job_id] = rows[0]
    return out


def last_done_period(session: Session, job_id: str) -> str | None:
    """The newest period that completed (ok or skipped); used to detect runs missed in downtime."""
    stmt = (
        select(col(JobRun.period_key))
        .where(
            col(JobRun.job_id) == job_id,
            col(JobRun.outcome).in_(("ok", "skipped")),
            ~col(JobRun.period_key).contains("/manual-"),
        )
        .order_by(col(JobRun.started_at).desc(), col(JobRun.id).desc())
        .limit(1)
    )
    return session.execute(stmt).scalar()


def _jsonable(data: Any) -> Any:

    return json.loads(json.dumps(data, default=str))
