"""Browser journey: tools added to compare while signed out are still there after "Sign in to
save these tools", and signing in returns to the page the person came from."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.tools.models import Tool
from tests.browser.conftest import watch_page_problems
from tests.browser.live import browser_context_args, live_server  # noqa: F401
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def _published(live_server: Any) -> list[Tool]:  # noqa: F811
    with Session(live_server.db.engine) as s:
        return list(s.execute(select(Tool).where(Tool.status == "published").order_by(Tool.id).limit(2)).scalars())


def _sign_in_on_form(page: Page, email: str) -> None:
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_the_compare_basket_survives_sign_in(page: Page, live_server: Any) -> None:  # noqa: F811
    problems = watch_page_problems(page)
    tools = _published(live_server)
    for tool in tools:
        page.goto(f"/tools/{tool.id}")
        page.get_by_role("button", name="Add to compare").click()
        expect(page.get_by_text(f"Added {tool.name} to your compare list")).to_be_visible()
    page.goto("/compare")
    for tool in tools:
        expect(page.locator("main")).to_contain_text(tool.name)
    page.get_by_role("main").get_by_role("link", name="Sign in").click()
    _sign_in_on_form(page, "lead@nwrocu.example")
    expect(page).to_have_url(f"{live_server.url}/compare")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    for tool in tools:
        expect(page.locator("main")).to_contain_text(tool.name)
    assert problems == []


def test_the_header_sign_in_link_returns_to_the_page(page: Page, live_server: Any) -> None:  # noqa: F811
    page.goto("/search?q=network")
    page.locator("header").get_by_role("link", name="Sign in").click()
    _sign_in_on_form(page, "buyer@nwrocu.example")
    expect(page).to_have_url(f"{live_server.url}/search?q=network")
