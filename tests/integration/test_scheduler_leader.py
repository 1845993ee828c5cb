"""Leader election between real scheduler processes (PostgreSQL advisory lock; SQLite file lock):
exactly one leads, a standby takes over within the poll interval when the leader is killed, and
killing a leader in the middle of a job loses nothing and never runs a period twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from registry.db import session_scope
from registry.jobs.models import JobRun
from registry.jobs.runner import LONDON
from registry.jobs.scheduler import LOCK_KEY
from registry.settings import ROOT

POLL = 0.5  # seconds between standby polls in these tests
TAKEOVER_MARGIN = 4.0  # process scheduling and connection teardown on a busy 2-core machine

PROBE = r"""
import os, sys, time
from pathlib import Path
from registry.jobs import runner as jobs
from registry.jobs import scheduler
from registry.db import make_engine

marker = Path(os.environ["PROBE_MARKER"])

def probe(ctx):
    with marker.open("a") as fh:
        fh.write(f"start {os.getpid()}\n")
    time.sleep(float(os.environ.get("PROBE_SLEEP", "0")))
    return {"pid": os.getpid()}

jobs.JOBS.clear()
jobs.register(jobs.JobDef("probe", "Probe", "test job", probe, hour=0, minute=0))

def announce(leader):
    print(("leader " if leader else "standby ") + str(os.getpid()), flush=True)

runner = scheduler.SchedulerRunner(make_engine(os.environ["DATABASE_URL"]), poll_interval=float(os.environ["POLL"]),
                                   on_change=announce)
runner.run_forever()
"""


class Proc:
    """A scheduler subprocess whose stdout lines are collected by a thread."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.popen = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.append(line.strip())

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def is_leader(self) -> bool:
        states = [
            ln for ln in self.lines if ln.startswith(("leader", "standby", "scheduler: leader", "scheduler: standby"))
        ]
        return bool(states) and "leader" in states[-1] and self.popen.poll() is None

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait(10)


@pytest.fixture
def spawn(db: Any, tmp_path: Path) -> Iterator[Callable[..., Proc]]:
    procs: list[Proc] = []

    def start(*, probe: bool = False, **extra_env: str) -> Proc:
        env = {
            **os.environ,
            "DATABASE_URL": db.url,
            "VAR_DIR": str(tmp_path),
            "SECRET_KEY": "leader-test-secret",
            "PYTHONPATH": str(ROOT),
            "POLL": str(POLL),
            "SCHEDULER_POLL_SECONDS": str(POLL),
            **extra_env,
        }
        if probe:
            args = [sys.executable, "-c", PROBE]
        else:
            args = [sys.executable, "-m", "registry.cli", "scheduler", "--poll-interval", str(POLL)]
        proc = Proc(args, env)
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        proc.kill()


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if check():
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _advisory_holders(db: Any) -> int:
    with db.engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = :k "
                    "AND objsubid = 1 AND granted AND database = (SELECT oid FROM pg_database "
                    "WHERE datname = current_database())"
                ),
                {"k": LOCK_KEY},
            ).scalar_one()
        )


def test_one_leader_and_a_standby_takes_over_when_it_dies(db: Any, spawn: Callable[..., Proc]) -> None:
    a, b = spawn(), spawn()
    wait_for(lambda: a.is_leader or b.is_leader, 20, "a leader")
    time.sleep(POLL * 3)  # several polls later the standby still has not taken over
    assert [a.is_leader, b.is_leader].count(True) == 1, (a.lines, b.lines)
    if db.backend == "postgres":
        assert _advisory_holders(db) == 1
    leader, standby = (a, b) if a.is_leader else (b, a)

    leader.kill()
    took = wait_for(lambda: standby.is_leader, POLL + TAKEOVER_MARGIN, "the standby to take over")
    print(f"takeover after {took:.2f}s ({db.backend})")
    assert took <= POLL + TAKEOVER_MARGIN
    assert f"scheduler: leader pid={standby.pid}" in standby.lines
    if db.backend == "postgres":
        assert _advisory_holders(db) == 1


def _probe_runs(db: Any) -> list[JobRun]:
    with session_scope(db.engine) as session:
        return list(session.execute(select(JobRun).where(JobRun.job_id == "probe")).scalars())


def test_killing_the_leader_mid_run_loses_nothing_and_never_double_runs(
    db: Any, spawn: Callable[..., Proc], tmp_path: Path
) -> None:
    marker = tmp_path / "probe.log"
    env = {"PROBE_MARKER": str(marker)}
    today = datetime.now(UTC).astimezone(LONDON).date().isoformat()

    # The first leader catches up the probe job (its 00:00 fire time has passed) and is killed in it.
    first = spawn(probe=True, PROBE_SLEEP="60", **env)
    wait_for(lambda: marker.exists() and f"start {first.pid}" in marker.read_text(), 20, "the probe to start")
    first.kill()
    assert _probe_runs(db) == []  # the killed run committed nothing, so the period is still open

    # The next leader runs the period once.
    second = spawn(probe=True, PROBE_SLEEP="0", **env)
    wait_for(lambda: any(r.outcome == "ok" for r in _probe_runs(db)), 20, "the probe to complete")
    [run] = _probe_runs(db)
    assert (run.period_key, run.outcome, run.attempts) == (today, "ok", 1)

    # A restart (new leader after the old one dies) finds the period done and does not rerun it.
    third = spawn(probe=True, PROBE_SLEEP="0", **env)
    time.sleep(POLL * 2)
    assert not third.is_leader  # a standby while the second process lives
    second.kill()
    wait_for(lambda: third.is_leader, POLL + TAKEOVER_MARGIN, "the third process to lead")
    time.sleep(POLL * 4)
    assert len(_probe_runs(db)) == 1
    starts = [ln for ln in marker.read_text().splitlines() if ln.startswith("start")]
    assert starts == [f"start {first.pid}", f"start {second.pid}"]


def test_an_app_with_the_scheduler_starts_and_shuts_down_cleanly(db: Any, tmp_path: Path) -> None:
    """Litestar hands the app to a shutdown hook that takes a parameter; the scheduler's stop(timeout)
    once received it as its timeout and the shutdown raised a TypeError."""
    from dataclasses import replace

    from litestar.testing import TestClient

    from registry.app import create_app
    from tests.conftest import make_settings

    settings = replace(make_settings(db.url, tmp_path), scheduler=True, scheduler_poll_seconds=0.2)
    with TestClient(app=create_app(settings, engine=db.engine)) as client:
        assert client.get("/health/live").status_code == 200
    # Leaving the block ran every shutdown hook; reaching here means none raised.
