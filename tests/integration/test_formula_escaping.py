"""Formula escaping (registry.exports.safe_cell) in every spreadsheet the service writes: the bulk
export over the API and the CLI, shortlist exports; and export -> import gives back exactly the
same values, names that really start with a quote included."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from registry.actor import SYSTEM
from registry.cli import app as cli_app
from registry.db import session_scope
from registry.suppliers.models import Supplier
from registry.tools.models import Tool
from registry.transfer.services import export_rows
from tests.conftest import DBHandle
from tests.integration.test_import_export import _empty_reference_db

HYPERLINK = '=HYPERLINK("http://evil.example","x")'
CMD = "+cmd|' /C calc'!A0"
ARITHMETIC = "-2+3"
AT = "@SUM(A1)"
TAB = "\tTAB first"
CR = "\rCR first"
QUOTED = "'=really starts with a quote"
PLAIN_QUOTE = "'quoted on purpose"

# Written to a published tool and its supplier; every one starts with a trigger or a quote.
TOOL_VALUES = {"name": HYPERLINK, "summary": TAB, "description": CR, "category": ARITHMETIC}
SECOND_TOOL_VALUES = {"name": QUOTED, "summary": CMD, "description": AT, "category": PLAIN_QUOTE}
SUPPLIER_VALUES = {"name": AT, "address": CR, "contact_name": CMD, "region": ARITHMETIC}
LIST_VALUES = {"data_standards": ["=EVIL()", "NIEM"]}


def _poison(db: DBHandle) -> tuple[int, int, int]:
    """Two published tools of one supplier get hostile text; returns (tool, second tool, supplier)."""
    with session_scope(db.engine) as s:
        tools = list(
            s.execute(select(Tool).where(Tool.status == "published").order_by(Tool.supplier_id, Tool.id)).scalars()
        )
        first, second = next((a, b) for a, b in zip(tools, tools[1:], strict=False) if a.supplier_id == b.supplier_id)
        s.execute(update(Tool).where(Tool.id == first.id).values(**TOOL_VALUES, **LIST_VALUES))
        s.execute(update(Tool).where(Tool.id == second.id).values(**SECOND_TOOL_VALUES))
        s.execute(update(Supplier).where(Supplier.id == first.supplier_id).values(**SUPPLIER_VALUES))
        return first.id, second.id, first.supplier_id  # type: ignore[return-value]


def _table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def _assert_escaped(row: dict[str, str], values: dict[str, str]) -> None:
    for field, value in values.items():
        assert row[field] == "'" + value, (field, row[field])


def test_api_csv_export_escapes_every_formula_trigger(client: Any, auth: Any, db: DBHandle) -> None:
    tool_id, second_id, supplier_id = _poison(db)
    with Session(db.engine) as s:
        number = s.get(Supplier, supplier_id).companies_house_number  # type: ignore[union-attr]

    resp = client.get("/api/v1/export/tools/csv", headers=auth("moderator"))
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    rows = _table(resp.text)
    by_name = {r["name"]: r for r in rows}
    _assert_escaped(by_name["'" + HYPERLINK], TOOL_VALUES)
    assert by_name["'" + HYPERLINK]["data_standards"] == "'=EVIL();NIEM"
    _assert_escaped(by_name["'" + QUOTED], SECOND_TOOL_VALUES)
    # Nothing else in the file starts with a formula trigger.
    assert not [c for r in rows for c in r.values() if c.startswith(("=", "+", "-", "@", "\t", "\r"))]

    # Staff see every field (the public export hides contact details and address: tests/doors).
    resp = client.get("/api/v1/export/suppliers/csv", headers=auth("moderator"))
    supplier = next(r for r in _table(resp.text) if r["companies_house_number"] == number)
    _assert_escaped(supplier, SUPPLIER_VALUES)

    # JSON is not a spreadsheet: it carries the values as they are.
    tools_json = client.get("/api/v1/export/tools", headers=auth("moderator")).json()["rows"]
    assert {"name": HYPERLINK, "summary": TAB}.items() <= next(r for r in tools_json if r["name"] == HYPERLINK).items()


def test_cli_csv_export_escapes_and_cli_import_restores_the_exact_values(
    db: DBHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _poison(db)
    with session_scope(db.engine) as s:
        suppliers, tools = export_rows(s, SYSTEM, "suppliers"), export_rows(s, SYSTEM, "tools")
    runner = CliRunner()
    monkeypatch.setenv("DATABASE_URL", db.url)
    files = {kind: tmp_path / f"{kind}.csv" for kind in ("suppliers", "tools")}
    for kind, path in files.items():
        result = runner.invoke(cli_app, ["export", kind, "--output", str(path), "--format", "csv"])
        assert result.exit_code == 0, result.output
    tool_rows = {r["name"]: r for r in _table(files["tools"].read_bytes().decode("utf-8"))}
    _assert_escaped(tool_rows["'" + HYPERLINK], TOOL_VALUES)
    _assert_escaped(tool_rows["'" + QUOTED], SECOND_TOOL_VALUES)
    assert any(r["name"] == "'" + AT for r in _table(files["suppliers"].read_bytes().decode("utf-8")))

    target = _empty_reference_db(db, tmp_path)
    monkeypatch.setenv("DATABASE_URL", str(target.url.render_as_string(hide_password=False)))
    for kind in ("suppliers", "tools"):
        result = runner.invoke(cli_app, ["import", kind, str(files[kind])])
        assert result.exit_code == 0, result.output
    with session_scope(target) as s:
        assert _sorted(export_rows(s, SYSTEM, "suppliers")) == _sorted(suppliers)
        again = export_rows(s, SYSTEM, "tools")
    assert _sorted(again) == _sorted(tools)
    restored = {r["name"]: r for r in again}
    assert {k: restored[HYPERLINK][k] for k in TOOL_VALUES} == TOOL_VALUES
    assert {k: restored[QUOTED][k] for k in SECOND_TOOL_VALUES} == SECOND_TOOL_VALUES
    assert restored[HYPERLINK]["data_standards"] == LIST_VALUES["data_standards"]
    target.dispose()


def _sorted(rows: list[dict[str, Any]]) -> list[str]:
    return sorted(repr(sorted(r.items())) for r in rows)


def test_shortlist_xlsx_and_csv_escape_every_trigger(client: Any, db: DBHandle) -> None:
    from tests.integration.test_browse_pages import sign_in
    from tests.integration.test_shortlists import _add, _create

    tool_id, second_id, _supplier = _poison(db)
    sign_in(client, "buyer_a")
    sid = _create(client, "Hostile names")
    assert _add(client, sid, tool_id, second_id, note="@risk check").status_code in (302, 303)

    ws = load_workbook(io.BytesIO(client.get(f"/shortlists/{sid}/export.xlsx").content)).active
    header = [c.value for c in ws[1]]
    rows = {r[0].value: {h: c for h, c in zip(header, r, strict=True)} for r in ws.iter_rows(min_row=2)}
    first, second = rows["'" + HYPERLINK], rows["'" + QUOTED]
    assert all(c.data_type == "s" for c in first.values() if isinstance(c.value, str))  # never a formula
    assert first["Supplier"].value == "'" + AT
    assert first["Summary"].value == "'" + TAB and first["Category"].value == "'" + ARITHMETIC
    assert first["Note"].value == "'@risk check"
    assert second["Summary"].value == "'" + CMD and second["Category"].value == "'" + PLAIN_QUOTE

    table = list(csv.reader(io.StringIO(client.get(f"/shortlists/{sid}/export.csv").content.decode("utf-8-sig"))))
    names = {r[0] for r in table[1:]}
    assert names == {"'" + HYPERLINK, "'" + QUOTED}
