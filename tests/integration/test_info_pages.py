"""The footer's information pages: help, contact, privacy notice, cookies and the accessibility
statement. Each is linked from every page's footer, answers signed in and signed out, and says
what is true of the service: the cookies page names exactly the cookies the service sets."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest

from registry.web.info_pages import COOKIES, INFO_PAGES, SUPPORT_EMAIL
from tests.conftest import DEMO_PASSWORD, USERS
from tests.integration.test_evaluations import login

SERVICE = "SOC Capability Registry"
FOOTER_ORDER = ["/help", "/contact", "/privacy", "/cookies", "/accessibility"]


def _text(html: str) -> str:
    body = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body)))


def _footer_links(html: str) -> list[str]:
    footer = html[html.index('<footer class="govuk-footer">') :]
    return re.findall(r'class="govuk-footer__link" href="(/[^"]*)"', footer)


def test_every_page_links_the_information_pages_from_its_footer(client: Any) -> None:
    for path in ("/", "/search", "/login", "/help", "/no-such-page"):
        page = client.get(path)
        links = _footer_links(page.text)
        assert [href for href in links if href in FOOTER_ORDER] == FOOTER_ORDER, (path, links)


@pytest.mark.parametrize("signed_in", [False, True])
def test_each_information_page_answers_with_its_heading_and_title(client: Any, signed_in: bool) -> None:
    if signed_in:
        login(client, "buyer_a")
    assert [p.path for p in INFO_PAGES] == FOOTER_ORDER
    for info in INFO_PAGES:
        page = client.get(info.path)
        assert page.status_code == 200, info.path
        assert f'<h1 class="govuk-heading-l">{info.h1}</h1>' in unescape(page.text)
        title = re.search(r"<title>([^<]*)</title>", page.text)
        assert title and unescape(title.group(1)) == f"{info.title} – {SERVICE}"
        if signed_in:
            assert "Sign out" in page.text


def test_the_cookies_page_names_exactly_the_cookies_the_service_sets(client: Any) -> None:
    # Collect every cookie the service sets across a visit: a page, the sign-in form, signing in,
    # choosing a tool to compare (session) and signing out.
    set_names: set[str] = set()

    def collect(resp: Any) -> None:
        for header in resp.headers.get_list("set-cookie"):
            set_names.add(header.split("=", 1)[0].strip())

    collect(client.get("/"))
    form = client.get("/login")
    collect(form)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text)
    assert token
    collect(
        client.post(
            "/login",
            data={"email": USERS["buyer_a"], "password": DEMO_PASSWORD, "_csrf_token": token.group(1)},
            follow_redirects=False,
        )
    )
    collect(client.get("/search"))
    assert set_names, "the visit set cookies"
    documented = {c.name for c in COOKIES}
    assert set_names <= documented, f"undocumented cookies: {set_names - documented}"
    assert documented == {"socreg_session", "socreg_csrf"}

    text = _text(client.get("/cookies").text)
    for cookie in COOKIES:
        assert cookie.name in text and cookie.expires in text
    assert "does not use analytics" in text


def test_the_privacy_notice_says_what_is_kept_and_who_to_complain_to(client: Any) -> None:
    text = _text(client.get("/privacy").text)
    for fact in (
        "name, work email address, role and organisation",
        "password, stored only in a form that cannot be turned back",
        "failed sign-in attempts",
        "Every change made through the service is recorded",
        "UK GDPR",
        "Information Commissioner’s Office",
        "cookies this service uses",
    ):
        assert fact in text, fact


def test_the_accessibility_statement_follows_the_govuk_model(client: Any) -> None:
    page = client.get("/accessibility")
    text = _text(page.text)
    for heading in (
        "How accessible this service is",
        "Feedback and contact information",
        "Reporting accessibility problems with this service",
        "Enforcement procedure",
        "Technical information about this service’s accessibility",
        "Compliance status",
        "Non-accessible content",
        "Disproportionate burden",
        "What we’re doing to improve accessibility",
        "Preparation of this accessibility statement",
    ):
        assert re.search(rf"<h[23] class=\"govuk-heading-[ms]\">{re.escape(heading)}</h[23]>", unescape(page.text)), (
            heading
        )
    assert "Web Content Accessibility Guidelines version 2.2 AA standard" in text
    assert "partially compliant" in text
    assert "1.3.1 Info and Relationships" in text  # known issues name the success criterion
    assert "Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018" in text
    assert re.search(r"prepared on \d{1,2} [A-Z][a-z]+ \d{4}", text)


def test_help_and_contact_give_a_way_to_get_help(client: Any) -> None:
    contact = client.get("/contact").text
    assert f'href="mailto:{SUPPORT_EMAIL}"' in contact and "5 working days" in contact
    help_text = client.get("/help").text
    assert 'href="/contact"' in help_text and 'href="/search"' in help_text
