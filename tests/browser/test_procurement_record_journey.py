"""Browser journey: a procurement officer runs a whole procurement project (create, search, save,
end search, decide every result, award) and downloads the project record; the supplier then sees
anonymised feedback. axe on each main page; screenshots at 1280 and 320 px; also without JavaScript."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import save_screenshot, watch_page_problems
from tests.browser.live import browser_context_args, live_server  # noqa: F401
from tests.conftest import DEMO_PASSWORD, USERS

pytestmark = pytest.mark.browser
PROJECT = "Network mapping for OCG disruption"


def sign_in(page: Page, who: str) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(USERS[who])
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def shots(page: Page, name: str) -> None:
    save_screenshot(page, f"procurement-record-{name}")
    page.set_viewport_size({"width": 320, "height": 800})
    save_screenshot(page, f"procurement-record-{name}-320")
    page.set_viewport_size({"width": 1280, "height": 900})


def card(page: Page, index: int) -> Locator:
    return page.locator(".govuk-summary-card[id^='result-']").nth(index)


def decide(page: Page, index: int, keep_name: str) -> None:
    c = card(page, index)
    title = c.locator(".govuk-summary-card__title").inner_text()
    if keep_name in title:
        c.get_by_label("Keep").check()
    else:
        c.get_by_label("Exclude").check()
        reason = c.get_by_label("Reason for excluding")
        assert reason.input_value() == ""  # nothing is chosen for the buyer, even when matching suggests
        reason.select_option("other")
        c.get_by_label(re.compile("^Notes")).fill("A weaker fit than the kept tools")
    c.get_by_role("button", name=re.compile("Save decision|Change decision")).click()
    # With JavaScript the card updates in place (htmx) and says so; the page does not reload.
    expect(card(page, index).locator(".app-saved")).to_contain_text("Decision saved")


def test_officer_runs_a_project_and_downloads_the_record(page: Page, tmp_path: Path) -> None:
    problems = watch_page_problems(page)
    sign_in(page, "buyer_a")
    page.goto("/projects")
    assert_accessible(page)
    page.get_by_label("Project name").fill(PROJECT)
    page.get_by_label("Need statement").fill("Map associations between OCG members from POLE data.")
    page.get_by_label("Budget").fill("60,000")
    page.get_by_label(re.compile("^IM-001:")).check()
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_role("heading", level=1, name=PROJECT)).to_be_visible()
    project_url = page.url
    assert re.search(r"/projects/[0-9a-f]{32}$", project_url)

    page.get_by_role("button", name="Search for this project").click()
    page.get_by_label("Search tools").fill("network analysis")
    page.get_by_role("button", name="Search", exact=True).click()
    heading = page.locator("#results-heading").inner_text()
    if int(heading.split()[0]) > 30:  # too many to review fairly: narrow with a filter
        expect(page.locator("#end-search")).to_contain_text("Narrow it to")
        page.locator("summary", has_text="Filters").click()
        page.get_by_label(re.compile(r"^UK \(")).check()
        page.get_by_role("button", name="Search", exact=True).click()
    assert_accessible(page)
    shots(page, "search")
    page.get_by_role("button", name="Save this search to the project").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Saved this search")
    page.get_by_role("button", name=re.compile(r"^End search and freeze")).click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Search ended")

    # An exclusion without a reason is refused with a clear, linked error.
    first = card(page, 0)
    first.get_by_label("Exclude").check()
    first.get_by_label("Reason for excluding").select_option("")
    first.get_by_role("button", name="Save decision").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Choose a reason for excluding this tool")
    assert_accessible(page)

    total = page.locator(".govuk-summary-card[id^='result-']").count()
    titles = page.locator(".govuk-summary-card[id^='result-'] .govuk-summary-card__title").all_inner_texts()
    keep = next(t for t in titles if "Kestrel Link" in t) if any("Kestrel Link" in t for t in titles) else titles[0]
    keep_name = keep.split(". ", 1)[1].split(" (listing version")[0]
    for i in range(total):
        decide(page, i, keep_name)
    expect(page.get_by_text("All have a decision.")).to_be_visible()
    assert_accessible(page)
    shots(page, "project")

    page.get_by_role("button", name="Record the outcome").click()
    assert_accessible(page)
    page.get_by_role("radio", name="Awarded").check()
    awarded = page.get_by_label("Tool awarded")
    option = awarded.locator("option", has_text=keep_name).first.get_attribute("value")
    awarded.select_option(option)
    page.get_by_label("Contract value").fill("45000")
    start = page.locator("#start-date-date")
    start.get_by_label("Day").fill("1")
    start.get_by_label("Month").fill("4")
    start.get_by_label("Year").fill("2027")
    end = page.locator("#end-date-date")
    end.get_by_label("Day").fill("31")
    end.get_by_label("Month").fill("3")
    end.get_by_label("Year").fill("2029")
    shots(page, "outcome")
    page.get_by_role("button", name="Record outcome and lock the project").click()
    expect(page.locator(".govuk-inset-text").first).to_contain_text("locked")
    expect(page.locator("#outcome + dl")).to_contain_text(keep_name)
    assert page.get_by_role("button", name="Save decision").count() == 0

    with page.expect_download() as info:
        page.get_by_role("link", name="Project record (PDF)").click()
    saved = tmp_path / "record.pdf"
    info.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    assert info.value.suggested_filename.endswith("-record.pdf")
    page.goto(project_url)
    page.get_by_role("link", name=re.compile(r"^View version \d+ of " + re.escape(keep_name))).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Version \d+$"))
    assert_accessible(page)
    shots(page, "tool-version")
    page.goto(page.url.rsplit("/", 1)[0])
    assert_accessible(page)
    ocds = page.request.get(project_url + "/ocds.json").json()
    assert ocds["releases"][0]["awards"][0]["suppliers"][0]["name"]
    # Only the deliberate form error above (a 400 page) may show up.
    assert not [p for p in problems if "HTTP 400" not in p and "status of 400" not in p], problems
    assert sum("HTTP 400" in p for p in problems) == 1, problems

    # The supplier sees anonymised feedback about its tools.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "supplier_a")
    page.goto("/supplier/feedback")
    table = page.locator("table")
    expect(table).to_contain_text("Kestrel")
    expect(page.locator("main")).not_to_contain_text(PROJECT)
    expect(page.locator("main")).not_to_contain_text("North Western")
    assert_accessible(page)
    shots(page, "supplier-feedback")


def test_project_pages_work_without_javascript(js_disabled_page: Page) -> None:
    page = js_disabled_page
    sign_in(page, "lead_a")
    page.goto("/projects")
    page.get_by_label("Project name").fill("No-JS project")
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_role("heading", level=1, name="No-JS project")).to_be_visible()
    page.get_by_role("button", name="Search for this project").click()
    page.get_by_label("Search tools").fill("qqxjvzk")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#results-heading")).to_contain_text("0 tools found")
    expect(page.locator("#end-search")).to_contain_text("no results to freeze")
    page.goto("/tools/1/versions")
    expect(page.get_by_role("heading", level=1)).to_have_text("Listing history")
    # (axe needs JavaScript, so the accessibility checks run in the journey above)
