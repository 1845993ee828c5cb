"""Column helpers shared by the table models."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Protocol, cast

from sqlalchemy import JSON, Column, CursorResult, Result
from sqlmodel import Field, SQLModel

# Deterministic constraint names, so Alembic can drop them on PostgreSQL and in SQLite batch mode.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING


def utcnow() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return utcnow().date()


def json_list() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


def json_dict_nullable() -> Any:
    return Field(default=None, sa_column=Column(JSON, nullable=True))


class HasIntId(Protocol):
    # A read-only property so that any model whose `id` is an int (or not yet assigned) matches.
    @property
    def id(self) -> int | None: ...


def require_id(row: HasIntId) -> int:
    """The integer primary key of a stored row.

    SQLModel types an autoincrement key `int | None` because it is None until the row is flushed;
    asking for it earlier is a programming error, so say so plainly rather than pass None on.
    """
    if row.id is None:
        raise RuntimeError(f"{type(row).__name__} has no id yet: add it to the session and flush first.")
    return row.id


def rows_affected(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE (without RETURNING) changed.

    Session.execute() is typed to return Result, but for those statements it returns a CursorResult,
    which is what carries rowcount; SQLAlchemy's changelog (2.0.44) advises a cast for exactly this.
    """
    return cast(CursorResult[Any], result).rowcount
