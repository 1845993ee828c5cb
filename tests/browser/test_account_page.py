"""Browser check of the account page: accessible (axe), no sideways scrolling at 320 px, and
"Sign out everywhere" and token revocation working from the buttons."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import save_screenshot, watch_page_problems
from tests.browser.live import browser_context_args, live_server  # noqa: F401
from tests.conftest import DEMO_PASSWORD, USERS

pytestmark = pytest.mark.browser


def sign_in(page: Page, who: str) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(USERS[who])
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_account_page_revokes_a_token_and_signs_out_everywhere(page: Page, live_server: Any) -> None:  # noqa: F811
    problems = watch_page_problems(page)
    minted = httpx.post(
        f"{live_server.url}/api/v1/auth/token",
        json={"email": USERS["lead_b"], "password": DEMO_PASSWORD, "name": "browser check"},
    ).json()
    sign_in(page, "lead_b")
    page.get_by_role("link", name="Your account").click()
    expect(page.get_by_role("heading", level=1, name="Your account")).to_be_visible()
    expect(page.locator(f"#token-{minted['id']}")).to_contain_text("browser check")
    assert_accessible(page)
    save_screenshot(page, "account-desktop")
    page.set_viewport_size({"width": 320, "height": 800})
    save_screenshot(page, "account-320")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the account page scrolls sideways at 320px ({width}px)"
    page.set_viewport_size({"width": 1280, "height": 900})

    page.locator(f"#token-{minted['id']}").get_by_role("link", name="Revoke").click()
    # Asked on a confirmation page first, never in a browser dialog.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Are you sure you want to revoke")
    page.get_by_role("button", name="Yes, revoke").click()
    expect(page.locator(".govuk-notification-banner, [role=alert], [role=status]").first).to_contain_text("revoked")
    me = httpx.get(f"{live_server.url}/api/v1/auth/me", headers={"Authorization": f"Bearer {minted['token']}"})
    assert me.json()["authenticated"] is False

    page.get_by_role("button", name="Sign out everywhere").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Are you sure you want to sign out everywhere?")
    page.get_by_role("button", name="Yes, sign out everywhere").click()
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    page.goto("/account")
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    assert problems == []
