"""Whole-registry backup to a portable archive, and restore into an empty database.

The archive is a zip: `manifest.json` (format version, alembic revision, per-table row count
and SHA-256 of the canonical rows) plus one JSON-lines file per table. Values are stored in a
database-neutral form (ISO dates, base64 bytes), so SQLite <-> PostgreSQL works both ways.

Restore trusts nothing in the archive. Before it writes a single row it checks that:
- the file is a zip with a well-formed manifest, of this format and of the database's revision;
- the manifest covers every table of the schema, each with its member;
- no member is larger, no line longer, and no member more compressed than the limits
  (`RestoreLimits`, from settings), so a zip bomb or a 300 MB line is refused unread;
- every member streams (line by line, never whole) to the row count and checksum the manifest
  gives, each line a JSON object of the table's columns.
Only then does it insert, in one transaction, and recount and re-hash the tables from inside that
transaction before committing. Any failure raises `BackupError` and leaves the database as it was.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Date, DateTime, Engine, LargeBinary, Table, func, insert, inspect, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import SQLModel

import registry.models  # noqa: F401  (every table is registered)
from registry.db import session_scope
from registry.progress import NULL_PROGRESS, Progress

FORMAT = 1
BATCH = 2000
BATCH_BYTES = 8 * 1024 * 1024  # an insert batch holds at most this much decoded JSON text
SKIP_TABLES = {"alembic_version", "apscheduler_jobs"}  # schema bookkeeping; jobs are re-registered
MANIFEST = "manifest.json"
MiB = 1024 * 1024


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class RestoreLimits:
    """What restore accepts from an archive; each has a setting (see registry/settings.py)."""

    max_member_bytes: int = 4 * 1024 * MiB  # RESTORE_MAX_MEMBER_BYTES: one table's JSON lines
    max_line_bytes: int = 32 * MiB  # RESTORE_MAX_LINE_BYTES: one row
    max_manifest_bytes: int = 4 * MiB  # RESTORE_MAX_MANIFEST_BYTES
    max_ratio: float = 200.0  # RESTORE_MAX_RATIO: uncompressed / compressed size of a member
    ratio_floor_bytes: int = 1 * MiB  # small members may compress as well as they like

    @classmethod
    def from_settings(cls, settings: Any) -> RestoreLimits:
        return cls(
            max_member_bytes=settings.restore_max_member_bytes,
            max_line_bytes=settings.restore_max_line_bytes,
            max_manifest_bytes=settings.restore_max_manifest_bytes,
            max_ratio=settings.restore_max_ratio,
        )


def _tables() -> list[Table]:
    return [t for t in SQLModel.metadata.sorted_tables if t.name not in SKIP_TABLES]


def _member(table: str) -> str:
    return f"tables/{table}.jsonl"


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
        return base64.b64decode(value["$b64"], validate=True)
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


def _iter_rows(conn: Any, table: Table) -> Iterator[dict[str, Any]]:
    """The table's rows in primary-key order, encoded, streamed (never the whole table in memory)."""
    pk = list(table.primary_key.columns)
    result = conn.execution_options(yield_per=BATCH).execute(select(table).order_by(*pk)).mappings()
    for r in result:
        yield {k: _encode(v) for k, v in r.items()}


class _Digest:
    def __init__(self) -> None:
        self._h = hashlib.sha256()
        self.rows = 0

    def add(self, row: dict[str, Any]) -> None:
        self._h.update(_canonical(_normalise_dt(row)).encode())
        self._h.update(b"\n")
        self.rows += 1

    def hexdigest(self) -> str:
        return self._h.hexdigest()


def _revision(conn: Any) -> str | None:
    # Ask the catalogue first: a failed SELECT would abort a PostgreSQL transaction.
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def backup(engine: Engine, path: Path, progress: Progress = NULL_PROGRESS) -> dict[str, Any]:
    manifest: dict[str, Any] = {"format": FORMAT, "tables": {}}
    with engine.connect() as conn, conn.begin(), zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))  # one consistent snapshot
        manifest["revision"] = _revision(conn)
        tables = _tables()
        total = sum(conn.execute(select(func.count()).select_from(t)).scalar_one() for t in tables)
        progress.start("Backing up rows", total)
        for table in tables:
            digest = _Digest()
            with zf.open(_member(table.name), "w", force_zip64=True) as fh:
                for row in _iter_rows(conn, table):
                    fh.write((_canonical(row) + "\n").encode())
                    digest.add(row)
                    progress.advance()
            manifest["tables"][table.name] = {"rows": digest.rows, "sha256": digest.hexdigest()}
        zf.writestr(MANIFEST, json.dumps(manifest, indent=2))
    return manifest


# --- restore ---------------------------------------------------------------------------------


def _open_archive(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except FileNotFoundError as exc:
        raise BackupError(f"There is no file {path}.") from exc
    except IsADirectoryError as exc:
        raise BackupError(f"{path} is a directory, not a backup archive.") from exc
    except PermissionError as exc:
        raise BackupError(f"{path} cannot be read (permission denied).") from exc
    except (zipfile.BadZipFile, OSError) as exc:
        raise BackupError(f"{path} is not a zip archive made by `socreg backup`.") from exc


def _check_sizes(zf: zipfile.ZipFile, limits: RestoreLimits) -> None:
    """Refuse members too large or too compressed, from the zip directory, before reading any."""
    for info in zf.infolist():
        if info.file_size > limits.max_member_bytes:
            raise BackupError(
                f"Member {info.filename} is {info.file_size:,} bytes uncompressed, over the limit of "
                f"{limits.max_member_bytes:,} (RESTORE_MAX_MEMBER_BYTES)."
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_floor_bytes and ratio > limits.max_ratio:
            raise BackupError(
                f"Member {info.filename} expands {ratio:,.0f} times ({info.compress_size:,} to {info.file_size:,} "
                f"bytes), over the limit of {limits.max_ratio:g} (RESTORE_MAX_RATIO): it looks like a zip bomb."
            )


def _read_manifest(zf: zipfile.ZipFile, limits: RestoreLimits) -> dict[str, Any]:
    try:
        info = zf.getinfo(MANIFEST)
    except KeyError as exc:
        raise BackupError(f"The archive has no {MANIFEST}: it was not made by `socreg backup`.") from exc
    if info.file_size > limits.max_manifest_bytes:
        raise BackupError(
            f"{MANIFEST} is {info.file_size:,} bytes, over the limit of {limits.max_manifest_bytes:,} "
            "(RESTORE_MAX_MANIFEST_BYTES)."
        )
    with _reading(MANIFEST), zf.open(info) as fh:
        raw = fh.read(limits.max_manifest_bytes + 1)  # the header may lie; never read past the limit
    if len(raw) > limits.max_manifest_bytes:
        raise BackupError(f"{MANIFEST} is over the limit of {limits.max_manifest_bytes:,} bytes.")
    try:
        manifest = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"{MANIFEST} is not valid JSON ({exc}).") from exc
    _check_manifest_shape(manifest)
    return manifest


def _check_manifest_shape(manifest: Any) -> None:
    if not isinstance(manifest, dict):
        raise BackupError(f"{MANIFEST} is not a JSON object.")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unsupported archive format {manifest.get('format')!r} (this version reads {FORMAT}).")
    tables = manifest.get("tables")
    if not isinstance(tables, dict):
        raise BackupError(f"{MANIFEST} has no table list.")
    for name, entry in tables.items():
        ok = (
            isinstance(entry, dict)
            and isinstance(entry.get("rows"), int)
            and not isinstance(entry.get("rows"), bool)
            and entry["rows"] >= 0
            and isinstance(entry.get("sha256"), str)
        )
        if not ok:
            raise BackupError(f"{MANIFEST}: the entry for table {name} needs a row count and a sha256.")


def _check_coverage(zf: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
    """The archive must hold every table of the schema, and nothing else."""
    known = {t.name for t in _tables()}
    listed = set(manifest["tables"])
    unknown = listed - known
    if unknown:
        raise BackupError(f"The archive has tables this version does not know: {', '.join(sorted(unknown))}.")
    missing = known - listed
    if missing:
        raise BackupError(
            f"The archive does not cover every table of its schema; missing: {', '.join(sorted(missing))}."
        )
    members = set(zf.namelist())
    absent = [name for name in sorted(known) if _member(name) not in members]
    if absent:
        raise BackupError(f"The archive has no member {_member(absent[0])} (and {len(absent) - 1} more missing).")


class _reading:
    """Turn the zip library's errors while reading a member into one plain BackupError."""

    def __init__(self, member: str) -> None:
        self.member = member

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: BaseException | None, _tb: Any) -> None:
        if isinstance(exc, zipfile.BadZipFile | zlib.error | EOFError | NotImplementedError | RuntimeError):
            raise BackupError(f"Member {self.member} is corrupt or unreadable ({exc}).") from exc


def _lines(zf: zipfile.ZipFile, member: str, limits: RestoreLimits) -> Iterator[tuple[int, bytes]]:
    """(line number, line) of a member, one at a time, never reading past the limits."""
    read = 0
    with _reading(member), zf.open(member) as fh:
        stream: IO[bytes] = fh
        number = 0
        while True:
            line = stream.readline(limits.max_line_bytes + 1)
            if not line:
                return
            number += 1
            read += len(line)
            if len(line) > limits.max_line_bytes:
                raise BackupError(
                    f"{member} line {number} is longer than the limit of {limits.max_line_bytes:,} bytes "
                    "(RESTORE_MAX_LINE_BYTES)."
                )
            if read > limits.max_member_bytes:
                raise BackupError(
                    f"{member} is longer than the limit of {limits.max_member_bytes:,} bytes (RESTORE_MAX_MEMBER_BYTES)."
                )
            yield number, line


def _rows(zf: zipfile.ZipFile, table: Table, limits: RestoreLimits) -> Iterator[tuple[dict[str, Any], int]]:
    """Each line of the table's member as (raw row, its size), checked to be an object of its columns."""
    member = _member(table.name)
    columns = {c.name for c in table.columns}
    for number, line in _lines(zf, member, limits):
        try:
            raw = json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BackupError(f"{member} line {number} is not valid JSON ({exc}).") from exc
        if not isinstance(raw, dict):
            raise BackupError(f"{member} line {number} is not a JSON object.")
        extra = set(raw) - columns
        if extra:
            raise BackupError(f"{member} line {number} has columns table {table.name} does not have: {sorted(extra)}.")
        yield raw, len(line)


def _decoded(table: Table, raw: dict[str, Any], number: int) -> dict[str, Any]:
    try:
        return {c.name: _decode(c, raw.get(c.name)) for c in table.columns}
    except (ValueError, TypeError, binascii.Error) as exc:
        raise BackupError(f"{_member(table.name)} line {number} has a value of the wrong type ({exc}).") from exc


def _check_members(zf: zipfile.ZipFile, manifest: dict[str, Any], limits: RestoreLimits, progress: Progress) -> None:
    """Stream every member once: row counts, checksums and values must match before any write."""
    for table in _tables():
        expected = manifest["tables"][table.name]
        digest = _Digest()
        for raw, _size in _rows(zf, table, limits):
            digest.add(raw)
            _decoded(table, raw, digest.rows)
            if digest.rows > expected["rows"]:
                raise BackupError(f"Table {table.name} has more rows than the manifest's {expected['rows']}.")
            progress.advance()
        if digest.rows != expected["rows"]:
            raise BackupError(f"Table {table.name} has {digest.rows} rows; the manifest says {expected['rows']}.")
        if digest.hexdigest() != expected["sha256"]:
            raise BackupError(f"Table {table.name}: the rows do not match the manifest's checksum (altered archive?).")


def _refuse_unless_ready(conn: Any, manifest: dict[str, Any]) -> None:
    revision = _revision(conn)
    if revision is None:
        raise BackupError(
            f"The database has no schema yet: run `socreg db upgrade --revision {manifest.get('revision')}` first."
        )
    if revision != manifest.get("revision"):
        raise BackupError(
            f"Database schema is at {revision}, archive at {manifest.get('revision')}: "
            "run `socreg db upgrade` to the same revision first."
        )
    for table in _tables():
        if conn.execute(select(func.count()).select_from(table)).scalar_one():
            raise BackupError(f"Restore needs an empty database; table {table.name} has rows.")


def _insert_all(conn: Any, zf: zipfile.ZipFile, limits: RestoreLimits, progress: Progress) -> None:
    for table in _tables():
        batch: list[dict[str, Any]] = []
        size = 0
        for raw, line_size in _rows(zf, table, limits):
            batch.append(_decoded(table, raw, len(batch) + 1))
            size += line_size
            if len(batch) >= BATCH or size >= BATCH_BYTES:
                conn.execute(insert(table), batch)
                progress.advance(len(batch))
                batch, size = [], 0
        if batch:
            conn.execute(insert(table), batch)
            progress.advance(len(batch))


def _verify_in(conn: Any, manifest: dict[str, Any], progress: Progress) -> None:
    """Recount and re-hash every table as the restoring transaction sees it."""
    problems = []
    for table in _tables():
        expected = manifest["tables"][table.name]
        digest = _Digest()
        for row in _iter_rows(conn, table):
            digest.add(row)
            progress.advance()
        if digest.rows != expected["rows"] or digest.hexdigest() != expected["sha256"]:
            same = digest.hexdigest() == expected["sha256"]
            problems.append(
                f"{table.name}: {digest.rows} rows (expected {expected['rows']}), checksum {'ok' if same else 'differs'}"
            )
    if problems:
        raise BackupError("Restore check failed: " + "; ".join(problems))


def restore(
    engine: Engine, path: Path, limits: RestoreLimits | None = None, progress: Progress = NULL_PROGRESS
) -> dict[str, Any]:
    """Check the whole archive, then restore it in one transaction verified before it commits."""
    limits = limits or RestoreLimits()
    with _open_archive(path) as zf:
        _check_sizes(zf, limits)
        manifest = _read_manifest(zf, limits)
        _check_coverage(zf, manifest)
        with engine.connect() as conn:
            _refuse_unless_ready(conn, manifest)
        total = sum(entry["rows"] for entry in manifest["tables"].values())
        progress.start("Checking archive", total)
        _check_members(zf, manifest, limits, progress)
        try:
            with session_scope(engine, write=True) as session:
                conn = session.connection()
                _refuse_unless_ready(conn, manifest)  # again, under the write lock
                progress.start("Restoring rows", total)
                _insert_all(conn, zf, limits, progress)
                progress.start("Verifying restored rows", total)
                _verify_in(conn, manifest, progress)
                # Last: PostgreSQL's setval is not undone by a rollback.
                _reset_sequences(conn)
        except SQLAlchemyError as exc:
            first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise BackupError(f"The database refused the archive's rows: {first}") from exc
    return {"tables": len(manifest["tables"]), "rows": total}


def _reset_sequences(conn: Any) -> None:
    if conn.dialect.name != "postgresql":
        return
    for table in _tables():
        pk = list(table.primary_key.columns)
        if len(pk) == 1 and pk[0].autoincrement is not False and pk[0].type.python_type is int:
            seq = conn.execute(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": pk[0].name}
            ).scalar()
            if seq:
                conn.execute(text(f"SELECT setval('{seq}', (SELECT COALESCE(MAX({pk[0].name}), 1) FROM {table.name}))"))
