"""Rule 1: a listing's or supplier's status changes only through the workflow
(registry/tools/workflow.py), so the page, the API (workflow endpoints and generic PATCH/DELETE)
and the CLI import all answer the same way."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.changelog.models import AuditEvent
from registry.suppliers.models import Supplier
from registry.tools.models import Tool
from tests.conftest import DBHandle
from tests.doors.conftest import api_errors, page_errors, sign_in, status_of, summary_errors

KESTREL_NUMBER = "11482736"  # supplier_a's Companies House number in the demo data
COMPLETE = {
    "summary": "Flags vessels that go dark",
    "description": "Watches AIS feeds for gaps and spoofing.",
    "capabilities": [{"node_code": "INT.NET"}],
}


def _version_on(html: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', html)
    assert match, "no version field on the page"
    return match.group(1)


def _import_file(tmp_path: Path, rows: list[dict[str, Any]]) -> Path:
    path = tmp_path / "tools.json"
    path.write_text(json.dumps({"kind": "tools", "rows": rows}), encoding="utf-8")
    return path


def _tool_exists(db: DBHandle, name: str) -> bool:
    with Session(db.engine) as s:
        return s.execute(select(Tool.id).where(Tool.name == name)).first() is not None


def _pending_supplier_with_submitted_listing(client: Any, auth: Any, db: DBHandle) -> tuple[int, int, str]:
    """A supplier still waiting for approval, with a complete listing waiting for review."""
    staff = auth("moderator")
    sup = client.post(
        "/api/v1/suppliers",
        json={"name": "Gannet Door Systems Ltd", "companies_house_number": "NI998877", "size_band": "small"},
        headers=staff,
    )
    assert sup.status_code == 201, sup.text
    sid = sup.json()["id"]
    with Session(db.engine) as s, s.begin():  # as if it had self-registered
        s.get(Supplier, sid).status = "pending"  # type: ignore[union-attr]
    tool = client.post("/api/v1/tools", json={"name": "Gannet Watch", "supplier_id": sid, **COMPLETE}, headers=staff)
    assert tool.status_code == 201, tool.text
    tid = tool.json()["id"]
    assert client.post(f"/api/v1/tools/{tid}/submit", headers=staff).status_code == 200
    return sid, tid, "NI998877"


def test_an_incomplete_listing_is_not_submitted_through_any_door(
    client: Any, auth: Any, db: DBHandle, cli: Any, tmp_path: Path
) -> None:
    h = auth("supplier_a")
    tid = client.post("/api/v1/tools", json={"name": "Door Draft", "summary": "Short"}, headers=h).json()["id"]
    missing = {
        "description": "Add a description of the tool",
        "capabilities": "Choose at least one capability the tool provides",
    }
    # Page: the review step shows what is missing; the listing stays a draft.
    t = sign_in(client, "supplier_a")
    review = client.get(f"/supplier/tools/{tid}/edit/review")
    page = client.post(f"/supplier/tools/{tid}/submit", data={"_csrf_token": t, "version": _version_on(review.text)})
    assert page.status_code == 400 and summary_errors(page.text) == list(missing.values())
    assert status_of(db, tid) == "draft"
    # API, workflow endpoint: the same messages, each naming its field.
    api = client.post(f"/api/v1/tools/{tid}/submit", headers=h)
    assert api.status_code == 422 and api_errors(api) == missing
    assert status_of(db, tid) == "draft"
    # API, generic PATCH: refused, pointing at the workflow endpoint.
    patch = client.patch(f"/api/v1/tools/{tid}", json={"status": "submitted", "version": 1}, headers=h)
    assert patch.status_code == 409 and f"POST /api/v1/tools/{tid}/submit" in patch.json()["detail"]
    assert list(api_errors(patch)) == ["status"]
    assert status_of(db, tid) == "draft"
    # API, create: a new listing cannot start out submitted either.
    born = client.post("/api/v1/tools", json={"name": "Born Submitted", "status": "submitted"}, headers=h)
    assert born.status_code == 409 and "/submit" in born.json()["detail"] and not _tool_exists(db, "Born Submitted")
    # CLI: an imported row cannot arrive submitted without what submitting needs.
    row = {"supplier_number": KESTREL_NUMBER, "name": "Door Import", "summary": "Short", "status": "submitted"}
    result = cli("import", "tools", _import_file(tmp_path, [row]))
    assert result.exit_code == 1, result.output
    for field, message in missing.items():
        assert f"row 1: {field}: {message}" in result.output
    assert not _tool_exists(db, "Door Import")


def test_a_listing_of_a_pending_supplier_is_not_published_through_any_door(
    client: Any, auth: Any, db: DBHandle, cli: Any, tmp_path: Path
) -> None:
    sid, tid, number = _pending_supplier_with_submitted_listing(client, auth, db)
    refusal = "Gannet Door Systems Ltd is pending: approve the supplier before its listings"
    # Page: the moderator's decision is refused with the reason.
    t = sign_in(client, "moderator")
    form = client.get(f"/moderation/tools/{tid}")
    page = client.post(
        f"/moderation/tools/{tid}",
        data={"_csrf_token": t, "decision": "approve", "version": _version_on(form.text)},
    )
    assert page.status_code == 400 and refusal + "." in page_errors(page.text)
    # API, workflow endpoint: the same refusal.
    staff = auth("moderator")
    api = client.post(f"/api/v1/tools/{tid}/approve", headers=staff)
    assert api.status_code == 409 and api.json()["detail"] == refusal + "."
    # API, generic PATCH: refused, pointing at the workflow endpoint.
    patch = client.patch(f"/api/v1/tools/{tid}", json={"status": "published", "version": 3}, headers=staff)
    assert patch.status_code == 409 and f"/api/v1/tools/{tid}/submit" in patch.json()["detail"]
    assert status_of(db, tid) == "submitted"
    # CLI: an imported row cannot arrive published for a pending supplier.
    row = {"supplier_number": number, "name": "Gannet Import", "status": "published", **COMPLETE}
    result = cli("import", "tools", _import_file(tmp_path, [row]))
    assert result.exit_code == 1 and f"row 1: supplier: A published listing needs: {refusal}." in result.output
    assert not _tool_exists(db, "Gannet Import")
    # Nothing of it is public while the supplier is not.
    assert client.get(f"/api/v1/suppliers/{sid}").status_code == 404
    assert client.get(f"/api/v1/tools/{tid}").status_code == 404
    # Once the supplier is approved, the same door publishes it, and both are public together.
    assert client.post(f"/api/v1/suppliers/{sid}/approve", headers=staff).json()["status"] == "active"
    assert client.post(f"/api/v1/tools/{tid}/approve", headers=staff).json()["status"] == "published"
    assert client.get(f"/api/v1/tools/{tid}").status_code == 200
    assert client.get(f"/api/v1/suppliers/{sid}").status_code == 200


def test_rejecting_needs_reasons_through_every_door(client: Any, auth: Any, db: DBHandle) -> None:
    h = auth("supplier_a")
    tid = client.post("/api/v1/tools", json={"name": "Door Reject", **COMPLETE}, headers=h).json()["id"]
    assert client.post(f"/api/v1/tools/{tid}/submit", headers=h).status_code == 200
    message = "Enter the reasons for rejecting the listing"
    t = sign_in(client, "moderator")
    page = client.post(f"/moderation/tools/{tid}", data={"_csrf_token": t, "decision": "reject", "reasons": " "})
    assert page.status_code == 400 and page_errors(page.text) == [message]
    api = client.post(f"/api/v1/tools/{tid}/reject", json={"reasons": " "}, headers=auth("moderator"))
    assert api.status_code == 422 and api_errors(api) == {"reasons": message}
    assert status_of(db, tid) == "submitted"
    sent_back = client.post(
        f"/api/v1/tools/{tid}/request-changes", json={"reasons": "Add evidence."}, headers=auth("moderator")
    )
    assert sent_back.status_code == 200 and sent_back.json()["moderator_feedback"] == "Add evidence."
    assert status_of(db, tid) == "draft"


def test_only_the_owner_or_staff_use_the_listing_workflow(client: Any, auth: Any, db: DBHandle) -> None:
    h = auth("supplier_a")
    tid = client.post("/api/v1/tools", json={"name": "Door Owner", **COMPLETE}, headers=h).json()["id"]
    assert client.post(f"/api/v1/tools/{tid}/submit").status_code == 401
    assert client.post(f"/api/v1/tools/{tid}/submit", headers=auth("supplier_b")).status_code == 404  # unseen draft
    assert client.post(f"/api/v1/tools/{tid}/submit", headers=h).status_code == 200
    assert client.post(f"/api/v1/tools/{tid}/approve", headers=h).status_code == 403
    assert client.post(f"/api/v1/tools/{tid}/approve", headers=auth("moderator")).status_code == 200
    assert client.post(f"/api/v1/tools/{tid}/retire", headers=auth("buyer_a")).status_code == 403  # published: seen
    assert client.post(f"/api/v1/tools/{tid}/submit", headers=h).status_code == 409  # not a draft any more


def test_retiring_goes_through_the_workflow_from_delete_and_post(client: Any, auth: Any, db: DBHandle) -> None:
    h = auth("supplier_a")
    one = client.post("/api/v1/tools", json={"name": "Door Retire One"}, headers=h).json()["id"]
    two = client.post("/api/v1/tools", json={"name": "Door Retire Two"}, headers=h).json()["id"]
    retired = client.post(f"/api/v1/tools/{one}/retire", json={"reason": "Replaced"}, headers=h)
    assert retired.status_code == 200 and retired.json()["status"] == "retired"
    assert client.delete(f"/api/v1/tools/{two}", headers=h).status_code == 204
    assert (status_of(db, one), status_of(db, two)) == ("retired", "retired")
    # Both doors refuse to retire it twice, with the workflow's words.
    again_post = client.post(f"/api/v1/tools/{one}/retire", headers=h)
    again_delete = client.delete(f"/api/v1/tools/{two}", headers=h)
    assert again_post.status_code == again_delete.status_code == 409
    assert "is retired, so it cannot be retired" in again_post.json()["detail"]
    assert "is retired, so it cannot be retired" in again_delete.json()["detail"]
    with Session(db.engine) as s:
        actions = s.execute(
            select(AuditEvent.entity_id, AuditEvent.action).where(
                AuditEvent.entity_type == "tool", AuditEvent.action == "retire"
            )
        ).all()
    assert {(str(one), "retire"), (str(two), "retire")} <= set(actions)


def test_a_supplier_with_live_listings_is_not_retired(client: Any, auth: Any, db: DBHandle) -> None:
    resp = client.delete("/api/v1/suppliers/1", headers=auth("moderator"))
    assert resp.status_code == 409 and "retire them first" in resp.json()["detail"]
    with Session(db.engine) as s:
        assert s.get(Supplier, 1).status == "active"  # type: ignore[union-attr]


def test_supplier_status_changes_only_through_the_workflow(client: Any, auth: Any, db: DBHandle) -> None:
    staff = auth("moderator")
    sid = client.post(
        "/api/v1/suppliers",
        json={"name": "Petrel Door Analytics Ltd", "companies_house_number": "NI112233", "size_band": "micro"},
        headers=staff,
    ).json()["id"]
    with Session(db.engine) as s, s.begin():
        s.get(Supplier, sid).status = "pending"  # type: ignore[union-attr]
    for body, door in (({"status": "active"}, "/approve"), ({"verified": True}, "/verify")):
        resp = client.patch(f"/api/v1/suppliers/{sid}", json={**body, "version": 1}, headers=staff)
        assert resp.status_code == 409 and f"/api/v1/suppliers/{sid}{door}" in resp.json()["detail"], resp.text
    # Verifying before approving is refused alike by the moderation page and the API.
    refusal = "Petrel Door Analytics Ltd is pending: approve it before verifying it."
    t = sign_in(client, "moderator")
    page = client.post(f"/moderation/suppliers/{sid}", data={"_csrf_token": t, "decision": "verify"})
    assert page.status_code == 400 and page_errors(page.text) == [refusal]
    api = client.post(f"/api/v1/suppliers/{sid}/verify", headers=staff)
    assert api.status_code == 409 and api.json()["detail"] == refusal
    rejected = client.post(f"/api/v1/suppliers/{sid}/reject", json={}, headers=staff)
    assert rejected.status_code == 422 and api_errors(rejected) == {
        "reasons": "Enter the reasons for rejecting the supplier"
    }
    approved = client.post(f"/api/v1/suppliers/{sid}/approve", json={"version": 1}, headers=staff)
    assert approved.status_code == 200 and approved.json()["status"] == "active"
    verified = client.post(f"/api/v1/suppliers/{sid}/verify", headers={**staff, "If-Match": '"1"'})
    assert verified.status_code == 412  # a stale If-Match on a decision, as on PATCH
    verified = client.post(f"/api/v1/suppliers/{sid}/verify", headers={**staff, "If-Match": approved.headers["etag"]})
    assert verified.status_code == 200 and verified.json()["verified"] is True
    with Session(db.engine) as s:
        actions = list(
            s.execute(
                select(AuditEvent.action)
                .where(AuditEvent.entity_type == "supplier", AuditEvent.entity_id == str(sid))
                .order_by(AuditEvent.id)
            ).scalars()
        )
    assert actions == ["create", "approve", "verify"]


def test_workflow_endpoints_are_documented(client: Any) -> None:
    paths = client.get("/schema/openapi.json").json()["paths"]
    for step in ("submit", "approve", "reject", "request-changes", "retire"):
        assert "post" in paths[f"/api/v1/tools/{{tool_id}}/{step}"], step
    for step in ("approve", "reject", "verify"):
        assert "post" in paths[f"/api/v1/suppliers/{{supplier_id}}/{step}"], step
    assert "/submit" in paths["/api/v1/tools/{item_id}"]["patch"]["description"]
