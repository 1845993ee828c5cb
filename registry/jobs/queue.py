"""Background work: one small interface, `enqueue(engine, kind, payload)` and a worker
(`registry/jobs/worker.py::run_worker`), over the job queue table `job_queue`.

Why a table and not a library on PostgreSQL: see README "Background workers". In short, the
table works on the embedded SQLite default and on PostgreSQL with one code path; on
PostgreSQL the claim adds `FOR UPDATE SKIP LOCKED`, so many workers on many hosts claim
different jobs without waiting on each other.

Delivery: a worker claims a job by writing a fresh lease token and `lease_until`, and renews the
lease while it works. If the worker dies (SIGKILL, a lost host) the lease runs out and another
worker claims the job again. The task's finishing write calls `Task.finish(session)` in the same
transaction as its result; that update is fenced on the lease token, so if a second worker has
taken the job over, the first one's result is rolled back: the effect happens exactly once.

Task bodies live in their domains (e.g. `assessments/reports/jobs.py`); the composition root
(`registry/app.py`, `QUEUE_TASKS`) registers them.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Select, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.db import in_write_transaction, session_scope
from registry.db_types import rows_affected, utcnow
from registry.jobs.models import QueuedJob

DEFAULT_LEASE = timedelta(seconds=30)
MAX_ERROR = 8000


class LeaseLost(Exception):
    """This worker no longer owns the job (its lease ran out and another worker claimed it)."""


@dataclass
class Task:
    """A claimed job, as its body sees it."""

    engine: Engine
    id: str
    kind: str
    payload: dict[str, Any]
    attempt: int
    token: str
    lease: timedelta = DEFAULT_LEASE
    finished: bool = field(default=False)

    def finish(self, session: Session, *, status: str = "done", error: str | None = None) -> None:
        """Mark the job finished inside the caller's transaction (with the result it wrote).
        Raises LeaseLost, so the caller's transaction rolls back, when another worker owns it."""
        result = session.execute(
            update(QueuedJob)
            .where(col(QueuedJob.id) == self.id, col(QueuedJob.lease_token) == self.token)
            .where(col(QueuedJob.status) == "running")
            .values(status=status, finished_at=utcnow(), lease_until=None, error=(error or None) and error[:MAX_ERROR])
        )
        if rows_affected(result) != 1:
            raise LeaseLost(f"job {self.id} was taken over by another worker")
        self.finished = True


TaskFunc = Callable[[Task], None]
TASKS: dict[str, TaskFunc] = {}


def register_task(kind: str, func: TaskFunc) -> None:
    TASKS[kind] = func


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


# --- the interface --------------------------------------------------------------------------


def enqueue(target: Engine | Session, kind: str, payload: dict[str, Any], *, max_attempts: int = 3) -> str:
    """Queue one job; returns its id. Any worker on the same database will run it.

    Given a session, the job is part of that transaction: it exists exactly when the work it is
    for was committed (a request's report row and its job commit together). Given an engine, it
    is queued in a transaction of its own."""
    if kind not in TASKS:
        raise KeyError(f"no background task {kind!r} is registered")

    def add(session: Session) -> str:
        row = QueuedJob(kind=kind, payload=dict(payload), max_attempts=max_attempts)
        session.add(row)
        session.flush()
        return row.id

    if isinstance(target, Session):
        return add(target)
    return in_write_transaction(target, add, what=f"enqueue {kind}")


def claim(engine: Engine, *, lease: timedelta = DEFAULT_LEASE, worker: str | None = None) -> Task | None:
    """The oldest job that is queued, or whose worker's lease ran out; None when there is none."""
    name = worker or worker_name()
    with session_scope(engine) as session:  # a cheap read first: idle polls take no write lock
        if session.execute(_claimable(utcnow()).with_only_columns(col(QueuedJob.id))).first() is None:
            return None

    def take(session: Session) -> Task | None:
        now = utcnow()
        _give_up_on_poison(session, now)
        stmt = _claimable(now)
        if engine.dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)  # SQLite: BEGIN IMMEDIATE already serialises
        row = session.execute(stmt).scalar_one_or_none()
        if row is None:
            return None
        token = uuid.uuid4().hex
        row.status, row.lease_token, row.lease_until = "running", token, now + lease
        row.attempts, row.worker, row.started_at = row.attempts + 1, name, now
        session.add(row)
        session.flush()
        return Task(engine, row.id, row.kind, dict(row.payload), row.attempts, token, lease)

    return in_write_transaction(engine, take, what="claim a job")


def _claimable(now: datetime) -> Select[QueuedJob]:
    return (
        select(QueuedJob)
        .where(
            (col(QueuedJob.status) == "queued")
            | ((col(QueuedJob.status) == "running") & (col(QueuedJob.lease_until) < now))
        )
        .order_by(col(QueuedJob.created_at), col(QueuedJob.id))
        .limit(1)
    )


def _give_up_on_poison(session: Session, now: datetime) -> None:
    """A job whose worker died on every attempt is failed, not claimed forever."""
    session.execute(
        update(QueuedJob)
        .where(col(QueuedJob.status) == "running", col(QueuedJob.lease_until) < now)
        .where(col(QueuedJob.attempts) >= col(QueuedJob.max_attempts))
        .values(status="failed", finished_at=now, lease_until=None, error="The worker stopped on every attempt.")
    )


def renew(task: Task) -> bool:
    """Extend the lease; False when the job is no longer ours."""

    def extend(session: Session) -> bool:
        result = session.execute(
            update(QueuedJob)
            .where(col(QueuedJob.id) == task.id, col(QueuedJob.lease_token) == task.token)
            .where(col(QueuedJob.status) == "running")
            .values(lease_until=utcnow() + task.lease)
        )
        return rows_affected(result) == 1

    return in_write_transaction(task.engine, extend, what=f"renew the lease of job {task.id}")


def fail(task: Task, error: str) -> None:
    """Record a failure (retried, and logged if it cannot be written: the lease then expires and
    the job is tried again, so a failure is never lost silently)."""
    in_write_transaction(
        task.engine, lambda session: task.finish(session, status="failed", error=error), what=f"fail job {task.id}"
    )


def get(engine: Engine, job_id: str) -> QueuedJob | None:
    with session_scope(engine) as session:
        return session.get(QueuedJob, job_id)
