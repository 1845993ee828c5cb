"""Static smoke test of the page shell: base.html, macros and error pages rendered with plain
Jinja2, served by a tiny http.server with the app's CSP, then checked in Chromium."""

from __future__ import annotations

import re
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from playwright.sync_api import Browser, Page

try:  # works whether or not tests/ is a package
    from .axe import assert_accessible, run_axe
    from .conftest import save_screenshot, watch_page_problems
except ImportError:
    from axe import assert_accessible, run_axe
    from conftest import save_screenshot, watch_page_problems

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"
CSRF = "test-csrf-token-123"
# What the app is expected to send: nothing inline, nothing from other origins.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
GOVUK_BLACK = "rgb(11, 12, 12)"

# A child page exercising the macros, so axe and the CSP check cover their markup too.
DEMO_PAGE = """
{% extends "base.html" %}
{% import "_macros/forms.html" as forms with context %}
{% import "_macros/components.html" as ui %}
{% block content %}
{{ forms.error_summary(errors) }}
<h1 class="govuk-heading-l">Search tools</h1>
<form method="post" action="/echo" novalidate>
  {{ forms.csrf() }}
  {{ forms.input("query", "Search for a tool", value="network", error=errors.get("query"),
                 hint="For example, link analysis", width=20) }}
  {{ forms.select("classification", "Minimum classification",
                  [("1", "OFFICIAL"), ("2", "OFFICIAL-SENSITIVE"), ("3", "SECRET")],
                  value="2", blank="Any") }}
  {{ forms.checkboxes("hosting", "Hosting",
                      [("uk", "UK"), ("eea", "EEA", "European Economic Area")], values=["uk"],
                      error=errors.get("hosting"), small=true) }}
  {{ forms.radios("deployment", "Deployment", ["saas", "on-premises"], value="saas", inline=true) }}
  {{ forms.date_input("reviewed", "Last reviewed after", value="2024-03-07",
                      error=errors.get("reviewed"), hint="For example, 27 3 2024") }}
  {{ forms.textarea("notes", "Notes", value="Some <b>escaped</b> text") }}
  {{ forms.button("Search") }} {{ forms.button("Clear filters", secondary=true, type="reset") }}
</form>
<button type="button" class="govuk-button govuk-button--secondary" id="htmx-probe"
        data-hx-post="/echo" data-hx-target="#htmx-result" data-hx-swap="innerHTML">Send htmx request</button>
<div id="htmx-result"></div>
<p class="govuk-body">{{ ui.tag("Published", "green") }} {{ ui.classification_tag(3) }}
  {{ ui.classification_tag("OFFICIAL_SENSITIVE") }} {{ ui.badge_sme(true) }}
  {{ ui.badge_verified(true) }} {{ ui.verification_tag("evidenced") }}
  {{ ui.status_tag("draft") }}</p>
{{ ui.summary_list([("Supplier", "Acme Analytics Ltd"), ("Website", none),
                    {"key": "TRL", "value": "7", "href": "/tools/1/edit"}]) }}
{{ ui.table(["Requirement", "Coverage", "Score"],
            [["Link analysis", "Full", "4.0"], ["Dark web monitoring", "None", "0.0"]],
            caption="Coverage", numeric=[2], row_headers=true) }}
<div class="app-table-wrapper" role="region" aria-labelledby="heatmap-caption" tabindex="0">
<table class="govuk-table">
  <caption class="govuk-table__caption govuk-table__caption--s" id="heatmap-caption">
    Heatmap</caption>
  <thead class="govuk-table__head"><tr class="govuk-table__row">
    <th scope="col" class="govuk-table__header">Workstream</th>
    {% for i in range(5) %}
    <th scope="col" class="govuk-table__header">Level {{ i }}</th>{% endfor %}
  </tr></thead>
  <tbody class="govuk-table__body"><tr class="govuk-table__row">
    <th scope="row" class="govuk-table__header">Cyber</th>
    {% for i in range(5) %}{{ ui.heat_cell(i, (i * 25) ~ "%") }}{% endfor %}
  </tr><tr class="govuk-table__row">
    <th scope="row" class="govuk-table__header">Compare</th>
    {{ ui.diff_cell("SaaS", true) }}{{ ui.diff_cell("UK", false) }}
    <td class="govuk-table__cell"></td><td class="govuk-table__cell"></td>
    <td class="govuk-table__cell"></td>
  </tr></tbody>
</table>
</div>
{{ ui.pagination(5, 12, "/search?page={page}") }}
{% endblock %}
"""


@dataclass
class Site:
    base_url: str
    pages: dict[str, str]
    posts: list[dict[str, str]] = field(default_factory=list)


def make_env() -> Environment:
    # Same defaults as Litestar's Jinja engine (lenient Undefined, HTML autoescape).
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
    )


def user(role: str) -> SimpleNamespace:
    return SimpleNamespace(
        name="Priya Shah",
        email="priya@example.police.uk",
        role=role,
        organisation_name="North Region ROCU",
    )


def context(path: str, current_user: SimpleNamespace | None, **extra: Any) -> dict[str, Any]:
    ctx: dict[str, Any] = {
        "request": SimpleNamespace(url=SimpleNamespace(path=path)),
        "current_user": current_user,
        "csrf_token": CSRF,
        "flashes": [],
        "notifications_unread": 0,
        "page_title": None,
    }
    ctx.update(extra)
    return ctx


def render_pages() -> dict[str, str]:
    env = make_env()
    errors = {
        "query": "Enter a search term of 2 characters or more",
        "hosting": "Select at least one hosting location",
        "reviewed": "Date must be a real date",
    }
    demo = env.from_string(DEMO_PAGE).render(
        context(
            "/search",
            user("procurement_officer"),
            page_title="Search tools",
            errors=errors,
            notifications_unread=3,
            flashes=[
                ("success", "Shortlist saved"),
                ("info", "Prices are indicative"),
                ("error", "The export could not be created"),
            ],
        )
    )
    anon = context("/nowhere", None)
    return {
        "/search": demo,
        "/404": env.get_template("errors/404.html").render(anon),
        "/403": env.get_template("errors/403.html").render(context("/assessments/9", user("supplier"))),
        "/500": env.get_template("errors/500.html").render(anon | {"request_id": "req-42"}),
        "/410": env.get_template("errors/generic.html").render(
            anon | {"status_code": 410, "error_title": "This listing has been retired"}
        ),
    }


def ensure_vendored() -> None:
    if not (STATIC / "vendor" / "govuk-frontend.min.css").is_file():
        subprocess.run(["sh", "scripts/vendor_assets.sh"], cwd=ROOT, check=True)


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    ensure_vendored()
    pages = render_pages()
    state = Site(base_url="", pages=pages)

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(ROOT), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
            pass

        def end_headers(self) -> None:
            self.send_header("Content-Security-Policy", CSP)
            self.send_header("X-Content-Type-Options", "nosniff")
            super().end_headers()

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path in state.pages:
                self._send(200, "text/html; charset=utf-8", state.pages[path].encode())
            elif path.startswith("/static/"):
                super().do_GET()  # served from ROOT/static/...
            else:
                self._send(404, "text/plain", b"not found")

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            self.rfile.read(length)
            state.posts.append({k.lower(): v for k, v in self.headers.items()})
            self._send(200, "text/html; charset=utf-8", b'<p class="govuk-body">Received</p>')

        def _send(self, status: int, ctype: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


CSP_WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""


def open_page(page: Page, url: str) -> list[str]:
    """Load `url`, wait for the network to settle, return the problem list (live)."""
    problems = watch_page_problems(page)
    page.add_init_script(CSP_WATCH)  # init scripts are exempt from the page's CSP
    page.goto(url, wait_until="networkidle")
    return problems


def assert_clean(page: Page, problems: list[str]) -> None:
    violations = page.evaluate("window.__csp || []")
    assert violations == [], f"CSP violations: {violations}"
    assert problems == [], "\n".join(problems)


def test_base_page_loads_govuk_styles_and_scripts(page: Page, site: Site) -> None:
    problems = open_page(page, site.base_url + "/search")
    save_screenshot(page, "base-search")

    body_font = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    assert "GDS Transport" in body_font
    header_bg = page.evaluate("getComputedStyle(document.querySelector('.govuk-header')).backgroundColor")
    assert header_bg == GOVUK_BLACK
    # The webfont itself arrived (URL rewrite in vendor_assets.sh resolves relative to the CSS).
    assert page.evaluate("document.fonts.check('19px \"GDS Transport\"')")
    assert page.evaluate("[...document.fonts].some(f => f.status === 'loaded')")
    # app.js ran before render and GOV.UK Frontend initialised (module script under CSP).
    classes = page.evaluate("document.body.className")
    assert "js-enabled" in classes and "govuk-frontend-supported" in classes
    assert page.evaluate("typeof window.htmx") == "object"
    # initAll() marks each component root it initialised; proves the module ran under the CSP.
    for selector in (".govuk-error-summary", ".govuk-service-navigation", ".govuk-checkboxes"):
        module = page.get_attribute(selector, "data-module")
        assert page.get_attribute(selector, f"data-{module}-init") == "", selector
    assert page.title() == "Error: Search tools – SOC Capability Registry"
    assert_clean(page, problems)


def test_navigation_account_and_flashes(page: Page, site: Site) -> None:
    problems = open_page(page, site.base_url + "/search")
    nav = page.locator(".govuk-service-navigation__list a")
    assert nav.all_inner_texts() == ["Search", "Shortlists", "Evaluations", "Projects", "Reports"]
    current = page.locator(".govuk-service-navigation [aria-current='page']")
    assert current.count() == 1 and current.inner_text() == "Search"

    badge = page.locator(".app-header-account a[href='/notifications'] .app-count-badge")
    assert " ".join((badge.text_content() or "").split()) == "3 unread"
    signout = page.locator("form[action='/logout'][method='post']")
    assert signout.locator("input[name='_csrf_token']").get_attribute("value") == CSRF
    assert page.locator("meta[name='csrf-token']").get_attribute("content") == CSRF

    banners = page.locator(".govuk-notification-banner")
    assert banners.count() == 3
    assert "govuk-notification-banner--success" in (banners.nth(0).get_attribute("class") or "")
    assert banners.nth(2).get_attribute("role") == "alert"
    assert page.locator(".govuk-phase-banner").inner_text().startswith("Demo")
    assert_clean(page, problems)


def test_htmx_requests_carry_csrf_header(page: Page, site: Site) -> None:
    problems = open_page(page, site.base_url + "/search")
    before = len(site.posts)
    page.click("#htmx-probe")
    page.wait_for_selector("#htmx-result >> text=Received")
    assert len(site.posts) == before + 1
    sent = site.posts[-1]
    assert sent.get("x-csrftoken") == CSRF
    assert sent.get("hx-request") == "true"
    assert_clean(page, problems)


def test_error_summary_links_reach_their_fields(page: Page, site: Site) -> None:
    open_page(page, site.base_url + "/search")
    hrefs = page.locator(".govuk-error-summary__list a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs == ["#query", "#hosting", "#reviewed"]
    for href in hrefs:
        assert page.locator(href).count() == 1, f"{href} has no target"
    # Each erroring control is described by its error message.
    described = page.locator("#query").get_attribute("aria-describedby") or ""
    assert "query-error" in described.split() and "query-hint" in described.split()
    page.click(".govuk-error-summary__list a[href='#hosting']")
    assert page.evaluate("document.activeElement.id") == "hosting"


@pytest.mark.parametrize("path", ["/search", "/404", "/403", "/500", "/410"])
def test_pages_have_no_serious_accessibility_issues(page: Page, site: Site, path: str) -> None:
    problems = open_page(page, site.base_url + path)
    assert_accessible(page)
    assert page.locator("h1").count() == 1
    assert_clean(page, problems)


def test_error_pages_render(page: Page, site: Site) -> None:
    open_page(page, site.base_url + "/404")
    save_screenshot(page, "error-404")
    assert page.locator("h1").inner_text() == "Page not found"
    assert page.title() == "Page not found – SOC Capability Registry"
    # Anonymous: Search only, a sign-in link, no notifications link.
    assert page.locator(".govuk-service-navigation__list a").all_inner_texts() == ["Search"]
    assert page.locator("a[href^='/login']").count() >= 1  # the sign-in link carries a return address
    assert page.locator("a[href='/notifications']").count() == 0
    open_page(page, site.base_url + "/410")
    assert page.locator(".govuk-caption-l").inner_text() == "Error 410"


def test_small_screen_320px(browser: Browser, site: Site) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="en-GB")
    try:
        page = context.new_page()
        problems = open_page(page, site.base_url + "/search")
        save_screenshot(page, "base-search-320")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"page scrolls sideways by {overflow}px at 320px"
        # GOV.UK's service navigation JS reveals the Menu toggle on narrow screens.
        toggle = page.locator(".govuk-service-navigation__toggle")
        assert toggle.is_visible()
        toggle.click()
        assert page.locator("#navigation a", has_text="Projects").is_visible()
        assert_clean(page, problems)
    finally:
        context.close()


def test_works_without_javascript(js_disabled_page: Page, site: Site) -> None:
    page = js_disabled_page
    page.goto(site.base_url + "/search", wait_until="networkidle")
    save_screenshot(page, "base-search-nojs")
    assert "js-enabled" not in (page.get_attribute("body", "class") or "")
    assert page.locator(".govuk-service-navigation__list a").count() == 5
    assert page.locator("form[action='/logout'] button").is_visible()
    assert page.locator("#query").input_value() == "network"


def test_no_moderate_axe_findings_either(page: Page, site: Site) -> None:
    # Only serious/critical fail assert_accessible; keep the shell itself fully clean.
    open_page(page, site.base_url + "/search")
    assert run_axe(page) == []


def test_axe_helper_fails_on_serious_issues(page: Page) -> None:
    # An unlabelled field and an image with no alt text are "critical" in axe.
    page.set_content(
        '<html lang="en"><head><title>t</title></head><body><main><h1>t</h1>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input type="text">'
        "</main></body></html>"
    )
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    report = str(failure.value)
    assert "image-alt" in report and "label" in report


# ---- Plain Jinja checks (no browser needed, cheap) -------------------------------------------

ROLE_NAV = {
    None: ["Search"],
    "supplier": ["Search", "My listings"],
    "procurement_officer": ["Search", "Shortlists", "Evaluations", "Projects", "Reports"],
    "capability_lead": [
        "Search",
        "Requirements",
        "Inventory",
        "Workforce skills",
        "Assessments",
        "Reports",
    ],
    "moderator": ["Search", "Moderation", "Jobs"],
    "admin": ["Search", "Moderation", "Jobs"],
}


def nav_texts(html: str) -> list[str]:
    block = html.split('class="govuk-service-navigation__list"', 1)[1].split("</ul>", 1)[0]
    return [re.sub(r"<[^>]+>", "", m).strip() for m in re.findall(r"<a [^>]*>(.*?)</a>", block)]


@pytest.mark.parametrize("role", list(ROLE_NAV))
def test_navigation_depends_on_role(role: str | None) -> None:
    env = make_env()
    html = env.get_template("errors/404.html").render(context("/x", user(role) if role else None))
    assert nav_texts(html) == ROLE_NAV[role]
    assert ("Sign out" in html) is (role is not None)


def test_nav_active_overrides_path_and_unread_zero_hides_badge() -> None:
    env = make_env()
    html = env.get_template("errors/404.html").render(
        context("/assessments/3/runs", user("capability_lead"), nav_active="reports")
    )
    assert html.count('aria-current="page"') == 1
    assert 'href="/reports" aria-current="page"' in html
    assert "app-count-badge" not in html
    by_path = env.get_template("errors/404.html").render(context("/assessments/3/runs", user("capability_lead")))
    assert 'href="/assessments" aria-current="page"' in by_path


def test_macros_escape_and_mark_errors() -> None:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined)
    forms = env.get_template("_macros/forms.html").make_module({"csrf_token": "tok<>"})
    html = str(forms.input("org.name", "Name <b>", value='"x"', error="Enter a name"))
    assert 'id="org-name"' in html and 'name="org.name"' in html
    assert "govuk-form-group--error" in html and "govuk-input--error" in html
    assert 'aria-describedby="org-name-error"' in html
    assert "Name &lt;b&gt;" in html and 'value="&#34;x&#34;"' in html
    assert 'value="tok&lt;&gt;"' in str(forms.csrf())
    assert 'value="explicit"' in str(forms.csrf("explicit"))
    called = env.get_template("_macros/forms.html").make_module({"csrf_token": lambda: "fromfn"})
    assert 'value="fromfn"' in str(called.csrf())
    select = str(forms.select("c", "C", [(1, "One"), (2, "Two")], value=2))
    assert '<option value="2" selected>Two</option>' in select
    assert '<option value="1">One</option>' in select
    assert str(forms.error_summary({})).strip() == ""


def test_pagination_windows_pages() -> None:
    env = make_env()
    ui = env.get_template("_macros/components.html").make_module({})
    html = str(ui.pagination(5, 12, "/s?page={page}"))
    numbers = [int(n) for n in re.findall(r">(\d+)</a>", html)]
    assert numbers == [1, 4, 5, 6, 12]
    assert html.count("govuk-pagination__item--ellipsis") == 2
    assert re.search(r'href="/s\?page=4" rel="prev"', html)
    assert re.search(r'href="/s\?page=6" rel="next"', html)
    assert 'aria-current="page">5</a>' in html
    assert str(ui.pagination(1, 1, "/s?page={page}")).strip() == ""
