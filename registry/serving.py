"""Running the service: granian for the web app plus background worker processes, supervised.

What `socreg serve` promises (and what a bare `granian` run did not):
- it refuses to start on a port another process holds (granian binds with SO_REUSEPORT, so a
  second server would start silently and the kernel would split traffic between the two);
- with several workers on PostgreSQL it refuses to start unless SECRET_KEY is set, since
  otherwise each host would sign sessions with a key of its own;
- granian runs in its own process group; SIGTERM, SIGINT and SIGHUP are forwarded to that group
  and `serve` waits for it (then kills what is left), so no process is left listening;
- a crashed granian worker is respawned (granian's `--respawn-failed-workers`); if the server
  itself exits unasked, `serve` stops everything and exits non-zero;
- background workers (`socreg worker`, registry/jobs/worker.py) run as child processes, so
  report rendering never shares the web server's CPU-bound event loop; one that dies is restarted.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType

from registry.settings import Settings

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
GRACE_SECONDS = 15.0  # how long the children get to finish after a stop signal
RESPAWN_PAUSE = 1.0  # between a background worker's death and its restart


class ServeRefused(Exception):
    """A reason not to start, in plain words for the person at the terminal."""


def port_holder(host: str, port: int) -> str | None:
    """Why `host:port` cannot be ours, or None when it is free. Binds without SO_REUSEPORT,
    which fails while any other socket listens there (granian's included)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # ignore TIME_WAIT leftovers
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"Port {port} on {host} is already in use by another process; stop it or choose another --port."
            return f"Cannot listen on {host}:{port}: {exc.strerror}."
    return None


def check_can_start(settings: Settings, host: str, port: int, workers: int) -> None:
    if workers > 1 and settings.is_postgres and not settings.secret_key_from_env:
        raise ServeRefused(
            "SECRET_KEY is not set. With several workers on PostgreSQL (and so, usually, several hosts) each "
            "host would sign sign-in sessions with its own generated key and sign people out at random. "
            "Set SECRET_KEY to the same long random value on every host."
        )
    if reason := port_holder(host, port):
        raise ServeRefused(reason)


def granian_command(host: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "asgi",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--respawn-failed-workers",
        "--respawn-interval",
        "1",
        "--factory",
        "registry.app:create_app",
    ]


def worker_command() -> list[str]:
    return [sys.executable, "-m", "registry.cli", "worker"]


@dataclass
class Supervisor:
    """The server process group and the background workers, and how they stop."""

    server_cmd: list[str]
    worker_cmd: list[str]
    background_workers: int
    env: dict[str, str] | None = None
    server: subprocess.Popen[bytes] | None = None
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    stopping: bool = False
    stop_signal: int = signal.SIGTERM

    def _spawn(self, cmd: list[str]) -> subprocess.Popen[bytes]:
        # A process group of its own: a signal to the group reaches granian's worker processes too.
        return subprocess.Popen(cmd, env=self.env, start_new_session=True)  # noqa: S603 - our own argv

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self.stopping, self.stop_signal = True, signum

    def run(self) -> int:
        previous = {sig: signal.signal(sig, self._on_signal) for sig in STOP_SIGNALS}
        try:
            self.server = self._spawn(self.server_cmd)
            self.workers = [self._spawn(self.worker_cmd) for _ in range(self.background_workers)]
            return self._watch()
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _watch(self) -> int:
        assert self.server is not None
        while not self.stopping:
            code = self.server.poll()
            if code is not None:
                print(f"The web server exited unexpectedly (code {code}); stopping.", file=sys.stderr)
                return code or 1
            for i, proc in enumerate(self.workers):
                if proc.poll() is not None and not self.stopping:
                    print(
                        f"Background worker {proc.pid} exited (code {proc.returncode}); restarting it.", file=sys.stderr
                    )
                    time.sleep(RESPAWN_PAUSE)
                    self.workers[i] = self._spawn(self.worker_cmd)
            time.sleep(0.2)
        return 0

    def _stop_all(self) -> None:
        procs = [p for p in [self.server, *self.workers] if p is not None]
        for proc in procs:
            _signal_group(proc, self.stop_signal if self.stop_signal != signal.SIGHUP else signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        for proc in procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(max(0.1, deadline - time.monotonic()))
        for proc in procs:
            _signal_group(proc, signal.SIGKILL)  # whatever is left in each group, then reap
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(5)


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)  # the group outlives its leader: always signal it


def serve(
    settings: Settings, host: str, port: int, workers: int, background_workers: int, announce: Callable[[], None]
) -> int:
    """Check, start and supervise; returns the exit code. Raises ServeRefused before starting."""
    check_can_start(settings, host, port, workers)
    announce()
    supervisor = Supervisor(granian_command(host, port, workers), worker_command(), background_workers)
    return supervisor.run()
