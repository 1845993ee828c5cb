"""Browser checks for the notifications page and the admin jobs and outbox pages: accessibility
(axe), screenshots at desktop and 320 px, and the mark-read / run-now / pause journeys with and
without JavaScript."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from registry.jobs.runner import run_job
from tests.browser.axe import assert_accessible
from tests.browser.conftest import save_screenshot, watch_page_problems
from tests.browser.live import browser_context_args, live_server  # noqa: F401
from tests.conftest import DEMO_PASSWORD, USERS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", autouse=True)
def job_output(live_server: Any) -> None:  # noqa: F811
    """Real job output to look at: supplier warnings, licence warnings, history and mail."""
    for job_id in ("listing_hygiene", "licence_renewals"):
        assert run_job(live_server.db.engine, job_id).outcome == "ok"


def sign_in(page: Page, who: str) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(USERS[who])
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def unread_badge(page: Page) -> int:
    badge = page.locator(".app-count-badge")
    if badge.count() == 0:
        return 0
    return int(re.match(r"\d+", badge.inner_text()).group(0))  # type: ignore[union-attr]


def look(page: Page, name: str) -> None:
    assert_accessible(page)
    save_screenshot(page, f"{name}-desktop")
    page.set_viewport_size({"width": 320, "height": 800})
    save_screenshot(page, f"{name}-320")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{name} scrolls sideways at 320px ({width}px)"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_notifications_page_mark_read(page: Page) -> None:
    problems = watch_page_problems(page)
    sign_in(page, "lead_a")
    before = unread_badge(page)
    assert before >= 1  # licence renewal warnings for the North West lead
    page.get_by_role("link", name=re.compile("^Notifications")).click()
    expect(page.get_by_role("heading", level=1, name="Notifications")).to_be_visible()
    look(page, "notifications")
    page.get_by_role("button", name=re.compile("^Mark as read")).first.click()
    expect(page.get_by_role("alert")).to_contain_text("as read")
    assert unread_badge(page) == before - 1
    page.get_by_role("link", name="Unread only").click()
    expect(page.get_by_text(f"You have {before - 1} unread notification")).to_be_visible()
    assert problems == []


def test_notifications_without_javascript(js_disabled_page: Page) -> None:
    page = js_disabled_page
    sign_in(page, "supplier_a")
    page.goto("/notifications")
    before = unread_badge(page)
    assert before >= 1  # Kestrel hears about its expired accreditation
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.get_by_text("You have 0 unread notifications.")).to_be_visible()
    assert unread_badge(page) == 0


def test_admin_jobs_pages(page: Page) -> None:
    problems = watch_page_problems(page)
    sign_in(page, "admin")
    page.get_by_role("link", name="Jobs").click()
    expect(page.get_by_role("heading", level=1, name="Scheduled jobs")).to_be_visible()
    look(page, "admin-jobs")

    page.get_by_role("button", name="Run now Listing hygiene").click()
    expect(page.get_by_role("heading", level=1, name="Listing hygiene")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Listing hygiene ran")
    expect(page.get_by_role("table")).to_contain_text("run by hand at")
    look(page, "admin-job-detail")

    page.get_by_role("button", name="Pause Listing hygiene").click()
    expect(page.get_by_text("Not scheduled until resumed")).to_be_visible()
    page.get_by_role("button", name="Resume Listing hygiene").click()
    expect(page.get_by_text("Not scheduled until resumed")).to_have_count(0)

    page.get_by_role("link", name="E-mail outbox").click()
    expect(page.get_by_role("heading", level=1, name="E-mail outbox")).to_be_visible()
    look(page, "admin-outbox")
    assert problems == []


def test_admin_run_now_without_javascript(js_disabled_page: Page) -> None:
    page = js_disabled_page
    sign_in(page, "admin")
    page.goto("/admin/jobs/licence_renewals")
    page.get_by_role("button", name="Run now Licence renewals").click()
    expect(page.get_by_role("alert")).to_contain_text("Licence renewals ran")
