"""At 320 px the search filters collapse behind "Show filters" so the first result is near the
top; the button opens and closes them (also after htmx swaps the results); the selected filters
show as removable tags; without JavaScript the filters are shown and still work."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import save_screenshot, watch_page_problems
from tests.browser.live import browser_context_args, live_server  # noqa: F401

pytestmark = pytest.mark.browser
NARROW = {"width": 320, "height": 800}


def _first_result_top(page: Page) -> float:
    box = page.locator(".app-result").first.bounding_box()
    assert box is not None
    return box["y"]


def test_filters_collapse_at_320px_and_the_button_toggles(page: Page) -> None:
    problems = watch_page_problems(page)
    page.set_viewport_size(NARROW)
    page.goto("/search?q=analysis&hosting=uk")
    button = page.locator("[data-filters-toggle]")
    panel = page.locator("#search-filters")
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(panel).to_be_hidden()
    top = _first_result_top(page)
    assert top < 900, f"first result at {top:.0f}px"
    expect(page.locator(".app-filter-tag")).to_have_text(["Remove this filter: UK"])

    button.click()
    expect(panel).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(button).to_contain_text("Hide filters")
    assert _first_result_top(page) > top + 1000  # the filters now come first
    assert_accessible(page)

    # A filter change swaps the region (htmx); the panel stays open, the new tag appears.
    page.get_by_label("SME suppliers only").check()
    expect(page.locator(".app-filter-tag")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"sme=true"))
    expect(page.locator("#search-filters")).to_be_visible()
    expect(page.locator("[data-filters-toggle]")).to_have_attribute("aria-expanded", "true")

    page.locator("[data-filters-toggle]").click()
    expect(page.locator("#search-filters")).to_be_hidden()
    expect(page.locator("[data-filters-toggle]")).to_contain_text("Show filters")

    # A tag removes its filter.
    page.locator(".app-filter-tag", has_text="UK").click()
    expect(page).to_have_url(re.compile(r"^(?!.*hosting=).*sme=true"))
    expect(page.locator(".app-filter-tag")).to_have_count(1)
    assert not problems, "\n".join(problems)
    # Last: Playwright's screenshot styling trips the CSP watcher on a later htmx swap.
    save_screenshot(page, "search-320-collapsed", full_page=False)


def test_wide_screens_show_filters_without_a_button(page: Page) -> None:
    page.goto("/search?q=analysis")
    expect(page.locator("[data-filters-toggle]")).to_be_hidden()
    expect(page.locator("#search-filters")).to_be_visible()


def test_without_javascript_the_filters_are_shown_and_work(js_disabled_page: Page) -> None:
    page = js_disabled_page
    page.set_viewport_size(NARROW)
    page.goto("/search?q=analysis")
    expect(page.locator("[data-filters-toggle]")).to_be_hidden()
    expect(page.locator("#search-filters")).to_be_visible()
    page.get_by_label("SME suppliers only").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"sme=true"))
    expect(page.locator(".app-filter-tag")).to_have_text(["Remove this filter: SME suppliers only"])
