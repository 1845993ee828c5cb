"""The background worker: claims jobs from the queue (`registry/jobs/queue.py`) and runs them.

`socreg worker` runs one in its own process; `socreg serve` starts one next to the web server on
the embedded default (registry/serving.py), so report rendering never competes with the event
loop that serves pages and searches. While a job runs, a heartbeat thread renews its lease; a
worker that dies simply stops renewing and another worker takes the job over.
"""

from __future__ import annotations

import logging
import signal
import threading
import traceback
from collections.abc import Callable
from datetime import timedelta
from types import FrameType

from sqlalchemy import Engine

from registry.db import in_write_transaction
from registry.jobs import queue
from registry.jobs.queue import DEFAULT_LEASE, TASKS, LeaseLost, Task

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
    """Run a claimed job to its end; returns the outcome (done, failed, lost)."""
    done = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(task, done), name=f"lease-{task.id[:8]}", daemon=True)
    beat.start()
    try:
        func = TASKS.get(task.kind)
        if func is None:
            queue.fail(task, f"No background task named {task.kind!r} is registered in this worker.")
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
            queue.fail(task, traceback.format_exc())
        except Exception:  # noqa: BLE001 - already logged by the helper; the lease will expire
            return "lost"
        return "failed"
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


def start_in_thread(engine: Engine, *, poll_seconds: float = 0.2) -> Callable[[], None]:
    """A worker thread inside this process (tests and single-process embedding); returns stop()."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_worker, args=(engine,), kwargs={"stop": stop, "poll_seconds": poll_seconds}, daemon=True
    )
    thread.start()

    def halt() -> None:
        stop.set()
        thread.join(30)

    return halt
