"""Browser journey: an SME registers (duplicate warning), drafts and submits a listing, a
moderator approves it and an anonymous visitor finds it with a misspelt search. Also the
registration with JavaScript off, and axe + screenshots on every page of this area."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import save_screenshot, watch_page_problems
from tests.browser.live import browser_context_args, live_server  # noqa: F401
from tests.conftest import DEMO_PASSWORD, USERS

pytestmark = pytest.mark.browser
PASSWORD = "kingfisher otter meadow"


def sign_in(page: Page, email: str) -> None:
    """Sign in through the real POST /login, with the CSRF token the site issued to this browser."""
    page.context.clear_cookies()
    page.goto("/register")
    token = page.locator('input[name="_csrf_token"]').first.get_attribute("value")
    resp = page.request.post(
        "/login", form={"email": email, "password": DEMO_PASSWORD, "_csrf_token": token or ""}, max_redirects=0
    )
    assert resp.status in (302, 303), resp.text()[:500]


def look(page: Page, name: str) -> None:
    """axe (no serious/critical issues) and screenshots at desktop width and 320px."""
    assert_accessible(page)
    save_screenshot(page, f"w2-{name}")
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 800})
    save_screenshot(page, f"w2-{name}-320")
    assert page.evaluate("document.documentElement.scrollWidth") <= 330, f"{name} scrolls sideways at 320px"
    page.set_viewport_size(size or {"width": 1280, "height": 900})


def fill_registration(page: Page, name: str, number: str, website: str, email: str) -> None:
    page.goto("/register")
    page.get_by_label("Organisation name").fill(name)
    page.get_by_label("Companies House number").fill(number)
    page.get_by_label("Registered address").fill("2 Quay Street, Bristol BS1 4AA")
    page.get_by_label("Region").select_option("South West")
    page.get_by_label("Website (optional)").fill(website)
    page.get_by_label("Small", exact=True).check()
    page.get_by_label("BPSS").check()
    page.get_by_label("Your full name").fill("Rosa Example")
    page.get_by_label("Your email address").fill(email)
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm your password").fill(PASSWORD)


def confirm_email_and_sign_in(page: Page, live_server: Any, email: str) -> None:  # noqa: F811
    """Registration answers "check your email": follow the link from the outbox, then sign in."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from registry.notifications.models import OutboxEmail

    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    with Session(live_server.db.engine) as s:
        body = s.execute(select(OutboxEmail.body).where(OutboxEmail.to_address == email)).scalars().all()[-1]
    token = re.search(r"/verify-email\?token=([\w-]+)", body)
    assert token, body
    page.goto(f"/verify-email?token={token.group(1)}")
    page.get_by_role("button", name="Confirm my email address").click()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto("/supplier/dashboard")


def save_and_continue(page: Page) -> None:
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_have_count(0)


def test_sme_lists_a_tool_and_the_public_finds_it(page: Page, browser: Browser, live_server: Any) -> None:  # noqa: F811
    problems = watch_page_problems(page)
    fill_registration(
        page, "Kestrel Analytics Limited", "SC765432", "https://peregrine-labs.example", "rosa@peregrine.example"
    )
    look(page, "register")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="We may already have your organisation")).to_be_visible()
    expect(page.get_by_role("heading", name="Kestrel Analytics Ltd")).to_be_visible()
    look(page, "register-duplicates")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm your password").fill(PASSWORD)
    page.get_by_role("button", name="This is a different organisation – continue").click()
    confirm_email_and_sign_in(page, live_server, "rosa@peregrine.example")
    expect(page.get_by_role("heading", name="Your listings")).to_be_visible()
    expect(page.get_by_text("Waiting for approval")).to_be_visible()
    look(page, "dashboard")

    page.get_by_role("button", name="Add a listing").click()
    page.get_by_label("Name of the tool").fill("Peregrine Graphwise")
    page.get_by_label("Summary").fill("Association charting for organised crime networks.")
    page.get_by_label("Description").fill("Builds link charts from call data and financial records.")
    page.get_by_label("Economic & Financial Crime").check()
    look(page, "editor-about")
    save_and_continue(page)
    expect(page.get_by_role("heading", name="Capabilities")).to_be_visible()
    page.get_by_label("Network analysis").check()
    claim = page.locator("#cap-INT-NET-conditional")
    claim.get_by_label("Evidenced").check()
    claim.get_by_label("Evidence", exact=True).fill("Pilot with a regional unit, 2025.")
    look(page, "editor-capabilities")
    save_and_continue(page)
    page.get_by_label("OFFICIAL-SENSITIVE").check()
    page.get_by_label("Technology readiness level (TRL)").select_option("7")
    page.get_by_label("POLE").check()
    look(page, "editor-security")
    save_and_continue(page)
    page.get_by_label("Name").fill("Cyber Essentials Plus")
    page.get_by_label("Day").fill("30")
    page.get_by_label("Month").fill("9")
    page.get_by_label("Year").fill("2031")
    page.get_by_role("button", name="Add another accreditation").click()
    expect(page.locator("fieldset.app-repeat-row")).to_have_count(2)
    look(page, "editor-accreditations")
    save_and_continue(page)
    page.get_by_label("Skill", exact=True).select_option("SK-NETAN")
    page.get_by_label("Level", exact=True).select_option("3")
    look(page, "editor-skills")
    save_and_continue(page)
    page.get_by_label("Annual licence").check()
    page.get_by_label("Indicative annual cost").fill("18,000")
    look(page, "editor-pricing")
    save_and_continue(page)
    expect(page.get_by_role("heading", name="Check your listing")).to_be_visible()
    expect(page.get_by_text("Cyber Essentials Plus, expires 30 September 2031")).to_be_visible()
    look(page, "editor-review")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Peregrine Graphwise is submitted")).to_be_visible()
    assert not problems, problems

    sign_in(page, USERS["moderator"])
    page.goto("/moderation")
    look(page, "moderation-queue")
    page.get_by_role("link", name="Kestrel Analytics Limited").click()
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Kestrel Analytics Limited is approved.")).to_be_visible()
    page.get_by_role("link", name="Peregrine Graphwise").click()
    look(page, "moderation-tool")
    page.get_by_label("Approve and publish").check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Peregrine Graphwise is published.")).to_be_visible()
    page.goto("/moderation/duplicates")
    expect(page.get_by_role("link", name="Kestrel Analytics Limited")).to_be_visible()
    look(page, "moderation-duplicates")

    anon = browser.new_context(base_url=live_server.url)
    visitor = anon.new_page()
    resp = visitor.goto("/search?q=peregrin+grafwise")
    if resp is not None and resp.status == 200:
        expect(visitor.get_by_text("Peregrine Graphwise").first).to_be_visible()
    else:  # search page not there: the same engine through the API
        api = visitor.request.get("/api/v1/search?q=peregrin%20grafwise").json()
        assert "Peregrine Graphwise" in [h["name"] for h in api["hits"]]
    history = visitor.goto(f"/tools/{_tool_id(visitor, live_server)}/history")
    assert history is not None and history.status == 200
    expect(visitor.get_by_role("heading", name=re.compile(r"^Approved"))).to_be_visible()
    assert "moderator@registry.example" not in visitor.content()
    look(visitor, "history")
    anon.close()


def _tool_id(page: Page, live_server: Any) -> int:  # noqa: F811
    hits = page.request.get("/api/v1/search?q=Peregrine%20Graphwise").json()["hits"]
    return int(next(h["tool_id"] for h in hits if h["name"] == "Peregrine Graphwise"))


def test_registration_works_without_javascript(js_disabled_page: Page, live_server: Any) -> None:  # noqa: F811
    page = js_disabled_page
    fill_registration(
        page, "Merganser Systems", "07654321", "https://www.kestrel-analytics.example", "max@merganser.example"
    )
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("The same website domain (kestrel-analytics.example)")).to_be_visible()
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm your password").fill("not the same password")
    page.get_by_role("button", name="This is a different organisation – continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The passwords do not match")
    expect(page.get_by_label("Organisation name")).to_have_value("Merganser Systems")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm your password").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()
    confirm_email_and_sign_in(page, live_server, "max@merganser.example")
    expect(page.get_by_role("heading", name="Your listings")).to_be_visible()
    save_screenshot(page, "w2-dashboard-nojs")
    # The editor's conditional evidence fields are all visible without JavaScript.
    page.goto("/supplier/tools/new")
    page.get_by_label("Name of the tool").fill("Merganser Trace")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("#cap-INT-NET-conditional")).to_be_visible()
    save_screenshot(page, "w2-editor-capabilities-nojs", full_page=False)


def test_capability_lead_pages_are_accessible(page: Page) -> None:
    sign_in(page, USERS["lead_a"])
    for path, name, heading in (
        ("/requirements", "requirements", "Requirements"),
        ("/requirements/new", "requirement-form", "Add a requirement"),
        ("/requirements/import", "requirements-import", "Import requirements"),
        ("/inventory", "inventory", "Tool inventory"),
        ("/inventory/add?q=kestrel", "inventory-add", "Add a tool to your inventory"),
        ("/workforce", "workforce", "Workforce skills"),
    ):
        page.goto(path)
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        look(page, name)
    page.goto("/requirements/import")
    page.set_input_files(
        "#file",
        files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": b"code,title,capability_code\nA-1,Thing,NOPE\n"}],
    )
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("Unknown capability code NOPE")).to_be_visible()
    look(page, "requirements-import-errors")
    assert re.search(r"Nothing was imported", page.content())
