"""The PostgreSQL adapter's worker: PgQueuer's asyncio `QueueManager`, each picked job run in a
thread through the same `queue.execute` as the table queue (task bodies are synchronous and
CPU-bound). See `registry/jobs/pg_queue.py` for how re-pick and the fenced finish fit together.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from datetime import timedelta
from typing import Any

from pgqueuer.adapters.drivers.psycopg import PsycopgDriver
from pgqueuer.adapters.persistence.qb import QueryBuilderEnvironment, QueryQueueBuilder, QuerySchedulerBuilder
from pgqueuer.adapters.persistence.queries import Queries
from pgqueuer.core.qm import QueueManager
from pgqueuer.domain.models import Job
from pgqueuer.domain.types import Channel
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from registry.db import session_scope
from registry.jobs import queue
from registry.jobs.pg_queue import LOG_TABLE, QUEUE_TABLE, SETTINGS
from registry.jobs.queue import DEFAULT_LEASE, TASKS, LeaseLost, Task

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # picks of one job before it is given up as poison (a worker died every time)


class JobFailed(Exception):
    """Raised to PgQueuer so it logs the job as `exception` (the failure is already recorded)."""


def _attempt(engine: Engine, job_id: int) -> int:
    """How many times the job was picked, this time included (PgQueuer logs every pick)."""
    with session_scope(engine) as session:
        stmt = text(f"SELECT count(*) FROM {LOG_TABLE} WHERE job_id = :id AND status = 'picked'")  # noqa: S608
        return int(session.execute(stmt, {"id": job_id}).scalar_one())


def _fence(job_id: int, owner: str) -> Any:
    def check(session: Session, _status: str, _error: str | None) -> None:
        stmt = text(
            f"SELECT 1 FROM {QUEUE_TABLE} WHERE id = :id AND queue_manager_id = CAST(:owner AS uuid) "  # noqa: S608
            "AND status = 'picked' FOR UPDATE"
        )
        if session.execute(stmt, {"id": job_id, "owner": owner}).first() is None:
            raise LeaseLost(f"job {job_id} was taken over by another worker")

    return check


def _run_picked(engine: Engine, owner: str, job: Job, lease: timedelta) -> None:
    """One picked job, in a worker thread (task bodies are synchronous and CPU-bound)."""
    attempt = _attempt(engine, int(job.id))
    payload = json.loads(job.payload or b"{}")
    task = Task(engine, str(job.id), job.entrypoint, payload, attempt, owner, lease, fence=_fence(int(job.id), owner))
    if attempt > MAX_ATTEMPTS:
        raise JobFailed(f"job {job.id} ({job.entrypoint}): the worker stopped on every one of {MAX_ATTEMPTS} attempts")
    outcome = queue.execute(task)
    log.info("job %s (%s) attempt %d: %s", job.id, job.entrypoint, attempt, outcome)
    if outcome == "failed" or task.result_status == "failed":
        raise JobFailed(f"job {job.id} ({job.entrypoint}) failed; its error is recorded and logged")


def _conninfo(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


# The longest a worker waits for a NOTIFY before polling again, and so the longest a stop takes.
DEQUEUE_WAIT = timedelta(seconds=1)


async def _run(engine: Engine, stop: threading.Event, lease: timedelta, poll: float, max_jobs: int | None) -> int:
    import psycopg

    ran = 0
    async with await psycopg.AsyncConnection.connect(_conninfo(engine), autocommit=True) as conn:
        queries = Queries(
            PsycopgDriver(conn),
            qbe=QueryBuilderEnvironment(settings=SETTINGS),
            qbq=QueryQueueBuilder(settings=SETTINGS),
            qbs=QuerySchedulerBuilder(settings=SETTINGS),
        )
        manager = QueueManager(queries, channel=Channel(SETTINGS.channel))
        owner = str(manager.queue_manager_id)

        def entry_for(kind: str) -> Any:
            async def entry(job: Job) -> None:
                nonlocal ran
                try:
                    await asyncio.to_thread(_run_picked, engine, owner, job, lease)
                finally:
                    ran += 1
                    if max_jobs is not None and ran >= max_jobs:
                        manager.shutdown.set()

            entry.__name__ = f"run_{kind}"
            return entry

        for kind in sorted(TASKS):
            manager.entrypoint(kind)(entry_for(kind))

        async def watch_stop() -> None:
            while not stop.is_set() and not manager.shutdown.is_set():
                await asyncio.sleep(poll)
            manager.shutdown.set()

        watcher = asyncio.create_task(watch_stop())
        try:
            # One job at a time per batch; PgQueuer's floor for the per-worker cap is twice that.
            # A stale job gets no NOTIFY, so the dequeue also polls; the manager sees its shutdown
            # only between waits, so the wait is short (a stop takes at most that long).
            await manager.run(
                batch_size=1,
                max_concurrent_tasks=2,
                heartbeat_timeout=lease,
                dequeue_timeout=min(lease / 2, DEQUEUE_WAIT),
            )
        finally:
            manager.shutdown.set()
            await watcher
    return ran


def run_worker(
    engine: Engine,
    *,
    stop: threading.Event,
    poll_seconds: float = 0.5,
    lease: timedelta = DEFAULT_LEASE,
    max_jobs: int | None = None,
) -> int:
    """PgQueuer's queue manager until `stop` is set (or `max_jobs` ran); returns how many ran."""
    while not stop.is_set():
        try:
            return asyncio.run(_run(engine, stop, lease, poll_seconds, max_jobs))
        except Exception:  # noqa: BLE001 - database away: logged, then tried again
            log.exception("the PostgreSQL queue worker stopped; starting again")
            stop.wait(max(poll_seconds, 2.0))
    return 0
