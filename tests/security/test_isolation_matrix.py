"""Organisation isolation: every page, API endpoint, export, download and htmx fragment that
shows organisation A's private records (assessments and runs, inventory, workforce skills,
requirements, shortlists, evaluations, reports, procurement projects, draft listings), asked
for by every other role of organisation B (and anonymous, moderators, other suppliers).

Moderators may see and edit draft listings (they review them), nothing else of A's.
The owner must get 200 for each URL (so a broken URL cannot pass as "isolated"); everyone
else must get 401/403/404 or a redirect to sign in, and never A's data."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import DEMO_PASSWORD, USERS

OUTSIDERS = ["anon", "lead_b", "buyer_b", "supplier_b", "moderator"]
DENIED = {302, 303, 401, 403, 404}


def _login(client: Any, who: str) -> None:
    client.cookies.clear()
    if who == "anon":
        return
    page = client.get("/login")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    resp = client.post(
        "/login", data={"email": USERS[who], "password": DEMO_PASSWORD, "_csrf_token": token}, follow_redirects=False
    )
    assert resp.status_code in (302, 303), resp.text[:300]


@pytest.fixture
def world(client: Any, auth: Any) -> dict[str, Any]:
    """Organisation A's private records, created through the API as A's own users."""
    lead, sup = auth("lead_a"), auth("supplier_a")
    ids: dict[str, Any] = {}
    a = client.post(
        "/api/v1/assessments",
        json={"name": "Secret gaps", "budget_capital": 50000, "budget_annual": 50000},
        headers=lead,
    )
    assert a.status_code == 201, a.text
    ids["assessment"] = a.json()["id"]
    run = client.post(f"/api/v1/assessments/{ids['assessment']}/runs", headers=lead)
    assert run.status_code == 201, run.text
    ids["run"] = run.json()["id"]
    ids["requirement"] = client.get("/api/v1/requirements", params={"per_page": 1}, headers=lead).json()["items"][0][
        "id"
    ]
    ids["inventory"] = client.get("/api/v1/inventory", params={"per_page": 1}, headers=lead).json()["items"][0]["id"]
    ids["holding"] = client.get("/api/v1/workforce", params={"per_page": 1}, headers=lead).json()["items"][0]["id"]
    draft = client.post(
        "/api/v1/tools", json={"name": "Zanzibar Quietlink Draft", "summary": "not yet public"}, headers=sup
    )
    assert draft.status_code == 201
    ids["draft"] = draft.json()["id"]
    rep = client.post(
        "/api/v1/reports",
        json={"kind": "capability_gap", "source_id": ids["run"], "format": "json", "marking": "OFFICIAL-SENSITIVE"},
        headers=lead,
    )
    assert rep.status_code == 202, rep.text
    ids["report"] = rep.json()["id"]
    _wait_for_report(client, ids["report"], lead)
    # Shortlist and evaluation belong to A's procurement officer (pages only).
    _login(client, "buyer_a")
    page = client.get("/shortlists")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    made = client.post("/shortlists", data={"name": "Private shortlist", "_csrf_token": token}, follow_redirects=False)
    ids["shortlist"] = int(re.search(r"/shortlists/(\d+)", made.headers["location"]).group(1))  # type: ignore[union-attr]
    page = client.get("/shortlists/add", params={"tool_id": ["1", "2", "3"]})
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    client.post(
        "/shortlists/add",
        data={"tool_id": ["1", "2", "3"], "shortlist_id": str(ids["shortlist"]), "_csrf_token": token},
    )
    page = client.get("/evaluations")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    ev = client.post(
        "/evaluations",
        data={
            "name": "Private evaluation",
            "shortlist_id": str(ids["shortlist"]),
            "price_years": "3",
            "_csrf_token": token,
        },
        follow_redirects=False,
    )
    assert ev.status_code in (302, 303), ev.text[:500]
    ids["evaluation"] = re.search(r"/evaluations/([0-9a-f]+)", ev.headers["location"]).group(1)  # type: ignore[union-attr]
    client.cookies.clear()
    return ids


def _wait_for_report(client: Any, report_id: str, headers: dict[str, str]) -> None:
    import time

    for _ in range(100):
        status = client.get(f"/api/v1/reports/{report_id}", headers=headers).json()["status"]
        if status in ("done", "failed"):
            assert status == "done"
            return
        time.sleep(0.1)
    raise AssertionError("report did not finish")


# (URL template, owner who must get 200, is it an API URL (bearer) or a page (session))
READS = [
    ("/api/v1/assessments/{assessment}", "lead_a", True),
    ("/api/v1/assessments/{assessment}/runs", "lead_a", True),
    ("/api/v1/assessments/{assessment}/runs/{run}", "lead_a", True),
    ("/api/v1/assessments/{assessment}/diff?from={run}&to={run}", "lead_a", True),
    ("/api/v1/requirements/{requirement}", "lead_a", True),
    ("/api/v1/inventory/{inventory}", "lead_a", True),
    ("/api/v1/workforce/{holding}", "lead_a", True),
    ("/api/v1/tools/{draft}", "supplier_a", True),
    ("/api/v1/reports/{report}", "lead_a", True),
    ("/api/v1/reports/{report}/download", "lead_a", True),
    ("/assessments/{assessment}", "lead_a", False),
    ("/assessments/{assessment}/runs/{run}", "lead_a", False),
    ("/assessments/{assessment}/compare?from={run}&to={run}", "lead_a", False),
    ("/assessments/{assessment}/edit", "lead_a", False),
    ("/requirements/{requirement}/edit", "lead_a", False),
    ("/inventory/{inventory}/edit", "lead_a", False),
    ("/workforce/{holding}/edit", "lead_a", False),
    ("/tools/{draft}", "supplier_a", False),
    ("/tools/{draft}/history", "supplier_a", False),
    ("/supplier/tools/{draft}/edit/about", "supplier_a", False),
    ("/reports/{report}", "lead_a", False),
    ("/reports/{report}/download", "lead_a", False),
    ("/shortlists/{shortlist}", "buyer_a", False),
    ("/shortlists/{shortlist}/export.csv", "buyer_a", False),
    ("/shortlists/{shortlist}/export.xlsx", "buyer_a", False),
    ("/evaluations/{evaluation}", "buyer_a", False),
]
HTMX = {"HX-Request": "true"}


def _get(client: Any, auth: Any, who: str, url: str, api: bool, htmx: bool = False) -> Any:
    headers = dict(HTMX) if htmx else {}
    if api:
        client.cookies.clear()
        headers.update(auth(who) if who != "anon" else {})
    else:
        _login(client, who)
    return client.get(url, headers=headers, follow_redirects=False)


def test_isolation_matrix(client: Any, auth: Any, world: dict[str, Any]) -> None:
    checked = 0
    leaks: list[str] = []
    secret_words = ("Secret gaps", "Private shortlist", "Private evaluation", "Zanzibar Quietlink")
    for template, owner, api in READS:
        url = template.format(**world)
        own = _get(client, auth, owner, url, api)
        assert own.status_code == 200, (url, owner, own.status_code, own.text[:300])
        for who in OUTSIDERS:
            if who == "moderator" and "{draft}" in template:
                continue  # moderators review drafts
            for htmx in (False, True):
                resp = _get(client, auth, who, url, api, htmx)
                checked += 1
                body = (
                    resp.text
                    if resp.headers.get("content-type", "").startswith(
                        ("text", "application/json", "application/problem")
                    )
                    else ""
                )
                if resp.status_code not in DENIED or any(w in body for w in secret_words):
                    leaks.append(f"{who} {'htmx ' if htmx else ''}GET {url} -> {resp.status_code}")
    print(f"isolation matrix: {checked} denied-access checks over {len(READS)} URLs")
    assert not leaks, "\n".join(leaks)


WRITES = [
    ("PATCH", "/api/v1/assessments/{assessment}", {"name": "pwned", "version": 1}),
    ("POST", "/api/v1/assessments/{assessment}/runs", None),
    ("PATCH", "/api/v1/requirements/{requirement}", {"title": "pwned", "version": 1}),
    ("DELETE", "/api/v1/requirements/{requirement}", None),
    ("PATCH", "/api/v1/inventory/{inventory}", {"seats": 999, "version": 1}),
    ("DELETE", "/api/v1/inventory/{inventory}", None),
    ("PATCH", "/api/v1/workforce/{holding}", {"people": 999, "version": 1}),
    ("DELETE", "/api/v1/workforce/{holding}", None),
    ("PATCH", "/api/v1/tools/{draft}", {"name": "pwned", "version": 1}),
]


def test_other_organisations_cannot_write(client: Any, auth: Any, world: dict[str, Any]) -> None:
    for method, template, body in WRITES:
        url = template.format(**world)
        for who in OUTSIDERS:
            if who == "moderator" and "{draft}" in template:
                continue  # moderators review drafts
            client.cookies.clear()
            headers = auth(who) if who != "anon" else {}
            resp = client.request(method, url, json=body, headers=headers)
            assert resp.status_code in {401, 403, 404}, (who, method, url, resp.status_code, resp.text[:200])
    lead = auth("lead_a")
    assert client.get(f"/api/v1/assessments/{world['assessment']}", headers=lead).json()["name"] == "Secret gaps"
    assert client.get(f"/api/v1/inventory/{world['inventory']}", headers=lead).json()["seats"] != 999


def test_drafts_never_leak_through_search_or_exports(client: Any, auth: Any, world: dict[str, Any]) -> None:
    for who in ("anon", "buyer_b", "supplier_b"):
        headers = auth(who) if who != "anon" else {}
        hits = client.get("/api/v1/search", params={"q": "Zanzibar Quietlink"}, headers=headers).json()["hits"]
        assert all(h["name"] != "Zanzibar Quietlink Draft" for h in hits)
        exported = client.get("/api/v1/export/tools/csv", headers=headers).text
        assert "Zanzibar Quietlink" not in exported
    client.cookies.clear()
    page = client.get("/search", params={"q": "Zanzibar Quietlink"}).text
    assert f'href="/tools/{world["draft"]}"' not in page and "not yet public" not in page
