"""The interactive API docs (/schema/swagger) render their operations in Chromium from our own
vendored Swagger UI: no CDN (the CSP allows none), no inline script, no console errors or CSP
violations, and every asset is served by the app itself."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import save_screenshot, watch_page_problems
from tests.browser.live import browser_context_args, live_server  # noqa: F401

pytestmark = pytest.mark.browser


def test_swagger_ui_renders_operations_under_the_csp(page: Page, live_server: Any) -> None:  # noqa: F811
    problems = watch_page_problems(page)
    requested: list[str] = []
    page.on("request", lambda req: requested.append(req.url))
    response = page.goto("/schema/swagger")
    assert response is not None and response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    # Operations are listed, grouped by tag, and one opens to show its parameters.
    expect(page.locator(".opblock-tag").first).to_be_visible(timeout=15_000)
    search = page.locator(".opblock-summary-path", has_text="/api/v1/search").first
    expect(search).to_be_visible()
    assert page.locator(".opblock").count() > 50
    search.click()
    expect(page.locator(".parameters-col_name", has_text="hosting").first).to_be_visible()
    # The bearer scheme offers an Authorize button.
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()
    save_screenshot(page, "swagger-docs", full_page=False)
    assert all(url.startswith(live_server.url) for url in requested), [
        u for u in requested if not u.startswith(live_server.url)
    ]
    assert problems == [], problems
