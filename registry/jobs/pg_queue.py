"""The PostgreSQL adapter of the background queue: PgQueuer (https://pypi.org/project/pgqueuer/).

This module holds its schema (installed by migration 0012) and its enqueue; the consumer is
`registry/jobs/pg_worker.py`. `registry/jobs/queue.py` and `registry/jobs/worker.py` pick it when the database is
PostgreSQL; SQLite keeps the `job_queue` table. The app sees one interface either way:
`queue.enqueue(session_or_engine, kind, payload)` and `worker.run_worker(engine, ...)`, and task
bodies get the same `Task` and call the same `task.finish(session)`.

How the three promises are kept here:

- *Enqueue in the caller's transaction.* PgQueuer's own enqueue (`SyncQueries.enqueue`) runs over
  a tiny driver on the caller's SQLAlchemy connection, so the job row commits (or rolls back)
  with the report row it is for. PgQueuer's trigger sends its NOTIFY at that commit.
- *A dead worker's job runs again elsewhere.* PgQueuer's `QueueManager` heartbeats every job it
  holds; its dequeue also takes `picked` jobs whose heartbeat is older than `heartbeat_timeout`
  (our `WORKER_LEASE_SECONDS`), so another worker picks a SIGKILLed worker's job up.
- *The result lands once.* PgQueuer is at-least-once, so `Task.finish` keeps our fence: in the
  same transaction as the result it locks the job row `WHERE queue_manager_id = <this worker>
  AND status = 'picked'` and raises `LeaseLost` (rolling the result back) when another worker
  has re-picked it. A queue manager never runs a job it already holds twice.

The tables live in their own PostgreSQL schema, `pgqueuer`, created by migration 0012 from
PgQueuer's own install SQL: they are the library's, not ours, so they stay out of
`SQLModel.metadata`, autogenerate comparisons and backups (queued work is transient).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from pgqueuer.adapters.persistence.qb import QueryBuilderEnvironment, QueryQueueBuilder
from pgqueuer.adapters.persistence.queries import SyncQueries
from pgqueuer.domain.settings import DBSettings
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from registry.db import session_scope

log = logging.getLogger(__name__)

SCHEMA = "pgqueuer"
SETTINGS = DBSettings(db_schema=SCHEMA)
QUEUE_TABLE = f"{SCHEMA}.{SETTINGS.queue_table}"
LOG_TABLE = f"{SCHEMA}.{SETTINGS.queue_table_log}"


# --- schema (migration 0012) ----------------------------------------------------------------


def install_sql() -> str:
    return QueryBuilderEnvironment(settings=SETTINGS).build_install_query(create_schema=True)


def uninstall_sql() -> str:
    return QueryBuilderEnvironment(settings=SETTINGS).build_uninstall_query() + f"\nDROP SCHEMA IF EXISTS {SCHEMA};"


# --- enqueue --------------------------------------------------------------------------------


class _TransactionDriver:
    """PgQueuer's `SyncDriver` over the caller's open transaction. (Its `SyncPsycopgDriver`
    insists on an autocommit connection, which would commit the job before the work it is for.)"""

    def __init__(self, session: Session) -> None:
        self._conn: Any = session.connection().connection.driver_connection

    def fetch(self, query: str, *args: object) -> list[dict[str, object]]:
        from psycopg import RawCursor
        from psycopg.rows import dict_row

        with RawCursor(self._conn, row_factory=dict_row) as cursor:
            cursor.execute(query, args or None)
            return cursor.fetchall()


def enqueue(session: Session, kind: str, payload: dict[str, Any]) -> str:
    queries = SyncQueries(_TransactionDriver(session), qbq=QueryQueueBuilder(settings=SETTINGS))
    [job_id] = queries.enqueue(kind, json.dumps(payload).encode())
    return str(job_id)


def job_row(engine: Engine, job_id: str) -> dict[str, Any] | None:
    """The library's row for a queued or running job (None once it has finished)."""
    with session_scope(engine) as session:
        stmt = text(
            f"SELECT id, entrypoint, status::text AS status, queue_manager_id FROM {QUEUE_TABLE} WHERE id = :id"
        )  # noqa: S608
        row = session.execute(stmt, {"id": int(job_id)}).mappings().first()
        return dict(row) if row is not None else None
