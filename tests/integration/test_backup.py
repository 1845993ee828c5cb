"""Backup and restore: SQLite <-> PostgreSQL both ways, counts and checksums verified."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from registry.backup import BackupError, backup, restore
from registry.db import make_engine, upgrade
from tests.conftest import PG_URL, RUN_ID, DBHandle, _pg_admin, _pg_url


def _empty(backend: str, tmp_path: Path, tag: str) -> str:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / f'restore-{tag}.sqlite3'}"
    else:
        name = f"socreg_restore_{RUN_ID}_{tag}"
        with _pg_admin().connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = _pg_url(name)
    upgrade(url)
    return url


@pytest.mark.parametrize("target", ["sqlite"] + (["postgres"] if PG_URL else []))
def test_backup_restores_into_the_other_backend(db: DBHandle, tmp_path: Path, target: str) -> None:
    archive = tmp_path / "registry.zip"
    manifest = backup(db.engine, archive)
    assert manifest["tables"]["tool"]["rows"] >= 90
    url = _empty(target, tmp_path, f"{db.backend}-{target}")
    engine = make_engine(url)
    result = restore(engine, archive)
    assert result["rows"] == sum(t["rows"] for t in manifest["tables"].values())
    # A second backup of the restored copy has the same content.
    again = backup(engine, tmp_path / "again.zip")
    assert {k: v["sha256"] for k, v in again["tables"].items()} == {
        k: v["sha256"] for k, v in manifest["tables"].items()
    }
    # Restoring twice is refused: the database is no longer empty.
    with pytest.raises(BackupError, match="empty database"):
        restore(engine, archive)
    # Sequences continue after restored ids (PostgreSQL).
    with engine.begin() as conn:
        new_id = conn.execute(
            text(
                "INSERT INTO organisation (name, kind, created_at, version) "
                "VALUES ('after restore', 'buyer', CURRENT_TIMESTAMP, 1) RETURNING id"
            )
        ).scalar()
        assert new_id > manifest["tables"]["organisation"]["rows"]
    engine.dispose()
