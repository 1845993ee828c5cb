"""Engine and session handling for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import msgspec
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from registry.settings import ROOT

log = logging.getLogger(__name__)
T = TypeVar("T")


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # pysqlite's own transaction handling breaks SAVEPOINTs (an outer RELEASE commits);
            # take control: autocommit at the driver level, explicit BEGIN from SQLAlchemy.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Writers take the write lock up front, so concurrent editors queue (busy timeout)
            # and then see the latest version, instead of failing on a stale snapshot.
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    # msgspec parses the JSON list columns several times faster than the stdlib (index builds
    # read hundreds of thousands of them).
    kwargs.setdefault("json_deserializer", msgspec.json.decode)
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
        kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


@lru_cache(maxsize=8)
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine, *, write: bool = False) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error (nothing half-written).

    `write=True` (requests that change data) takes SQLite's write lock at BEGIN; PostgreSQL
    needs nothing special (row locks and the guarded version update do the work).
    """
    session = session_factory(engine)()
    if write and engine.dialect.name == "sqlite":
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def is_transient(exc: BaseException) -> bool:
    """A write that may succeed if tried again: SQLite's lock, PostgreSQL serialisation or deadlock,
    a dropped connection."""
    if isinstance(exc, OperationalError) and "locked" in str(exc).lower():
        return True
    if isinstance(exc, DBAPIError):
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return bool(exc.connection_invalidated or code in {"40001", "40P01"})
    return False


def in_write_transaction(
    engine: Engine, work: Callable[[Session], T], *, attempts: int = 5, what: str = "background write"
) -> T:
    """Background work's one transaction discipline (report jobs, scheduled jobs, the queue,
    notifications): the same write transaction as a request (`session_scope(write=True)`, so
    SQLite's write lock is taken at BEGIN and writers queue instead of failing), retried with
    backoff when the failure is transient, and logged each time so a lost write is never silent.
    `work` must be safe to run again (it runs in a fresh transaction each time)."""
    for attempt in range(1, attempts + 1):
        try:
            with session_scope(engine, write=True) as session:
                return work(session)
        except Exception as exc:
            if attempt == attempts or not is_transient(exc):
                log.exception("%s failed after %d attempt(s)", what, attempt)
                raise
            log.warning("%s failed (attempt %d of %d), retrying: %s", what, attempt, attempts, exc)
            time.sleep(min(2.0, 0.05 * 2**attempt) * (0.5 + random.random()))  # noqa: S311 - jitter
    raise AssertionError("unreachable")  # pragma: no cover


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)
