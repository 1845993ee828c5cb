"""Browser journey: a capability lead creates an assessment, runs it, reads the results, buys a tool
that closes a gap, runs again and sees the change in the history. Accessibility (axe) on the list and
results pages, screenshots at desktop and 320 px, and the same journey without JavaScript."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import save_screenshot, watch_page_problems
from tests.browser.live import browser_context_args, live_server  # noqa: F401
from tests.conftest import DEMO_PASSWORD, USERS

pytestmark = pytest.mark.browser


def sign_in(page: Page, who: str = "lead_a") -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(USERS[who])
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def create_assessment(page: Page, name: str) -> str:
    page.goto("/assessments")
    page.get_by_label("Assessment name").fill(name)
    page.get_by_label("Capital budget").fill("200000")
    page.get_by_label("Annual budget").fill("100000")
    page.get_by_label("Only when I run it").check()  # nothing is chosen in advance
    page.get_by_role("button", name="Create assessment").click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
    assert re.search(r"/assessments/[0-9a-f]{32}$", page.url)
    return page.url


def closable_gap(page: Page) -> tuple[str, int]:
    """From the results page: the first gap whose candidate table offers a tool giving full coverage."""
    found = page.evaluate("""() => {
        for (const gap of document.querySelectorAll('.app-gap')) {
          for (const row of gap.querySelectorAll('tbody tr')) {
            if (row.textContent.includes('Full coverage')) {
              const link = row.querySelector('a[href^="/tools/"]');
              return [gap.id.replace('gap-', ''), Number(link.getAttribute('href').split('/')[2])];
            }
          }
        }
        return null;
    }""")
    assert found, "the demo data should have a gap that one published tool closes fully"
    return str(found[0]), int(found[1])


def add_to_inventory(page: Page, tool_id: int) -> None:
    """Record the purchase through the JSON API with the lead's own token (the inventory pages belong
    to another part of the service; the assessment only needs the inventory row)."""
    token = page.request.post("/api/v1/auth/token", data={"email": USERS["lead_a"], "password": DEMO_PASSWORD})
    assert token.status == 201, token.text()
    resp = page.request.post(
        "/api/v1/inventory",
        data={"tool_id": tool_id, "seats": 5},
        headers={"Authorization": f"Bearer {token.json()['token']}"},
    )
    assert resp.status == 201, resp.text()


def test_lead_runs_assessment_buys_a_tool_and_sees_progress(page: Page, live_server: Any) -> None:  # noqa: F811
    problems = watch_page_problems(page)
    sign_in(page)
    page.goto("/assessments")
    page.get_by_label("Minimum SME share (optional)").fill("250")
    page.get_by_role("button", name="Create assessment").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Minimum SME share must be between 0% and 100%")
    assert_accessible(page)  # the form with errors
    problems.clear()  # the 400 response above is expected
    url = create_assessment(page, "Browser journey review")
    expect(page.get_by_text("has not been run yet")).to_be_visible()

    # Run with htmx: the button is swapped for results without a page load.
    page.get_by_role("button", name="Run assessment now").click()
    expect(page.locator("#run-done-title")).to_be_visible(timeout=30_000)
    assert page.url == url
    expect(page.locator("#results-heading")).to_be_focused()

    # Heatmaps (SVG + table), reasons, skills gaps and recommendation.
    for kind in ("4p", "5d"):
        expect(page.locator(f"svg[role=img]:has(title#heatmap-{kind}-title)")).to_have_count(1)
    page.get_by_text("Coverage by workstream and 4P function as a table").click()
    expect(page.locator("#heatmap-table-4p")).to_be_visible()
    expect(page.locator("[data-reason=no_capability]").first).to_be_visible()
    expect(page.locator("#skills-table")).to_be_visible()
    expect(page.locator("#chosen-table")).to_be_visible()
    expect(page.get_by_text("Exact optimum (HiGHS mixed-integer solver)").first).to_be_visible()
    first_score = page.locator(".app-figure--score .app-figure__value").inner_text()

    assert_accessible(page)
    save_screenshot(page, "assessment-results-desktop")

    code, tool_id = closable_gap(page)
    add_to_inventory(page, tool_id)

    # Run again (a fresh page load, then htmx), and see the change.
    page.goto(url)
    page.get_by_role("button", name="Run assessment now").click()
    expect(page.locator("#since-last-run")).to_be_visible(timeout=30_000)
    since = page.locator("#since-last-run").inner_text()
    assert re.search(r"Score \+\d+\.\d points", since), since
    assert re.search(r"[1-9]\d* gaps? closed", since), since
    second_score = page.locator(".app-figure--score .app-figure__value").inner_text()
    assert float(second_score.rstrip("%")) > float(first_score.rstrip("%"))
    expect(page.locator(f"#gap-{code}")).to_have_count(0)  # no longer listed as a gap

    # History: a trend chart and two runs; compare shows the closed gap.
    expect(page.locator("#trend-title")).to_have_count(1)
    expect(page.locator("#runs-table tbody tr")).to_have_count(2)
    page.locator("#since-last-run").get_by_role("link").click()
    expect(page.get_by_role("heading", name="What changed between two runs")).to_be_visible()
    expect(page.locator("#gaps-closed")).to_contain_text(code)
    assert page.locator("#score-change").inner_text().startswith("+")
    assert_accessible(page)

    # The list shows the latest score.
    page.goto("/assessments")
    expect(page.get_by_role("link", name="Browser journey review")).to_be_visible()
    expect(page.locator("table").first).to_contain_text(second_score)
    assert_accessible(page)
    save_screenshot(page, "assessment-list-desktop")

    # Narrow screens: nothing but the scrolling boxes may be wider than the viewport.
    page.set_viewport_size({"width": 320, "height": 800})
    for path, name in (("/assessments", "assessment-list-320"), (url, "assessment-results-320")):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
        save_screenshot(page, name)
    assert not problems, problems


def test_form_errors_and_running_without_javascript(js_disabled_page: Page, live_server: Any) -> None:  # noqa: F811
    page = js_disabled_page
    sign_in(page)
    page.goto("/assessments")
    page.get_by_label("Capital budget").fill("a lot")
    page.get_by_role("button", name="Create assessment").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a name for the assessment")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter capital budget as a number")
    expect(page.get_by_label("Capital budget")).to_have_value("a lot")
    save_screenshot(page, "assessment-create-errors")  # (axe needs JavaScript; it runs in the test above)

    create_assessment(page, "No-JS review")
    page.get_by_role("button", name="Run assessment now").click()  # a normal POST, then redirect
    expect(page.get_by_text("Assessment run: weighted coverage score")).to_be_visible(timeout=30_000)
    expect(page.locator("#runs-table tbody tr")).to_have_count(1)
    expect(page.locator("#chosen-table")).to_be_visible()
