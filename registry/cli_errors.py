"""The CLI's one error policy: an operator's mistake is one plain line on stderr and exit 1.

`socreg` is built on `OperatorErrorGroup` (registry/cli.py), so every command, sub-command and
mounted sub-app (`socreg jobs ...`) goes through `operator_message` here. An error that is not an
operator's (a bug) is one line too, exit 70, with the traceback only when SOCREG_DEBUG=1.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from registry.settings import cli_tracebacks

EXIT_OPERATOR = 1
EXIT_SOFTWARE = 70  # sysexits.h EX_SOFTWARE: an internal error


class OperatorError(Exception):
    """A command refuses what it was asked to do (unknown job, nothing to do, ...)."""


def _first_line(text: Any) -> str:
    lines = [line.strip() for line in str(text).strip().splitlines() if line.strip()]
    return lines[0] if lines else ""


def _validation_message(exc: Any) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ())) or "value"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)


def operator_message(exc: BaseException) -> str | None:
    """One line describing an operator error, or None when `exc` is not one."""
    from pydantic import ValidationError
    from sqlalchemy.exc import ArgumentError, OperationalError

    from registry.backup import BackupError
    from registry.errors import DomainError

    if isinstance(exc, DomainError):
        fields = "; ".join(f"{k}: {v}" for k, v in list(exc.fields.items())[:5])
        return exc.detail + (f" ({fields})" if fields and fields not in exc.detail else "")
    if isinstance(exc, BackupError | OperatorError):
        return _first_line(exc)
    if isinstance(exc, ValidationError):
        return "Invalid input: " + _validation_message(exc)
    if isinstance(exc, FileNotFoundError):
        return f"There is no file {exc.filename}." if exc.filename else _first_line(exc)
    if isinstance(exc, IsADirectoryError):
        return f"{exc.filename} is a directory, not a file."
    if isinstance(exc, PermissionError):
        return f"Permission denied: {exc.filename}."
    if isinstance(exc, OperationalError):
        return "The database cannot be used: " + _first_line(exc.orig or exc)
    if isinstance(exc, ArgumentError):
        return "DATABASE_URL is not a usable database URL: " + _first_line(exc)
    try:
        from alembic.util.exc import CommandError
    except ImportError:  # pragma: no cover - alembic is a dependency
        return None
    if isinstance(exc, CommandError):
        return "Migration refused: " + _first_line(exc)
    return None


class OperatorErrorGroup(TyperGroup):
    """The root command group: turns exceptions from any sub-command into one line and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # typer's own exits, usage errors and "Aborted!" are already one line
        except Exception as exc:
            message = operator_message(exc)
            if message is not None:
                typer.echo(f"Error: {message}", err=True)
                raise typer.Exit(EXIT_OPERATOR) from exc
            if cli_tracebacks():
                raise
            typer.echo(
                f"Internal error: {type(exc).__name__}: {_first_line(exc)} (set SOCREG_DEBUG=1 for the traceback)",
                err=True,
            )
            raise typer.Exit(EXIT_SOFTWARE) from exc
