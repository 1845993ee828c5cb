"""The service's information pages, linked from every page's footer: help, contact, privacy
notice, cookies and the accessibility statement.

Plain content pages: no database work beyond what every page does (the signed-in header), so a
person who cannot sign in can still read how to get help and what is kept about them. The text
lives in ``templates/info/``; the facts it states (cookie names and lifetimes, contact address)
come from here, next to the code that sets them, so the pages cannot drift from the service.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, get
from litestar.response import Template

from registry.web.context import page_context
from registry.web.deps import unit_of_work

SUPPORT_EMAIL = "soc-registry-support@example.gov.uk"
# The date the statement was last reviewed (GOV.UK's model statement asks for it).
ACCESSIBILITY_REVIEWED = "4 December 2026"


@dataclass(frozen=True, slots=True)
class CookieFact:
    name: str
    purpose: str
    expires: str


# The only cookies the service sets (registry/app.py: the session and CSRF configurations).
COOKIES: tuple[CookieFact, ...] = (
    CookieFact(
        "socreg_session",
        "Keeps you signed in and remembers the tools you chose to compare. It is encrypted and "
        "signed, so it cannot be read or changed by anyone else.",
        "After 8 hours",
    ),
    CookieFact(
        "socreg_csrf",
        "Protects the forms you send from being forged by another website (cross-site request forgery).",
        "When you close your browser",
    ),
)


@dataclass(frozen=True, slots=True)
class InfoPage:
    path: str
    title: str  # the first part of the <title>: "Help – SOC Capability Registry"
    template: str
    heading: str = ""  # the <h1>, when it says more than the title

    @property
    def h1(self) -> str:
        return self.heading or self.title


INFO_PAGES: tuple[InfoPage, ...] = (
    InfoPage("/help", "Help", "info/help.html", "Help using the SOC Capability Registry"),
    InfoPage("/contact", "Contact us", "info/contact.html"),
    InfoPage("/privacy", "Privacy notice", "info/privacy.html"),
    InfoPage("/cookies", "Cookies", "info/cookies.html"),
    InfoPage(
        "/accessibility",
        "Accessibility statement",
        "info/accessibility.html",
        "Accessibility statement for the SOC Capability Registry",
    ),
)


def _render(request: Request[Any, Any, Any], path: str) -> Template:
    page = next(p for p in INFO_PAGES if p.path == path)
    with unit_of_work(request):
        context = page_context(
            request,
            page_title=page.title,
            heading=page.h1,
            support_email=SUPPORT_EMAIL,
            cookies=COOKIES,
            accessibility_reviewed=ACCESSIBILITY_REVIEWED,
        )
    return Template(page.template, context=context)


@get("/help", sync_to_thread=True, include_in_schema=False)
def help_page(request: Request[Any, Any, Any]) -> Template:
    return _render(request, "/help")


@get("/contact", sync_to_thread=True, include_in_schema=False)
def contact_page(request: Request[Any, Any, Any]) -> Template:
    return _render(request, "/contact")


@get("/privacy", sync_to_thread=True, include_in_schema=False)
def privacy_page(request: Request[Any, Any, Any]) -> Template:
    return _render(request, "/privacy")


@get("/cookies", sync_to_thread=True, include_in_schema=False)
def cookies_page(request: Request[Any, Any, Any]) -> Template:
    return _render(request, "/cookies")


@get("/accessibility", sync_to_thread=True, include_in_schema=False)
def accessibility_page(request: Request[Any, Any, Any]) -> Template:
    return _render(request, "/accessibility")


ROUTES: list[Any] = [help_page, contact_page, privacy_page, cookies_page, accessibility_page]
