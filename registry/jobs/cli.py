"""Command line for the scheduler and jobs.

`socreg scheduler` (registered in registry/cli.py) calls scheduler_command(); `jobs_app` is a
Typer sub-app (list, run, history, send-mail) the main CLI can mount as `socreg jobs`.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from typing import Annotated, Any

import typer

from registry.jobs.runner import JOBS, JobResult, history, run_all, run_job

jobs_app = typer.Typer(help="Scheduled jobs: list, run, history, outbox.", no_args_is_help=True)


def _setup() -> tuple[Any, Any]:
    from registry.db import make_engine
    from registry.settings import load_settings

    settings = load_settings()
    return make_engine(settings.database_url), settings


def _print_results(results: list[JobResult]) -> None:
    width = max(len(r.job_id) for r in results) if results else 10
    for r in results:
        detail = r.error.splitlines()[-1] if r.error else json.dumps(r.counts, sort_keys=True)
        typer.echo(f"{r.job_id:<{width}}  {r.period_key:<16}  {r.outcome:<12}  {detail}")
    errors = sum(r.outcome == "error" for r in results)
    typer.echo(f"{len(results)} job(s): {len(results) - errors} without error, {errors} with errors.")


def scheduler_command(run_once: bool = False, poll_interval: float | None = None, force: bool = False) -> None:
    """Run the leader-elected scheduler until stopped, or every job once now (--run-once)."""
    engine, settings = _setup()
    if run_once:
        results = run_all(engine, trigger="cli", force=force, smtp_url=settings.smtp_url)
        _print_results(results)
        raise typer.Exit(1 if any(r.outcome == "error" for r in results) else 0)
    from registry.jobs.scheduler import SchedulerRunner

    interval = poll_interval or settings.scheduler_poll_seconds

    def announce(leader: bool) -> None:
        print(f"scheduler: {'leader' if leader else 'standby'} pid={os.getpid()}", flush=True)

    runner = SchedulerRunner(engine, smtp_url=settings.smtp_url, poll_interval=interval, on_change=announce)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: runner._stop.set())
    print(f"scheduler: campaigning for leadership every {interval:g}s pid={os.getpid()}", flush=True)
    runner.run_forever()
    print("scheduler: stopped", flush=True)


@jobs_app.command("list")
def list_jobs() -> None:
    """The jobs, their schedules and last outcome."""
    from registry.db import session_scope
    from registry.jobs.runner import last_runs

    engine, _ = _setup()
    with session_scope(engine) as session:
        last = last_runs(session)
    for job in JOBS.values():
        run = last.get(job.id)
        seen = f"{run.outcome} {run.period_key} at {run.started_at:%Y-%m-%d %H:%M}" if run else "never run"
        typer.echo(f"{job.id:<18} {job.schedule_text:<36} {seen}")


@jobs_app.command("run")
def run(job_id: str, force: Annotated[bool, typer.Option(help="Run even if this period already ran")] = False) -> None:
    """Run one job now for the current period."""
    if job_id not in JOBS:
        typer.echo(f"Error: No such job: {job_id}. Jobs: {', '.join(JOBS)}", err=True)
        raise typer.Exit(2)
    engine, settings = _setup()
    result = run_job(engine, job_id, trigger="cli", force=force, smtp_url=settings.smtp_url)
    _print_results([result])
    raise typer.Exit(1 if result.outcome == "error" else 0)


@jobs_app.command("history")
def show_history(job_id: str, limit: int = 20) -> None:
    """The job's last runs, newest first."""
    from registry.db import session_scope
    from registry.errors import NotFound

    if job_id not in JOBS:
        raise NotFound(f"No such job: {job_id}. Jobs: {', '.join(JOBS)}")
    engine, _ = _setup()
    with session_scope(engine) as session:
        for r in history(session, job_id, limit=limit):
            typer.echo(f"{r.period_key:<24} {r.outcome:<8} attempts={r.attempts} {json.dumps(r.counts)}")


@jobs_app.command("send-mail")
def send_mail() -> None:
    """Deliver queued e-mail now (needs SMTP_URL)."""
    from registry.db import session_scope
    from registry.notifications.services import send_outbox

    engine, settings = _setup()
    with session_scope(engine, write=True) as session:
        typer.echo(json.dumps(send_outbox(session, settings.smtp_url)))


if __name__ == "__main__":  # pragma: no cover
    jobs_app(sys.argv[1:])
