"""One optimistic-lock step (registry.locking) behind every versioned write: 412 for a stale
If-Match, 409 for a stale body version, 428 for an API write with neither, and a guarded bump
so two writers that read the same version cannot both win. Exercised through the evaluation API,
the generic CRUD API and the shortlist pages."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.db import session_factory
from registry.errors import Conflict, PreconditionFailed, PreconditionRequired
from registry.locking import check_version, claim_version
from registry.tools.models import Tool
from tests.conftest import DBHandle

BASE = "/api/v1/evaluations"
PROBLEM = "application/problem+json"
CRITERIA = [
    {"label": "Functional fit", "kind": "quality", "weight": 60, "key": "functional-fit"},
    {"label": "Price", "kind": "price", "weight": 30, "key": "price"},
    {"label": "Social value", "kind": "social_value", "weight": 10, "key": "social-value"},
]


# --- the rule itself (pure) -------------------------------------------------------------------


def test_if_match_is_checked_first_then_the_body_version_then_presence() -> None:
    with pytest.raises(PreconditionFailed):
        check_version(3, if_match=2, version=2, required=True)
    with pytest.raises(PreconditionFailed):
        check_version(3, if_match=2, version=3, required=True)
    with pytest.raises(Conflict):
        check_version(3, if_match=3, version=2, required=True)
    with pytest.raises(Conflict):
        check_version(3, if_match=None, version=4, required=False)
    with pytest.raises(PreconditionRequired):
        check_version(3, if_match=None, version=None, required=True)
    check_version(3, if_match=None, version=None, required=False)  # a page action adding to a record
    check_version(3, if_match=3, version=None, required=True)
    check_version(3, if_match=None, version=3, required=True)


def test_two_writers_that_read_the_same_version_cannot_both_win(db: DBHandle) -> None:
    factory = session_factory(db.engine)  # objects keep what was read after their transaction ends
    with factory() as first, factory() as second:
        tool_id = first.execute(select(Tool.id).order_by(Tool.id).limit(1)).scalar_one()
        mine, theirs = first.get(Tool, tool_id), second.get(Tool, tool_id)
        assert mine is not None and theirs is not None and mine.version == theirs.version
        read = mine.version
        second.commit()  # the second writer read the record in an earlier request
        assert claim_version(first, mine, version=read) == read + 1
        first.commit()
        with pytest.raises(Conflict):  # no version sent at all: the guarded UPDATE still refuses
            claim_version(second, theirs)
        second.rollback()
    with Session(db.engine) as check:
        assert check.get(Tool, tool_id).version == read + 1  # type: ignore[union-attr]


# --- evaluations API --------------------------------------------------------------------------


def _published(db: DBHandle, n: int = 2) -> list[int]:
    with Session(db.engine) as s:
        stmt = select(Tool.id).where(Tool.status == "published").order_by(Tool.id).limit(n)
        return list(s.execute(stmt).scalars())


def _create(client: Any, headers: dict[str, str], tool_ids: list[int]) -> dict[str, Any]:
    resp = client.post(BASE, json={"name": "Link analysis 2026", "tool_ids": tool_ids}, headers=headers)
    assert resp.status_code == 201, resp.text
    assert resp.headers["etag"] == '"1"' and resp.headers["location"] == f"{BASE}/{resp.json()['id']}"
    return resp.json()  # type: ignore[no-any-return]


def _problem(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith(PROBLEM)
    body = resp.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body  # type: ignore[no-any-return]


def test_evaluation_updates_honour_if_match_and_body_versions(client: Any, auth: Any, db: DBHandle) -> None:
    buyer = auth("buyer_a")
    a, b = _published(db)
    made = _create(client, buyer, [a, b])
    url = f"{BASE}/{made['id']}"
    assert client.get(url, headers=buyer).headers["etag"] == '"1"'

    ok = client.put(f"{url}/criteria", json={"criteria": CRITERIA, "version": 1}, headers=buyer)
    assert ok.status_code == 200, ok.text
    assert ok.json()["version"] == 2 and ok.headers["etag"] == '"2"'
    assert [c["key"] for c in ok.json()["criteria"]] == ["functional-fit", "price", "social-value"]

    changed = [{**CRITERIA[0], "weight": 55}, CRITERIA[1], {**CRITERIA[2], "weight": 15}]
    stale_body = client.put(f"{url}/criteria", json={"criteria": changed, "version": 1}, headers=buyer)
    assert "version 2" in _problem(stale_body, 409)["detail"]
    stale_header = client.put(f"{url}/criteria", json={"criteria": changed}, headers={**buyer, "If-Match": '"1"'})
    _problem(stale_header, 412)
    # If-Match wins over the body: a stale header is 412 even with a fresh body version.
    _problem(
        client.put(f"{url}/criteria", json={"criteria": changed, "version": 2}, headers={**buyer, "If-Match": '"1"'}),
        412,
    )
    _problem(client.put(f"{url}/criteria", json={"criteria": changed}, headers=buyer), 428)
    unchanged = client.get(url, headers=buyer).json()
    assert unchanged["version"] == 2 and [c["weight"] for c in unchanged["criteria"]] == [60, 30, 10]

    ok = client.put(f"{url}/criteria", json={"criteria": changed}, headers={**buyer, "If-Match": '"2"'})
    assert ok.status_code == 200 and ok.headers["etag"] == '"3"'

    prices = {"prices": [{"tool_id": a, "price": 1000}, {"tool_id": b, "price": 2000}]}
    _problem(client.put(f"{url}/prices", json={**prices, "version": 2}, headers=buyer), 409)
    _problem(client.put(f"{url}/prices", json=prices, headers={**buyer, "If-Match": '"2"'}), 412)
    _problem(client.put(f"{url}/prices", json=prices, headers=buyer), 428)
    assert client.put(f"{url}/prices", json={**prices, "version": 3}, headers=buyer).json()["version"] == 4

    scores = {
        "scores": [
            {"tool_id": t, "criterion_key": k, "score": s, "reason": "Seen in the demo"}
            for t, s in ((a, 80), (b, 60))
            for k in ("functional-fit", "social-value")
        ]
    }
    _problem(client.put(f"{url}/scores", json={**scores, "version": 3}, headers=buyer), 409)
    _problem(client.put(f"{url}/scores", json=scores, headers={**buyer, "If-Match": '"3"'}), 412)
    _problem(client.put(f"{url}/scores", json=scores, headers=buyer), 428)
    scored = client.put(f"{url}/scores", json=scores, headers={**buyer, "If-Match": '"4"'})
    assert scored.status_code == 200 and scored.json()["version"] == 5
    assert scored.json()["result"]["winner"] == a and scored.json()["problems"] == []

    _problem(client.post(f"{url}/finalise", json={"version": 4}, headers=buyer), 409)
    _problem(client.post(f"{url}/finalise", json={}, headers=buyer), 428)
    final = client.post(f"{url}/finalise", json={"version": 5}, headers=buyer)
    assert final.status_code == 200 and final.json()["status"] == "final"
    locked = client.put(f"{url}/scores", json={**scores, "version": 6}, headers=buyer)
    assert "final" in _problem(locked, 409)["detail"]


def test_evaluation_api_names_each_bad_field(client: Any, auth: Any, db: DBHandle) -> None:
    buyer = auth("buyer_a")
    a, b = _published(db)
    url = f"{BASE}/{_create(client, buyer, [a, b])['id']}"
    too_heavy = [{**CRITERIA[0], "weight": 150}, *CRITERIA[1:]]
    body = _problem(client.put(f"{url}/criteria", json={"criteria": too_heavy, "version": 1}, headers=buyer), 400)
    assert any("weight" in e["field"] for e in body["errors"])
    no_sum = [{**CRITERIA[0], "weight": 50}, *CRITERIA[1:]]
    body = _problem(client.put(f"{url}/criteria", json={"criteria": no_sum, "version": 1}, headers=buyer), 422)
    assert any(e["field"] == "criteria" and "sum to 100" in e["message"] for e in body["errors"])
    no_reason = {"scores": [{"tool_id": a, "criterion_key": "functional-fit", "score": 70}], "version": 1}
    body = _problem(client.put(f"{url}/scores", json=no_reason, headers=buyer), 422)
    assert [e["field"] for e in body["errors"]] == [f"reason-{a}-functional-fit"]
    bad_header = client.put(f"{url}/prices", json={"prices": []}, headers={**buyer, "If-Match": "yesterday"})
    _problem(bad_header, 412)
    assert client.get(url, headers=buyer).json()["version"] == 1  # nothing above was saved


def test_other_organisations_and_roles_cannot_touch_an_evaluation(client: Any, auth: Any, db: DBHandle) -> None:
    a, b = _published(db)
    url = f"{BASE}/{_create(client, auth('buyer_a'), [a, b])['id']}"
    assert client.get(url, headers=auth("buyer_b")).status_code == 404
    put = client.put(f"{url}/criteria", json={"criteria": CRITERIA, "version": 1}, headers=auth("buyer_b"))
    _problem(put, 404)
    _problem(client.put(f"{url}/criteria", json={"criteria": CRITERIA, "version": 1}, headers=auth("lead_a")), 403)
    _problem(client.get(url), 401)
    assert [e["id"] for e in client.get(BASE, headers=auth("lead_a")).json()] == [url.rsplit("/", 1)[1]]


# --- the same step elsewhere ------------------------------------------------------------------


def test_crud_update_checks_the_body_version_even_with_a_fresh_if_match(client: Any, auth: Any) -> None:
    supplier = auth("supplier_a")
    tool = client.post("/api/v1/tools", json={"name": "Locking Widget"}, headers=supplier).json()
    url = f"/api/v1/tools/{tool['id']}"
    stale = client.patch(url, json={"summary": "x", "version": 0}, headers={**supplier, "If-Match": '"1"'})
    _problem(stale, 409)
    _problem(client.patch(url, json={"summary": "x"}, headers=supplier), 428)
    assert client.patch(url, json={"summary": "x"}, headers={**supplier, "If-Match": '"1"'}).status_code == 200


def test_a_stale_shortlist_rename_is_refused_on_the_page(client: Any, db: DBHandle) -> None:
    from tests.integration.test_browse_pages import sign_in
    from tests.integration.test_shortlists import _create, _token

    sign_in(client, "buyer_a")
    sid = _create(client, "Before")
    fresh = client.post(
        f"/shortlists/{sid}/rename", data={"name": "After", "version": "1", "_csrf_token": _token(client)}
    )
    assert fresh.status_code in (200, 302, 303)
    stale = client.post(
        f"/shortlists/{sid}/rename", data={"name": "Lost", "version": "1", "_csrf_token": _token(client)}
    )
    assert stale.status_code == 400 and "Someone else changed this shortlist" in stale.text
    assert "After" in client.get("/shortlists").text and "Lost" not in client.get("/shortlists").text
