"""Background work under load, with real processes.

- SQLite (the embedded default) under `socreg serve`: six reports requested at once while ten
  API writers run all end `done`, and no response (writes, report requests, status polls) is a 5xx.
- A worker killed with SIGKILL in the middle of a render (on PostgreSQL, and on SQLite, which
  shares the queue); another worker takes the job over once the lease runs out and completes
  it exactly once.
- No GET writes: the report status read leaves an old stuck report alone; the scheduled expiry
  job is what fails it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import delete, select, update

from assessments.reports import services as reports
from assessments.reports.models import StoredReport
from registry.db import session_scope
from registry.db_types import utcnow
from registry.jobs import queue
from registry.jobs.models import QueuedJob
from registry.jobs.runner import run_job
from tests.conftest import DBHandle, fresh_db
from tests.integration.test_evaluations import actor
from tests.integration.test_reports import _gap_run
from tests.integration.test_serving import _env, _free_port, _serve, _wait_live

ROOT = Path(__file__).resolve().parents[2]
LEAD = {"email": "lead@nwrocu.example", "password": "demo-password-2026"}


def _token(base: str) -> dict[str, str]:
    resp = httpx.post(f"{base}/api/v1/auth/token", json=LEAD, timeout=30)
    assert resp.status_code == 201, resp.text
    return {"Authorization": f"Bearer {resp.json()['token']}"}


def test_six_reports_at_once_with_ten_writers_all_finish_without_a_5xx(
    templates: dict[str, str], tmp_path: Path
) -> None:
    db = fresh_db("sqlite", templates, tmp_path)
    with session_scope(db.engine, write=True) as s:
        assessment_id, _run = _gap_run(s)
    db.engine.dispose()
    port = _free_port()
    proc = _serve(_env(tmp_path, db.url), port, "--workers", "2")
    base = f"http://127.0.0.1:{port}"
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    lock = threading.Lock()

    def note(resp: httpx.Response, what: str) -> None:
        with lock:
            statuses[resp.status_code] += 1
            if resp.status_code >= 500:
                errors.append(f"{what}: {resp.status_code} {resp.text[:200]}")

    try:
        _wait_live(port, proc)
        headers = _token(base)
        stop = threading.Event()

        def writer(n: int) -> None:
            with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
                i = 0
                while not stop.is_set() and i < 40:
                    body = {"code": f"IM-W{n}-{i}", "title": f"Writer {n} item {i}", "capability_code": "INT.NET"}
                    note(http.post("/api/v1/requirements", json=body), "write")
                    i += 1

        writers = [threading.Thread(target=writer, args=(n,)) for n in range(10)]
        for t in writers:
            t.start()
        ids: list[str] = []

        def request_report() -> None:
            body = {"kind": "capability_gap", "source_id": assessment_id, "format": "pdf"}
            resp = httpx.post(f"{base}/api/v1/reports", json=body, headers=headers, timeout=60)
            note(resp, "request")
            if resp.status_code == 202:
                with lock:
                    ids.append(resp.json()["id"])

        requesters = [threading.Thread(target=request_report) for _ in range(6)]
        for t in requesters:
            t.start()
        for t in requesters:
            t.join(90)
        assert len(ids) == 6, (statuses, errors)

        final: dict[str, str] = {}
        deadline = time.monotonic() + 240
        with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
            while time.monotonic() < deadline and len(final) < 6:
                for report_id in ids:
                    if report_id in final:
                        continue
                    resp = http.get(f"/api/v1/reports/{report_id}")  # polled while the writers write
                    note(resp, "poll")
                    if resp.status_code == 200 and resp.json()["status"] in ("done", "failed"):
                        final[report_id] = resp.json()["status"] + (resp.json()["error"] or "")
                time.sleep(0.3)
        stop.set()
        for t in writers:
            t.join(120)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    assert errors == []
    assert final == dict.fromkeys(ids, "done"), final
    assert statuses[201] >= 10 and not [code for code in statuses if code >= 500]


# --- a worker killed mid-render (PostgreSQL) -----------------------------------------------------

SLOW_WORKER = """
import sys, time
from pathlib import Path
from datetime import timedelta
from registry.app import wire
from registry.db import make_engine
from assessments.reports import services
from registry.jobs.worker import run_worker

wire()
marker = Path(sys.argv[2])
real = services.render

def render(report, fmt):  # the render this worker is killed in the middle of
    marker.write_text("rendering")
    time.sleep(600)
    return real(report, fmt)

services.render = render
run_worker(make_engine(sys.argv[1]), lease=timedelta(seconds=2), poll_seconds=0.2)
"""


def _claimed_by(engine: Any, job_id: str) -> QueuedJob | None:
    return queue.get(engine, job_id)


def test_a_worker_killed_mid_render_is_replaced_and_the_job_runs_once(db: DBHandle, tmp_path: Path) -> None:
    """On each backend (the db fixture); on PostgreSQL the claim uses SKIP LOCKED."""
    with session_scope(db.engine, write=True) as s:
        _aid, run = _gap_run(s)
        row = reports.request(s, actor(s, "lead_a"), kind="capability_gap", source_id=run.id, fmt="pdf")
        report_id = row.id
    with session_scope(db.engine) as s:  # the request queued the job in its own transaction
        [job_id] = s.execute(
            select(QueuedJob.id).where(QueuedJob.payload["report_id"].as_string() == report_id)
        ).scalars()
    marker = tmp_path / "rendering"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": db.url, "WORKER_LEASE_SECONDS": "2"}
    slow = subprocess.Popen([sys.executable, "-c", SLOW_WORKER, db.url, str(marker)], env=env, cwd=ROOT)
    other: subprocess.Popen[bytes] | None = None
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not marker.exists():
            assert slow.poll() is None
            time.sleep(0.1)
        assert marker.exists(), "the first worker never started rendering"
        first = _claimed_by(db.engine, job_id)
        assert first is not None and first.status == "running" and first.worker.endswith(f":{slow.pid}")
        with session_scope(db.engine) as s:
            mid = s.get(StoredReport, report_id)
            assert mid is not None and mid.status == "running" and mid.progress == 40

        os.kill(slow.pid, signal.SIGKILL)  # in the middle of the render
        slow.wait(10)
        other = subprocess.Popen([sys.executable, "-m", "registry.cli", "worker"], env=env, cwd=ROOT)
        deadline = time.monotonic() + 120
        done = None
        while time.monotonic() < deadline:
            done = _claimed_by(db.engine, job_id)
            if done is not None and done.status in ("done", "failed"):
                break
            time.sleep(0.3)
        assert done is not None and done.status == "done", done and done.error
        assert done.attempts == 2 and done.worker.endswith(f":{other.pid}")
        time.sleep(3)  # longer than a lease: nobody claims it again
        again = _claimed_by(db.engine, job_id)
        assert again is not None and again.attempts == 2 and again.status == "done"
        with session_scope(db.engine) as s:
            stored = s.get(StoredReport, report_id)
            assert stored is not None and stored.status == "done" and stored.progress == 100
            assert stored.content is not None and stored.content.startswith(b"%PDF")
            assert s.query(QueuedJob).count() == 1
    finally:
        for proc in (slow, other):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait(10)


# --- reads never write ------------------------------------------------------------------------


def test_the_status_read_never_writes_and_the_scheduled_job_expires_lost_reports(
    client: Any, auth: Any, db: Any
) -> None:
    with session_scope(db.engine, write=True) as s:
        _aid, run = _gap_run(s)
        row = reports.request(s, actor(s, "lead_a"), kind="capability_gap", source_id=run.id, fmt="pdf")
        report_id = row.id
        s.execute(delete(QueuedJob))  # its worker is gone with its job (never committed: no race)
    old = utcnow() - reports.STALE_JOB - timedelta(minutes=1)
    with session_scope(db.engine, write=True) as s:  # requested long ago; its worker is gone
        s.execute(update(StoredReport).where(StoredReport.id == report_id).values(created_at=old, status="running"))
    lead = auth("lead_a")
    resp = client.get(f"/api/v1/reports/{report_id}", headers=lead)
    assert resp.status_code == 200 and resp.json()["status"] == "running"  # the GET changed nothing
    assert client.get("/api/v1/reports", headers=lead).json()[0]["status"] == "running"
    with session_scope(db.engine) as s:
        stored = s.get(StoredReport, report_id)
        assert stored is not None and stored.status == "running"
    result = run_job(db.engine, "expire_lost_reports")
    assert result.outcome == "ok" and result.counts == {"expired": 1}
    after = client.get(f"/api/v1/reports/{report_id}", headers=lead).json()
    assert after["status"] == "failed" and after["error"] == reports.LOST_ERROR
