"""Another organisation's assessment, project or report is a 404 that names what was not found
("Assessment not found"), on the page and in the API problem, never "listing"; the wording is the
same as for an id that does not exist (no existence oracle)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from registry.errors import NotFound, kind_named_in
from tests.conftest import DEMO_PASSWORD, USERS


def sign_in(client: Any, who: str) -> None:
    client.cookies.clear()
    page = client.get("/login").text
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', page)
    assert csrf
    resp = client.post(
        "/login",
        data={"email": USERS[who], "password": DEMO_PASSWORD, "_csrf_token": csrf.group(1)},
        follow_redirects=False,
    )
    assert resp.status_code in (302, 303)


def _records_of_org_a(client: Any, auth: Any) -> dict[str, str]:
    lead = auth("lead_a")
    assessment = client.post(
        "/api/v1/assessments", json={"name": "Quarterly", "budget_capital": 1000, "budget_annual": 1000}, headers=lead
    )
    assert assessment.status_code == 201, assessment.text
    aid = assessment.json()["id"]
    assert client.post(f"/api/v1/assessments/{aid}/runs", headers=lead).status_code == 201
    report = client.post("/api/v1/reports", json={"kind": "capability_gap", "source_id": aid}, headers=lead)
    assert report.status_code == 202, report.text
    buyer = auth("buyer_a")
    reqs = client.get("/api/v1/requirements", params={"per_page": 1}, headers=lead).json()["items"]
    project = client.post(
        "/api/v1/projects",
        json={
            "name": "Graph tool",
            "need_statement": "Map networks.",
            "budget": 1000,
            "requirement_ids": [reqs[0]["id"]],
        },
        headers=buyer,
    )
    assert project.status_code == 201, project.text
    return {"assessment": aid, "report": report.json()["id"], "project": project.json()["id"]}


CASES = [
    ("/assessments/{assessment}", "/api/v1/assessments/{assessment}", "Assessment not found"),
    ("/projects/{project}", "/api/v1/projects/{project}", "Procurement project not found"),
    ("/reports/{report}", "/api/v1/reports/{report}", "Report not found"),
]


def test_another_organisations_records_are_not_found_by_name(client: Any, auth: Any) -> None:
    ids = _records_of_org_a(client, auth)
    sign_in(client, "lead_b")
    for page, api, title in CASES:
        resp = client.get(page.format(**ids))
        assert resp.status_code == 404, page
        assert f'<h1 class="govuk-heading-l">{title}</h1>' in resp.text, page
        assert f"<title>{title} – SOC Capability Registry</title>" in resp.text
        assert "listing" not in resp.text.split("<main", 1)[1].lower(), page
        problem = client.get(api.format(**ids), headers=auth("lead_b"))
        assert problem.status_code == 404 and problem.json()["title"] == title, api
        # A made-up id gets the very same answer.
        missing = client.get(page.format(**{k: "0" * 32 for k in ids}))
        assert missing.status_code == 404 and title in missing.text


def test_a_retired_or_unpublished_tool_still_mentions_listings(client: Any, db: Any) -> None:
    resp = client.get("/tools/999999")
    assert resp.status_code == 404
    assert '<h1 class="govuk-heading-l">Tool not found</h1>' in resp.text
    assert "retired or not yet published" in resp.text


def test_an_unknown_address_is_page_not_found(client: Any, db: Any) -> None:
    resp = client.get("/no-such-page")
    assert resp.status_code == 404 and '<h1 class="govuk-heading-l">Page not found</h1>' in resp.text


@pytest.mark.parametrize(
    ("detail", "kind"),
    [
        ("No such assessment.", "assessment"),
        ("No procurement project with id 7.", "procurement project"),
        ("No such report.", "report"),
        ("The evaluation no longer exists.", "evaluation"),
        ("The tool this inventory item names no longer exists.", "tool"),
        ("You are not a member of an organisation.", None),
    ],
)
def test_the_kind_is_read_from_the_message(detail: str, kind: str | None) -> None:
    assert kind_named_in(detail) == kind
    assert NotFound(detail).title == (f"{kind[:1].upper()}{kind[1:]} not found" if kind else "Not found")
    assert NotFound("Gone.", kind="saved search").title == "Saved search not found"
