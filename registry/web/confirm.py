"""The confirmation page every destructive action shows first (GOV.UK "check before you act").

A destructive action (retire, remove, delete) has two doors on one URL: ``GET`` shows this page
("Are you sure you want to retire REQ-001?", a warning, a red button and a Cancel link) and
``POST`` from the page's own form does the work. With or without JavaScript the person sees the
same page, so nothing is lost at once because of a stray click, and there is no browser dialog.

Handlers stay thin: they load the record (so permissions and 404s are the service's), then call
``confirm_page`` with words about that record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.response import Template

from registry.web.context import page_context


@dataclass(frozen=True)
class Confirmation:
    """What the confirmation page says and where its two answers go."""

    question: str  # "Are you sure you want to retire REQ-001 Data storage?"
    warning: str  # what follows from saying yes, in plain words
    action: str  # the URL the red button posts to (the same URL as the page)
    button: str  # "Yes, retire REQ-001"
    cancel: str  # where Cancel goes back to
    caption: str = ""  # optional caption above the heading, e.g. "Requirements"


def confirm_page(request: Request[Any, Any, Any], confirmation: Confirmation, *, nav_active: str = "") -> Template:
    ctx = page_context(request, page_title=confirmation.question, nav_active=nav_active, c=confirmation)
    return Template("confirm.html", context=ctx)
