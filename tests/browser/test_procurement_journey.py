"""Procurement journey in a real browser: fuzzy search, facets (with and without JavaScript),
compare, shortlist and XLSX download; axe on each main page; screenshots at 1280 and 320 px."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import save_screenshot, watch_page_problems
from tests.browser.live import browser_context_args, live_server  # noqa: F401
from tests.conftest import DEMO_PASSWORD, USERS

pytestmark = pytest.mark.browser

COMPARED = ("Kestrel Link", "Kestrel Timeline", "Kestrel Assess")


def _result_titles(page: Page) -> list[str]:
    return page.locator(".app-result__title a").all_inner_texts()


def _query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def _sign_in(page: Page, who: str) -> None:
    """Sign in through the session endpoint with the page's CSRF token (the /login form is core's)."""
    page.goto("/")
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    resp = page.request.post(
        "/login", form={"email": USERS[who], "password": DEMO_PASSWORD, "_csrf_token": token or ""}, max_redirects=0
    )
    assert resp.status in (302, 303), resp.text()[:300]


def test_fuzzy_search_and_sme_filter_update_in_place(page: Page) -> None:
    problems = watch_page_problems(page)
    page.goto("/search")
    page.get_by_label("Search tools and suppliers").fill("kestral timline")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#results-heading")).to_contain_text("for “kestral timline”")
    assert _result_titles(page)[0] == "Kestrel Timeline"
    expect(page.locator(".app-result__why").first).to_contain_text("“kestral” matched “kestrel” in name")
    assert _query(page)["q"] == ["kestral timline"]
    # A marker on window survives only if the page is not reloaded.
    page.evaluate("window.__stillHere = true")
    page.get_by_label(re.compile(r"^SME suppliers only \(\d+\)$")).check()
    expect(page).to_have_url(re.compile(r"sme=true"))
    expect(page.locator("#search-status")).to_contain_text("found")
    assert page.evaluate("window.__stillHere") is True
    assert "Kestrel Timeline" in _result_titles(page)
    expect(page.get_by_label(re.compile(r"^SME suppliers only"))).to_be_checked()
    assert_accessible(page)
    save_screenshot(page, "procurement-search-desktop")
    page.set_viewport_size({"width": 320, "height": 800})
    save_screenshot(page, "procurement-search-320")
    # back restores the unfiltered search (full reload from the server: no history cache)
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"sme=true"))
    assert not problems, problems


def test_search_and_filter_without_javascript(js_disabled_page: Page) -> None:
    page = js_disabled_page
    page.goto("/search?q=kestral+timline")
    assert _result_titles(page)[0] == "Kestrel Timeline"
    before = int(re.match(r"(\d+)", page.locator("#results-heading").inner_text()).group(1))  # type: ignore[union-attr]
    page.get_by_label(re.compile(r"^SME suppliers only")).check()
    page.get_by_label("Sort by").select_option("name")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"sme=true"))
    assert _query(page)["sort"] == ["name"] and _query(page)["q"] == ["kestral timline"]
    after = int(re.match(r"(\d+)", page.locator("#results-heading").inner_text()).group(1))  # type: ignore[union-attr]
    assert 0 < after <= before
    assert "Kestrel Timeline" in _result_titles(page)
    save_screenshot(page, "procurement-search-nojs")


def test_officer_compares_three_tools_saves_shortlist_and_downloads_xlsx(page: Page, tmp_path: Path) -> None:
    problems = watch_page_problems(page)
    page.goto("/")
    assert_accessible(page)
    save_screenshot(page, "procurement-home")
    _sign_in(page, "buyer_a")

    page.goto("/search?q=kestrel")
    for name in COMPARED:
        page.get_by_role("button", name=f"Add to compare {name}").click()
        expect(page.get_by_role("button", name=f"Remove from compare {name}")).to_be_visible()
    page.get_by_role("link", name="Compare 3 selected tools").click()

    expect(page.get_by_role("heading", name="Compare tools")).to_be_visible()
    headers = page.locator("thead th").all_inner_texts()
    assert all(any(n in h for h in headers) for n in COMPARED)
    trl_cells = page.locator("tr", has=page.locator("th", has_text="Technology readiness")).locator("td")
    expect(trl_cells.first).to_have_class(re.compile("app-diff"))
    expect(trl_cells.first).to_contain_text("(differs)")
    assert_accessible(page)
    save_screenshot(page, "procurement-compare-desktop")
    page.set_viewport_size({"width": 320, "height": 800})
    save_screenshot(page, "procurement-compare-320")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_label("Name for a new shortlist").fill("Network analysis 2026")
    page.get_by_role("button", name="Save to shortlist").click()
    expect(page.get_by_role("heading", name="Network analysis 2026")).to_be_visible()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Added 3 tools")
    assert_accessible(page)
    save_screenshot(page, "procurement-shortlist-desktop")

    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("Excel spreadsheet")).click()
    download = info.value
    assert download.suggested_filename.startswith("shortlist-network-analysis-2026")
    target = tmp_path / "shortlist.xlsx"
    download.save_as(target)
    ws = load_workbook(target).active
    header = [c.value for c in ws[1]]
    names = {row[0] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert header[0] == "Tool" and names == set(COMPARED)
    price = header.index("Annual price (GBP)")
    assert all(isinstance(r[price], int | float) for r in ws.iter_rows(min_row=2, values_only=True))

    page.get_by_role("link", name=COMPARED[0]).first.click()
    expect(page.get_by_role("heading", name=COMPARED[0], level=1)).to_be_visible()
    assert_accessible(page)
    save_screenshot(page, "procurement-tool-desktop")
    page.set_viewport_size({"width": 320, "height": 800})
    save_screenshot(page, "procurement-tool-320")
    assert not problems, problems
