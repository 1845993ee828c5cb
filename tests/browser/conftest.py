"""Playwright fixtures driving Debian's Chromium (no bundled browser download on this machine).

The `live_server` fixture (base URL of a running app) belongs to the app-level conftest; to point
`page` at it, override `browser_context_args` there, e.g. ``return {"base_url": live_server}``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def browser_context_args() -> dict[str, Any]:
    """Extra `new_context` options; override (e.g. with base_url) in a closer conftest."""
    return {}


def _new_page(browser: Browser, args: dict[str, Any], **extra: Any) -> Iterator[Page]:
    # A fixed viewport and locale keep screenshots and axe results comparable between runs.
    options: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}, "locale": "en-GB"}
    options.update(args)
    options.update(extra)
    context = browser.new_context(**options)
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[Page]:
    yield from _new_page(browser, browser_context_args)


@pytest.fixture
def js_disabled_page(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[Page]:
    """Every page must work without JavaScript (progressive enhancement)."""
    yield from _new_page(browser, browser_context_args, java_script_enabled=False)


def save_screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG of `page` to tests/artifacts/screenshots/<name>.png and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "page"
    path = SCREENSHOTS / f"{safe}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.fixture
def screenshot() -> Callable[..., Path]:
    """`screenshot(page, name)` -> Path of the saved PNG."""
    return save_screenshot


def watch_page_problems(page: Page) -> list[str]:
    """Collect console errors/warnings, uncaught exceptions, failed and 4xx/5xx requests.

    CSP violations reach the console as errors, so they land here too.
    """
    problems: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type in ("error", "warning"):
            problems.append(f"console {msg.type}: {msg.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))

    def on_failed(req: Any) -> None:
        # The browser aborts its own background favicon fetch when a navigation or htmx swap
        # starts first; that is not a fault of the page.
        if req.url.endswith("/favicon.svg") and "ERR_ABORTED" in str(req.failure):
            return
        problems.append(f"request failed: {req.url} ({req.failure})")

    page.on("requestfailed", on_failed)
    page.on(
        "response",
        lambda resp: problems.append(f"HTTP {resp.status}: {resp.url}") if resp.status >= 400 else None,
    )
    return problems


@pytest.fixture
def page_problems(page: Page) -> list[str]:
    """Problems seen by `page` so far; assert it is empty at the end of a test."""
    return watch_page_problems(page)
