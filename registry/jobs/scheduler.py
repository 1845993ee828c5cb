"""One APScheduler 3.x scheduler per database, chosen by leader election.

APScheduler's FAQ is clear that several schedulers sharing one job store double-run or miss
jobs, so every process (web workers, `socreg scheduler`) runs a SchedulerRunner, and only the
process that wins the election starts a BackgroundScheduler:
- PostgreSQL: pg_try_advisory_lock(LOCK_KEY) on a dedicated connection held for the process
  lifetime. If the leader dies its connection closes, the lock is released, and a standby
  (polling every `poll_interval` seconds) takes over.
- SQLite: one process by design; an exclusive flock on a file next to the database.
On becoming leader the runner re-registers the jobs (explicit ids, replace_existing=True,
importable function, paused jobs stay paused) and runs straight away any job whose fire time in
the current period passed while no scheduler was up (downtime catch-up; the JobRun unique key
makes that safe even if the old leader had already done it).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from registry.db import session_scope
from registry.jobs import periods
from registry.jobs.runner import JOBS, LONDON, JobDef, configure, last_done_period, local_now

log = logging.getLogger(__name__)

LOCK_KEY = 508_7311  # arbitrary, fixed: "the SOC registry scheduler" advisory lock id (< 2**31)
JOB_FUNC = "registry.jobs.runner:run_scheduled"  # by reference, so pickled jobs survive restarts
JOBSTORE_TABLE = "apscheduler_jobs"
JOB_DEFAULTS = {"coalesce": True, "misfire_grace_time": 3600, "max_instances": 1}
DEFAULT_POLL_SECONDS = 5.0


class Election(Protocol):
    def try_acquire(self) -> bool: ...
    def held(self) -> bool: ...
    def release(self) -> None: ...


class PgAdvisoryElection:
    """Session-level advisory lock on a connection of its own (NullPool, so closing it really
    closes it and a dead connection is never handed back)."""

    def __init__(self, engine: Engine, key: int = LOCK_KEY) -> None:
        self._engine = create_engine(engine.url.render_as_string(hide_password=False), poolclass=NullPool)
        self.key = key
        self._conn: Any = None

    def _connection(self) -> Any:
        if self._conn is None:
            self._conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._conn

    def try_acquire(self) -> bool:
        try:
            conn = self._connection()
            return bool(conn.execute(text("SELECT pg_try_advisory_lock(CAST(:k AS bigint))"), {"k": self.key}).scalar())
        except Exception:  # noqa: BLE001 - database down: stay a standby and retry next poll
            log.warning("leader election: database not reachable", exc_info=True)
            self._drop()
            return False

    def held(self) -> bool:
        try:
            return bool(
                self._connection()
                .execute(
                    text(
                        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
                        "AND classid = 0 AND objid = :k AND objsubid = 1 AND granted)"
                    ),
                    {"k": self.key},
                )
                .scalar()
            )
        except Exception:  # noqa: BLE001 - connection gone means the lock is gone
            self._drop()
            return False

    def release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.execute(text("SELECT pg_advisory_unlock(CAST(:k AS bigint))"), {"k": self.key})
        self._drop()

    def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
        self._conn = None


class FileLockElection:
    """An exclusive, non-blocking flock; the OS drops it when the process dies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return True

    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def lock_path_for(engine: Engine) -> Path:
    """The SQLite lock file sits next to the database, so each database has its own leader."""
    database = engine.url.database
    if database and database != ":memory:":
        return Path(database).with_name(Path(database).name + ".scheduler.lock")
    from registry.settings import _var_dir

    return _var_dir() / "scheduler.lock"


def election_for(engine: Engine) -> Election:
    if engine.dialect.name == "postgresql":
        return PgAdvisoryElection(engine)
    return FileLockElection(lock_path_for(engine))


# --- APScheduler set-up ---------------------------------------------------------------------


def trigger_for(job: JobDef) -> CronTrigger:
    if job.period == "hourly":
        return CronTrigger(minute=job.minute, timezone=LONDON)
    return CronTrigger(hour=job.hour, minute=job.minute, timezone=LONDON)


def build_scheduler(engine: Engine) -> BackgroundScheduler:
    return BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBSTORE_TABLE)},
        executors={"default": ThreadPoolExecutor(1)},  # jobs one at a time: no write contention
        job_defaults=dict(JOB_DEFAULTS),
        timezone=LONDON,
    )


def ensure_jobs(scheduler: BackgroundScheduler, *, replace: bool = True) -> None:
    """Register every job under its explicit id. A paused job stays paused across restarts."""
    for job in JOBS.values():
        existing = scheduler.get_job(job.id)
        if existing is not None and not replace:
            continue
        extra: dict[str, Any] = {}
        if existing is not None and existing.next_run_time is None:
            extra["next_run_time"] = None
        scheduler.add_job(
            JOB_FUNC, trigger=trigger_for(job), args=[job.id], id=job.id, name=job.title, replace_existing=True, **extra
        )


def catch_up(scheduler: BackgroundScheduler, engine: Engine, now: datetime | None = None) -> list[str]:
    """Run now each unpaused job whose fire time this period passed with no completed run."""
    local = local_now(now)
    due: list[str] = []
    with session_scope(engine) as session:
        for job in JOBS.values():
            stored = scheduler.get_job(job.id)
            if stored is None or stored.next_run_time is None:
                continue
            if periods.missed(job.period, job.hour, job.minute, local, last_done_period(session, job.id)):
                due.append(job.id)
    for job_id in due:
        scheduler.modify_job(job_id, next_run_time=local)
    return due


# --- the runner -----------------------------------------------------------------------------


class SchedulerRunner:
    """Campaigns for leadership every poll_interval seconds; the leader runs the scheduler."""

    def __init__(
        self,
        engine: Engine,
        *,
        smtp_url: str | None = None,
        poll_interval: float = DEFAULT_POLL_SECONDS,
        election: Election | None = None,
        on_change: Callable[[bool], None] | None = None,
    ) -> None:
        self.engine = engine
        self.smtp_url = smtp_url
        self.poll_interval = poll_interval
        self.election = election or election_for(engine)
        self.on_change = on_change
        self.scheduler: BackgroundScheduler | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def is_leader(self) -> bool:
        return self.scheduler is not None

    def start(self) -> None:
        """In a daemon thread (the web app's startup hook)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self.run_forever, name="socreg-scheduler", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        else:
            self._demote()

    def run_forever(self) -> None:
        try:
            while not self._stop.is_set():
                self.tick()
                self._stop.wait(self.poll_interval)
        finally:
            self._demote()

    def tick(self) -> None:
        try:
            if self.scheduler is None:
                if self.election.try_acquire():
                    self._promote()
            elif not self.election.held():
                log.warning("scheduler lost leadership")
                self._demote()
            else:
                self.scheduler.wakeup()  # notice pause/resume/run changes other processes made
        except Exception:  # noqa: BLE001 - the loop must survive anything and try again
            log.exception("scheduler loop error")
            self._demote()

    def _promote(self) -> None:
        configure(self.engine, self.smtp_url)
        scheduler = build_scheduler(self.engine)
        scheduler.start(paused=True)
        try:
            ensure_jobs(scheduler)
            caught = catch_up(scheduler, self.engine)
            scheduler.resume()
        except Exception:
            scheduler.shutdown(wait=False)
            raise
        self.scheduler = scheduler
        log.info("scheduler: leader (pid %s); catching up %s", os.getpid(), caught or "nothing")
        if self.on_change:
            self.on_change(True)

    def _demote(self) -> None:
        was_leader = self.scheduler is not None
        if self.scheduler is not None:
            try:
                self.scheduler.shutdown(wait=False)
            except Exception:  # noqa: BLE001
                log.exception("scheduler shutdown failed")
            self.scheduler = None
        self.election.release()
        if was_leader and self.on_change:
            self.on_change(False)


def app_hooks(
    engine: Engine, smtp_url: str | None, poll_interval: float = DEFAULT_POLL_SECONDS
) -> tuple[Callable[[], None], Callable[[], None]]:
    """(on_startup, on_shutdown) for the web app: every worker campaigns, one leads."""
    runner = SchedulerRunner(engine, smtp_url=smtp_url, poll_interval=poll_interval)
    # Litestar passes the app to a hook that takes a parameter; stop(timeout) must not get it.
    return runner.start, lambda: runner.stop()


# --- admin operations (from any process, through the shared job store) -----------------------


@contextmanager
def job_store(engine: Engine) -> Iterator[BackgroundScheduler]:
    """A paused scheduler on the shared store: reads and edits jobs but never runs them."""
    scheduler = build_scheduler(engine)
    scheduler.start(paused=True)
    try:
        ensure_jobs(scheduler, replace=False)  # first visit before any leader ran: register them
        yield scheduler
    finally:
        scheduler.shutdown(wait=False)


@dataclass(frozen=True)
class ScheduleState:
    job_id: str
    next_run_time: datetime | None
    paused: bool


def schedule_states(engine: Engine) -> dict[str, ScheduleState]:
    with job_store(engine) as scheduler:
        return {j.id: ScheduleState(j.id, j.next_run_time, j.next_run_time is None) for j in scheduler.get_jobs()}


def pause(engine: Engine, job_id: str) -> ScheduleState:
    with job_store(engine) as scheduler:
        job = scheduler.pause_job(job_id)
        return ScheduleState(job.id, None, True)


def resume(engine: Engine, job_id: str) -> ScheduleState:
    with job_store(engine) as scheduler:
        job = scheduler.resume_job(job_id)
        nxt = job.next_run_time if job is not None else None
        return ScheduleState(job_id, nxt, nxt is None)


def leader_status(engine: Engine) -> str:
    """Whether some process currently leads: "running", "not running" (or "unknown")."""
    try:
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                held = conn.execute(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = :k "
                        "AND objsubid = 1 AND granted AND database = (SELECT oid FROM pg_database "
                        "WHERE datname = current_database())"
                    ),
                    {"k": LOCK_KEY},
                ).scalar()
            return "running" if held else "not running"
        probe = FileLockElection(lock_path_for(engine))
        if probe.try_acquire():
            probe.release()
            return "not running"
        return "running"
    except Exception:  # noqa: BLE001
        log.warning("could not read the scheduler status", exc_info=True)
        return "unknown"
