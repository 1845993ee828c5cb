"""XLSX reports people can sort, filter and print: every data sheet is a table from A1 (its
header row), the protective marking is in each sheet's printed header and footer and on an
"About" sheet, sheet names are whole words, and every sheet is set up to print (A4, one page
wide, landscape for wide tables, the header row repeated). Checked on the demo data through the
report service and on the synthetic 2,000-requirement report."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from assessments.reports import services as service
from assessments.reports.document import Column, Report, Section, Table
from assessments.reports.render_xlsx import LANDSCAPE_CHARS, render_xlsx, sheet_name
from assessments.reports.synthetic import synthetic_gap_report
from registry.db import session_scope
from tests.integration.test_evaluations import actor, make_shortlist
from tests.integration.test_reports import _gap_run, _scored_evaluation


def _tables_by_sheet(report: Report, wb: openpyxl.Workbook) -> dict[str, Table]:
    """Sheet name -> model table, read from the About sheet's contents list."""
    about = wb["About"]
    rows = list(about.iter_rows(values_only=True))
    start = rows.index(("Sheet", "Table", "About the table")) + 1
    tables = {t.title: t for s in report.all_sections() for t in [*s.tables, *(c.table_alternative for c in s.charts)]}
    return {row[0]: tables[row[1]] for row in rows[start:] if row[0] and row[1] in tables}


def assert_layout(report: Report, content: bytes) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(content))
    assert wb.sheetnames[0] == "About"
    about = wb["About"]
    assert about["A1"].value == report.marking and about["A2"].value == report.title
    assert ("Protective marking", report.marking) in [r[:2] for r in about.iter_rows(values_only=True)]

    names = wb.sheetnames
    assert len({n.lower() for n in names}) == len(names) and all(len(n) <= 31 for n in names)
    by_sheet = _tables_by_sheet(report, wb)
    assert by_sheet, "the About sheet lists the tables"
    for ws in wb.worksheets:
        assert isinstance(ws, Worksheet)
        # Printed: the marking top and bottom, A4, fitted to one page wide.
        assert ws.oddHeader.center.text == report.marking, ws.title
        assert ws.oddFooter.center.text == report.marking, ws.title
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4  # 9: A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        if ws.title == "About":
            continue
        # A table from A1: the header row is row 1, frozen, filtered and repeated on every page.
        assert ws.print_title_rows == "$1:$1", ws.title
        assert ws.freeze_panes == "A2", ws.title
        if ws.title == "Summary":
            assert [c.value for c in ws[1]] == ["Key figure", "Value", "Detail"]
            assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == [k.label for k in report.summary]
            continue
        table = by_sheet[ws.title]
        assert [c.value for c in ws[1]] == [c.label for c in table.columns], ws.title
        assert ws.max_row == 1 + len(table.rows), ws.title
        assert ws.auto_filter.ref is not None and ws.auto_filter.ref.startswith("A1:")
        widths = sum(ws.column_dimensions[c.column_letter].width for c in ws[1])
        expected = "landscape" if widths > LANDSCAPE_CHARS else "portrait"
        assert ws.page_setup.orientation == expected, (ws.title, widths)
    assert {"landscape", "portrait"} <= {ws.page_setup.orientation for ws in wb.worksheets}


def test_sheet_names_are_cut_at_word_boundaries_and_unique() -> None:
    taken: set[str] = set()
    assert sheet_name("Requirements still short of full coverage", taken) == "Requirements still short"
    assert sheet_name("Recommended purchases within budget", taken) == "Recommended purchases"
    assert sheet_name("What remains after the recommended purchases", taken) == "What remains"
    # A clash gets a numbered suffix, still whole words, still within 31 characters.
    first = sheet_name("Coverage by workstream and function data", taken)
    second = sheet_name("Coverage by workstream and function data", taken)
    assert first == "Coverage by workstream"
    assert second == "Coverage by workstream (2)" and len(second) <= 31
    # A single word longer than the limit is the only thing that may be cut.
    assert sheet_name("Supercalifragilisticexpialidocious-and-more", taken) == "Supercalifragilisticexpialidoci"
    for name in (first, second):
        assert all(word.isalnum() or word.startswith("(") for word in name.split(" "))


def test_a_long_table_title_never_ends_a_sheet_name_mid_word() -> None:
    title = "Requirements not fully met, least covered first, with their priorities"
    report = Report(
        kind="capability_gap",
        title="Layout",
        organisation="Org",
        generated_at=datetime(2026, 12, 4, 18, 30, tzinfo=UTC),
        generated_by="tester",
        sections=[
            Section(
                "gaps",
                "Gaps",
                # Two tables, so each sheet is named after its table rather than the section.
                tables=[
                    Table("t", title, [Column("code", "Code")], rows=[{"code": "R1"}]),
                    Table("u", "Other", [Column("code", "Code")], rows=[{"code": "R2"}]),
                ],
            )
        ],
    )
    wb = openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))
    name = wb.sheetnames[-2]
    assert name == "Requirements not fully met"
    assert title.startswith(name) and not title[len(name)].isalnum()


def test_the_synthetic_gap_report_is_a_printable_workbook() -> None:
    report = synthetic_gap_report(200, tools=400)
    assert_layout(report, render_xlsx(report))


def test_every_report_kind_from_the_service_is_laid_out_the_same_way(db: Any) -> None:
    with session_scope(db.engine) as s:
        _assessment, run = _gap_run(s)
        lead = actor(s, "lead_a")
        buyer = actor(s, "buyer_a")
        evaluation_id = _scored_evaluation(s)
        shortlist_id, _ = make_shortlist(s, "buyer_a", 3, name="Layout shortlist")
        sources = [
            (lead, "capability_gap", run.id),
            (buyer, "evaluation", evaluation_id),
            (buyer, "procurement", str(shortlist_id)),
        ]
        for who, kind, source_id in sources:
            row = service.generate(s, who, kind=kind, source_id=source_id, fmt="xlsx", marking="OFFICIAL-SENSITIVE")
            report = service.build_report(
                s,
                kind=row.kind,
                source_id=row.source_id,
                organisation_id=row.organisation_id,
                marking="OFFICIAL-SENSITIVE",
                generated_by=who.label,
                generated_at=row.created_at,
            )
            assert isinstance(row.content, bytes)
            assert_layout(report, row.content)
