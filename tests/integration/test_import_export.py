"""Import/export of suppliers and tools: round trip, and all-or-nothing with a row report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.actor import SYSTEM
from registry.db import make_engine, session_scope, upgrade
from registry.seed import load_reference, read_seed
from registry.suppliers.models import Supplier
from registry.tools.models import Tool
from registry.transfer.services import ImportFailed, dumps, export_rows, import_rows, parse
from tests.conftest import DBHandle


def _empty_reference_db(db: DBHandle, tmp_path: Path) -> Any:
    """An empty database of the same backend with only reference data (taxonomy, skills)."""
    from tests.conftest import drop_db, fresh_db  # noqa: F401

    if db.backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        upgrade(url)
        engine = make_engine(url)
    else:
        from sqlalchemy import text

        from tests.conftest import RUN_ID, _pg_admin, _pg_url

        name = f"socreg_rt_{RUN_ID}"
        with _pg_admin().connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        upgrade(_pg_url(name))
        engine = make_engine(_pg_url(name))
    with session_scope(engine) as s:
        load_reference(s, read_seed("taxonomy"), read_seed("skills"))
    return engine


def _comparable(rows: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True, default=str) for r in rows)


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_then_import_into_empty_database_gives_the_same_data(db: DBHandle, tmp_path: Path, fmt: str) -> None:
    with session_scope(db.engine) as s:
        suppliers = export_rows(s, SYSTEM, "suppliers")
        tools = export_rows(s, SYSTEM, "tools")
    sup_text, tool_text = dumps(suppliers, "suppliers", fmt), dumps(tools, "tools", fmt)  # type: ignore[arg-type]
    target = _empty_reference_db(db, tmp_path)
    with session_scope(target) as s:
        import_rows(s, SYSTEM, "suppliers", parse(sup_text.encode(), "suppliers", fmt))  # type: ignore[arg-type]
    with session_scope(target) as s:
        report = import_rows(s, SYSTEM, "tools", parse(tool_text.encode(), "tools", fmt))  # type: ignore[arg-type]
    assert report.created == len(tools) and len(tools) >= 90
    with session_scope(target) as s:
        assert _comparable(export_rows(s, SYSTEM, "suppliers")) == _comparable(suppliers)
        assert _comparable(export_rows(s, SYSTEM, "tools")) == _comparable(tools)
    target.dispose()


def test_a_file_with_one_bad_row_imports_nothing_and_names_the_row(db: DBHandle) -> None:
    with session_scope(db.engine) as s:
        rows = export_rows(s, SYSTEM, "tools")[:5]
        before = s.execute(select(func.count()).select_from(Tool)).scalar_one()
    for r in rows:
        r["name"] = r["name"] + " II"
    rows[3]["trl"] = 42
    with pytest.raises(ImportFailed) as err, session_scope(db.engine) as s:
        import_rows(s, SYSTEM, "tools", rows)
    assert [e.row for e in err.value.report.errors] == [4]
    assert err.value.report.errors[0].field == "trl"
    with Session(db.engine) as s:
        assert s.execute(select(func.count()).select_from(Tool)).scalar_one() == before


def test_supplier_import_reports_duplicates_and_bad_numbers(db: DBHandle) -> None:
    csv_text = (
        "name,companies_house_number,size_band\n"
        "New One Ltd,12300001,small\n"
        "New Two Ltd,12300001,small\n"
        "New Three Ltd,XX1,small\n"
    )
    rows = parse(csv_text.encode(), "suppliers", "csv")
    with pytest.raises(ImportFailed) as err, session_scope(db.engine) as s:
        import_rows(s, SYSTEM, "suppliers", rows)
    problems = {(e.row, e.field) for e in err.value.report.errors}
    assert (2, "companies_house_number") in problems and (3, "companies_house_number") in problems
    with Session(db.engine) as s:
        assert s.execute(select(Supplier).where(Supplier.name == "New One Ltd")).first() is None


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\xff\xfe\x00bad", "not UTF-8"),
        (b"name,unknown_col\nx,y\n", "Unknown column"),
        (b"summary\nx\n", "must include 'name'"),
    ],
)
def test_file_level_problems_are_clear(content: bytes, message: str) -> None:
    from registry.errors import InvalidInput

    with pytest.raises(InvalidInput) as err:
        parse(content, "tools", "csv")
    assert message in err.value.detail
