"""One regression test per defect reproduced on main before the doors were made to agree
(issue "One rule, one home"), each named after the defect."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.suppliers.models import Supplier
from tests.conftest import DBHandle
from tests.doors.conftest import status_of


def test_patch_status_let_a_supplier_submit_a_listing_with_no_description_or_capability(
    client: Any, auth: Any, db: DBHandle
) -> None:
    h = auth("supplier_a")
    tid = client.post("/api/v1/tools", json={"name": "Hollow Listing", "summary": "Nothing else"}, headers=h).json()[
        "id"
    ]
    resp = client.patch(f"/api/v1/tools/{tid}", json={"status": "submitted", "version": 1}, headers=h)
    assert resp.status_code == 409 and f"POST /api/v1/tools/{tid}/submit" in resp.json()["detail"]
    assert status_of(db, tid) == "draft"
    assert client.post(f"/api/v1/tools/{tid}/submit", headers=h).status_code == 422
    assert status_of(db, tid) == "draft"


def test_patch_status_let_a_moderator_publish_a_listing_whose_supplier_is_pending(
    client: Any, auth: Any, db: DBHandle
) -> None:
    staff = auth("moderator")
    with Session(db.engine) as s, s.begin():
        s.get(Supplier, 1).status = "pending"  # type: ignore[union-attr]
    tid = client.post(
        "/api/v1/tools",
        json={"name": "Orphan Listing", "supplier_id": 1, "summary": "s", "description": "d"},
        headers=staff,
    ).json()["id"]
    resp = client.patch(f"/api/v1/tools/{tid}", json={"status": "published", "version": 1}, headers=staff)
    assert resp.status_code == 409 and status_of(db, tid) == "draft"
    assert client.get(f"/api/v1/tools/{tid}").status_code == 404  # not public while its supplier is a 404
    assert client.get("/api/v1/suppliers/1").status_code == 404


def test_inventory_tool_id_let_a_capability_lead_enumerate_unpublished_listings(client: Any, auth: Any) -> None:
    lead = auth("lead_a")
    answers = []
    for tool_id in range(1, 101):  # every demo listing id, published or not, and some that do not exist
        resp = client.post("/api/v1/inventory", json={"tool_id": tool_id}, headers=lead)
        if resp.status_code == 201:
            assert client.get(f"/api/v1/tools/{tool_id}").status_code == 200  # only what the public sees
        else:
            answers.append((resp.status_code, resp.json().get("errors")))
    unseen = [a for a in answers if a[0] == 404]
    assert len(unseen) >= 13  # 9 unpublished demo listings and the ids past the last one
    assert all(a == (404, [{"field": "tool_id", "message": "No such tool"}]) for a in unseen)


def test_anonymous_supplier_reads_and_export_revealed_contact_turnover_and_employees(client: Any, db: DBHandle) -> None:
    with Session(db.engine) as s:
        secrets = [
            str(v) for sup in s.execute(select(Supplier)).scalars() for v in (sup.contact_email, sup.turnover_gbp) if v
        ]
    assert secrets
    one = client.get("/api/v1/suppliers/1").json()
    assert (one["contact_name"], one["contact_email"], one["turnover_gbp"], one["employees"]) == (None,) * 4
    for path in ("/api/v1/suppliers?per_page=200", "/api/v1/export/suppliers", "/api/v1/export/suppliers/csv"):
        body = client.get(path).text
        leaked = [v for v in secrets if v in body]
        assert leaked == [], path


def test_staff_post_suppliers_created_a_lookalike_without_the_duplicate_check(
    client: Any, auth: Any, db: DBHandle
) -> None:
    with Session(db.engine) as s:
        before = s.execute(select(func.count()).select_from(Supplier)).scalar_one()
    resp = client.post(
        "/api/v1/suppliers",
        json={"name": "Kestrel Analytics Limited", "companies_house_number": "SC654321", "size_band": "small"},
        headers=auth("moderator"),
    )
    assert resp.status_code == 409
    assert [(d["id"], d["name"]) for d in resp.json()["duplicates"]] == [(1, "Kestrel Analytics Ltd")]
    with Session(db.engine) as s:
        assert s.execute(select(func.count()).select_from(Supplier)).scalar_one() == before


def test_patch_capabilities_without_a_state_was_a_500(client: Any, auth: Any) -> None:
    """Found on the way: a claim sent without "state" to PATCH lost its default and crashed."""
    h = auth("supplier_a")
    tid = client.post("/api/v1/tools", json={"name": "Stateless Claim"}, headers=h).json()["id"]
    resp = client.patch(
        f"/api/v1/tools/{tid}", json={"capabilities": [{"node_code": "INT.NET"}], "version": 1}, headers=h
    )
    assert resp.status_code == 200, resp.text
    assert [(c["node_code"], c["state"]) for c in resp.json()["capabilities"]] == [("INT.NET", "claimed")]
