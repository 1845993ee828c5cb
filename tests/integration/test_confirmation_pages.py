"""Destructive actions ask first on a GOV.UK confirmation page, with or without JavaScript.

Each list links to the action's URL; GET shows "Are you sure ...?" with a warning, a red button
posting to the same URL and a Cancel link, and changes nothing; only the POST acts. No page
relies on a browser confirm() dialog any more."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_browse_pages import csrf_of, sign_in

ROOT = Path(__file__).resolve().parents[2]


def _first_link(html: str, pattern: str) -> str:
    match = re.search(r'href="(' + pattern + r')"', html)
    assert match, f"no link matching {pattern}"
    return match.group(1)


def _assert_confirmation(html: str, question: str, action: str, cancel: str) -> None:
    text = unescape(html)
    assert re.search(r"<h1[^>]*>Are you sure you want to " + re.escape(question), text), text[:2000]
    assert "govuk-warning-text" in html
    form = re.search(r'<form method="post" action="' + re.escape(action) + r'"[^>]*>(.*?)</form>', html, re.S)
    assert form, "the red button does not post to the action"
    assert "govuk-button--warning" in form.group(1)
    assert f'href="{cancel}">Cancel</a>' in html


CASES = [
    # (who, list page, link pattern, question start, cancel, what disappears from the list)
    ("lead_a", "/requirements", r"/requirements/\d+/retire", "retire ", "/requirements"),
    ("lead_a", "/inventory", r"/inventory/\d+/remove", "remove ", "/inventory"),
    ("lead_a", "/workforce", r"/workforce/\d+/remove", "remove ", "/workforce"),
]


@pytest.mark.parametrize(
    ("who", "listing", "pattern", "question", "cancel"), CASES, ids=["retire", "inventory", "workforce"]
)
def test_list_action_asks_first_then_acts(
    client: Any, db: Any, who: str, listing: str, pattern: str, question: str, cancel: str
) -> None:
    sign_in(client, who)
    page = client.get(listing).text
    assert "data-confirm" not in page
    url = _first_link(page, pattern)
    before = page.count(f'href="{url}"')
    confirm = client.get(url)
    assert confirm.status_code == 200
    _assert_confirmation(confirm.text, question, url, cancel)
    # Asking changed nothing.
    assert client.get(listing).text.count(f'href="{url}"') == before == 1
    done = client.post(url, data={"_csrf_token": csrf_of(confirm.text)}, follow_redirects=False)
    assert done.status_code in (302, 303) and done.headers["location"] == cancel
    assert f'href="{url}"' not in client.get(listing).text


def test_retire_question_names_the_requirement(client: Any, db: Any, auth: Any) -> None:
    sign_in(client, "lead_a")
    url = _first_link(client.get("/requirements").text, r"/requirements/\d+/retire")
    req = client.get("/api/v1/requirements/" + url.split("/")[2], headers=auth("lead_a")).json()
    text = unescape(client.get(url).text)
    assert f"Are you sure you want to retire {req['code']} {req['title']}?" in text
    assert f"Yes, retire {req['code']}" in text


def test_shortlist_delete_asks_first(client: Any, db: Any) -> None:
    sign_in(client, "buyer_a")
    token = csrf_of(client.get("/shortlists").text)
    made = client.post("/shortlists", data={"name": "To be deleted", "_csrf_token": token}, follow_redirects=False)
    sid = made.headers["location"].rsplit("/", 1)[1]
    detail = client.get(f"/shortlists/{sid}").text
    assert f'href="/shortlists/{sid}/delete"' in detail and "data-confirm" not in detail
    confirm = client.get(f"/shortlists/{sid}/delete")
    _assert_confirmation(
        confirm.text, "delete the shortlist “To be deleted”", f"/shortlists/{sid}/delete", f"/shortlists/{sid}"
    )
    assert client.get(f"/shortlists/{sid}").status_code == 200  # still there after asking
    client.post(f"/shortlists/{sid}/delete", data={"_csrf_token": csrf_of(confirm.text)})
    assert client.get(f"/shortlists/{sid}").status_code == 404


def test_another_organisations_record_gets_no_confirmation_page(client: Any, db: Any) -> None:
    sign_in(client, "lead_a")
    url = _first_link(client.get("/requirements").text, r"/requirements/\d+/retire")
    client.cookies.clear()
    sign_in(client, "lead_b")
    assert client.get(url).status_code in (403, 404)


def test_no_template_or_script_uses_a_confirm_dialog() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in [*ROOT.joinpath("templates").rglob("*.html"), ROOT / "static" / "app.js"]
        if "confirm(" in p.read_text() or "data-confirm" in p.read_text()
    ]
    assert offenders == []
