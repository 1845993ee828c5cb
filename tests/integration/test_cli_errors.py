"""socreg never shows an operator a traceback: one plain line on stderr and a non-zero exit,
for every command; plus --version, downgrade-to-base confirmation and progress bars that stay
off stdout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from registry.cli import app as cli_app
from registry.settings import ROOT
from tests.conftest import DBHandle


@pytest.fixture
def socreg(db: DBHandle, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    monkeypatch.setenv("DATABASE_URL", db.url)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))

    def run(*args: Any, input: str | None = None) -> Any:
        return CliRunner().invoke(cli_app, [str(a) for a in args], input=input)

    return run


def assert_one_line_error(result: Any, needle: str, code: int = 1) -> None:
    assert result.exit_code == code, (result.exit_code, result.output)
    assert isinstance(result.exception, SystemExit), repr(result.exception)  # nothing escaped the command
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert needle in lines[0], lines[0]


def _files(tmp_path: Path) -> dict[str, Path]:
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{not json")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name\nCaf\xe9 Ltd\n".encode("latin-1"))
    return {"bad_json": bad_json, "latin": latin}


CASES = [
    (("db", "upgrade", "--revision", "nope"), "Can't locate revision identified by 'nope'"),
    (("db", "downgrade", "--revision", "nope"), "Can't locate revision identified by 'nope'"),
    (("restore", "{tmp}/missing.zip"), "Nothing was restored: There is no file"),
    (("import", "suppliers", "{tmp}/missing.json"), "There is no file"),
    (("import", "suppliers", "{bad_json}"), "The file is not valid JSON"),
    (("import", "suppliers", "{latin}"), "The file is not UTF-8 text"),
    (("jobs", "history", "no_such_job"), "No such job: no_such_job"),
    (
        ("user", "create", "x@example.org", "--name", "X", "--role", "admin", "--organisation-id", "99999")
        + ("--password", "a-long-enough-password"),
        "Unknown organisation",
    ),
    (
        ("user", "create", "buyer@nwrocu.example", "--name", "X", "--admin", "--organisation-id", "1")
        + ("--password", "a-long-enough-password"),
        "already exists",
    ),
    (("user", "create", "x@example.org", "--name", "X", "--password", "a-long-enough-password"), "--admin"),
    (("org", "create", "--name", "   ", "--kind", "buyer"), "name"),
]


@pytest.mark.parametrize("args, needle", CASES, ids=[" ".join(a[:2]) + f"-{i}" for i, (a, _) in enumerate(CASES)])
def test_operator_errors_are_one_line_and_exit_1(
    socreg: Any, tmp_path: Path, args: tuple[str, ...], needle: str
) -> None:
    files = _files(tmp_path)
    argv = [a.format(tmp=tmp_path, **files) for a in args]
    assert_one_line_error(socreg(*argv), needle)


def test_jobs_run_of_an_unknown_job_exits_non_zero(socreg: Any) -> None:
    assert_one_line_error(socreg("jobs", "run", "no_such_job"), "No such job", code=2)


def test_an_unreachable_database_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/no/such/dir/registry.sqlite3")
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    assert_one_line_error(CliRunner().invoke(cli_app, ["jobs", "list"]), "The database cannot be used")


def test_a_real_process_prints_no_traceback(tmp_path: Path) -> None:
    """Through the installed entry point's module, not the test runner: stderr is one line."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "VAR_DIR": str(tmp_path)}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    proc = subprocess.run(
        [sys.executable, "-m", "registry.cli", "restore", str(tmp_path / "nope.zip")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [f"Nothing was restored: There is no file {tmp_path / 'nope.zip'}."]
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_version() -> None:
    from importlib.metadata import version

    result = CliRunner().invoke(cli_app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"socreg {version('soc-capability-registry')}"


def test_downgrade_to_base_asks_first(socreg: Any, db: DBHandle) -> None:
    result = socreg("db", "downgrade", input="n\n")
    assert result.exit_code == 1 and "drops every table" in result.output and "Aborted" in result.output
    with db.engine.connect() as conn:  # nothing was dropped
        assert conn.execute(text("SELECT COUNT(*) FROM tool")).scalar_one() > 0
    result = socreg("db", "downgrade", "--yes")
    assert result.exit_code == 0, result.output
    db.engine.dispose()
    with db.engine.connect() as conn:
        assert "tool" not in inspect(conn).get_table_names()


def test_progress_bars_go_to_stderr_only(socreg: Any, tmp_path: Path) -> None:
    # Without a terminal and without --progress: no bar at all.
    quiet = socreg("seed", "synthetic", "--tools", "40", "--seed", "7")
    assert quiet.exit_code == 0, quiet.output
    assert quiet.stderr == ""
    assert json.loads(quiet.stdout)["tools"] == 40
    # --progress: counts on stderr, stdout still one JSON document.
    loud = socreg("--progress", "seed", "synthetic", "--tools", "60", "--seed", "8")
    assert loud.exit_code == 0, loud.output
    assert json.loads(loud.stdout)["tools"] == 60
    assert "Generating tools" in loud.stderr and "60/60" in loud.stderr
    out = tmp_path / "tools.json"
    exported = socreg("--progress", "export", "tools", "-o", out)
    assert exported.exit_code == 0, exported.output
    count = len(json.loads(out.read_text())["rows"])
    assert exported.stdout.strip() == f"Exported {count} tools to {out}"
    assert "Exporting tools" in exported.stderr and f"{count}/{count}" in exported.stderr
    backed = socreg("--progress", "backup", "-o", tmp_path / "b.zip")
    assert backed.exit_code == 0, backed.output
    assert backed.stdout.startswith("Backed up ") and "Backing up rows" in backed.stderr
    suppliers = tmp_path / "suppliers.json"
    rows = [{"name": "Progress Test Ltd", "companies_house_number": "OC987654", "size_band": "small"}]
    suppliers.write_text(json.dumps(rows))
    imported = socreg("--progress", "import", "suppliers", suppliers)
    assert imported.exit_code == 0, imported.output
    assert imported.stdout.strip() == "Imported 1 suppliers."
    assert "Checking supplier rows" in imported.stderr and "1/1" in imported.stderr


def test_an_internal_error_is_one_line_unless_debugging(
    socreg: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import registry.backup

    def broken(*_a: Any, **_k: Any) -> None:
        raise ZeroDivisionError("a bug, not the operator's fault")

    monkeypatch.setattr(registry.backup, "backup", broken)
    result = socreg("backup", "-o", tmp_path / "b.zip")
    assert_one_line_error(result, "Internal error: ZeroDivisionError: a bug", code=70)
    assert "SOCREG_DEBUG=1" in result.stderr
    monkeypatch.setenv("SOCREG_DEBUG", "1")
    result = socreg("backup", "-o", tmp_path / "b.zip")
    assert isinstance(result.exception, ZeroDivisionError)  # the traceback is there for a developer
