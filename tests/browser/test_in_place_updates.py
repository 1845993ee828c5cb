"""Journeys that keep their place, in Chromium: with JavaScript "Add to compare" and keep/exclude
decisions update in place through htmx (no reload, no jump to the top); without it they return
to the same control (#compare-control, #result-ID). Destructive actions ask on a confirmation
page on both paths and never open a browser dialog."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Dialog, Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import watch_page_problems
from tests.browser.live import browser_context_args, live_server  # noqa: F401
from tests.conftest import DEMO_PASSWORD, USERS

pytestmark = pytest.mark.browser
NARROW = {"q": "network analysis", "filters": {"hosting": ["uk"]}}


def sign_in(page: Page, who: str) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(USERS[who])
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def _mark(page: Page) -> None:
    """Leave a value in the page's JavaScript world: a reload would wipe it."""
    page.evaluate("window.__notReloaded = true")


def _not_reloaded(page: Page) -> bool:
    return bool(page.evaluate("window.__notReloaded === true"))


def _project_with_results(page: Page, name: str) -> tuple[str, list[dict[str, Any]]]:
    token = page.request.post("/api/v1/auth/token", data={"email": USERS["buyer_a"], "password": DEMO_PASSWORD})
    headers = {"Authorization": f"Bearer {token.json()['token']}"}
    project = page.request.post("/api/v1/projects", data={"name": name, "budget": 1}, headers=headers).json()
    ended = page.request.post(f"/api/v1/projects/{project['id']}/end-search", data=NARROW, headers=headers)
    assert ended.ok, ended.text()
    return project["id"], ended.json()["results"]


def test_add_to_compare_updates_in_place(page: Page) -> None:
    problems = watch_page_problems(page)
    page.goto("/tools/1")
    add = page.get_by_role("button", name=re.compile("^Add to compare"))
    page.evaluate("window.scrollTo(0, 400)")
    _mark(page)
    add.click()
    remove = page.get_by_role("button", name=re.compile("^Remove from compare"))
    expect(remove).to_be_visible()
    expect(remove).to_be_focused()  # focus stays on the control, now saying what it does
    expect(page.locator("#compare-control [role=status]")).to_contain_text("Added")
    assert _not_reloaded(page)
    assert page.evaluate("window.scrollY") > 0  # not thrown back to the top
    remove.click()
    expect(page.get_by_role("button", name=re.compile("^Add to compare"))).to_be_visible()
    assert _not_reloaded(page)
    assert_accessible(page)
    assert problems == [], problems


def test_add_to_compare_without_javascript_returns_to_the_control(js_disabled_page: Page) -> None:
    page = js_disabled_page
    page.goto("/tools/1")
    page.get_by_role("button", name=re.compile("^Add to compare")).click()
    assert page.url.endswith("/tools/1#compare-control")
    expect(page.get_by_role("button", name=re.compile("^Remove from compare"))).to_be_visible()


def test_add_to_compare_on_search_results_updates_in_place(page: Page) -> None:
    problems = watch_page_problems(page)
    page.goto("/search?q=vessel")
    first = page.locator(".app-result").nth(1)
    page.evaluate("window.scrollTo(0, 600)")
    _mark(page)
    first.get_by_role("button", name=re.compile("^Add to compare")).click()
    remove = first.get_by_role("button", name=re.compile("^Remove from compare"))
    expect(remove).to_be_visible()
    expect(remove).to_be_focused()
    expect(page.locator("#basket-summary")).to_contain_text("Compare 1 selected tool")  # the bar follows
    assert _not_reloaded(page)
    assert page.evaluate("window.scrollY") > 0
    remove.click()
    expect(first.get_by_role("button", name=re.compile("^Add to compare"))).to_be_visible()
    expect(page.locator("#basket-summary")).to_contain_text("Add 2 to 6 tools")
    assert _not_reloaded(page)
    assert problems == [], problems


def test_add_to_compare_on_search_results_without_javascript_returns_to_the_result(js_disabled_page: Page) -> None:
    page = js_disabled_page
    page.goto("/search?q=vessel")
    result_id = page.locator(".app-result").nth(1).get_attribute("id")
    page.locator(".app-result").nth(1).get_by_role("button", name=re.compile("^Add to compare")).click()
    assert page.url.endswith(f"#{result_id}"), page.url
    expect(page.locator(f"#{result_id}").get_by_role("button", name=re.compile("^Remove from compare"))).to_be_visible()


def test_decisions_update_in_place(page: Page) -> None:
    problems = watch_page_problems(page)
    sign_in(page, "buyer_a")
    pid, results = _project_with_results(page, "In-place decisions")
    page.goto(f"/projects/{pid}")
    first = page.locator(f"#result-{results[0]['id']}")
    second = page.locator(f"#result-{results[1]['id']}")
    summary = page.locator("#results-summary")
    expect(summary).to_contain_text(f"{len(results)} still need a decision")
    # Nothing arrives chosen.
    assert first.locator("input[type=radio]:checked").count() == 0
    assert first.get_by_label("Reason for excluding").input_value() == ""
    second.scroll_into_view_if_needed()
    _mark(page)
    second.get_by_label("Keep").check()
    second.get_by_role("button", name="Save decision").click()
    expect(second.locator(".app-saved")).to_contain_text("Decision saved for")
    expect(second).to_contain_text("Keep")
    expect(summary).to_contain_text(f"{len(results) - 1} still need a decision")
    assert _not_reloaded(page)
    # An error comes back into the same card, with what was typed kept.
    first.get_by_label("Exclude").check()
    first.get_by_label(re.compile("^Notes")).fill("typed before the error")
    first.get_by_role("button", name="Save decision").click()
    expect(first.locator(".govuk-error-summary")).to_contain_text("Choose a reason for excluding this tool")
    expect(first.get_by_label(re.compile("^Notes"))).to_have_value("typed before the error")
    first.get_by_label("Reason for excluding").select_option("over_budget")  # true: the budget is £1
    first.get_by_role("button", name="Save decision").click()
    expect(first.locator(".app-saved")).to_be_visible()
    expect(first).to_contain_text("Exclude: Over budget: typed before the error")
    assert _not_reloaded(page)
    assert_accessible(page)
    # Only the deliberate 400 above.
    assert len([p for p in problems if "400" not in p]) == 0, problems


def test_decisions_without_javascript_return_to_the_result(js_disabled_page: Page) -> None:
    page = js_disabled_page
    sign_in(page, "buyer_a")
    pid, results = _project_with_results(page, "No-JS decisions")
    rid = results[1]["id"]
    page.goto(f"/projects/{pid}")
    card = page.locator(f"#result-{rid}")
    card.get_by_label("Keep").check()
    card.get_by_role("button", name="Save decision").click()
    assert page.url.endswith(f"/projects/{pid}#result-{rid}")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Decision saved")
    expect(page.locator(f"#result-{rid}")).to_contain_text("Keep")


def _no_dialogs(page: Page) -> list[str]:
    opened: list[str] = []

    def seen(dialog: Dialog) -> None:
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", seen)
    return opened


def test_retire_asks_on_a_confirmation_page(page: Page) -> None:
    dialogs = _no_dialogs(page)
    sign_in(page, "lead_a")
    page.goto("/requirements")
    link = page.get_by_role("link", name=re.compile(r"^Retire ")).first
    code = (link.inner_text().split(" ", 1) + [""])[1].strip()
    link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Are you sure you want to retire {code}")
    expect(page.locator(".govuk-warning-text")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Cancel").click()
    assert page.url.endswith("/requirements")
    expect(page.get_by_role("link", name=f"Retire {code}")).to_have_count(1)  # nothing happened
    page.get_by_role("link", name=f"Retire {code}").click()
    page.get_by_role("button", name=f"Yes, retire {code}").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(f"Requirement {code} retired")
    expect(page.get_by_role("link", name=f"Retire {code}")).to_have_count(0)
    assert dialogs == []


def test_retire_without_javascript_asks_the_same(js_disabled_page: Page) -> None:
    page = js_disabled_page
    sign_in(page, "lead_a")
    page.goto("/requirements")
    page.get_by_role("link", name=re.compile(r"^Retire ")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Are you sure you want to retire")
    expect(page.get_by_role("button", name=re.compile("^Yes, retire"))).to_be_visible()
