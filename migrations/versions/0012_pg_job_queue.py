"""PgQueuer's schema for the PostgreSQL job queue (registry/jobs/pg_queue.py); nothing on SQLite

The SQL is PgQueuer's own install/uninstall DDL, taken from the installed package, placed in its
own schema `pgqueuer` (the tables are the library's: not in SQLModel.metadata, not backed up).
On SQLite the embedded `job_queue` table (0009) is the queue and this revision does nothing.

Revision ID: 0012
Revises: 0009
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    from registry.jobs import pg_queue

    bind.exec_driver_sql(pg_queue.install_sql())


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    from registry.jobs import pg_queue

    bind.exec_driver_sql(pg_queue.uninstall_sql())
