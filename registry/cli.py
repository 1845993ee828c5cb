"""socreg: the command-line interface (database, seed data, users, import/export, server)."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from registry.cli_errors import OperatorErrorGroup
from registry.progress import Progress, progress_bar
from registry.settings import load_settings

app = typer.Typer(help="SOC Capability Registry", no_args_is_help=True, cls=OperatorErrorGroup)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
seed_app = typer.Typer(help="Demo and synthetic data.", no_args_is_help=True)
user_app = typer.Typer(help="User accounts.", no_args_is_help=True)
org_app = typer.Typer(help="Organisations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(seed_app, name="seed")
app.add_typer(user_app, name="user")
app.add_typer(org_app, name="org")

# `--progress` forces the bars on; by default they show only when stderr is a terminal.
_options = {"progress": False}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("soc-capability-registry")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"socreg {_version()}")
        raise typer.Exit()


@app.callback()
def _wire(
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    progress: Annotated[
        bool, typer.Option("--progress", help="Show progress bars on stderr even when it is not a terminal.")
    ] = False,
) -> None:
    """Every command runs with the service's jobs and audit listeners registered."""
    from registry.app import wire

    _options["progress"] = progress
    wire()


def _progress() -> contextlib.AbstractContextManager[Progress]:
    """Progress bars on stderr (a terminal, or --progress); stdout stays machine-readable."""
    return progress_bar(_options["progress"] or sys.stderr.isatty())


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
def db_downgrade(
    revision: str = "base",
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before dropping every table")] = False,
) -> None:
    """Undo migrations; to `base` drops every table and its data, so it asks first."""
    from registry.db import downgrade

    if revision == "base" and not yes:
        typer.confirm("Downgrade to base drops every table and all data. Continue?", abort=True, err=True)
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

    with _progress() as progress:
        result = load_synthetic(_engine(), tools=tools, seed=seed, progress=progress)
    typer.echo(json.dumps(result))


class OrgKindChoice(StrEnum):
    buyer = "buyer"
    supplier = "supplier"
    platform = "platform"


class RoleChoice(StrEnum):
    supplier = "supplier"
    procurement_officer = "procurement_officer"
    capability_lead = "capability_lead"
    moderator = "moderator"
    admin = "admin"


@org_app.command("create")
def org_create(
    name: Annotated[str, typer.Option(help="The organisation's name")],
    kind: Annotated[OrgKindChoice, typer.Option(help="buyer, supplier or platform (the registry's operator)")],
) -> None:
    """Create an organisation (the same service, validation and audit as POST /api/v1/organisations)."""
    from registry.accounts.schemas import OrganisationCreate
    from registry.accounts.services import ORG_SPEC
    from registry.actor import SYSTEM
    from registry.db import session_scope
    from registry.resources import create_resource

    data = OrganisationCreate.model_validate({"name": name, "kind": kind.value})
    with session_scope(_engine(), write=True) as session:
        org = create_resource(session, ORG_SPEC, SYSTEM, data)
    typer.echo(f"Created organisation {org['id']} ({org['kind']}): {org['name']}")


@org_app.command("list")
def org_list() -> None:
    """Every organisation: id, kind and name."""
    from sqlalchemy import select
    from sqlmodel import col

    from registry.accounts.models import Organisation
    from registry.db import session_scope

    with session_scope(_engine()) as session:
        for org in session.execute(select(Organisation).order_by(col(Organisation.id))).scalars():
            typer.echo(f"{org.id:>6}  {org.kind:<9} {org.name}")


def _only_organisation(session: Any) -> int:
    from sqlalchemy import select
    from sqlmodel import col

    from registry.accounts.models import Organisation
    from registry.cli_errors import OperatorError

    ids = list(session.execute(select(col(Organisation.id)).limit(2)).scalars())
    if len(ids) != 1:
        raise OperatorError(
            "Give --organisation-id: "
            + (
                "there is no organisation yet (socreg org create)."
                if not ids
                else "there are several organisations (socreg org list)."
            )
        )
    return int(ids[0])


@user_app.command("create")
def user_create(
    email: str,
    name: Annotated[str, typer.Option()],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    role: Annotated[RoleChoice | None, typer.Option(help="The user's role (--admin for admin)")] = None,
    admin: Annotated[bool, typer.Option("--admin", help="Make an administrator (role admin)")] = False,
    organisation_id: Annotated[
        int | None, typer.Option(help="The user's organisation; may be left out when there is only one")
    ] = None,
) -> None:
    """Create a user (the accounts service create_user: the UserCreate validation, the admin check, audit)."""
    from registry.accounts.schemas import UserCreate
    from registry.accounts.services import create_user
    from registry.actor import SYSTEM
    from registry.cli_errors import OperatorError
    from registry.db import session_scope

    if admin and role not in (None, RoleChoice.admin):
        raise OperatorError(f"--admin and --role {role.value} contradict each other.")
    chosen = RoleChoice.admin if admin else role
    if chosen is None:
        raise OperatorError("Give --role ROLE or --admin.")
    with session_scope(_engine(), write=True) as session:
        org_id = organisation_id if organisation_id is not None else _only_organisation(session)
        data = UserCreate.model_validate(
            {"email": email, "name": name, "role": chosen.value, "organisation_id": org_id, "password": password}
        )
        user = create_user(session, SYSTEM, data)
        typer.echo(f"Created user {user.id} <{user.email}> ({user.role}) in organisation {org_id}")


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
        typer.echo("Error: kind must be suppliers|tools and format json|csv", err=True)
        raise typer.Exit(2)
    with _progress() as progress, session_scope(_engine()) as session:
        rows = export_rows(session, SYSTEM, kind, progress=progress)
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
        typer.echo("Error: kind must be suppliers|tools and format json|csv", err=True)
        raise typer.Exit(2)
    try:
        content = path.read_bytes()
        with _progress() as progress, session_scope(_engine(), write=True) as session:
            rows = parse(content, kind, fmt)
            report = import_rows(session, SYSTEM, kind, rows, confirm_duplicates=confirm_duplicates, progress=progress)
    except ImportFailed as exc:
        typer.echo(f"Nothing was imported: {len(exc.report.errors)} problem(s).", err=True)
        for err in exc.report.errors:
            typer.echo(f"  row {err.row}: {err.field}: {err.message}", err=True)
        raise typer.Exit(1) from exc
    except (DomainError, OSError) as exc:
        from registry.cli_errors import operator_message

        typer.echo(f"Nothing was imported: {operator_message(exc)}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"Imported {report.created} {kind}.")


@app.command("backup")
def backup_cmd(output: Annotated[Path, typer.Option("--output", "-o")]) -> None:
    """Export the whole registry to a portable archive (zip of JSON lines + manifest)."""
    from registry.backup import backup

    with _progress() as progress:
        manifest = backup(_engine(), output, progress=progress)
    rows = sum(t["rows"] for t in manifest["tables"].values())
    typer.echo(f"Backed up {rows} rows from {len(manifest['tables'])} tables to {output}")


@app.command("restore")
def restore_cmd(archive: Path) -> None:
    """Restore an archive into an EMPTY, migrated database; checks it all before writing, verifies before commit."""
    from registry.backup import BackupError, RestoreLimits, restore

    limits = RestoreLimits.from_settings(load_settings())
    try:
        with _progress() as progress:
            result = restore(_engine(), archive, limits=limits, progress=progress)
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
