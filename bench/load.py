"""Load test on loopback: the production server (granian, several workers) on PostgreSQL with
100,000 synthetic tools, driven by wrk (Debian's package) at 64 connections.

    python bench/load.py [--database-url postgresql://postgres@127.0.0.1:5432/socreg_load]
                         [--tools 100000] [--duration 30] [--connections 64] [--workers 2]

Creates (or reuses) the database, loads demo + synthetic data if it has fewer tools than asked,
starts the server on 127.0.0.1, runs wrk against each target, prints req/s, p50/p99, errors and
the server's RSS, then stops the server. Bounded in time and count; loopback only.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from registry.settings import normalise_database_url  # noqa: E402

PORT = 8099


def ensure_database(url: str, tools: int) -> None:
    from registry.db import upgrade
    from registry.seed import load_demo, load_synthetic
    from registry.tools.models import Tool

    base, name = url.rsplit("/", 1)
    admin = create_engine(normalise_database_url(base + "/postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    upgrade(url)
    engine = create_engine(normalise_database_url(url))
    load_demo(engine, "demo-password-2026")
    with engine.connect() as conn:
        have = conn.execute(select(func.count()).select_from(Tool)).scalar_one()
    if have < tools:
        print(f"loading {tools - have} synthetic tools ...", flush=True)
        print(load_synthetic(engine, tools=tools - have, seed=7), flush=True)
    engine.dispose()


def token(base: str) -> str:
    import json

    req = urllib.request.Request(
        f"{base}/api/v1/auth/token",
        method="POST",
        data=json.dumps({"email": "lead@nwrocu.example", "password": "demo-password-2026"}).encode(),
        headers={"content-type": "application/json"},
    )
    return str(json.loads(urllib.request.urlopen(req, timeout=30).read())["token"])


def assessment_id(base: str, bearer: str) -> str:
    import json

    headers = {"Authorization": f"Bearer {bearer}", "content-type": "application/json"}
    listing = json.loads(
        urllib.request.urlopen(urllib.request.Request(f"{base}/api/v1/assessments", headers=headers), timeout=30).read()
    )
    if listing["items"]:
        return str(listing["items"][0]["id"])
    created = json.loads(
        urllib.request.urlopen(
            urllib.request.Request(
                f"{base}/api/v1/assessments",
                method="POST",
                headers=headers,
                data=json.dumps({"name": "Load test", "budget_capital": 100000, "budget_annual": 100000}).encode(),
            ),
            timeout=60,
        ).read()
    )
    urllib.request.urlopen(
        urllib.request.Request(f"{base}/api/v1/assessments/{created['id']}/runs", method="POST", headers=headers),
        timeout=300,
    ).read()
    return str(created["id"])


def rss_mb(root_pid: int) -> float:
    """Resident memory of the server process tree."""
    total = 0
    pids = [root_pid]
    seen: set[int] = set()
    while pids:
        pid = pids.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            pids += [int(c) for c in children]
        except (FileNotFoundError, AttributeError, ProcessLookupError):
            continue
    return total / 1024


def parse_wrk(out: str) -> dict[str, float]:
    def latency(label: str) -> float:
        m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return float("nan")
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(int(x) for x in sock.groups()) if sock else 0)
    return {"rps": rps, "p50": latency("50"), "p99": latency("99"), "errors": errors, "requests": total}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/socreg_load")
    parser.add_argument("--tools", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    ensure_database(args.database_url, args.tools)
    env = {**os.environ, "DATABASE_URL": args.database_url, "SCHEDULER": "off", "PORT": str(PORT)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(PORT),
            "--workers",
            str(args.workers),
            "--factory",
            "registry.app:create_app",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{PORT}"
    try:
        # Ready = database reachable and the answering worker's indexes built; several ready
        # answers in a row so that every worker has warmed up before measuring.
        deadline, in_a_row = time.time() + 300, 0
        while time.time() < deadline and in_a_row < 4 * args.workers:
            try:
                urllib.request.urlopen(f"{base}/health/ready", timeout=2)
                in_a_row += 1
            except OSError:
                in_a_row = 0
                time.sleep(0.5)
        bearer = token(base)
        aid = assessment_id(base, bearer)
        targets = [
            ("search API", "/api/v1/search?q=netwrk+analysis&sme=true", None),
            ("search page", "/search?q=netwrk+analysis&sme=true", None),
            ("tool page", "/tools/42", None),
            ("assessment read (API)", f"/api/v1/assessments/{aid}", bearer),
        ]
        # Warm every worker's search index before measuring.
        for _ in range(args.workers * 4):
            urllib.request.urlopen(base + targets[0][1], timeout=300).read()
        rows = []
        for label, path, auth in targets:
            cmd = ["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s", "--latency", "--timeout", "10s"]
            if auth:
                cmd += ["-H", f"Authorization: Bearer {auth}"]
            out = subprocess.run([*cmd, base + path], capture_output=True, text=True, timeout=args.duration + 60).stdout
            stats = parse_wrk(out)
            stats["rss_mb"] = rss_mb(server.pid)
            rows.append((label, stats))
            print(
                f"{label:24} {stats['rps']:9.0f} req/s  p50 {stats['p50']:7.1f} ms  p99 {stats['p99']:7.1f} ms  "
                f"errors {stats['errors']:5.0f}  RSS {stats['rss_mb']:6.0f} MB",
                flush=True,
            )
        print("\n| target | req/s | p50 ms | p99 ms | errors | server RSS MB |\n|---|---|---|---|---|---|")
        for label, s in rows:
            print(
                f"| {label} | {s['rps']:.0f} | {s['p50']:.1f} | {s['p99']:.1f} | {s['errors']:.0f} | {s['rss_mb']:.0f} |"
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
