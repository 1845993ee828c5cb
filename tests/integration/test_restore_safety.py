"""Restore trusts nothing in an archive: an altered, partial, oversized or compressed-bomb
archive is refused with one line, and the target database is exactly as it was before."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from registry.backup import BackupError, RestoreLimits, _canonical, _Digest, backup, restore
from registry.cli import app as cli_app
from registry.db import make_engine, upgrade
from registry.settings import ROOT
from tests.conftest import PG_URL, RUN_ID, DBHandle, _pg_admin, _pg_url

_targets = iter(range(1_000_000))


def _empty_target(db: DBHandle, tmp_path: Path) -> str:
    """A migrated, empty database on the same backend as `db`."""
    n = next(_targets)
    if db.backend == "sqlite":
        url = f"sqlite:///{tmp_path / f'target{n}.sqlite3'}"
    else:
        name = f"socreg_restore_{RUN_ID}_safety{n}"
        with _pg_admin().connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = _pg_url(name)
    upgrade(url)
    return url


def snapshot(url: str) -> Any:
    """Everything in the database: the file's bytes and a full dump (SQLite), or every row of every
    table and every sequence's position (PostgreSQL)."""
    engine = make_engine(url)
    try:
        if url.startswith("sqlite"):
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            engine.dispose()
            path = url.removeprefix("sqlite:///")
            con = sqlite3.connect(path)
            try:
                dump = list(con.iterdump())
            finally:
                con.close()
            return hashlib.sha256(Path(path).read_bytes()).hexdigest(), dump
        out: dict[str, Any] = {}
        with engine.connect() as conn:
            for table in sorted(inspect(conn).get_table_names()):
                rows = conn.execute(text(f'SELECT * FROM "{table}"')).all()
                out[table] = sorted(repr(tuple(r)) for r in rows)
            out["sequences"] = sorted(
                conn.execute(text("SELECT sequencename, last_value FROM pg_sequences")).all(), key=repr
            )
        return out
    finally:
        engine.dispose()


def rewrite(
    archive: Path,
    out: Path,
    members: dict[str, bytes | None] | None = None,
    manifest: Callable[[dict[str, Any]], None] | None = None,
) -> Path:
    """A copy of `archive` with some members replaced (None: dropped) and the manifest edited."""
    members = members or {}
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        data = json.loads(src.read("manifest.json"))
        if manifest:
            manifest(data)
        for name in src.namelist():
            if name == "manifest.json":
                continue
            if name in members:
                if members[name] is not None:
                    dst.writestr(name, members[name])  # type: ignore[arg-type]
                continue
            dst.writestr(name, src.read(name))
        dst.writestr("manifest.json", json.dumps(data))
    return out


def _rows(archive: Path, table: str) -> list[dict[str, Any]]:
    with zipfile.ZipFile(archive) as zf:
        return [json.loads(line) for line in zf.read(f"tables/{table}.jsonl").splitlines()]


def _jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(_canonical(r) + "\n" for r in rows).encode()


def _reseal(manifest: dict[str, Any], table: str, rows: list[dict[str, Any]]) -> None:
    """What a careful forger does: give the manifest the altered rows' count and checksum."""
    digest = _Digest()
    for r in rows:
        digest.add(r)
    manifest["tables"][table] = {"rows": digest.rows, "sha256": digest.hexdigest()}


def cli_restore(url: str, archive: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> Any:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return CliRunner().invoke(cli_app, ["restore", str(archive)])


def assert_refused(result: Any, *needles: str) -> None:
    assert result.exit_code == 1, (result.exit_code, result.output)
    assert isinstance(result.exception, SystemExit), result.exception  # no exception escaped
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Nothing was restored:"), lines
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert result.stdout == ""


@pytest.fixture
def archive(db: DBHandle, tmp_path: Path) -> Path:
    path = tmp_path / "good.zip"
    backup(db.engine, path)
    return path


def _buyer_made_admin(archive: Path) -> list[dict[str, Any]]:
    users = _rows(archive, "user_account")
    buyer = next(u for u in users if u["email"] == "buyer@nwrocu.example")
    assert buyer["role"] == "procurement_officer"
    buyer["role"] = "admin"
    return users


def test_a_buyer_made_admin_in_the_rows_is_refused_and_nothing_is_written(
    db: DBHandle, archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _empty_target(db, tmp_path)
    before = snapshot(url)
    tampered = rewrite(archive, tmp_path / "t.zip", {"tables/user_account.jsonl": _jsonl(_buyer_made_admin(archive))})
    result = cli_restore(url, tampered, monkeypatch, tmp_path)
    assert_refused(result, "user_account", "checksum")
    assert snapshot(url) == before
    # The untouched archive restores into the same database: the refusal left it usable.
    assert restore(make_engine(url), archive)["rows"] > 0


@pytest.mark.parametrize(
    "edit, needle",
    [
        (lambda m: m["tables"]["tool"].update(sha256="0" * 64), "checksum"),
        (lambda m: m["tables"]["tool"].update(rows=m["tables"]["tool"]["rows"] + 1), "rows"),
        (lambda m: m["tables"]["tool"].update(rows=m["tables"]["tool"]["rows"] - 1), "more rows"),
        (lambda m: m["tables"]["tool"].update(rows="many"), "row count"),
        (lambda m: m.update(format=99), "format"),
        (lambda m: m.update(revision="0001"), "schema is at"),
    ],
    ids=["checksum", "more-rows-claimed", "fewer-rows-claimed", "bad-count", "format", "revision"],
)
def test_an_altered_manifest_is_refused_and_nothing_is_written(
    db: DBHandle,
    archive: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    edit: Callable[[dict[str, Any]], None],
    needle: str,
) -> None:
    url = _empty_target(db, tmp_path)
    before = snapshot(url)
    result = cli_restore(url, rewrite(archive, tmp_path / "t.zip", manifest=edit), monkeypatch, tmp_path)
    assert_refused(result, needle)
    assert snapshot(url) == before


def test_rows_the_database_refuses_roll_back_everything(db: DBHandle, archive: Path, tmp_path: Path) -> None:
    """A resealed archive passes the checksums but repeats a primary key: the insert fails late,
    after earlier tables were written in the same transaction, and all of it is undone."""
    url = _empty_target(db, tmp_path)
    before = snapshot(url)
    tools = _rows(archive, "tool")
    tools.append(dict(tools[0]))
    tampered = rewrite(
        archive,
        tmp_path / "t.zip",
        {"tables/tool.jsonl": _jsonl(tools)},
        manifest=lambda m: _reseal(m, "tool", tools),
    )
    with pytest.raises(BackupError, match="database refused"):
        restore(make_engine(url), tampered)
    assert snapshot(url) == before


def test_a_failed_check_inside_the_transaction_commits_nothing(
    db: DBHandle, archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every row is written, then the in-transaction recount disagrees: nothing is committed."""
    import registry.backup as backup_module

    def disagree(conn: Any, manifest: dict[str, Any], progress: Any) -> None:
        assert conn.execute(text("SELECT COUNT(*) FROM tool")).scalar() > 0  # the rows are there, uncommitted
        raise BackupError("Restore check failed: tool: checksum differs")

    monkeypatch.setattr(backup_module, "_verify_in", disagree)
    url = _empty_target(db, tmp_path)
    before = snapshot(url)
    with pytest.raises(BackupError, match="check failed"):
        restore(make_engine(url), archive)
    assert snapshot(url) == before


def test_an_archive_that_covers_only_some_tables_is_refused(
    db: DBHandle, archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _empty_target(db, tmp_path)
    before = snapshot(url)

    def only_three(m: dict[str, Any]) -> None:
        m["tables"] = {k: m["tables"][k] for k in ("organisation", "user_account", "supplier")}

    result = cli_restore(url, rewrite(archive, tmp_path / "part.zip", manifest=only_three), monkeypatch, tmp_path)
    assert_refused(result, "does not cover every table", "tool")
    # Listed in the manifest but its member is gone.
    result = cli_restore(
        url, rewrite(archive, tmp_path / "nomember.zip", {"tables/tool.jsonl": None}), monkeypatch, tmp_path
    )
    assert_refused(result, "no member tables/tool.jsonl")
    assert snapshot(url) == before


def _replace_member_streaming(archive: Path, out: Path, member: str, chunks: Any) -> Path:
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            if name != member:
                dst.writestr(name, src.read(name))
        with dst.open(member, "w", force_zip64=True) as fh:
            for chunk in chunks:
                fh.write(chunk)
    return out


def _peak_during(fn: Callable[[], Any]) -> tuple[BaseException | None, int]:
    tracemalloc.start()
    try:
        fn()
    except BaseException as exc:  # noqa: BLE001 - returned for the test to inspect
        return exc, tracemalloc.get_traced_memory()[1]
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return None, peak


def test_a_zip_bomb_is_refused_without_being_read(db: DBHandle, archive: Path, tmp_path: Path) -> None:
    # 64 MiB of one byte compresses about a thousand times.
    bomb = _replace_member_streaming(
        archive, tmp_path / "bomb.zip", "tables/tool.jsonl", (b" " * (1 << 20) for _ in range(64))
    )
    assert bomb.stat().st_size < 2 << 20
    url = _empty_target(db, tmp_path)
    before = snapshot(url)
    engine = make_engine(url)
    exc, peak = _peak_during(lambda: restore(engine, bomb))
    assert isinstance(exc, BackupError) and "zip bomb" in str(exc), exc
    assert "RESTORE_MAX_RATIO" in str(exc)
    assert peak < 4 << 20, f"peak {peak:,} bytes"
    engine.dispose()
    assert snapshot(url) == before


def test_an_over_long_line_is_refused_after_reading_only_the_limit(db: DBHandle, archive: Path, tmp_path: Path) -> None:
    # 8 MiB of hex text: compresses only about twice, so it passes the ratio check and must be
    # stopped by the line limit, while being read.
    line = (b'{"name":"' + os.urandom(4 << 20).hex().encode() + b'"}\n',)
    long_line = _replace_member_streaming(archive, tmp_path / "long.zip", "tables/tool.jsonl", line)
    url = _empty_target(db, tmp_path)
    engine = make_engine(url)
    limits = RestoreLimits(max_line_bytes=256 * 1024)
    exc, peak = _peak_during(lambda: restore(engine, long_line, limits=limits))
    assert isinstance(exc, BackupError), exc
    assert "tables/tool.jsonl line 1 is longer than the limit of 262,144 bytes" in str(exc)
    assert peak < 3 << 20, f"peak {peak:,} bytes"  # the line is 8 MiB; only the limit was read
    engine.dispose()


def test_limits_come_from_settings(
    db: DBHandle, archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _empty_target(db, tmp_path)
    before = snapshot(url)
    result = cli_restore(url, archive, monkeypatch, tmp_path, RESTORE_MAX_MEMBER_BYTES="1000")
    assert_refused(result, "over the limit of 1,000", "RESTORE_MAX_MEMBER_BYTES")
    result = cli_restore(
        url, archive, monkeypatch, tmp_path, RESTORE_MAX_MEMBER_BYTES=str(1 << 30), RESTORE_MAX_MANIFEST_BYTES="100"
    )
    assert_refused(result, "manifest.json", "RESTORE_MAX_MANIFEST_BYTES")
    result = cli_restore(
        url, archive, monkeypatch, tmp_path, RESTORE_MAX_MANIFEST_BYTES=str(1 << 20), RESTORE_MAX_LINE_BYTES="50"
    )
    assert_refused(result, "longer than the limit of 50 bytes", "RESTORE_MAX_LINE_BYTES")
    assert snapshot(url) == before


def test_broken_archives_give_one_line_and_exit_1(
    db: DBHandle, archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _empty_target(db, tmp_path)
    before = snapshot(url)
    not_zip = tmp_path / "notes.zip"
    not_zip.write_text("this is not a zip\n")
    no_manifest = tmp_path / "nomanifest.zip"
    with zipfile.ZipFile(no_manifest, "w") as zf:
        zf.writestr("tables/tool.jsonl", "")
    bad_manifest = tmp_path / "badmanifest.zip"
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(bad_manifest, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, "{not json" if name == "manifest.json" else src.read(name))
    bad_line = rewrite(archive, tmp_path / "badline.zip", {"tables/tool.jsonl": b"{not json\n"})
    not_object = rewrite(archive, tmp_path / "array.zip", {"tables/tool.jsonl": b"[1, 2]\n"})
    extra_column = _rows(archive, "organisation")
    extra_column[0]["is_admin"] = True
    odd = rewrite(
        archive,
        tmp_path / "odd.zip",
        {"tables/organisation.jsonl": _jsonl(extra_column)},
        manifest=lambda m: _reseal(m, "organisation", extra_column),
    )
    unmigrated = f"sqlite:///{tmp_path / 'unmigrated.sqlite3'}"
    assert_refused(cli_restore(unmigrated, archive, monkeypatch, tmp_path), "no schema yet", "socreg db upgrade")
    cases = [
        (tmp_path / "missing.zip", "There is no file"),
        (tmp_path, "is a directory"),
        (not_zip, "is not a zip archive"),
        (no_manifest, "no manifest.json"),
        (bad_manifest, "manifest.json is not valid JSON"),
        (bad_line, "tables/tool.jsonl line 1 is not valid JSON"),
        (not_object, "tables/tool.jsonl line 1 is not a JSON object"),
        (odd, "columns table organisation does not have: ['is_admin']"),
    ]
    for path, needle in cases:
        assert_refused(cli_restore(url, path, monkeypatch, tmp_path), needle)
    assert snapshot(url) == before


def test_a_good_archive_still_restores_with_a_progress_bar(
    db: DBHandle, archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _empty_target(db, tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    result = CliRunner().invoke(cli_app, ["--progress", "restore", str(archive)])
    assert result.exit_code == 0, result.output
    total = sum(t["rows"] for t in json.loads(zipfile.ZipFile(archive).read("manifest.json"))["tables"].values())
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Restored and verified {total} rows in"), lines  # bars: stderr only
    assert f"{total}/{total}" in result.stderr and "Verifying restored rows" in result.stderr


INNER_FAILING_RUN = """
import os
from pathlib import Path

from sqlalchemy import text

from tests.conftest import RUN_ID, _pg_admin
from tests.integration.test_restore_safety import _empty_target


def test_makes_databases_then_fails(db, tmp_path):
    _empty_target(db, tmp_path)
    with _pg_admin().connect() as conn:
        names = conn.execute(
            text("SELECT datname FROM pg_database WHERE strpos(datname, :run) > 0"), {"run": RUN_ID}
        ).scalars()
        Path(os.environ["INNER_NAMES"]).write_text("\\n".join(names))
    assert db.backend == "impossible", "this run fails on purpose"
"""


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL databases only exist when TEST_POSTGRES_URL is set")
def test_a_failing_run_leaves_no_postgres_databases_behind(tmp_path: Path) -> None:
    """A test run that fails still drops its template, test and restore-target databases."""
    inner = tmp_path / "test_inner_failing_run.py"
    inner.write_text(INNER_FAILING_RUN)
    names_file = tmp_path / "names.txt"
    env = {**os.environ, "INNER_NAMES": str(names_file), "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.conftest", str(inner)]
        + ["-k", "postgres", "--rootdir", str(ROOT)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 1 and "this run fails on purpose" in proc.stdout, proc.stdout[-2000:]
    made = names_file.read_text().split()
    kinds = {name.split("_")[1] for name in made}
    assert {"tpl", "t", "restore"} <= kinds, made  # the run did make each kind of database
    with _pg_admin().connect() as conn:
        left = conn.execute(
            text("SELECT datname FROM pg_database WHERE datname = ANY(:names)"), {"names": made}
        ).scalars()
        assert list(left) == []
