"""socreg: the command-line interface (database, seed data, users, import/export, server)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Annotated

import typer

from registry.settings import load_settings

app = typer.Typer(help="SOC Capability Registry", no_args_is_help=True)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
seed_app = typer.Typer(help="Demo and synthetic data.", no_args_is_help=True)
user_app = typer.Typer(help="User accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(seed_app, name="seed")
app.add_typer(user_app, name="user")


@app.callback()
def _wire() -> None:
    """Every command runs with the service's jobs and audit listeners registered."""
    from registry.app import wire

    wire()


def _mount_jobs() -> None:
    from registry.jobs.cli import jobs_app

    app.add_typer(jobs_app, name="jobs", help="Scheduled jobs: list, run, history, send mail.")


_mount_jobs()


def _engine():
    from registry.db import make_engine

    return make_engine(load_settings().database_url)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations (creates the SQLite file under ./var on first run)."""
    from registry.db import upgrade

    upgrade(load_settings().database_url, revision)
    typer.echo(f"Database at {revision}.")


@db_app.command("downgrade")
def db_downgrade(revision: str = "base") -> None:
    from registry.db import downgrade

    downgrade(load_settings().database_url, revision)
    typer.echo(f"Database at {revision}.")


@seed_app.command("demo")
def seed_demo() -> None:
    """Load the fictional demo data set (idempotent)."""
    from registry.seed import load_demo

    settings = load_settings()
    counts = load_demo(_engine(), settings.demo_password)
    if counts:
        typer.echo(f"Loaded demo data: {counts}. Demo users' password: {settings.demo_password}")
    else:
        typer.echo("Demo data already loaded.")


@seed_app.command("synthetic")
def seed_synthetic(tools: Annotated[int, typer.Option(min=1, max=1_000_000)] = 1000, seed: int = 42) -> None:
    """Bulk-load N deterministic synthetic published tools."""
    from registry.seed import load_synthetic

    result = load_synthetic(_engine(), tools=tools, seed=seed)
    typer.echo(json.dumps(result))


@user_app.command("create")
def user_create(
    email: str,
    name: Annotated[str, typer.Option()],
    role: Annotated[str, typer.Option(help="supplier, procurement_officer, capability_lead, moderator, admin")],
    organisation_id: Annotated[int, typer.Option()],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    from registry.accounts.security import MIN_PASSWORD_LENGTH
    from registry.accounts.services import add_user
    from registry.actor import SYSTEM
    from registry.db import session_scope
    from registry.enums import Role
    from registry.errors import DomainError

    if len(password) < MIN_PASSWORD_LENGTH:
        typer.echo(f"Password must be at least {MIN_PASSWORD_LENGTH} characters.", err=True)
        raise typer.Exit(2)
    try:
        with session_scope(_engine(), write=True) as session:
            user = add_user(
                session,
                SYSTEM,
                email=email,
                name=name,
                role=Role(role),
                organisation_id=organisation_id,
                password=password,
            )
            typer.echo(f"Created user {user.id} <{user.email}>")
    except (DomainError, ValueError) as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from exc


@app.command("export")
def export(
    kind: Annotated[str, typer.Argument(help="suppliers or tools")],
    output: Annotated[Path, typer.Option("--output", "-o")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="json or csv")] = "json",
) -> None:
    """Export suppliers or tools (everything, as an admin) to JSON or CSV."""
    from registry.actor import SYSTEM
    from registry.db import session_scope
    from registry.transfer.services import FORMATS, KINDS, dumps, export_rows

    if kind not in KINDS or fmt not in FORMATS:
        typer.echo("kind must be suppliers|tools and format json|csv", err=True)
        raise typer.Exit(2)
    with session_scope(_engine()) as session:
        rows = export_rows(session, SYSTEM, kind)
    # newline="": the CSV's own CRLF line ends and any CR inside a cell are written as they are.
    output.write_text(dumps(rows, kind, fmt), encoding="utf-8", newline="")
    typer.echo(f"Exported {len(rows)} {kind} to {output}")


@app.command("import")
def import_(
    kind: Annotated[str, typer.Argument(help="suppliers or tools")],
    path: Path,
    fmt: Annotated[str | None, typer.Option("--format", "-f")] = None,
    confirm_duplicates: Annotated[
        bool, typer.Option("--confirm-duplicates", help="Import supplier rows that look like registered ones anyway")
    ] = False,
) -> None:
    """Import suppliers or tools; all-or-nothing, with a per-row error report."""
    from registry.actor import SYSTEM
    from registry.db import session_scope
    from registry.errors import DomainError
    from registry.transfer.services import FORMATS, KINDS, ImportFailed, import_rows, parse

    fmt = fmt or path.suffix.lstrip(".").lower()
    if kind not in KINDS or fmt not in FORMATS:
        typer.echo("kind must be suppliers|tools and format json|csv", err=True)
        raise typer.Exit(2)
    try:
        with session_scope(_engine(), write=True) as session:
            rows = parse(path.read_bytes(), kind, fmt)
            report = import_rows(session, SYSTEM, kind, rows, confirm_duplicates=confirm_duplicates)
    except ImportFailed as exc:
        typer.echo(f"Nothing was imported: {len(exc.report.errors)} problem(s).", err=True)
        for err in exc.report.errors:
            typer.echo(f"  row {err.row}: {err.field}: {err.message}", err=True)
        raise typer.Exit(1) from exc
    except DomainError as exc:
        typer.echo(f"Nothing was imported: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"Imported {report.created} {kind}.")


@app.command("backup")
def backup_cmd(output: Annotated[Path, typer.Option("--output", "-o")]) -> None:
    """Export the whole registry to a portable archive (zip of JSON lines + manifest)."""
    from registry.backup import backup

    manifest = backup(_engine(), output)
    rows = sum(t["rows"] for t in manifest["tables"].values())
    typer.echo(f"Backed up {rows} rows from {len(manifest['tables'])} tables to {output}")


@app.command("restore")
def restore_cmd(archive: Path) -> None:
    """Restore an archive into an EMPTY, migrated database; verifies counts and checksums."""
    from registry.backup import BackupError, restore

    try:
        result = restore(_engine(), archive)
    except BackupError as exc:
        typer.echo(f"Nothing was restored: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"Restored and verified {result['rows']} rows in {result['tables']} tables.")


@app.command("serve")
def serve(
    host: str | None = None,
    port: int | None = None,
    workers: Annotated[int, typer.Option(min=1, max=32)] = 1,
    background_workers: Annotated[
        int, typer.Option(min=0, max=16, help="Report worker processes to run alongside (0: run `socreg worker`)")
    ] = 1,
) -> None:
    """Run the web service (granian; several workers for production) and a background worker."""
    from registry.serving import ServeRefused
    from registry.serving import serve as run_server

    settings = load_settings()
    host = host or settings.host
    port = port or settings.port
    started = time.time()
    try:
        code = run_server(
            settings,
            host,
            port,
            workers,
            background_workers,
            announce=lambda: typer.echo(
                f"Serving on http://{host}:{port} ({workers} worker(s), {background_workers} background)"
            ),
        )
    except ServeRefused as exc:
        typer.echo(f"Not started: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"Stopped after {time.time() - started:.0f}s")
    raise typer.Exit(code)


@app.command("worker")
def worker() -> None:
    """Run a background worker (report rendering); run as many as you like, on any host."""
    import logging
    import threading
    from datetime import timedelta

    from registry.jobs.worker import run_worker, stop_on_signals

    settings = load_settings()
    logging.basicConfig(level=logging.INFO if settings.debug else logging.WARNING)
    # Rendering is CPU-bound and nobody waits on it second by second; lower priority leaves the
    # cores to the web server on a shared host (the search p99 benchmark measures this).
    os.nice(settings.worker_nice)
    if settings.worker_nice >= 19 and hasattr(os, "SCHED_IDLE"):
        # Linux: run only on otherwise idle CPU time, below even niced work.
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    stop = threading.Event()
    stop_on_signals(stop)
    run_worker(_engine(), stop=stop, lease=timedelta(seconds=settings.worker_lease_seconds))


@app.command("scheduler")
def scheduler(
    run_once: Annotated[bool, typer.Option("--run-once", help="Run every job once now and exit")] = False,
    poll_interval: Annotated[float | None, typer.Option(help="Seconds between leader-election polls")] = None,
    force: Annotated[bool, typer.Option(help="With --run-once: run even if this period already ran")] = False,
) -> None:
    """Run the job scheduler (one leader per database) or, with --run-once, every job once."""
    from registry.jobs.cli import scheduler_command

    scheduler_command(run_once=run_once, poll_interval=poll_interval, force=force)


if __name__ == "__main__":
    app()
