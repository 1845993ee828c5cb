"""Saved searches outside projects: a buyer saves the current search from the search page, lists,
runs and deletes them; with alerts on (opt-in) the alert job e-mails through the outbox once per
new matching listing; another user's saved search is not found; non-buyers are refused."""

from __future__ import annotations

import html
import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.accounts.models import User
from registry.changelog.models import AuditEvent
from registry.jobs.runner import run_job
from registry.notifications.models import OutboxEmail
from registry.savedsearches.models import SavedSearchSeen, UserSavedSearch
from registry.search.service import service_for
from tests.conftest import USERS
from tests.integration.test_lead_pages import sign_in
from tests.integration.test_procurement import publish_tool

SEARCH = [("q", "network analysis"), ("hosting", "uk")]


def _save_link(page: str) -> str:
    match = re.search(r'<a class="govuk-link" href="(/saved-searches/new\?[^"]*)">Save this search</a>', page)
    assert match, "no Save this search link"
    return html.unescape(match.group(1))


def _saved(db: Any, who: str) -> list[UserSavedSearch]:
    with Session(db.engine) as s:
        uid = s.execute(select(User.id).where(User.email == USERS[who])).scalar_one()
        return list(s.execute(select(UserSavedSearch).where(UserSavedSearch.user_id == uid)).scalars())


def _mail(db: Any, who: str) -> list[OutboxEmail]:
    with Session(db.engine) as s:
        return list(s.execute(select(OutboxEmail).where(OutboxEmail.to_address == USERS[who])).scalars())


def _save(client: Any, token: str, name: str, alerts: bool) -> Any:
    form = client.get(_save_link(client.get("/search", params=SEARCH).text))
    assert form.status_code == 200
    query = re.search(r'<input type="hidden" name="query" value="([^"]*)">', form.text)
    assert query
    data = {"_csrf_token": token, "name": name, "query": html.unescape(query.group(1))}
    if alerts:
        data["alerts"] = "yes"
    return client.post("/saved-searches/new", data=data, follow_redirects=False)


def _run_alerts(db: Any) -> dict[str, Any]:
    service_for(db.engine).checked_at = float("-inf")  # see the new listing now, not within a second
    result = run_job(db.engine, "saved_search_alerts", force=True, trigger="manual")
    assert result.outcome == "ok", result.error
    return result.counts


def test_save_list_run_and_delete(client: Any, db: Any) -> None:
    token = sign_in(client, "buyer_a")
    form = client.get(_save_link(client.get("/search", params=SEARCH).text))
    assert 'value="network analysis"' in form.text  # the name starts as the words
    assert "Data hosted in: UK" in form.text  # the filters in words
    resp = _save(client, token, "Network tools, UK", alerts=False)
    assert resp.status_code in (302, 303) and resp.headers["location"] == "/saved-searches"
    (saved,) = _saved(db, "buyer_a")
    assert (saved.name, saved.query, saved.filters, saved.alerts) == (
        "Network tools, UK",
        "network analysis",
        {"hosting": ["uk"]},
        False,
    )

    listing = client.get("/saved-searches").text
    assert "Network tools, UK" in listing and "E-mail alerts: <strong>off</strong>" in listing
    run = re.search(r'<a class="govuk-link" href="([^"]+)">Network tools, UK</a>', listing)
    assert run
    ran = client.get(html.unescape(run.group(1))).text
    direct = client.get("/search", params=SEARCH).text
    ids = re.compile(r'<h3 class="govuk-heading-s app-result__title"><a class="govuk-link" href="/tools/(\d+)"')
    assert ids.findall(ran) == ids.findall(direct) and ids.findall(ran)

    confirm = client.get(f"/saved-searches/{saved.id}/delete")
    assert confirm.status_code == 200 and "Yes, delete it" in confirm.text
    assert _saved(db, "buyer_a")  # asking is not deleting
    gone = client.post(f"/saved-searches/{saved.id}/delete", data={"_csrf_token": token}, follow_redirects=False)
    assert gone.status_code in (302, 303) and _saved(db, "buyer_a") == []
    with Session(db.engine) as s:
        actions = s.execute(
            select(AuditEvent.action).where(
                AuditEvent.entity_type == "saved_search", AuditEvent.entity_id == str(saved.id)
            )
        ).scalars()
        assert sorted(actions) == ["create", "delete"]


def test_bad_input_is_named_and_nothing_is_saved(client: Any, db: Any) -> None:
    token = sign_in(client, "buyer_a")
    blank = client.post("/saved-searches/new", data={"_csrf_token": token, "name": "  ", "query": "q=x"})
    assert blank.status_code == 400 and "Enter a name for the search" in blank.text
    bad = client.post("/saved-searches/new", data={"_csrf_token": token, "name": "Odd", "query": "q=x&trl_min=12"})
    assert bad.status_code == 400 and "must be from 1 to 9" in bad.text
    assert _saved(db, "buyer_a") == []


def test_only_buyers_and_only_their_own(client: Any, db: Any, app: Any) -> None:
    from litestar.testing import TestClient

    token = sign_in(client, "buyer_a")
    assert _save(client, token, "Mine", alerts=False).status_code in (302, 303)
    (saved,) = _saved(db, "buyer_a")
    with TestClient(app=app) as other:
        other_token = sign_in(other, "lead_b")
        assert "Mine" not in other.get("/saved-searches").text
        for resp in (
            other.get(f"/saved-searches/{saved.id}/delete"),
            other.post(f"/saved-searches/{saved.id}/delete", data={"_csrf_token": other_token}),
            other.post(f"/saved-searches/{saved.id}/alerts", data={"_csrf_token": other_token, "alerts": "on"}),
        ):
            assert resp.status_code == 404 and "Saved search not found" in resp.text
        supplier_token = sign_in(other, "supplier_a")
        refused = other.post("/saved-searches/new", data={"_csrf_token": supplier_token, "name": "x", "query": "q=x"})
        assert refused.status_code == 403
        other.cookies.clear()
        assert other.get("/saved-searches", follow_redirects=False).status_code in (302, 303)  # sign in first
    assert len(_saved(db, "buyer_a")) == 1 and _saved(db, "supplier_a") == []


def test_alerts_are_opt_in_and_each_new_listing_is_sent_once(client: Any, db: Any, auth: Any) -> None:
    token = sign_in(client, "buyer_a")
    assert _save(client, token, "Quiet", alerts=False).status_code in (302, 303)
    assert _save(client, token, "Loud", alerts=True).status_code in (302, 303)
    loud = next(s for s in _saved(db, "buyer_a") if s.name == "Loud")
    quiet = next(s for s in _saved(db, "buyer_a") if s.name == "Quiet")
    with Session(db.engine) as s:
        baseline = s.execute(
            select(func.count()).select_from(SavedSearchSeen).where(SavedSearchSeen.saved_search_id == loud.id)
        ).scalar_one()
    assert baseline > 0  # what matches when alerts go on is not news

    before = len(_mail(db, "buyer_a"))
    assert _run_alerts(db)["alerts_sent"] == 0 and len(_mail(db, "buyer_a")) == before

    moderator = auth("moderator")
    supplier = client.get("/api/v1/suppliers", params={"per_page": 1, "sort": "id"}, headers=moderator).json()["items"][
        0
    ]
    new_id = publish_tool(
        client,
        moderator,
        {
            "name": "Wrenfold Network Analysis Suite",
            "supplier_id": supplier["id"],
            "summary": "Network analysis of OCG links.",
            "hosting": "uk",
            "trl": 7,
        },
    )
    counts = _run_alerts(db)
    assert counts["alerts_sent"] == 1 and counts["new_listings"] == 1
    mails = _mail(db, "buyer_a")[before:]
    assert len(mails) == 1
    assert "Loud" in mails[0].subject and "Wrenfold Network Analysis Suite" in mails[0].body
    assert "/search?q=network+analysis&hosting=uk" in mails[0].body

    # Told once: the next run sends nothing about it.
    assert _run_alerts(db)["alerts_sent"] == 0 and len(_mail(db, "buyer_a")) == before + 1
    with Session(db.engine) as s:
        told = set(
            s.execute(select(SavedSearchSeen.tool_id).where(SavedSearchSeen.saved_search_id == loud.id)).scalars()
        )
        quiet_seen = s.execute(
            select(func.count()).select_from(SavedSearchSeen).where(SavedSearchSeen.saved_search_id == quiet.id)
        ).scalar_one()
    assert new_id in told and quiet_seen == 0  # alerts off: nothing tracked, nothing sent

    # Switching alerts on for the quiet one takes today's matches (the new tool included) as known.
    on = client.post(
        f"/saved-searches/{quiet.id}/alerts", data={"_csrf_token": token, "alerts": "on"}, follow_redirects=False
    )
    assert on.status_code in (302, 303)
    assert "E-mail alerts: <strong>on</strong>" in client.get("/saved-searches").text
    assert _run_alerts(db)["alerts_sent"] == 0


def test_the_search_page_links_buyers_to_their_saved_searches(client: Any, db: Any) -> None:
    link = '<a class="govuk-link" href="/saved-searches">Your saved searches</a>'
    assert link not in client.get("/search").text
    sign_in(client, "supplier_a")
    assert link not in client.get("/search").text
    sign_in(client, "lead_a")
    assert link in client.get("/search").text


def test_saved_searches_through_the_api_follow_the_same_rules(client: Any, auth: Any, db: Any) -> None:
    """The API door: save (validated by the one search parser), list one's own, alerts on and off,
    delete; another user's saved search is not found; a supplier may not save; every change audited."""
    buyer = auth("buyer_a")
    made = client.post(
        "/api/v1/saved-searches",
        json={"name": "UK network analysis", "query": "q=network+analysis&hosting=uk"},
        headers=buyer,
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["q"] == "network analysis" and body["filters"] == {"hosting": ["uk"]} and body["alerts"] is False
    assert body["run_url"].startswith("/search?") and "hosting=uk" in body["run_url"]
    # A filter value the search does not know is refused, naming the field, and nothing is saved.
    bad = client.post("/api/v1/saved-searches", json={"name": "x", "query": "hosting=moon"}, headers=buyer)
    assert bad.status_code == 422 and [e["field"] for e in bad.json()["errors"]] == ["hosting"], bad.text
    blank = client.post("/api/v1/saved-searches", json={"name": "  ", "query": "q=osint"}, headers=buyer)
    assert blank.status_code == 422 and [e["field"] for e in blank.json()["errors"]] == ["name"], blank.text
    assert [s["name"] for s in client.get("/api/v1/saved-searches", headers=buyer).json()] == ["UK network analysis"]

    on = client.patch(f"/api/v1/saved-searches/{body['id']}", json={"alerts": True}, headers=buyer)
    assert on.status_code == 200 and on.json()["alerts"] is True
    other = auth("buyer_b")
    assert client.get("/api/v1/saved-searches", headers=other).json() == []
    assert (
        client.patch(f"/api/v1/saved-searches/{body['id']}", json={"alerts": False}, headers=other).status_code == 404
    )
    assert client.delete(f"/api/v1/saved-searches/{body['id']}", headers=other).status_code == 404
    supplier = client.post(
        "/api/v1/saved-searches", json={"name": "mine", "query": "q=osint"}, headers=auth("supplier_a")
    )
    assert supplier.status_code == 403

    assert client.delete(f"/api/v1/saved-searches/{body['id']}", headers=buyer).status_code == 204
    assert client.get("/api/v1/saved-searches", headers=buyer).json() == []
    with Session(db.engine) as s:
        actions = (
            s.execute(
                select(AuditEvent.action).where(
                    AuditEvent.entity_type == "saved_search", AuditEvent.entity_id == str(body["id"])
                )
            )
            .scalars()
            .all()
        )
    assert sorted(actions) == ["create", "delete", "update"], actions
