"""Rule 3: anything that refers to a listing (inventory, shortlists, evaluations) takes only
listings the actor may see, through one helper (registry/tools/services.py::visible_tool): a
draft or retired listing of another supplier gets the same 404 as an id that does not exist."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assessments.evaluations import services as evaluations
from registry.accounts.models import User
from registry.accounts.services import actor_for
from registry.errors import NotFound
from registry.inventory.models import InventoryItem
from registry.tools.models import Tool
from tests.conftest import USERS, DBHandle
from tests.doors.conftest import page_errors, sign_in, tool_named

MISSING = 999_999
HIDDEN = ("Stonechat Prototype Graph", "Penhallow Classic")  # another supplier's draft; a retired listing


def _hidden_ids(db: DBHandle) -> list[int]:
    ids = [tool_named(db, name) for name in HIDDEN]
    assert [t.status for t in ids] == ["draft", "retired"]
    return [t.id for t in ids]  # type: ignore[misc]


def _published(db: DBHandle, n: int) -> list[Tool]:
    with Session(db.engine) as s:
        return list(s.execute(select(Tool).where(Tool.status == "published").order_by(Tool.id).limit(n)).scalars())


def _inventory_count(db: DBHandle) -> int:
    with Session(db.engine) as s:
        return int(s.execute(select(func.count()).select_from(InventoryItem)).scalar_one())


def _without_ids(body: dict[str, Any]) -> dict[str, Any]:
    """A problem body with the id the caller sent taken out, to compare two answers."""
    return {k: v for k, v in body.items() if k != "detail"} | {"detail": body["detail"].split(" with id ")[0]}


def test_inventory_takes_only_listings_the_lead_can_see_through_api_and_page(
    client: Any, auth: Any, db: DBHandle
) -> None:
    lead = auth("lead_a")
    before = _inventory_count(db)
    missing = client.post("/api/v1/inventory", json={"tool_id": MISSING}, headers=lead)
    assert missing.status_code == 404 and missing.json()["errors"] == [{"field": "tool_id", "message": "No such tool"}]
    sign_in(client, "lead_a")
    missing_page = client.get(f"/inventory/add/{MISSING}")
    assert missing_page.status_code == 404
    for tool_id, name in zip(_hidden_ids(db), HIDDEN, strict=True):
        api = client.post("/api/v1/inventory", json={"tool_id": tool_id}, headers=lead)
        assert api.status_code == 404 and _without_ids(api.json()) == _without_ids(missing.json())
        assert name not in api.text
        page = client.get(f"/inventory/add/{tool_id}")
        assert page.status_code == 404 and name not in page.text
    assert _inventory_count(db) == before
    published = _published(db, 40)[-1]
    ok = client.post("/api/v1/inventory", json={"tool_id": published.id}, headers=lead)
    assert ok.status_code == 201 and ok.json()["tool_name"] == published.name


def test_shortlists_take_only_listings_the_buyer_can_see(client: Any, db: DBHandle) -> None:
    t = sign_in(client, "buyer_a")

    def add(tool_id: int) -> Any:
        data = {"_csrf_token": t, "tool_id": str(tool_id), "shortlist_id": "new", "new_name": f"Door {tool_id}"}
        return client.post("/shortlists/add", data=data, follow_redirects=False)

    assert add(MISSING).status_code == 404
    for tool_id, name in zip(_hidden_ids(db), HIDDEN, strict=True):
        resp = add(tool_id)
        assert resp.status_code == 404 and name not in resp.text
    assert add(_published(db, 1)[0].id).status_code in (302, 303)


def _actor(db: DBHandle, who: str) -> Any:
    with Session(db.engine) as s:
        return actor_for(s, s.execute(select(User).where(User.email == USERS[who])).scalar_one())


def test_evaluations_take_only_listings_the_buyer_can_see(db: DBHandle) -> None:
    buyer = _actor(db, "buyer_a")
    first = _published(db, 1)[0].id
    answers = []
    for tool_id in (MISSING, *_hidden_ids(db)):
        with Session(db.engine) as s, pytest.raises(NotFound) as err:
            evaluations.create(s, buyer, name="Door evaluation", tool_ids=[first, tool_id])
        answers.append((err.value.detail.split(" with id ")[0], err.value.fields))
    assert answers == [("No tool", {"tool_ids": "No such tool"})] * 3


def test_an_evaluation_is_not_made_over_a_shortlist_tool_since_unpublished(
    client: Any, auth: Any, db: DBHandle
) -> None:
    t = sign_in(client, "buyer_a")
    tools = _published(db, 2)
    resp = client.post(
        "/shortlists/add",
        data={"_csrf_token": t, "tool_id": [str(x.id) for x in tools], "shortlist_id": "new", "new_name": "Door pair"},
        follow_redirects=False,
    )
    assert resp.status_code in (302, 303)
    shortlist_id = resp.headers["location"].rsplit("/", 1)[1]
    # The supplier withdraws one of them after it was shortlisted.
    assert client.post(f"/api/v1/tools/{tools[1].id}/retire", headers=auth("moderator")).status_code == 200
    page = client.post(
        "/evaluations",
        data={"_csrf_token": t, "name": "Door evaluation", "shortlist_id": shortlist_id, "price_years": "3"},
    )
    assert page.status_code == 400
    assert page_errors(page.text) == [f"Remove the tools no longer published from the shortlist first: {tools[1].name}"]
