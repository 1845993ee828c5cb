"""Background work: one small interface, `enqueue(target, kind, payload)` and a worker
(`registry/jobs/worker.py::run_worker`), with one adapter per database:

- SQLite (the embedded default): the `job_queue` table below (migration 0009);
- PostgreSQL: PgQueuer, a well-kept PostgreSQL job queue (`registry/jobs/pg_queue.py`, its
  schema installed by migration 0012). Why PgQueuer and not Procrastinate: README "Which queue
  on PostgreSQL, and why".

The app never branches on the adapter: it calls `enqueue`, task bodies get a `Task` and call
`task.finish(session)` in the transaction that writes their result.

Delivery on the table queue: a worker claims a job by writing a fresh lease token and
`lease_until`, and renews the lease while it works. If the worker dies (SIGKILL, a lost host) the
lease runs out and another worker claims the job again. On PgQueuer the heartbeat and the re-pick
of a stale job are the library's. Either way `Task.finish(session)` runs in the same transaction
as the result and is fenced on the current owner (the lease token; PgQueuer's queue manager id),
so if a second worker has taken the job over, the first one's result is rolled back: the effect
happens exactly once.

Task bodies live in their domains (e.g. `assessments/reports/jobs.py`); the composition root
(`registry/app.py`, `QUEUE_TASKS`) registers them.
"""

from __future__ import annotations

import logging
import os
import socket
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Select, select, text, update
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.db import in_write_transaction, session_scope
from registry.db_types import rows_affected, utcnow
from registry.jobs.models import QueuedJob

log = logging.getLogger(__name__)

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
    # The PostgreSQL adapter's ownership check (registry/jobs/pg_queue.py); None: the table queue.
    fence: Callable[[Session, str, str | None], None] | None = None
    finished: bool = field(default=False)
    result_status: str = ""  # what finish() recorded: done or failed

    def finish(self, session: Session, *, status: str = "done", error: str | None = None) -> None:
        """Mark the job finished inside the caller's transaction (with the result it wrote).
        Raises LeaseLost, so the caller's transaction rolls back, when another worker owns it."""
        if self.fence is not None:  # PgQueuer records the outcome itself once the body returns
            self.fence(session, status, error)
            self.finished, self.result_status = True, status
            return
        result = session.execute(
            update(QueuedJob)
            .where(col(QueuedJob.id) == self.id, col(QueuedJob.lease_token) == self.token)
            .where(col(QueuedJob.status) == "running")
            .values(status=status, finished_at=utcnow(), lease_until=None, error=(error or None) and error[:MAX_ERROR])
        )
        if rows_affected(result) != 1:
            raise LeaseLost(f"job {self.id} was taken over by another worker")
        self.finished, self.result_status = True, status


TaskFunc = Callable[[Task], None]
TASKS: dict[str, TaskFunc] = {}


def register_task(kind: str, func: TaskFunc) -> None:
    TASKS[kind] = func


# Called when a job is queued on an engine: in-process workers (registry/jobs/worker.py) start
# on the first job instead of polling from the moment the app starts. Keyed by the engine.
_ON_ENQUEUE: dict[int, Callable[[], None]] = {}


def on_enqueue(engine: Engine, wake: Callable[[], None] | None) -> None:
    """Call `wake` whenever a job is queued on `engine` (None: stop calling)."""
    if wake is None:
        _ON_ENQUEUE.pop(id(engine), None)
    else:
        _ON_ENQUEUE[id(engine)] = wake


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


# --- the interface --------------------------------------------------------------------------


def uses_library(target: Engine | Session) -> bool:
    """True when jobs on this database go through PgQueuer (PostgreSQL), False for the table."""
    bind = target.get_bind() if isinstance(target, Session) else target
    return bind.dialect.name == "postgresql"


def enqueue(target: Engine | Session, kind: str, payload: dict[str, Any], *, max_attempts: int = 3) -> str:
    """Queue one job; returns its id. Any worker on the same database will run it.

    Given a session, the job is part of that transaction: it exists exactly when the work it is
    for was committed (a request's report row and its job commit together), on both adapters.
    Given an engine, it is queued in a transaction of its own."""
    if kind not in TASKS:
        raise KeyError(f"no background task {kind!r} is registered")

    def add(session: Session) -> str:
        if uses_library(session):
            from registry.jobs import pg_queue  # imports PgQueuer only where it is used

            return pg_queue.enqueue(session, kind, payload)
        row = QueuedJob(kind=kind, payload=dict(payload), max_attempts=max_attempts)
        session.add(row)
        session.flush()
        return row.id

    bind = target.get_bind() if isinstance(target, Session) else target
    job_id = add(target) if isinstance(target, Session) else in_write_transaction(target, add, what=f"enqueue {kind}")
    wake = _ON_ENQUEUE.get(id(bind))
    if wake is not None:
        wake()
    return job_id


def claim(engine: Engine, *, lease: timedelta = DEFAULT_LEASE, worker: str | None = None) -> Task | None:
    """(Table queue.) The oldest job that is queued, or whose worker's lease ran out; None when there is none."""
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


def execute(task: Task) -> str:
    """Run a claimed or picked job's body and its fenced finish (both adapters); returns done, failed or lost."""
    try:
        func = TASKS.get(task.kind)
        if func is None:
            fail(task, f"No background task named {task.kind!r} is registered in this worker.")
            return "failed"
        func(task)
        if not task.finished:
            in_write_transaction(task.engine, task.finish, what=f"finish job {task.id}")
        return "done"
    except LeaseLost:
        log.warning("job %s: another worker took it over; this result was discarded", task.id)
        return "lost"
    except Exception:  # noqa: BLE001 - recorded on the job, and logged
        log.exception("job %s (%s) failed", task.id, task.kind)
        try:
            fail(task, traceback.format_exc())
        except Exception:  # noqa: BLE001 - already logged by the helper; the lease will expire
            return "lost"
        return "failed"


def has_waiting(engine: Engine) -> bool:
    """Whether any job waits to be run (queued, or running on a lease that ran out)."""
    with session_scope(engine) as session:
        if uses_library(engine):
            from registry.jobs import pg_queue

            return session.execute(text(f"SELECT 1 FROM {pg_queue.QUEUE_TABLE} LIMIT 1")).first() is not None
        return session.execute(_claimable(utcnow()).with_only_columns(col(QueuedJob.id))).first() is not None


def get(engine: Engine, job_id: str) -> QueuedJob | None:
    with session_scope(engine) as session:
        return session.get(QueuedJob, job_id)
