"""The one formula-escaping rule (registry.exports): reversible, and used by the report CSV and
XLSX renderers; and no second copy of it anywhere."""

from __future__ import annotations

import ast
import csv
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.reports.document import Column, Report, Section, Table
from assessments.reports.render_csv import render_csv_zip
from assessments.reports.render_xlsx import render_xlsx
from registry.exports import FORMULA_TRIGGERS, safe_cell, unescape_cell

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = [
    '=HYPERLINK("http://evil.example","x")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
    "\tTAB first",
    "\rCR first",
]
QUOTED = ["'=already quoted", "'plain", "''two"]


@pytest.mark.parametrize("text", HOSTILE + QUOTED)
def test_text_starting_with_a_trigger_or_a_quote_gets_one_quote(text: str) -> None:
    assert safe_cell(text) == "'" + text
    assert unescape_cell(safe_cell(text)) == text


@pytest.mark.parametrize("value", ["plain", "", " =not first", "1+1", "a'b", 5, -5, 2.5, None, True])
def test_other_values_pass_through_both_ways(value: object) -> None:
    assert safe_cell(value) == value
    if isinstance(value, str):
        assert unescape_cell(value) == value


@given(st.text())
def test_escaping_is_reversible_and_never_leaves_a_trigger_first(text: str) -> None:
    escaped = safe_cell(text)
    assert unescape_cell(escaped) == text
    assert not escaped.startswith(FORMULA_TRIGGERS)


def _report() -> Report:
    table = Table(
        id="suppliers",
        title="Suppliers",
        columns=[Column("name", "Supplier"), Column("note", "Note"), Column("price", "Price", "money")],
        rows=[{"name": text, "note": QUOTED[i % len(QUOTED)], "price": -5} for i, text in enumerate(HOSTILE)],
    )
    return Report(
        kind="procurement",
        title="Hostile",
        organisation="Org",
        generated_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
        generated_by="officer@example.gov.uk",
        sections=[Section("shortlist", "Shortlist", tables=[table])],
    )


def test_report_csv_escapes_every_trigger_and_keeps_numbers() -> None:
    with zipfile.ZipFile(io.BytesIO(render_csv_zip(_report()))) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".csv"))
        rows = list(csv.reader(io.StringIO(zf.read(name).decode("utf-8-sig"), newline="")))
    assert [r[0] for r in rows[1:]] == ["'" + t for t in HOSTILE]
    assert {r[1] for r in rows[1:]} == {"'" + q for q in QUOTED}
    assert {r[2] for r in rows[1:]} == {"-5"}  # a negative number is a number, not a formula


def test_report_xlsx_escapes_every_trigger_and_no_cell_is_a_formula() -> None:
    wb = openpyxl.load_workbook(io.BytesIO(render_xlsx(_report())))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    values = {c.value for c in cells}
    # openpyxl writes a CR as &#13; when lxml is installed (python-docx needs it), which reads back
    # as CR; without lxml the bare CR is normalised to LF by the XML parser.
    assert {"'" + t for t in HOSTILE} <= values or {"'" + t.replace("\r", "\n") for t in HOSTILE} <= values
    assert {"'" + q for q in QUOTED} <= values


def _functions_named(name: str) -> list[str]:
    found = []
    for folder in ("registry", "assessments"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(), filename=str(path))
            found += [
                str(path.relative_to(ROOT))
                for node in ast.walk(tree)
                if isinstance(node, ast.FunctionDef) and node.name == name
            ]
    return found


def test_formula_escaping_has_one_home() -> None:
    assert _functions_named("safe_cell") == ["registry/exports.py"]
    assert _functions_named("unescape_cell") == ["registry/exports.py"]
