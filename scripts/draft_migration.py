"""Print the Alembic operations that would bring a fresh `upgrade head` database up to the
models (the body for the next migration). Review it before pasting: keep one concern per file.

    .venv/bin/python scripts/draft_migration.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic.autogenerate import produce_migrations, render_python_code
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import registry.models  # noqa: F401
from registry.db import upgrade


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'draft.sqlite3'}"
        upgrade(url)
        engine = create_engine(url)
        with engine.connect() as conn:
            ops = produce_migrations(MigrationContext.configure(conn), SQLModel.metadata)
        print("def upgrade() -> None:")
        print(render_python_code(ops.upgrade_ops))
        print("\ndef downgrade() -> None:")
        print(render_python_code(ops.downgrade_ops))
        engine.dispose()


if __name__ == "__main__":
    main()
