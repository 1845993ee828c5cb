"""The background worker: claims jobs from the queue (`registry/jobs/queue.py`) and runs them.

On PostgreSQL `run_worker` hands over to PgQueuer's queue manager (`registry/jobs/pg_queue.py`),
which picks jobs, heartbeats them and re-picks a dead worker's job; each picked job runs through
the same `queue.execute` as here. On SQLite it claims from the `job_queue` table with a lease.

`socreg worker` runs one in its own process; `socreg serve` starts one next to the web server on
the embedded default (registry/serving.py), so report rendering never competes with the event
loop that serves pages and searches. While a job runs, a heartbeat thread renews its lease; a
worker that dies simply stops renewing and another worker takes the job over.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import timedelta
from types import FrameType

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from registry.jobs import queue
from registry.jobs.queue import DEFAULT_LEASE, Task

log = logging.getLogger(__name__)


def _heartbeat(task: Task, done: threading.Event) -> None:
    interval = max(0.2, task.lease.total_seconds() / 3)
    while not done.wait(interval):
        try:
            if not queue.renew(task):
                log.warning("job %s: lease lost to another worker", task.id)
                return
        except Exception:  # noqa: BLE001 - a missed renewal is retried next beat; logged
            log.exception("job %s: could not renew the lease", task.id)


def run_one(task: Task) -> str:
    """(Table queue.) Run a claimed job to its end, renewing its lease; returns the outcome."""
    done = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(task, done), name=f"lease-{task.id[:8]}", daemon=True)
    beat.start()
    try:
        return queue.execute(task)
    finally:
        done.set()
        beat.join(5)


def run_worker(
    engine: Engine,
    *,
    stop: threading.Event | None = None,
    poll_seconds: float = 0.5,
    lease: timedelta = DEFAULT_LEASE,
    max_jobs: int | None = None,
) -> int:
    """Claim and run jobs until `stop` is set (or `max_jobs` ran); returns how many ran."""
    stop = stop or threading.Event()
    if queue.uses_library(engine):
        from registry.jobs import pg_worker  # imports PgQueuer only where it is used

        return pg_worker.run_worker(engine, stop=stop, poll_seconds=poll_seconds, lease=lease, max_jobs=max_jobs)
    ran = 0
    while not stop.is_set() and (max_jobs is None or ran < max_jobs):
        try:
            task = queue.claim(engine, lease=lease)
        except Exception:  # noqa: BLE001 - database away: logged by the helper, try again later
            stop.wait(max(poll_seconds, 2.0))
            continue
        if task is None:
            stop.wait(poll_seconds)
            continue
        outcome = run_one(task)
        ran += 1
        log.info("job %s (%s) attempt %d: %s", task.id, task.kind, task.attempt, outcome)
    return ran


def stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM/SIGINT: finish the job in hand, then exit (a kill -9 is covered by the lease)."""

    def handle(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


THREAD_NAME = "queue-worker"


def start_in_thread(engine: Engine, *, poll_seconds: float = 0.2) -> Callable[[], None]:
    """A worker thread inside this process (tests and single-process embedding); returns stop()."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_worker,
        args=(engine,),
        kwargs={"stop": stop, "poll_seconds": poll_seconds},
        daemon=True,
        name=THREAD_NAME,
    )
    thread.start()

    def halt() -> None:
        stop.set()
        thread.join(30)

    return halt


class InProcessWorkers:
    """Worker threads inside the web process (tests and single-process embedding), started on
    the first job queued on the app's engine rather than at start-up: an app that queues nothing
    starts no worker and pays nothing to stop one. `socreg serve` runs worker processes instead."""

    def __init__(self, engine: Engine, count: int) -> None:
        self.engine, self.count = engine, count
        self._lock = threading.Lock()
        self._stops: list[Callable[[], None]] = []

    def attach(self) -> None:
        queue.on_enqueue(self.engine, self.start)
        try:
            waiting = queue.has_waiting(self.engine)  # queued before this app started (e.g. a restart)
        except DBAPIError:  # an unmigrated database: nothing can be waiting; the first job wakes us
            log.warning("could not look for waiting jobs at start-up", exc_info=True)
            waiting = False
        if waiting:
            self.start()

    def start(self) -> None:
        with self._lock:
            if not self._stops:
                self._stops = [start_in_thread(self.engine) for _ in range(self.count)]

    def stop(self) -> None:
        queue.on_enqueue(self.engine, None)
        with self._lock:
            stops, self._stops = self._stops, []
        for halt in stops:
            halt()
