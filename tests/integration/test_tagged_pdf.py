"""Every PDF the service produces is tagged PDF/UA-1: a structure tree with headings and tables,
/MarkInfo Marked, the document language, the title in the info dictionary and in XMP metadata.

Checked with poppler's ``pdfinfo`` (what a person would run) and by reading the catalog with
pypdf, for each door that makes a PDF: the capability-gap, procurement and evaluation reports
(report service) and the project record (API download)."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pypdf
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from assessments.reports import services as service
from assessments.reports.render_pdf import PDF_VARIANT, render_pdf
from assessments.reports.synthetic import synthetic_gap_report
from registry.db import session_scope
from tests.integration.test_evaluations import actor, make_shortlist
from tests.integration.test_procurement import new_project
from tests.integration.test_reports import _gap_run, _scored_evaluation


def pdfinfo(pdf: bytes, tmp_path: Path, *args: str) -> str:
    exe = shutil.which("pdfinfo")
    assert exe, "pdfinfo (poppler-utils) is needed to check PDFs the way a reader's tools see them"
    path = tmp_path / "check.pdf"
    path.write_bytes(pdf)
    return subprocess.run([exe, *args, str(path)], capture_output=True, text=True, check=True).stdout


def _resolve(obj: Any) -> Any:
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def structure_types(catalog: DictionaryObject, limit: int = 20_000) -> tuple[set[str], list[Any]]:
    """The structure element types (/S) in the tag tree, breadth first, up to ``limit`` nodes,
    and the /Alt of every /Figure (PDF/UA: a figure needs a text alternative)."""
    seen: set[str] = set()
    figure_alts: list[Any] = []
    queue = [_resolve(catalog["/StructTreeRoot"])]
    visited = 0
    while queue and visited < limit:
        node = _resolve(queue.pop(0))
        visited += 1
        if isinstance(node, ArrayObject):
            queue.extend(node)
            continue
        if not isinstance(node, DictionaryObject):
            continue  # marked-content ids
        if "/S" in node:
            seen.add(str(node["/S"]))
            if node["/S"] == "/Figure":
                figure_alts.append(node.get("/Alt"))
        kids = node.get("/K")
        if kids is not None:
            queue.append(kids)
    return seen, figure_alts


def assert_tagged(pdf: bytes, title: str, tmp_path: Path) -> None:
    info = pdfinfo(pdf, tmp_path)
    lines = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    assert lines["Tagged"].strip() == "yes", info
    assert lines["Metadata Stream"].strip() == "yes", info
    assert lines["Title"].strip() == title, info
    xmp_text = pdfinfo(pdf, tmp_path, "-meta")
    assert 'pdfuaid:part="1"' in xmp_text or "<pdfuaid:part>1</pdfuaid:part>" in xmp_text

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert bool(_resolve(catalog["/MarkInfo"])["/Marked"])
    assert catalog["/Lang"] == "en-GB"
    assert bool(_resolve(catalog["/ViewerPreferences"])["/DisplayDocTitle"])  # PDF/UA: title, not file name
    xmp = reader.xmp_metadata
    assert xmp is not None and xmp.dc_title == {"x-default": title}
    types, figure_alts = structure_types(catalog)
    assert {"/H1", "/H2", "/P", "/Table", "/TR", "/TH", "/TD"} <= types, types
    assert all(alt and str(alt).strip() for alt in figure_alts), figure_alts


def test_the_renderer_writes_pdf_ua_1_and_untagged_only_on_request(tmp_path: Path) -> None:
    report = synthetic_gap_report(30, tools=60, compact=True)
    assert PDF_VARIANT == "pdf/ua-1"
    tagged = render_pdf(report)
    assert_tagged(tagged, report.title, tmp_path)
    # The charts are figures in the tag tree, each with a text alternative.
    _types, alts = structure_types(pypdf.PdfReader(io.BytesIO(tagged)).trailer["/Root"])
    assert len(alts) == sum(len(s.charts) for s in report.all_sections()) > 0
    untagged = render_pdf(report, tagged=False)
    assert "Tagged:          no" in pdfinfo(untagged, tmp_path)  # the bench's baseline really is untagged


def test_every_report_kind_is_a_tagged_pdf(db: Any, tmp_path: Path) -> None:
    with session_scope(db.engine) as s:
        _assessment_id, run = _gap_run(s)
        lead = actor(s, "lead_a")
        gap = service.generate(s, lead, kind="capability_gap", source_id=run.id, fmt="pdf", marking="OFFICIAL")
        evaluation_id = _scored_evaluation(s)
        buyer = actor(s, "buyer_a")
        evaluation = service.generate(s, buyer, kind="evaluation", source_id=evaluation_id, fmt="pdf")
        shortlist_id, _ = make_shortlist(s, "buyer_a", 3, name="Tagged shortlist")
        procurement = service.generate(s, buyer, kind="procurement", source_id=str(shortlist_id), fmt="pdf")
        made = [(row.content, row.title) for row in (gap, evaluation, procurement)]
    for content, title in made:
        assert isinstance(content, bytes)
        assert_tagged(content, title, tmp_path)


def test_the_project_record_pdf_is_tagged(client: Any, auth: Any, tmp_path: Path) -> None:
    buyer = auth("buyer_a")
    project = new_project(client, buyer, name="Tagged record project")
    resp = client.get(f"/api/v1/projects/{project['id']}/record.pdf", headers=buyer)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("application/pdf")
    title = pypdf.PdfReader(io.BytesIO(resp.content)).metadata.title
    assert title and "Tagged record project" in title
    assert_tagged(resp.content, title, tmp_path)
