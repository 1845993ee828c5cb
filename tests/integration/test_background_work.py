"""Background work under load, with real processes.

- SQLite (the embedded default) under `socreg serve`: six reports requested at once while ten
  API writers run all end `done`, and no response (writes, report requests, status polls) is a 5xx.
- A worker killed with SIGKILL in the middle of a render, on each backend: on SQLite through the
  `job_queue` table and its lease, on PostgreSQL through PgQueuer (its heartbeat goes stale and
  another worker re-picks the job); either way it completes exactly once.
- On PostgreSQL a requested report's job is in PgQueuer's table, committed with the request
  (and gone with it when the request rolls back), and never in `job_queue`.
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
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select, text, update

from assessments.reports import services as reports
from assessments.reports.models import StoredReport
from registry.db import session_scope
from registry.db_types import utcnow
from registry.jobs import pg_queue, queue
from registry.jobs.models import QueuedJob
from registry.jobs.runner import run_job
from tests.conftest import PG_URL, DBHandle, drop_db, fresh_db
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


def _library_job(engine: Any, report_id: str) -> int | None:
    """PgQueuer's job for a report (None once it has finished)."""
    with session_scope(engine) as s:
        return s.execute(
            text(
                f"SELECT id FROM {pg_queue.QUEUE_TABLE} "  # noqa: S608 - our constant
                "WHERE convert_from(payload, 'UTF8')::jsonb ->> 'report_id' = :rid"
            ),
            {"rid": report_id},
        ).scalar_one_or_none()


def _library_log(engine: Any, job_id: int) -> Counter[str]:
    with session_scope(engine) as s:
        rows = s.execute(
            text(f"SELECT status::text FROM {pg_queue.LOG_TABLE} WHERE job_id = :id"),  # noqa: S608
            {"id": job_id},
        ).scalars()
        return Counter(rows)


def _start_slow_worker(db: DBHandle, tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path, dict[str, str]]:
    marker = tmp_path / "rendering"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": db.url, "WORKER_LEASE_SECONDS": "2"}
    slow = subprocess.Popen([sys.executable, "-c", SLOW_WORKER, db.url, str(marker)], env=env, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not marker.exists():
        assert slow.poll() is None
        time.sleep(0.1)
    assert marker.exists(), "the first worker never started rendering"
    return slow, marker, env


def _report_rendered_once(db: DBHandle, report_id: str) -> None:
    with session_scope(db.engine) as s:
        stored = s.get(StoredReport, report_id)
        assert stored is not None and stored.status == "done" and stored.progress == 100
        assert stored.content is not None and stored.content.startswith(b"%PDF")


def test_a_worker_killed_mid_render_is_replaced_and_the_job_runs_once(db: DBHandle, tmp_path: Path) -> None:
    """On each backend (the db fixture): SQLite's table queue, PostgreSQL's PgQueuer."""
    with session_scope(db.engine, write=True) as s:
        _aid, run = _gap_run(s)
        row = reports.request(s, actor(s, "lead_a"), kind="capability_gap", source_id=run.id, fmt="pdf")
        report_id = row.id
    if db.backend == "postgres":
        _killed_mid_render_on_pgqueuer(db, tmp_path, report_id)
        return
    with session_scope(db.engine) as s:  # the request queued the job in its own transaction
        [job_id] = s.execute(
            select(QueuedJob.id).where(QueuedJob.payload["report_id"].as_string() == report_id)
        ).scalars()
    slow, _marker, env = _start_slow_worker(db, tmp_path)
    other: subprocess.Popen[bytes] | None = None
    try:
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
        _report_rendered_once(db, report_id)
        with session_scope(db.engine) as s:
            assert s.query(QueuedJob).count() == 1
    finally:
        for proc in (slow, other):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait(10)


def _killed_mid_render_on_pgqueuer(db: DBHandle, tmp_path: Path, report_id: str) -> None:
    job_id = _library_job(db.engine, report_id)
    assert job_id is not None
    slow, _marker, env = _start_slow_worker(db, tmp_path)
    other: subprocess.Popen[bytes] | None = None
    try:
        first = pg_queue.job_row(db.engine, str(job_id))
        assert first is not None and first["status"] == "picked" and first["queue_manager_id"] is not None
        with session_scope(db.engine) as s:
            mid = s.get(StoredReport, report_id)
            assert mid is not None and mid.status == "running" and mid.progress == 40

        os.kill(slow.pid, signal.SIGKILL)  # in the middle of the render; its heartbeat stops
        slow.wait(10)
        other = subprocess.Popen([sys.executable, "-m", "registry.cli", "worker"], env=env, cwd=ROOT)
        owners = {first["queue_manager_id"]}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            current = pg_queue.job_row(db.engine, str(job_id))
            if current is None:  # PgQueuer moves a finished job to its log
                break
            if current["queue_manager_id"] is not None:
                owners.add(current["queue_manager_id"])
            time.sleep(0.1)
        assert pg_queue.job_row(db.engine, str(job_id)) is None, "the job never finished"
        _report_rendered_once(db, report_id)
        log = _library_log(db.engine, job_id)
        # Picked by the killed worker, re-picked once its heartbeat went stale, finished once.
        assert log == Counter({"queued": 1, "picked": 2, "successful": 1}), log
        assert len(owners) <= 2
        time.sleep(3)  # longer than a heartbeat timeout: nobody picks it again
        assert _library_log(db.engine, job_id) == log
        assert other.poll() is None  # the second worker is alive and idle
        with session_scope(db.engine) as s:
            assert s.query(QueuedJob).count() == 0  # the table queue is SQLite's alone
    finally:
        for proc in (slow, other):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait(10)


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="PgQueuer is the PostgreSQL adapter; needs TEST_POSTGRES_URL")
def test_on_postgresql_a_report_job_is_queued_in_pgqueuer_with_its_request(
    templates: dict[str, str], tmp_path: Path
) -> None:
    db = fresh_db("postgres", templates, tmp_path)
    try:
        _queued_in_pgqueuer(db)
    finally:
        drop_db(db)


def _queued_in_pgqueuer(db: DBHandle) -> None:
    with session_scope(db.engine, write=True) as s:
        _aid, run = _gap_run(s)
    with session_scope(db.engine, write=True) as s:
        row = reports.request(s, actor(s, "lead_a"), kind="capability_gap", source_id=run.id, fmt="pdf")
        report_id = row.id
        inside = s.execute(
            text(f"SELECT entrypoint, status::text FROM {pg_queue.QUEUE_TABLE}")  # noqa: S608
        ).all()
        assert [tuple(r) for r in inside] == [(reports.RENDER_TASK, "queued")]  # same transaction
    job_id = _library_job(db.engine, report_id)
    assert job_id is not None
    found = pg_queue.job_row(db.engine, str(job_id))
    assert found is not None and found["entrypoint"] == reports.RENDER_TASK and found["status"] == "queued"
    with session_scope(db.engine) as s:
        assert s.query(QueuedJob).count() == 0

    class Abort(Exception):
        pass

    with pytest.raises(Abort), session_scope(db.engine, write=True) as s:  # the request fails after queuing
        gone = reports.request(s, actor(s, "lead_a"), kind="capability_gap", source_id=run.id, fmt="html")
        gone_id = gone.id
        raise Abort
    assert _library_job(db.engine, gone_id) is None  # rolled back with the request


# --- reads never write ------------------------------------------------------------------------


def test_the_status_read_never_writes_and_the_scheduled_job_expires_lost_reports(
    client: Any, auth: Any, db: Any
) -> None:
    with session_scope(db.engine, write=True) as s:
        _aid, run = _gap_run(s)
        row = reports.request(s, actor(s, "lead_a"), kind="capability_gap", source_id=run.id, fmt="pdf")
        report_id = row.id
        s.execute(delete(QueuedJob))  # its worker is gone with its job (never committed: no race)
        if db.backend == "postgres":
            s.execute(text(f"DELETE FROM {pg_queue.QUEUE_TABLE}"))  # noqa: S608 - PgQueuer's job, likewise
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


# --- the fence on PostgreSQL -----------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="PgQueuer is the PostgreSQL adapter; needs TEST_POSTGRES_URL")
def test_on_postgresql_only_the_owning_worker_writes_the_result(templates: dict[str, str], tmp_path: Path) -> None:
    """An attempt whose job PgQueuer re-picked for another worker renders, but its result is
    rolled back; the owner's attempt stores it; a job picked more than three times is given up."""
    from registry.jobs import pg_worker

    db = fresh_db("postgres", templates, tmp_path)
    try:
        with session_scope(db.engine, write=True) as s:
            _aid, run = _gap_run(s)
            report_id = reports.request(s, actor(s, "lead_a"), kind="capability_gap", source_id=run.id, fmt="html").id
        job_id = _library_job(db.engine, report_id)
        assert job_id is not None
        stale, owner = str(uuid.uuid4()), str(uuid.uuid4())
        with session_scope(db.engine, write=True) as s:  # PgQueuer re-picked it for `owner`
            s.execute(
                text(
                    f"UPDATE {pg_queue.QUEUE_TABLE} SET status = 'picked', queue_manager_id = CAST(:qm AS uuid) WHERE id = :id"
                ),  # noqa: S608, E501
                {"qm": owner, "id": job_id},
            )

        def attempt(qm: str) -> queue.Task:
            fence = pg_worker._fence(job_id, qm)
            return queue.Task(db.engine, str(job_id), reports.RENDER_TASK, {"report_id": report_id}, 1, qm, fence=fence)

        assert queue.execute(attempt(stale)) == "lost"
        with session_scope(db.engine) as s:
            lost = s.get(StoredReport, report_id)
            assert lost is not None and lost.status == "running" and lost.content is None  # nothing landed
        assert queue.execute(attempt(owner)) == "done"
        with session_scope(db.engine) as s:
            stored = s.get(StoredReport, report_id)
            assert stored is not None and stored.status == "done" and stored.content

        with session_scope(db.engine, write=True) as s:  # a job every worker died on
            for _ in range(4):
                s.execute(
                    text(
                        f"INSERT INTO {pg_queue.LOG_TABLE} (job_id, status, priority, entrypoint) VALUES (:id, 'picked', 0, :ep)"
                    ),  # noqa: S608, E501
                    {"id": job_id, "ep": reports.RENDER_TASK},
                )
        job = pg_worker.Job.model_validate(
            {
                "id": job_id, "priority": 0, "created": utcnow(), "updated": utcnow(), "heartbeat": utcnow(),
                "execute_after": utcnow(), "status": "picked", "entrypoint": reports.RENDER_TASK,
                "payload": b"{}", "queue_manager_id": owner, "headers": None,
            }
        )  # fmt: skip
        with pytest.raises(pg_worker.JobFailed, match="every one of 3 attempts"):
            pg_worker._run_picked(db.engine, owner, job, timedelta(seconds=30))
    finally:
        drop_db(db)


def _worker_threads() -> int:
    from registry.jobs.worker import THREAD_NAME

    return sum(1 for t in threading.enumerate() if t.name == THREAD_NAME and t.is_alive())


def test_in_process_workers_start_with_the_first_job_and_stop_with_the_app(app: Any, auth: Any, db: Any) -> None:
    """An app that queues nothing starts no worker (so starting and stopping it costs nothing);
    the first job queued starts one, which runs it; stopping the app stops the worker."""
    from litestar.testing import TestClient

    before = _worker_threads()
    with TestClient(app=app) as client:
        client.get("/health/live")
        assert _worker_threads() == before  # nothing queued, nothing started
        with session_scope(db.engine) as s:
            aid, _run = _gap_run(s)
        lead = auth("lead_a")
        made = client.post(
            "/api/v1/reports",
            json={"kind": "capability_gap", "source_id": aid, "format": "csv", "marking": "OFFICIAL"},
            headers=lead,
        )
        assert made.status_code == 202, made.text
        assert _worker_threads() == before + 1  # woken by the job it queued
        deadline = time.monotonic() + 60
        while (status := client.get(f"/api/v1/reports/{made.json()['id']}", headers=lead).json()["status"]) not in (
            "done",
            "failed",
        ):
            assert time.monotonic() < deadline, "the report never finished"
            time.sleep(0.2)
        assert status == "done"
    assert _worker_threads() == before  # the app's shutdown stopped it
