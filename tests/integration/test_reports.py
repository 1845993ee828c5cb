"""Reports end to end: every kind in every format from the demo data, formula-injection escaping,
background generation through the API, the report library and organisation isolation."""

from __future__ import annotations

import csv
import io
import json
import re
import time
import zipfile
from typing import Any

import jsonschema
import openpyxl
import pypdf
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from assessments import services as assessments
from assessments.evaluations import services as ev
from assessments.reports import services as service
from assessments.reports.document import REPORT_JSON_SCHEMA
from assessments.schemas import AssessmentCreate
from registry.changelog.models import AuditEvent
from registry.db import session_scope
from registry.suppliers.models import Supplier
from registry.tools.models import Tool
from tests.integration.test_evaluations import actor, crit, login, make_shortlist

MALICIOUS = '=HYPERLINK("http://x")'


def _gap_run(session: Session) -> tuple[str, Any]:
    lead = actor(session, "lead_a")
    a = assessments.create(
        session, lead, AssessmentCreate(name="Quarterly review", budget_capital=200_000, budget_annual=100_000)
    )
    session.flush()
    assessments.run(session, lead, a, period_key="first")
    run = assessments.run(session, lead, a, period_key="second")
    return a.id, run


def _scored_evaluation(session: Session) -> str:
    sl, ids = make_shortlist(session, "buyer_a", 2)
    buyer = actor(session, "buyer_a")
    e = ev.create(session, buyer, name="Graph analysis", shortlist_id=sl)
    ev.set_criteria(
        session,
        buyer,
        e.id,
        crit(("Functional fit", "quality", 60), ("Price", "price", 30), ("Social value", "social_value", 10)),
    )
    ev.set_scores(
        session,
        buyer,
        e.id,
        [
            ev.ScoreInput(ids[0], "functional-fit", 80, "Handles 10m-edge graphs"),
            ev.ScoreInput(ids[1], "functional-fit", 55, "No POLE import"),
            ev.ScoreInput(ids[0], "social-value", 40, "Some local hiring"),
            ev.ScoreInput(ids[1], "social-value", 70, "SME with apprenticeships"),
        ],
    )
    return e.id


def _section(doc: dict[str, Any], section_id: str) -> dict[str, Any]:
    """A section anywhere in a report's JSON (sections nest)."""
    stack = list(doc["sections"])
    while stack:
        sec = stack.pop(0)
        if sec["id"] == section_id:
            return sec  # type: ignore[no-any-return]
        stack.extend(sec["subsections"])
    raise KeyError(section_id)


def _ids(doc: dict[str, Any]) -> set[str]:
    out, stack = set(), list(doc["sections"])
    while stack:
        sec = stack.pop()
        out.add(sec["id"])
        stack.extend(sec["subsections"])
    return out


def _pdf_text(content: bytes) -> list[str]:
    return [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(content)).pages]


def test_capability_gap_report_in_every_format(db: Any) -> None:
    with session_scope(db.engine) as s:
        _aid, run = _gap_run(s)
        lead = actor(s, "lead_a")
        made = {
            fmt: service.generate(
                s, lead, kind="capability_gap", source_id=run.id, fmt=fmt, marking="OFFICIAL-SENSITIVE"
            )
            for fmt in service.FORMATS
        }
        score = f"{run.overall_score:.0f}%"
        counts = f"{run.full_count:,} of {run.full_count + run.partial_count + run.none_count:,}"

        pdf = made["pdf"]
        assert pdf.status == "done" and pdf.content_type == "application/pdf" and pdf.filename.endswith(".pdf")
        pages = _pdf_text(pdf.content)  # type: ignore[arg-type]
        assert len(pages) > 3
        assert all("OFFICIAL-SENSITIVE" in p for p in pages)  # marking on every page
        assert f"Page 1 of {len(pages)}" in pages[0] or f"Page 2 of {len(pages)}" in pages[1]
        text = "\n".join(pages)
        assert score in text and counts in text  # headline numbers
        for title in (
            "Executive summary",
            "Coverage by workstream and 4P",
            "Gaps by priority",
            "Skills gaps",
            "Recommended purchases within budget",
            "Change since the last run",
            "Method and assumptions",
            "Appendix: all requirements",
        ):
            assert title in text, title

        doc = json.loads(made["json"].content)  # type: ignore[arg-type]
        jsonschema.validate(doc, REPORT_JSON_SCHEMA)
        assert doc["marking"] == "OFFICIAL-SENSITIVE" and doc["summary"][0]["value"] == score
        change = next(sec for sec in doc["sections"] if sec["id"] == "change")
        assert change["charts"][0]["kind"] == "line" and len(change["charts"][0]["data"]["points"]) == 2
        appendix = next(sec for sec in doc["sections"] if sec["id"] == "appendix-requirements")
        assert len(appendix["tables"][0]["rows"]) == run.full_count + run.partial_count + run.none_count

        wb = openpyxl.load_workbook(io.BytesIO(made["xlsx"].content))  # type: ignore[arg-type]
        assert wb.sheetnames[0] == "About" and wb["About"]["A1"].value == "OFFICIAL-SENSITIVE"
        formats = {
            c.number_format
            for ws in wb.worksheets
            for row in ws.iter_rows()
            for c in row
            if isinstance(c.value, int | float)
        }
        assert {"0%", "£#,##0", "#,##0"} <= formats

        with zipfile.ZipFile(io.BytesIO(made["csv"].content)) as zf:  # type: ignore[arg-type]
            assert "README.txt" in zf.namelist()
            assert "OFFICIAL-SENSITIVE" in zf.read("README.txt").decode("utf-8")
            assert any(n.startswith("appendix-requirements") for n in zf.namelist())

        html = made["html"].content.decode("utf-8")  # type: ignore[union-attr]
        assert "<!DOCTYPE html>" in html and "OFFICIAL-SENSITIVE" in html
        assert "Executive summary" in service.html_fragment(made["html"].content)  # type: ignore[arg-type]

        # Audit: who generated what, in the same transaction.
        events = s.execute(select(AuditEvent).where(AuditEvent.entity_type == "report")).scalars().all()
        assert {e.entity_id for e in events} >= {r.id for r in made.values()}
        assert all(e.actor_label == "lead@nwrocu.example" for e in events)


def test_evaluation_and_shortlist_reports(db: Any) -> None:
    with session_scope(db.engine) as s:
        eid = _scored_evaluation(s)
        buyer = actor(s, "buyer_a")
        pdf = service.generate(s, buyer, kind="evaluation", source_id=eid, fmt="pdf")
        text = "\n".join(pages := _pdf_text(pdf.content))  # type: ignore[arg-type]
        assert all("OFFICIAL" in p for p in pages)
        assert len(pages) <= 8  # related parts share pages
        for title in (
            "Tools, suppliers and risks",
            "Supplier details",
            "Criteria and weights",
            "Ranking and weighted breakdown",
            "Scores with reasons",
            "Sensitivity check",
            "Risks",
            "Method",
        ):
            assert title in text, title
        assert "Handles 10m-edge graphs" in text  # reasons are printed
        assert "lowest price / tool price" in text  # price scoring method stated
        doc = json.loads(service.generate(s, buyer, kind="evaluation", source_id=eid, fmt="json").content)  # type: ignore[arg-type]
        jsonschema.validate(doc, REPORT_JSON_SCHEMA)
        ranking = _section(doc, "ranking")["tables"][0]["rows"]
        assert [r["rank"] for r in ranking] == [1, 2] and ranking[0]["total"] >= ranking[1]["total"]
        wb = openpyxl.load_workbook(
            io.BytesIO(service.generate(s, buyer, kind="evaluation", source_id=eid, fmt="xlsx").content)
        )  # type: ignore[arg-type]
        assert any(ws.title.startswith("Ranking") for ws in wb.worksheets)

        sl, _ = make_shortlist(s, "buyer_a", 3, name="Unscored")
        plain = json.loads(service.generate(s, buyer, kind="procurement", source_id=str(sl), fmt="json").content)  # type: ignore[arg-type]
        jsonschema.validate(plain, REPORT_JSON_SCHEMA)
        assert plain["kind"] == "procurement"
        ids = _ids(plain)
        assert {"comparison", "suppliers", "risks"} <= ids and "ranking" not in ids


def test_risks_flag_expired_accreditations_stale_listings_and_single_supplier(db: Any) -> None:
    with session_scope(db.engine) as s:
        tools = list(
            s.execute(select(Tool).where(Tool.status == "published").order_by(Tool.supplier_id, Tool.id)).scalars()
        )
        by_supplier: dict[int, list[Tool]] = {}
        for t in tools:
            by_supplier.setdefault(t.supplier_id, []).append(t)
        same = next(v for v in by_supplier.values() if len(v) >= 2)[:2]
        s.execute(update(Tool).where(Tool.id == same[0].id).values(last_reviewed=None))
        from registry.shortlists import services as shortlists
        from registry.shortlists.schemas import ShortlistCreate, ShortlistItemAdd

        buyer = actor(s, "buyer_a")
        sl = shortlists.create(s, buyer, ShortlistCreate(name="One supplier"))
        shortlists.add_tools(s, buyer, sl.id, [ShortlistItemAdd(tool_id=t.id) for t in same])  # type: ignore[arg-type,misc]
        doc = json.loads(service.generate(s, buyer, kind="procurement", source_id=str(sl.id), fmt="json").content)  # type: ignore[arg-type]
        risks = _section(doc, "risks")["tables"][0]["rows"]
        kinds = {(r["tool"], r["risk"]) for r in risks}
        assert ("All tools", "Single supplier") in kinds
        assert (same[0].name, "Stale listing") in kinds


def test_csv_and_xlsx_escape_a_malicious_supplier_name(client: Any, auth: Any, db: Any) -> None:
    with session_scope(db.engine) as s:
        sl, ids = make_shortlist(s, "buyer_a", 2)
        supplier_id = s.get(Tool, ids[0]).supplier_id  # type: ignore[union-attr]
    admin = auth("admin")
    got = client.get(f"/api/v1/suppliers/{supplier_id}", headers=admin)
    renamed = client.patch(
        f"/api/v1/suppliers/{supplier_id}", json={"name": MALICIOUS}, headers={**admin, "If-Match": got.headers["etag"]}
    )
    if renamed.status_code != 200:  # the API may refuse such a name; the data layer still must not trust it
        with session_scope(db.engine) as s:
            s.execute(update(Supplier).where(Supplier.id == supplier_id).values(name=MALICIOUS))
    with session_scope(db.engine) as s:
        buyer = actor(s, "buyer_a")
        zipped = service.generate(s, buyer, kind="procurement", source_id=str(sl), fmt="csv").content
        xlsx = service.generate(s, buyer, kind="procurement", source_id=str(sl), fmt="xlsx").content
    with zipfile.ZipFile(io.BytesIO(zipped)) as zf:  # type: ignore[arg-type]
        name = next(n for n in zf.namelist() if n.startswith("comparison"))
        rows = list(csv.reader(io.StringIO(zf.read(name).decode("utf-8-sig"))))
    cells = [c for row in rows for c in row if "HYPERLINK" in c]
    assert cells and all(c == "'" + MALICIOUS for c in cells)
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))  # type: ignore[arg-type]
    values = [
        c.value
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and "HYPERLINK" in c.value
    ]
    assert values and all(v.startswith("'=") for v in values)


def _wait(client: Any, headers: dict[str, str], job_id: str, timeout: float = 60) -> dict[str, Any]:
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/reports/{job_id}", headers=headers).json()
        seen.append(job["status"])
        if job["status"] in ("done", "failed"):
            job["seen"] = seen
            return job
        time.sleep(0.2)
    raise AssertionError(f"report {job_id} still {seen[-1]} after {timeout}s")


def test_background_generation_via_the_api_and_isolation(client: Any, auth: Any, db: Any) -> None:
    with session_scope(db.engine) as s:
        aid, run = _gap_run(s)
    lead = auth("lead_a")
    resp = client.post(
        "/api/v1/reports",
        json={"kind": "capability_gap", "source_id": aid, "format": "pdf", "marking": "OFFICIAL-SENSITIVE"},
        headers=lead,
    )
    assert resp.status_code == 202, resp.text
    job = resp.json()
    assert job["status"] in ("queued", "running") and job["source_id"] == run.id  # the assessment's latest run
    assert resp.headers["location"] == f"/api/v1/reports/{job['id']}" and len(job["id"]) == 32
    done = _wait(client, lead, job["id"])
    assert done["status"] == "done", done["error"]
    assert done["progress"] == 100 and "download" in done["links"]
    file = client.get(done["links"]["download"], headers=lead)
    assert file.status_code == 200 and file.content.startswith(b"%PDF")
    assert file.headers["content-type"] == "application/pdf"
    assert "attachment" in file.headers["content-disposition"] and "no-store" in file.headers["cache-control"]
    assert all("OFFICIAL-SENSITIVE" in p for p in _pdf_text(file.content))

    library = client.get("/api/v1/reports", headers=lead).json()
    assert [r["id"] for r in library] == [job["id"]] and library[0]["created_by"] == "lead@nwrocu.example"
    assert client.get("/api/v1/reports", headers=auth("buyer_a")).json()[0]["id"] == job["id"]  # same org

    other = auth("lead_b")
    for path in (
        f"/api/v1/reports/{job['id']}",
        f"/api/v1/reports/{job['id']}/download",
        f"/api/v1/reports/{'0' * 32}",
    ):
        assert client.get(path, headers=other).status_code == 404, path
    assert client.get("/api/v1/reports", headers=other).json() == []
    assert client.get(f"/api/v1/reports/{job['id']}").status_code == 401
    # Another organisation cannot generate a report about this assessment either.
    denied = client.post("/api/v1/reports", json={"kind": "capability_gap", "source_id": run.id}, headers=other)
    assert denied.status_code == 404
    bad = client.post(
        "/api/v1/reports", json={"kind": "capability_gap", "source_id": run.id, "marking": "SECRETISH"}, headers=lead
    )
    assert bad.status_code == 400


def test_pages_generate_poll_and_download(client: Any, db: Any) -> None:
    with session_scope(db.engine) as s:
        _aid, run = _gap_run(s)
    token = login(client, "lead_a")
    form = client.get(f"/reports/new?kind=capability_gap&source_id={run.id}")
    assert form.status_code == 200 and "checked" not in form.text  # marking and format are chosen, never defaulted
    resp = client.post(
        "/reports",
        data={
            "_csrf_token": token,
            "kind": "capability_gap",
            "source_id": run.id,
            "format": "html",
            "marking": "OFFICIAL",
        },
        follow_redirects=False,
    )
    assert resp.status_code in (302, 303)
    url = resp.headers["location"]
    page = client.get(url)
    assert page.status_code == 200 and page.headers["vary"] == "HX-Request"
    fragment = ""
    for _ in range(150):
        fragment = client.get(url, headers={"HX-Request": "true"}).text
        assert "<html" not in fragment  # a partial, not the whole page
        if "Your report is ready" in fragment:
            break
        assert 'data-hx-trigger="every 1s"' in fragment and "Refresh" in fragment
        time.sleep(0.2)
    assert "Your report is ready" in fragment and "data-hx-trigger" not in fragment
    view = client.get(f"{url}/view")
    assert view.status_code == 200 and "Executive summary" in view.text
    assert client.get(f"{url}/download").content.startswith(b"<!DOCTYPE html>")
    library = client.get("/reports")
    assert library.status_code == 200 and url in library.text
    client.post("/logout", data={"_csrf_token": token})
    login(client, "lead_b")
    assert client.get(url).status_code == 404
    assert client.get(f"{url}/download").status_code == 404


def test_scheduled_generation_is_idempotent_per_period(db: Any) -> None:
    from registry.actor import SYSTEM

    with session_scope(db.engine) as s:
        aid, run = _gap_run(s)
        org = run.organisation_id
        first = service.generate(
            s,
            SYSTEM,
            kind="gap_assessment",
            source_id=aid,
            fmt="json",
            organisation_id=org,
            period_key="2026-W01",
            subscription_id="sub1",
        )
        again = service.generate(
            s,
            SYSTEM,
            kind="gap_assessment",
            source_id=aid,
            fmt="json",
            organisation_id=org,
            period_key="2026-W01",
            subscription_id="sub1",
        )
        assert again.id == first.id and first.status == "done" and first.source_id == run.id
        with pytest.raises(Exception, match="No such source"):
            service.generate(s, SYSTEM, kind="capability_gap", source_id=aid, fmt="json", organisation_id=org + 999)
        assert re.fullmatch(r"[0-9a-f]{32}", first.id)
