"""Browser journeys: a capability lead generates a gap report (PDF and XLSX) and watches it progress
(htmx polling, and the Refresh link without JavaScript); a procurement officer runs an evaluation
from a shortlist, scores it, sees ranking and sensitivity, and downloads the evaluation report.
Accessibility (axe) on every page, screenshots at desktop and 320 px, PDF pages rendered to PNG."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pypdf
import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import ARTIFACTS, save_screenshot, watch_page_problems
from tests.browser.live import browser_context_args, live_server  # noqa: F401
from tests.conftest import DEMO_PASSWORD, USERS

pytestmark = pytest.mark.browser
REPORTS = ARTIFACTS / "reports"


def sign_in(page: Page, who: str) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(USERS[who])
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def api_headers(page: Page, who: str) -> dict[str, str]:
    token = page.request.post("/api/v1/auth/token", data={"email": USERS[who], "password": DEMO_PASSWORD})
    assert token.status == 201, token.text()
    return {"Authorization": f"Bearer {token.json()['token']}"}


def assessment_run(page: Page) -> str:
    """An assessment with one run, made through the API (the assessment pages are tested elsewhere)."""
    headers = api_headers(page, "lead_a")
    created = page.request.post(
        "/api/v1/assessments",
        headers=headers,
        data={"name": "Report journey review", "budget_capital": 200000, "budget_annual": 100000},
    )
    assert created.status == 201, created.text()
    run = page.request.post(f"/api/v1/assessments/{created.json()['id']}/runs", headers=headers)
    assert run.status == 201, run.text()
    return str(run.json()["id"])


def narrow(page: Page, name: str) -> None:
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 800})
    save_screenshot(page, f"{name}-320")
    overflow = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1")
    assert not overflow, f"{name} scrolls sideways at 320px"
    page.set_viewport_size(size or {"width": 1280, "height": 900})


def generate(page: Page, *, fmt_label: str, marking: str) -> None:
    page.get_by_label(marking, exact=True).check()
    page.get_by_label(fmt_label).check()
    page.get_by_role("button", name="Generate report").click()


def download(page: Page, name: str) -> Path:
    REPORTS.mkdir(parents=True, exist_ok=True)
    with page.expect_download() as info:
        page.get_by_role("link", name="Download").first.click()
    path = REPORTS / name
    info.value.save_as(str(path))
    return path


def pdf_to_png(pdf: Path, prefix: str, pages: int = 4) -> list[Path]:
    if shutil.which("pdftoppm") is None:  # poppler-utils; the PDF itself is still checked
        return []
    out = REPORTS / prefix
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", str(pages), str(pdf), str(out)], check=True)
    return sorted(REPORTS.glob(f"{prefix}-*.png"))


def test_lead_generates_gap_report_pdf_and_xlsx(page: Page, live_server: Any) -> None:  # noqa: F811
    problems = watch_page_problems(page)
    sign_in(page, "lead_a")
    run_id = assessment_run(page)

    page.goto(f"/reports/new?kind=capability_gap&source_id={run_id}")
    expect(page.get_by_role("heading", level=1, name="Generate a report")).to_be_visible()
    expect(page.get_by_label("OFFICIAL", exact=True)).not_to_be_checked()  # the marking is chosen, never defaulted
    assert_accessible(page)
    save_screenshot(page, "reports-new")
    narrow(page, "reports-new")

    generate(page, fmt_label="PDF", marking="OFFICIAL-SENSITIVE")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Capability gap report")
    # Progress, then (htmx polling, no reload) the download link.
    expect(page.locator("#report-status")).to_be_visible()
    expect(page.get_by_text("Your report is ready")).to_be_visible(timeout=60_000)
    assert_accessible(page)
    save_screenshot(page, "reports-status-done")
    narrow(page, "reports-status-done")
    pdf = download(page, "gap-report.pdf")
    reader = pypdf.PdfReader(str(pdf))
    texts = [p.extract_text() for p in reader.pages]
    assert all("OFFICIAL-SENSITIVE" in t for t in texts)
    assert "Executive summary" in "".join(texts) and f"of {len(texts)}" in texts[1]
    assert len(pdf_to_png(pdf, "gap-report")) in (0, 4)

    page.goto(f"/reports/new?kind=capability_gap&source_id={run_id}")
    generate(page, fmt_label="Spreadsheet (XLSX)", marking="OFFICIAL")
    expect(page.get_by_text("Your report is ready")).to_be_visible(timeout=60_000)
    xlsx = download(page, "gap-report.xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(xlsx.read_bytes()))
    assert wb["About"]["A1"].value == "OFFICIAL" and wb["Summary"]["A1"].value == "Key figure"

    page.goto(f"/reports/new?kind=capability_gap&source_id={run_id}")
    generate(page, fmt_label="Web page (HTML)", marking="OFFICIAL")
    expect(page.get_by_text("Your report is ready")).to_be_visible(timeout=60_000)
    page.get_by_role("link", name="View in the browser").click()
    expect(page.get_by_role("heading", level=2, name="Executive summary")).to_be_visible()
    assert_accessible(page)
    save_screenshot(page, "reports-view-html")
    narrow(page, "reports-view-html")

    page.goto("/reports")
    expect(page.get_by_role("table")).to_contain_text("lead@nwrocu.example")
    expect(page.get_by_role("link", name="Download").first).to_be_visible()
    assert_accessible(page)
    save_screenshot(page, "reports-library")
    narrow(page, "reports-library")
    assert problems == []


def test_status_page_works_without_javascript(js_disabled_page: Page, live_server: Any) -> None:  # noqa: F811
    page = js_disabled_page
    sign_in(page, "lead_a")
    run_id = assessment_run(page)
    page.goto(f"/reports/new?kind=capability_gap&source_id={run_id}")
    generate(page, fmt_label="JSON", marking="OFFICIAL")
    for _ in range(100):
        if page.get_by_text("Your report is ready").count():
            break
        page.get_by_role("link", name="Refresh").click()  # no meta refresh, no polling: the user asks
    expect(page.get_by_text("Your report is ready")).to_be_visible()
    save_screenshot(page, "reports-status-nojs")


def test_officer_evaluates_a_shortlist_and_downloads_the_report(page: Page, live_server: Any) -> None:  # noqa: F811
    from registry.db import session_scope
    from tests.integration.test_evaluations import make_shortlist

    with session_scope(live_server.db.engine) as s:
        _sl, ids = make_shortlist(s, "buyer_a", 3, name="Graph tools shortlist")
    problems = watch_page_problems(page)
    sign_in(page, "buyer_a")
    page.goto("/evaluations")
    assert_accessible(page)
    page.get_by_label("Name").fill("Graph analysis 2026")
    page.get_by_label("Shortlist to evaluate").select_option(label="Graph tools shortlist (3 tools)")
    page.get_by_role("button", name="Start evaluation").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Graph analysis 2026")
    expect(page.get_by_text("No ranking yet")).to_be_visible()

    fit = {ids[0]: "85", ids[1]: "60", ids[2]: "70"}
    for tid in ids:
        page.locator(f"#score-{tid}-functional-fit").fill(fit[tid])
        page.locator(f"#reason-{tid}-functional-fit").fill("Imports POLE data and scales to large graphs")
        page.locator(f"#score-{tid}-security").fill("70")
        page.locator(f"#reason-{tid}-security").fill("UK hosted, SC-cleared support staff")
        page.locator(f"#score-{tid}-social-value").fill("50")
    # One reason missing: refused, with the error linked and typed values kept.
    for tid in ids[:-1]:
        page.locator(f"#reason-{tid}-social-value").fill("Apprenticeships in the region")
    page.get_by_role("button", name="Save scores").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        re.compile(r"Give a reason for the Social value score of \w")
    )
    expect(page.locator(f"#score-{ids[0]}-functional-fit")).to_have_value("85")
    page.locator(f"#reason-{ids[-1]}-social-value").fill("Apprenticeships in the region")
    page.get_by_role("button", name="Save scores").click()

    expect(page.locator("#ranking")).to_be_visible()
    expect(page.locator("#sensitivity")).to_contain_text("points")
    assert_accessible(page)
    save_screenshot(page, "evaluation-results")
    narrow(page, "evaluation-results")

    page.get_by_role("button", name="Generate report").click()
    generate(page, fmt_label="PDF", marking="OFFICIAL")
    expect(page.get_by_text("Your report is ready")).to_be_visible(timeout=60_000)
    pdf = download(page, "evaluation-report.pdf")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(str(pdf)).pages)
    for title in ("Ranking and weighted breakdown", "Scores with reasons", "Sensitivity check", "Risks"):
        assert title in text
    assert "Imports POLE data" in text
    pdf_to_png(pdf, "evaluation-report", pages=2)
    # The refused score (400 re-render) is expected; nothing else may fail.
    assert [p for p in problems if "400" not in p] == [], problems
