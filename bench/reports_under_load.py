"""Search latency while big reports render: does report work stay off the web server?

    python bench/reports_under_load.py [--requirements 2000] [--tools 5000] [--reports 4]
                                       [--requests 600] [--threads 8] [--workers 2]
                                       [--background-workers 4]

Builds a fresh embedded (SQLite) database under a temporary directory: demo data, synthetic
tools, and --requirements synthetic requirements for the demo capability lead's organisation,
with one assessment run over them. Starts `socreg serve` (granian plus its background worker
processes) on a random free loopback port, then measures the search API's p99 over --requests
distinct queries from --threads clients: first with nothing else running, then while --reports
PDF reports of that assessment render. Prints both p99s and the ratio (target < 1.5). Bounded
in requests and time; loopback only. Not a timed test: the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = ["network", "analysis", "forensic", "mobile", "graph", "osint", "case", "crypto", "tracing", "voice"]
TARGET_RATIO = 1.5


def build_database(url: str, tools: int, requirements: int) -> None:
    from sqlalchemy import select
    from sqlmodel import col

    from registry.accounts.models import User
    from registry.db import make_engine, session_scope, upgrade
    from registry.seed import _add_requirement, load_demo, load_synthetic
    from registry.skills.models import Skill
    from registry.synthetic import iter_requirements
    from registry.taxonomy.models import CapabilityNode

    upgrade(url)
    engine = make_engine(url)
    load_demo(engine, "demo-password-2026")
    load_synthetic(engine, tools=tools, seed=7)
    with session_scope(engine, write=True) as session:
        lead = session.execute(select(User).where(col(User.email) == "lead@nwrocu.example")).scalar_one()
        org_id = lead.organisation_id
        assert org_id is not None
        nodes = {n.code: n.id for n in session.execute(select(CapabilityNode)).scalars()}
        skills = {s.code: s.id for s in session.execute(select(Skill)).scalars()}
        added = 0
        for raw in iter_requirements(requirements * 2, seed=5, skill_codes=list(skills)):
            if raw["capability"] in nodes and added < requirements:
                _add_requirement(session, org_id, raw, nodes, skills)  # type: ignore[arg-type]
                added += 1
    engine.dispose()
    print(f"database: demo + {tools:,} synthetic tools + {added:,} requirements", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def queries(n: int, seed: int) -> list[str]:
    out = []
    for i in range(n):
        a, b = WORDS[(i * 7 + seed) % len(WORDS)], WORDS[(i * 3 + seed + 1) % len(WORDS)]
        out.append(f"/api/v1/search?q={a}+{b}&page={1 + i % 3}")  # distinct inputs, not one cached URL
    return out


def p99_of(base: str, paths: list[str], threads: int, until: threading.Event | None = None) -> tuple[float, int]:
    """p99 latency in ms over the paths, shared by `threads` clients; also how many failed."""
    times: list[float] = []
    failures = [0]
    lock = threading.Lock()
    todo = list(paths)

    def client() -> None:
        with httpx.Client(base_url=base, timeout=60) as http:
            while True:
                with lock:
                    if not todo:
                        return
                    path = todo.pop()
                t0 = time.perf_counter()
                resp = http.get(path)
                elapsed = (time.perf_counter() - t0) * 1000
                with lock:
                    times.append(elapsed)
                    failures[0] += resp.status_code != 200

    pool = [threading.Thread(target=client) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(600)
    return statistics.quantiles(times, n=100)[98], failures[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requirements", type=int, default=2000)
    parser.add_argument("--tools", type=int, default=5000)
    parser.add_argument("--reports", type=int, default=4)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--background-workers", type=int, default=4, help="report workers: all four render at once")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="socreg-bench-"))
    url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    build_database(url, args.tools, args.requirements)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": url, "VAR_DIR": str(tmp), "SCHEDULER": "off", "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "registry.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--workers", str(args.workers), "--background-workers", str(args.background_workers)]
    server = subprocess.Popen(cmd, cwd=ROOT, env=env)
    try:
        deadline = time.time() + 300
        while time.time() < deadline:
            try:
                if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        login = {"email": "lead@nwrocu.example", "password": "demo-password-2026"}
        headers = {"Authorization": f"Bearer {httpx.post(f'{base}/api/v1/auth/token', json=login).json()['token']}"}
        with httpx.Client(base_url=base, headers=headers, timeout=600) as http:
            created = http.post(
                "/api/v1/assessments", json={"name": "Bench", "budget_capital": 5e5, "budget_annual": 2e5}
            )
            assessment = created.json()["id"]
            t0 = time.perf_counter()
            http.post(f"/api/v1/assessments/{assessment}/runs").raise_for_status()
            print(f"assessment run over the requirements: {time.perf_counter() - t0:.1f} s", flush=True)
        for path in queries(args.workers * 8, seed=99):  # warm every worker's search index
            httpx.get(base + path, timeout=300)

        quiet, quiet_failed = p99_of(base, queries(args.requests, seed=1), args.threads)
        print(f"search API p99 without reports: {quiet:.1f} ms ({quiet_failed} failed)", flush=True)

        ids = []
        for _ in range(args.reports):
            body = {"kind": "capability_gap", "source_id": assessment, "format": "pdf"}
            ids.append(httpx.post(f"{base}/api/v1/reports", json=body, headers=headers, timeout=60).json()["id"])
        time.sleep(1.0)  # let the workers start on them
        busy, busy_failed = p99_of(base, queries(args.requests, seed=2), args.threads)
        states = [httpx.get(f"{base}/api/v1/reports/{i}", headers=headers).json()["status"] for i in ids]
        print(f"search API p99 with {args.reports} reports rendering: {busy:.1f} ms ({busy_failed} failed)")
        print(f"reports not yet done when the measurement ended: {sum(s in ('queued', 'running') for s in states)}")
        t0, deadline = time.perf_counter(), time.time() + 600
        while time.time() < deadline and any(s in ("queued", "running") for s in states):
            time.sleep(1)
            states = [httpx.get(f"{base}/api/v1/reports/{i}", headers=headers).json()["status"] for i in ids]
        print(f"reports afterwards: {Counter(states)} within {time.perf_counter() - t0:.0f} s more")
        ratio = busy / quiet if quiet else float("inf")
        verdict = "ok" if ratio < TARGET_RATIO else "OVER TARGET"
        print(f"ratio {ratio:.2f} (target < {TARGET_RATIO}): {verdict}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


if __name__ == "__main__":
    main()
