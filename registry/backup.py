"""Whole-registry backup to a portable archive, and restore into an empty database.

The archive is a zip: `manifest.json` (format version, alembic revision, per-table row count
and SHA-256 of the canonical rows) plus one JSON-lines file per table. Values are stored in a
database-neutral form (ISO dates, base64 bytes), so SQLite <-> PostgreSQL works both ways.
Restore refuses a non-empty database, writes everything in one transaction, then checks the
counts and checksums again from the restored database.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Date, DateTime, Engine, LargeBinary, MetaData, Table, func, insert, select, text
from sqlmodel import SQLModel

import registry.models  # noqa: F401  (every table is registered)
from registry.db import session_scope

FORMAT = 1
BATCH = 2000
SKIP_TABLES = {"alembic_version", "apscheduler_jobs"}  # schema bookkeeping; jobs are re-registered


class BackupError(Exception):
    pass


def _tables() -> list[Table]:
    return [t for t in SQLModel.metadata.sorted_tables if t.name not in SKIP_TABLES]


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return {"$b64": base64.b64encode(bytes(value)).decode()}
    return value


def _decode(column: Any, value: Any) -> Any:
    if value is None:
        return None
    kind = getattr(column.type, "impl", column.type)  # look through TypeDecorators
    if isinstance(value, dict) and set(value) == {"$b64"} and isinstance(kind, LargeBinary):
        return base64.b64decode(value["$b64"])
    if isinstance(kind, DateTime) and isinstance(value, str):
        return datetime.fromisoformat(value)
    if isinstance(kind, Date) and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def _canonical(row: dict[str, Any]) -> str:
    return json.dumps(row, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)


def _normalise_dt(row: dict[str, Any]) -> dict[str, Any]:
    """Datetimes compare equal across backends only in UTC ISO form."""
    out = {}
    for k, v in row.items():
        if isinstance(v, str) and len(v) >= 19 and v[4] == "-" and v[10] == "T":
            try:
                parsed = datetime.fromisoformat(v)
                v = parsed.isoformat() if parsed.tzinfo is None else parsed.astimezone().isoformat()
            except ValueError:
                pass
        out[k] = v
    return out


def _table_rows(conn: Any, table: Table) -> list[dict[str, Any]]:
    pk = list(table.primary_key.columns)
    rows = conn.execute(select(table).order_by(*pk)).mappings()
    return [{k: _encode(v) for k, v in r.items()} for r in rows]


def _digest(rows: list[dict[str, Any]]) -> str:
    h = hashlib.sha256()
    for r in rows:
        h.update(_canonical(_normalise_dt(r)).encode())
        h.update(b"\n")
    return h.hexdigest()


def _revision(conn: Any) -> str | None:
    try:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # no alembic table: not a migrated database
        return None


def backup(engine: Engine, path: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = {"format": FORMAT, "tables": {}}
    with engine.connect() as conn, conn.begin(), zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))  # one consistent snapshot
        manifest["revision"] = _revision(conn)
        for table in _tables():
            rows = _table_rows(conn, table)
            zf.writestr(f"tables/{table.name}.jsonl", "".join(_canonical(r) + "\n" for r in rows))
            manifest["tables"][table.name] = {"rows": len(rows), "sha256": _digest(rows)}
        zf.writestr("manifest.json", json.dumps(manifest, indent=2))
    return manifest


def verify(engine: Engine, manifest: dict[str, Any]) -> dict[str, Any]:
    """Recount and re-hash every table; raise BackupError on any difference."""
    problems = []
    with engine.connect() as conn:
        for table in _tables():
            expected = manifest["tables"].get(table.name)
            if expected is None:
                continue
            rows = _table_rows(conn, table)
            if len(rows) != expected["rows"] or _digest(rows) != expected["sha256"]:
                problems.append(
                    f"{table.name}: {len(rows)} rows (expected {expected['rows']}), checksum "
                    f"{'ok' if _digest(rows) == expected['sha256'] else 'differs'}"
                )
    if problems:
        raise BackupError("Restore check failed: " + "; ".join(problems))
    return {"tables": len(manifest["tables"]), "rows": sum(t["rows"] for t in manifest["tables"].values())}


def restore(engine: Engine, path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        if manifest.get("format") != FORMAT:
            raise BackupError(f"Unsupported archive format {manifest.get('format')}.")
        tables = {t.name: t for t in _tables()}
        unknown = set(manifest["tables"]) - set(tables)
        if unknown:
            raise BackupError(f"The archive has tables this version does not know: {', '.join(sorted(unknown))}.")
        with session_scope(engine, write=True) as session:
            conn = session.connection()
            if _revision(conn) != manifest.get("revision"):
                raise BackupError(
                    f"Database schema is at {_revision(conn)}, archive at {manifest.get('revision')}: "
                    "run `socreg db upgrade` to the same revision first."
                )
            for name in manifest["tables"]:
                if conn.execute(select(func.count()).select_from(tables[name])).scalar_one():
                    raise BackupError(f"Restore needs an empty database; table {name} has rows.")
            for table in _tables():
                if table.name not in manifest["tables"]:
                    continue
                batch: list[dict[str, Any]] = []
                with zf.open(f"tables/{table.name}.jsonl") as fh:
                    for line in io.TextIOWrapper(fh, encoding="utf-8"):
                        raw = json.loads(line)
                        batch.append({c.name: _decode(c, raw.get(c.name)) for c in table.columns})
                        if len(batch) >= BATCH:
                            conn.execute(insert(table), batch)
                            batch = []
                if batch:
                    conn.execute(insert(table), batch)
            _reset_sequences(conn)
    return verify(engine, manifest)


def _reset_sequences(conn: Any) -> None:
    if conn.dialect.name != "postgresql":
        return
    meta = MetaData()
    for table in _tables():
        pk = list(table.primary_key.columns)
        if len(pk) == 1 and pk[0].autoincrement is not False and pk[0].type.python_type is int:
            seq = conn.execute(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": pk[0].name}
            ).scalar()
            if seq:
                conn.execute(text(f"SELECT setval('{seq}', (SELECT COALESCE(MAX({pk[0].name}), 1) FROM {table.name}))"))
    del meta
