"""No radio or select arrives pre-answered on a form that records something new.

The test walks the service as each role: from the home page and the navigation it follows every
local link (one page per URL shape, so /tools/1 and /tools/2 count once), and on each page reads
every POST form. A form for a *new* record must not come with a radio ``checked`` or an
``<option selected>`` other than an empty "Choose ..." option. Edit forms show the saved answers,
which is right: they are the ones carrying the record's ``version`` (optimistic locking), posting
to an ``/edit`` URL, or offering to "Change" a saved answer. The listing editor (its own issue) is
left out. GET forms (search filters and sorting) are views of a list, not questions."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urlparse

import pytest

from tests.integration.test_browse_pages import csrf_of, sign_in
from tests.integration.test_procurement import NARROW, new_project

ROLES = ["anon", "buyer_a", "lead_a", "supplier_a", "moderator", "admin"]
START = [
    "/",
    "/requirements/new",
    "/projects",
    "/evaluations",
    "/shortlists",
    "/assessments",
    "/reports",
    "/inventory",
    "/workforce",
    "/moderation",
    "/admin/jobs",
    "/register",
    "/compare",
]
MAX_PAGES = 160
SKIP = re.compile(
    r"^/(static|schema|api|logout|health|supplier/tools/)|\.(pdf|csv|xlsx|json|zip|html)$|/export|/download|/record\.|/results\.|/ocds"
)


# The search page's compare buttons sit in result cards inside the search (GET) form, so they
# belong to an outside #basket-form through the HTML form attribute; that holder is the one form
# without a button of its own.
OWNERLESS_HOLDERS = {("/search", "/compare/basket")}


class _Forms(HTMLParser):
    """Collects links and, per POST form, its pre-chosen radios/options and edit markers."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._option: dict[str, Any] | None = None
        self._button: dict[str, Any] | None = None
        self._select = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        if tag == "form":
            if (a.get("method") or "get").lower() == "post":
                self._form = {"action": a.get("action") or "", "chosen": [], "edit": False, "buttons": []}
                self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        if tag == "input" and a.get("type") == "hidden" and a.get("name") == "version":
            form["edit"] = True
        if tag == "input" and a.get("type") == "radio" and "checked" in a:
            form["chosen"].append((a.get("name") or "", f"radio {a.get('name')}={a.get('value')}"))
        if tag == "select":
            self._select = a.get("name") or ""
        if tag == "option" and "selected" in a and (a.get("value") or "") != "":
            form["chosen"].append((self._select, f"option {self._select}={a.get('value')}"))
        if tag == "button":
            self._button = {"text": ""}
            form["buttons"].append(self._button)

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        if tag == "button":
            self._button = None


def _shape(path: str) -> str:
    """/projects/3f2a.../results/12/decision -> /projects/{}/results/{}/decision."""
    return re.sub(r"/([0-9]+|[0-9a-f]{16,})(?=/|$)", "/{}", path)


def _is_edit(form: dict[str, Any]) -> bool:
    buttons = " ".join(b["text"].strip() for b in form["buttons"])
    return bool(form["edit"] or form["action"].endswith("/edit") or re.match(r"(Change|Save changes)", buttons))


def _walk(client: Any, extra: list[str]) -> tuple[list[str], list[str]]:
    seen_shapes: set[str] = set()
    queue = [*START, *extra]
    visited: list[str] = []
    problems: list[str] = []
    while queue and len(visited) < MAX_PAGES:
        url = queue.pop(0)
        path = urlparse(url).path
        query_keys = ",".join(sorted(k.split("=")[0] for k in urlparse(url).query.split("&") if k))
        shape = _shape(path) + "?" + query_keys
        if SKIP.search(path) or shape in seen_shapes:
            continue
        seen_shapes.add(shape)
        resp = client.get(url)
        if resp.status_code != 200 or "text/html" not in resp.headers.get("content-type", ""):
            continue
        visited.append(url)
        parser = _Forms()
        parser.feed(resp.text)
        # A choice the link itself carries (?shortlist_id=3 from "Evaluate this shortlist") is the
        # person's own answer, not one made for them.
        answered = {k.split("=")[0] for k in urlparse(url).query.split("&") if k}
        for form in parser.forms:
            chosen = [what for name, what in form["chosen"] if name not in answered]
            if chosen and not _is_edit(form):
                problems.append(f"{url} form → {form['action']}: {', '.join(chosen)}")
            if not form["buttons"] and (path, form["action"]) not in OWNERLESS_HOLDERS:
                # A form nobody can submit is not a form (read-only tables are plain elements).
                problems.append(f"{url} form → {form['action']}: has no submit button")
        for href in parser.links:
            href = urldefrag(href)[0]
            if href.startswith("/") and not href.startswith("//") and not re.search(r"^/search\?|[?&]page=", href):
                queue.append(href)
    return visited, problems


def _records(client: Any, auth: Any) -> list[str]:
    """Give the buyer's organisation one of everything with a form: a shortlist of two tools, an
    evaluation over it and a project with frozen results awaiting decisions."""
    buyer = auth("buyer_a")
    project = new_project(client, buyer)
    client.post(f"/api/v1/projects/{project['id']}/end-search", json=NARROW, headers=buyer)
    tools = [h["tool_id"] for h in client.get("/api/v1/search", params={"per_page": 2}).json()["hits"]]
    sign_in(client, "buyer_a")
    token = csrf_of(client.get("/shortlists").text)
    made = client.post("/shortlists", data={"name": "Walk", "_csrf_token": token}, follow_redirects=False)
    sid = made.headers["location"].rsplit("/", 1)[1]
    client.post("/shortlists/add", data={"shortlist_id": sid, "tool_id": [str(t) for t in tools], "_csrf_token": token})
    client.post("/evaluations", data={"name": "Walk", "shortlist_id": sid, "price_years": "3", "_csrf_token": token})
    for t in tools:
        client.post("/compare/basket", data={"add": str(t), "_csrf_token": token})
    client.cookies.clear()
    return [
        f"/projects/{project['id']}",
        f"/projects/{project['id']}/outcome",
        f"/projects/{project['id']}/search",
        f"/shortlists/add?tool_id={tools[0]}",
        f"/inventory/add/{tools[0]}",
        f"/compare?ids={tools[0]}&ids={tools[1]}",
    ]


@pytest.mark.parametrize("who", ROLES)
def test_no_new_record_form_arrives_pre_answered(client: Any, db: Any, auth: Any, who: str) -> None:
    extra = _records(client, auth)
    if who != "anon":
        sign_in(client, who)
    visited, problems = _walk(client, extra)
    if who == "buyer_a":  # the walk reached the forms this test is about
        for must in ("/projects/", "/evaluations/", "/shortlists/add?", "/outcome"):
            assert any(must in v for v in visited), (must, visited)
    if who == "lead_a":  # reads the buyer's evaluation without editing it: read-only tables
        assert any("/evaluations/" in v for v in visited), visited
    assert len(visited) >= 5, visited  # the walk really reached the service
    assert problems == [], "\n".join(problems)
