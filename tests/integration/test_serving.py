"""`socreg serve` as an operator meets it: real processes on random free ports, bounded waits.

SIGTERM leaves nothing listening; a crashed granian worker is respawned; the server dying makes
`serve` exit non-zero; a busy port and a missing SECRET_KEY with several workers on PostgreSQL
are refused with a clear message before anything starts."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from registry.serving import port_holder

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 90.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(tmp_path: Path, database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL")}
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=database_url,
        VAR_DIR=str(tmp_path / "var"),
        SCHEDULER="off",
        WARM_INDEX="off",
        **extra,
    )
    return env


@pytest.fixture
def sqlite_url(templates: dict[str, str], tmp_path: Path) -> str:
    path = tmp_path / "serve.sqlite3"
    shutil.copy(templates["sqlite"], path)
    return f"sqlite:///{path}"


def _serve(env: dict[str, str], port: int, *args: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "registry.cli", "serve", "--host", "127.0.0.1", "--port", str(port), *args]
    return subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait_live(port: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else "serve exited"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("the server did not come up")


def _children(pid: int) -> list[int]:
    """Every live descendant of pid, from /proc (no psutil here)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        kids = [p for p, parent in parents.items() if parent == current]
        out += kids
        todo += kids
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _granian(pid: int) -> tuple[int, list[int]]:
    """(granian's main process, its worker processes) under `serve`."""
    for child in _children(pid):
        cmdline = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        if b"granian" in cmdline:
            return child, _children(child)
    raise AssertionError("no granian process found")


@pytest.fixture
def cleanup() -> Iterator[list[subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        for pid in _children(proc.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


def test_sigterm_stops_every_process_and_frees_the_port(
    sqlite_url: str, tmp_path: Path, cleanup: list[subprocess.Popen[str]]
) -> None:
    port = _free_port()
    proc = _serve(_env(tmp_path, sqlite_url), port, "--workers", "2")
    cleanup.append(proc)
    _wait_live(port, proc)
    descendants = _children(proc.pid)
    _main, workers = _granian(proc.pid)
    assert len(workers) >= 2 and len(descendants) >= 4  # granian, its 2 workers, a background worker
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in descendants):
        time.sleep(0.2)
    assert [p for p in descendants if _alive(p)] == []
    assert port_holder("127.0.0.1", port) is None  # nothing is left listening


def test_a_crashed_worker_is_respawned_and_a_dead_server_exits_non_zero(
    sqlite_url: str, tmp_path: Path, cleanup: list[subprocess.Popen[str]]
) -> None:
    port = _free_port()
    proc = _serve(_env(tmp_path, sqlite_url), port, "--workers", "2")
    cleanup.append(proc)
    _wait_live(port, proc)
    main, workers = _granian(proc.pid)
    os.kill(workers[0], signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len([w for w in _children(main) if w != workers[0]]) < 2:
        time.sleep(0.3)
    assert len([w for w in _children(main) if w != workers[0]]) == 2  # a new worker took its place
    assert proc.poll() is None
    for _ in range(6):  # still serving, whichever worker answers
        assert httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=5).status_code == 200

    background = [p for p in _children(proc.pid) if p != main and p not in _children(main)]
    assert background, "a background worker runs next to the server"
    os.kill(background[0], signal.SIGKILL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        now = [p for p in _children(proc.pid) if p != main and p not in _children(main)]
        if now and background[0] not in now:
            break
        time.sleep(0.3)
    assert now and background[0] not in now  # the background worker was restarted

    os.kill(main, signal.SIGKILL)  # the server itself dies
    code = proc.wait(40)
    output = proc.stdout.read() if proc.stdout else ""
    assert code != 0 and "exited unexpectedly" in output
    assert port_holder("127.0.0.1", port) is None


def test_a_port_in_use_is_refused_with_a_clear_message(sqlite_url: str, tmp_path: Path) -> None:
    port = _free_port()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        proc = _serve(_env(tmp_path, sqlite_url), port)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert f"Port {port} on 127.0.0.1 is already in use" in out
    assert "Serving on" not in out


def test_several_workers_on_postgres_need_a_secret_key(tmp_path: Path) -> None:
    port = _free_port()
    pg = "postgresql://nobody@127.0.0.1:1/none"  # refused before any connection is made
    proc = _serve(_env(tmp_path, pg), port, "--workers", "2")
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "SECRET_KEY is not set" in out

    # One worker, or the key set, passes that check (and here meets the busy port instead).
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        keyed = _serve(_env(tmp_path, pg, SECRET_KEY="k" * 64), port, "--workers", "2")
        out, _ = keyed.communicate(timeout=60)
    assert keyed.returncode == 2 and "SECRET_KEY" not in out and "already in use" in out
