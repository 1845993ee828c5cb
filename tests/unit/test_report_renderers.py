"""Report model and its five renderers: HTML, PDF (WeasyPrint), XLSX, CSV zip, JSON."""

from __future__ import annotations

import csv
import gc
import io
import json
import re
import shutil
import subprocess
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path
from unittest.mock import patch

import jsonschema
import openpyxl
import pypdf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.reports.cells import format_value
from assessments.reports.document import (
    REPORT_JSON_SCHEMA,
    BarData,
    Column,
    KeyFigure,
    Report,
    Section,
    Table,
)
from assessments.reports.gap_report import SKILLS_CHART_BARS
from assessments.reports.render_csv import render_csv_zip
from assessments.reports.render_html import PACKED_NOTE, PRINT_COMPACT_ROWS, render_html, render_html_document
from assessments.reports.render_json import render_json
from assessments.reports.render_pdf import _NO_FETCH, render_pdf
from assessments.reports.render_xlsx import render_xlsx, sheet_name
from assessments.reports.synthetic import synthetic_gap_report
from registry.exports import safe_cell

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "reports"
MARKING = "OFFICIAL-SENSITIVE"
HYPERLINK = '=HYPERLINK("http://x")'
CMD = "=cmd|' /C calc'!A0"
AT_SUM = "@SUM(1)"


@pytest.fixture(scope="module")
def sample() -> Report:
    """The real gap report over 120 synthetic requirements, in full (as XLSX/CSV/JSON get it)."""
    return synthetic_gap_report(120, marking=MARKING)


@pytest.fixture(scope="module")
def pdf_pages(sample: Report) -> list[str]:
    pdf = render_pdf(sample)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "sample.pdf").write_bytes(pdf)
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def hostile_report() -> Report:
    """A small report whose supplier names and title try formula and HTML injection."""
    suppliers = Table(
        id="suppliers",
        title="Suppliers",
        columns=[
            Column("supplier", "Supplier"),
            Column("price", "Price", "money"),
            Column("share", "Share", "percent"),
            Column("since", "Since", "date"),
            Column("delta", "Delta", "int"),
        ],
        rows=[
            {"supplier": HYPERLINK, "price": 1234.5, "share": 25.0, "since": date(2024, 5, 1), "delta": -5},
            {"supplier": CMD, "price": 10, "share": 100, "since": date(2023, 1, 2), "delta": 3},
            {"supplier": AT_SUM, "price": None, "share": None, "since": None, "delta": 0, "internal_id": 99},
            {"supplier": "+44 20 7946 0000", "price": 0, "share": 0.0, "since": "2022-02-03", "delta": 1},
        ],
    )
    return Report(
        kind="procurement",
        title="<script>alert(1)</script> Shortlist",
        organisation="Org & Co",
        generated_at=datetime(2025, 1, 2, 3, 4, tzinfo=UTC),
        generated_by="officer@example.gov.uk",
        summary=[KeyFigure("Tools", "4", "=1+1")],
        sections=[Section("shortlist", "Shortlist", paragraphs=["-2+3 <b>bold?</b>"], tables=[suppliers])],
    )


# --- cells -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(1)", "\tx", "\rx", HYPERLINK, CMD])
def test_safe_cell_quotes_formula_triggers(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["plain", "", " =not-first", "1+1", 5, -5, 2.5, None, date(2024, 1, 1), True])
def test_safe_cell_leaves_other_values_alone(value: object) -> None:
    assert safe_cell(value) == value


@given(st.text())
def test_safe_cell_output_never_starts_with_a_trigger(text: str) -> None:
    assert not str(safe_cell(text)).startswith(("=", "+", "-", "@", "\t", "\r"))


def test_format_value_per_kind() -> None:
    assert format_value(1234567.4, "money") == "£1,234,567"
    assert format_value(-50, "money") == "−£50"  # a true minus sign, as everywhere (registry/formatting.py)
    assert format_value(66.6, "percent") == "67%"
    assert format_value(12345, "int") == "12,345"
    assert format_value(3.25, "score") == "3.2"
    assert format_value(date(2025, 3, 4), "date") == "4 March 2025"  # GOV.UK style, as on every page
    assert format_value(None, "money") == ""


# --- model -------------------------------------------------------------------------------


def test_model_rejects_bad_marking_kind_and_ids() -> None:
    base = hostile_report()
    with pytest.raises(ValueError, match="marking"):
        replace(base, marking="RESTRICTED")
    with pytest.raises(ValueError, match="kind"):
        replace(base, kind="memo")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="slug"):
        Section("Not A Slug", "x")
    with pytest.raises(ValueError, match="unique"):
        replace(base, sections=[Section("a", "A"), Section("b", "B", subsections=[Section("a", "A again")])])
    with pytest.raises(ValueError, match="column"):
        Column("x", "X", "currency")  # type: ignore[arg-type]


# --- HTML --------------------------------------------------------------------------------


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Collector()
    parser.feed(html)
    return parser.tags


def test_html_fragment_has_banners_toc_sections_charts_and_govuk_classes(sample: Report) -> None:
    html = render_html(sample)
    tags = _tags(html)
    classes = [a.get("class") or "" for _, a in tags]
    assert html.lstrip().startswith("<article") and "<html" not in html
    assert sum("report-marking" in c.split() for c in classes) == 2  # top and bottom
    assert html.count(MARKING) >= 3
    ids = {a.get("id") for _, a in tags}
    toc_links = [a["href"] for t, a in tags if t == "a" and "report-toc__link" in (a.get("class") or "")]
    assert toc_links and all(href and href[1:] in ids for href in toc_links)
    assert {f"#sec-{s.id}" for s in sample.sections} <= set(toc_links)
    charts = [c for s in sample.all_sections() for c in s.charts]
    assert sum(t == "details" for t, _ in tags) == len(charts)
    assert sum(t == "svg" and a.get("role") == "img" for t, a in tags) == len(charts)
    assert any("govuk-table" in c.split() for c in classes)
    assert any("govuk-heading-xl" in c.split() for c in classes)
    # The web page keeps every column of long tables (only print packs them).
    appendix = sample.sections[-1].tables[0]
    assert html.count('id="tbl-all-requirements"') == 1
    assert all(f">{c.label}</th>" in html for c in appendix.columns)


def test_html_escapes_report_text() -> None:
    html = render_html(hostile_report())
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>bold?</b>" not in html
    assert "Org &amp; Co" in html


def test_print_document_packs_only_long_tables(sample: Report) -> None:
    doc = render_html_document(sample)
    assert doc.startswith("<!DOCTYPE html>")
    assert doc.count(PACKED_NOTE) == sum(
        1 for s in sample.all_sections() for t in s.tables if len(t.rows) > PRINT_COMPACT_ROWS
    )
    long_report = synthetic_gap_report(PRINT_COMPACT_ROWS + 50, tools=300)
    packed = render_html_document(long_report)
    assert PACKED_NOTE in packed
    assert "Code · Requirement · Priority · Workstreams · Status · Coverage · Met by, or why not" in packed
    # Packed tables print as one plain block per row, not as table rows and cells (WeasyPrint
    # lays blocks out faster); every row is there.
    tags = _tags(packed)
    start = next(i for i, (t, a) in enumerate(tags) if a.get("id") == "tbl-all-requirements")
    assert tags[start][0] == "div" and "report-packed" in (tags[start][1].get("class") or "")
    n = PRINT_COMPACT_ROWS + 50
    assert all(t == "div" and not a for t, a in tags[start + 3 : start + 3 + n])
    assert tags[start + 3 + n] != ("div", {})
    web = {a.get("id"): t for t, a in _tags(render_html(long_report))}
    assert web["tbl-all-requirements"] == "table"  # the web page keeps the full table


# --- capability-gap report ------------------------------------------------------------------


@pytest.fixture(scope="module")
def gap_report() -> Report:
    """The real capability-gap builder on a synthetic assessment, compact as printed."""
    return synthetic_gap_report(150, tools=300, compact=True)


def test_skills_chart_shows_the_largest_shortfalls_and_the_table_lists_every_skill(gap_report: Report) -> None:
    skills = next(s for s in gap_report.sections if s.id == "skills")
    table, chart = skills.tables[0], skills.charts[0]
    shortfalls = sorted((int(r["shortfall"]) for r in table.rows), reverse=True)  # type: ignore[call-overload]
    assert len(shortfalls) > SKILLS_CHART_BARS  # every skill with a shortfall is in the table
    assert isinstance(chart.data, BarData) and len(chart.data.labels) == SKILLS_CHART_BARS
    assert list(chart.data.values) == shortfalls[:SKILLS_CHART_BARS]  # the largest, largest first
    assert chart.title == f"The {SKILLS_CHART_BARS} largest skills shortfalls (people)"
    assert f"lists all {len(shortfalls)} skills" in chart.alt_text
    svg = render_html(replace(gap_report, sections=[skills]))
    assert svg.count('fill="#1d70b8"') == SKILLS_CHART_BARS  # one bar each, in the web page too


def test_gap_report_pdf_appendix_lists_every_requirement(gap_report: Report) -> None:
    pages = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(render_pdf(gap_report))).pages]
    start = next(i for i, text in enumerate(pages) if "Appendix: all requirements" in text.splitlines())
    appendix = "\n".join(pages[start:])
    codes = [str(r["code"]) for r in gap_report.sections[-1].tables[0].rows]
    assert len(codes) == 150 and len(pages) - start > 1  # the appendix runs over several pages
    assert [c for c in codes if c not in appendix] == []
    assert all(text.count(gap_report.marking) >= 2 for text in pages)  # header and footer marking


# --- PDF ---------------------------------------------------------------------------------


def test_pdf_has_title_marking_on_every_page_and_page_numbers(sample: Report, pdf_pages: list[str]) -> None:
    n = len(pdf_pages)
    assert n > 1
    assert sample.title in _flat(pdf_pages[0]) and sample.organisation in _flat(pdf_pages[0])
    for i, text in enumerate(pdf_pages, start=1):
        assert text.count(MARKING) >= 2, f"page {i} lacks header and footer marking"
        assert f"Page {i} of {n}" in text
    # Running header carries the title on later pages.
    assert all(sample.title in _flat(text) for text in pdf_pages[1:])


def _flat(text: str) -> str:
    """Extracted text with line breaks (the cover title wraps) as single spaces."""
    return " ".join(text.split())


def test_pdf_contains_summary_sections_and_a_headline_number(sample: Report, pdf_pages: list[str]) -> None:
    everything = "\n".join(pdf_pages)
    assert sample.summary[0].value in pdf_pages[0]  # e.g. overall coverage "66%"
    for section in sample.all_sections():
        assert section.title in everything
    assert str(sample.sections[-1].tables[0].rows[-1]["code"]) in everything  # last appendix row


def test_pdf_toc_page_numbers_point_at_the_sections(sample: Report, pdf_pages: list[str]) -> None:
    cover = pdf_pages[0]
    assert "Contents" in cover
    for section in sample.sections:
        match = re.search(re.escape(section.title) + r"[ .]*?(\d+)\s*$", cover, re.MULTILINE)
        assert match, f"no TOC entry for {section.title}"
        page = int(match.group(1))
        # The TOC's page number is the page the section's heading is printed on.
        assert section.title in pdf_pages[page - 1].splitlines()


def test_pdf_first_pages_render_to_png(pdf_pages: list[str]) -> None:
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm (poppler-utils) is needed to rasterise the PDF"
    for old in ARTIFACTS.glob("sample-page-*.png"):
        old.unlink()
    subprocess.run(
        [pdftoppm, "-r", "80", "-f", "1", "-l", "3", "-png", ARTIFACTS / "sample.pdf", ARTIFACTS / "sample-page"],
        check=True,
        timeout=60,
    )
    pngs = sorted(ARTIFACTS.glob("sample-page-*.png"))
    assert len(pngs) == 3
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 10_000 for p in pngs)


def test_pdf_escapes_hostile_text_and_refuses_external_resources() -> None:
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(render_pdf(hostile_report()))).pages)
    assert "<script>alert(1)</script> Shortlist" in text  # shown literally, not interpreted
    assert CMD in text
    with pytest.raises(ValueError):  # file:// and http(s):// are both refused
        _NO_FETCH.fetch("file:///etc/hostname")


# --- XLSX --------------------------------------------------------------------------------


def test_xlsx_sheets_frozen_filtered_and_formatted(sample: Report) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(render_xlsx(sample)))
    names = wb.sheetnames
    assert names[:2] == ["About", "Summary"]
    assert len(names) == len({n.lower() for n in names}) and all(len(n) <= 31 for n in names)
    assert {"Must have", "Recommended purchases", "Appendix all requirements"} <= set(names)
    assert wb["About"]["A1"].value == MARKING
    summary = wb["Summary"]
    assert [c.value for c in summary[1]] == ["Key figure", "Value", "Detail"]
    assert any(
        row[0].value == sample.summary[0].label and row[1].value == sample.summary[0].value
        for row in summary.iter_rows()
    )

    recs = wb["Recommended purchases"]
    chosen = next(t for s in sample.all_sections() for t in s.tables if t.id == "recommended-tools").rows
    assert recs.freeze_panes == "A2"
    assert recs.auto_filter.ref == f"A1:H{1 + len(chosen)}"
    header = [c.value for c in recs[1]]
    assert header[:4] == ["Tool", "Supplier", "SME", "Capital cost"]
    assert recs["D2"].number_format == "£#,##0" and isinstance(recs["D2"].value, int | float)
    assert recs["F2"].number_format == "#,##0" and recs["F2"].value == chosen[0]["closes"]

    appendix = wb["Appendix all requirements"]
    assert appendix.max_row == 1 + 120
    coverage = [appendix.cell(row=r, column=6) for r in range(2, 122)]
    assert all(c.number_format == "0%" and 0 <= c.value <= 1 for c in coverage)  # 0..100 stored as a fraction
    assert any(0 < c.value < 1 for c in coverage)
    assert appendix.oddHeader.center.text == MARKING
    assert appendix.column_dimensions["B"].width > appendix.column_dimensions["A"].width


def test_xlsx_escapes_formula_injection_everywhere() -> None:
    wb = openpyxl.load_workbook(io.BytesIO(render_xlsx(hostile_report())))
    ws = wb["Shortlist"]
    suppliers = [ws.cell(row=r, column=1).value for r in range(2, 6)]
    assert suppliers == ["'" + HYPERLINK, "'" + CMD, "'" + AT_SUM, "'+44 20 7946 0000"]
    assert ws["E2"].value == -5  # numbers stay numbers, even negative ones
    assert ws["B4"].value is None and ws["D5"].value == datetime(2022, 2, 3)
    key_figures = [row for row in wb["Summary"].iter_rows(values_only=True) if row and row[0] == "Tools"]
    assert key_figures == [("Tools", "4", "'=1+1")]
    # No cell anywhere holds a live formula.
    for sheet in wb:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"


def test_sheet_names_are_valid_unique_and_short() -> None:
    taken: set[str] = set()
    long = "Coverage by workstream and function: a very long title"
    first, second = sheet_name(long, taken), sheet_name(long, taken)
    assert len(first) <= 31 and len(second) <= 31 and first != second and second.endswith("(2)")
    assert sheet_name("a/b[c]:d*e?f\\g", taken) == "a b c d e f g"
    assert sheet_name("History", taken) != "History"
    assert sheet_name("SUMMARY", {"summary"}) == "SUMMARY (2)"


# --- CSV ---------------------------------------------------------------------------------


def _zip(report: Report) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(render_csv_zip(report)))


def test_csv_zip_has_one_file_per_table_with_bom_and_readme(sample: Report) -> None:
    zf = _zip(sample)
    names = zf.namelist()
    expected = {f"{s.id}-{t.id}.csv" for s in sample.all_sections() for t in s.tables}
    expected |= {f"{s.id}-{c.table_alternative.id}.csv" for s in sample.all_sections() for c in s.charts}
    assert set(names) == expected | {"README.txt"}
    readme = zf.read("README.txt").decode()
    assert sample.title in readme and readme.startswith(MARKING) and readme.rstrip().endswith(MARKING)
    raw = zf.read("appendix-requirements-all-requirements.csv")
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Code", "Requirement"] and len(rows) == 121
    assert rows[1][0] == "SYN-R000001" and re.fullmatch(r"\d+(\.\d+)?", rows[1][5])  # coverage stays a number


def test_csv_escapes_injection_and_keeps_numbers() -> None:
    zf = _zip(hostile_report())
    rows = list(csv.reader(io.StringIO(zf.read("shortlist-suppliers.csv").decode("utf-8-sig"))))
    assert rows[0] == ["Supplier", "Price", "Share", "Since", "Delta"]  # extra row keys are not exported
    assert [r[0] for r in rows[1:]] == ["'" + HYPERLINK, "'" + CMD, "'" + AT_SUM, "'+44 20 7946 0000"]
    assert rows[1][1:] == ["1234.5", "25.0", "2024-05-01", "-5"]
    assert rows[3][1:] == ["", "", "", "0"]


def test_csv_zip_is_reproducible(sample: Report) -> None:
    assert render_csv_zip(sample) == render_csv_zip(sample)


# --- JSON --------------------------------------------------------------------------------


def test_json_validates_against_schema_and_is_stable(sample: Report) -> None:
    jsonschema.Draft202012Validator.check_schema(REPORT_JSON_SCHEMA)
    raw = render_json(sample)
    assert raw == render_json(sample)
    doc = json.loads(raw)
    jsonschema.Draft202012Validator(REPORT_JSON_SCHEMA, format_checker=jsonschema.FormatChecker()).validate(doc)
    assert doc["generated_at"] == "2026-11-25T09:30:00+00:00"
    assert doc["marking"] == MARKING
    appendix = doc["sections"][-1]["tables"][0]
    assert list(appendix["rows"][0]) == [c["key"] for c in appendix["columns"]]
    assert all(isinstance(r["coverage"], int | float) for r in appendix["rows"])  # numbers stay numbers


def test_json_of_hostile_report_validates_and_drops_internal_keys() -> None:
    doc = json.loads(render_json(hostile_report()))
    jsonschema.validate(doc, REPORT_JSON_SCHEMA)
    rows = doc["sections"][0]["tables"][0]["rows"]
    assert "internal_id" not in rows[2] and rows[0]["supplier"] == HYPERLINK  # JSON is data: no quoting
    assert rows[0]["since"] == "2024-05-01"  # dates as ISO 8601


def test_schema_rejects_malformed_reports(sample: Report) -> None:
    validator = jsonschema.Draft202012Validator(REPORT_JSON_SCHEMA)
    good = json.loads(render_json(sample))
    assert validator.is_valid(good)
    bad_marking = {**good, "marking": "RESTRICTED"}
    assert not validator.is_valid(bad_marking)
    chart = good["sections"][1]["charts"][0]
    bad_chart = {**chart, "data": {"labels": ["a"], "values": [1], "unit": "%", "max_value": None}}
    bad_section = {**good["sections"][1], "charts": [bad_chart]}
    assert not validator.is_valid({**good, "sections": [bad_section]})
    assert not validator.is_valid({**good, "extra": 1})


def test_pdf_render_pauses_the_cyclic_gc_and_restores_it(sample: Report) -> None:
    document = render_html_document(sample)  # HTML first: its collections are not the layout's
    collections: list[str] = []

    def count(phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(phase)

    assert gc.isenabled()
    gc.callbacks.append(count)
    try:
        with patch("assessments.reports.render_pdf.render_html_document", return_value=document):
            render_pdf(sample)  # layout allocates millions of boxes
    finally:
        gc.callbacks.remove(count)
    assert len(collections) < 5 and gc.isenabled()  # ~200 with the collector left on
    gc.disable()
    try:
        render_pdf(hostile_report())
        assert not gc.isenabled()  # a caller's own choice is kept
    finally:
        gc.enable()
