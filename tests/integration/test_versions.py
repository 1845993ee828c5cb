"""Listing versions: recorded from the audit hook for published tools and active suppliers,
numbered per listing, with field-level diffs; readable through the API and the history pages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.versions.models import ListingVersion


def _versions(db: Any, entity_type: str, entity_id: int) -> list[ListingVersion]:
    with Session(db.engine) as session:
        return list(
            session.execute(
                select(ListingVersion)
                .where(ListingVersion.entity_type == entity_type, ListingVersion.entity_id == entity_id)
                .order_by(ListingVersion.number)
            ).scalars()
        )


def _patch(client: Any, headers: dict[str, str], tool_id: int, **changes: Any) -> dict[str, Any]:
    current = client.get(f"/api/v1/tools/{tool_id}", headers=headers).json()
    resp = client.patch(f"/api/v1/tools/{tool_id}", json={**changes, "version": current["version"]}, headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()  # type: ignore[no-any-return]


def _publish(client: Any, supplier: dict[str, str], moderator: dict[str, str], tool_id: int) -> None:
    """Through the workflow, as every door does: complete the draft, submit it, approve it."""
    _patch(client, supplier, tool_id, description="What it does.", capabilities=[{"node_code": "INT.NET"}])
    for who, step in ((supplier, "submit"), (moderator, "approve")):
        resp = client.post(f"/api/v1/tools/{tool_id}/{step}", headers=who)
        assert resp.status_code == 200, resp.text


def test_publish_and_edits_create_numbered_versions_with_diffs(client: Any, auth: Any, db: Any) -> None:
    supplier, moderator = auth("supplier_a"), auth("moderator")
    made = client.post(
        "/api/v1/tools", json={"name": "Versioned Widget", "summary": "First words", "trl": 5}, headers=supplier
    )
    assert made.status_code == 201
    tid = made.json()["id"]
    _patch(client, supplier, tid, summary="Draft edit")
    assert _versions(db, "tool", tid) == []  # drafts are not versioned

    _publish(client, supplier, moderator, tid)
    first = _versions(db, "tool", tid)
    assert [v.number for v in first] == [1] and first[0].diff == {}
    assert first[0].snapshot["summary"] == "Draft edit" and first[0].snapshot["status"] == "published"
    assert "capabilities" in first[0].snapshot  # the whole listing, children included

    _patch(client, supplier, tid, summary="Better words", trl=6)
    _patch(client, moderator, tid, last_reviewed="2026-01-01")  # bookkeeping only: no new version
    versions = _versions(db, "tool", tid)
    assert [v.number for v in versions] == [1, 2]
    assert versions[1].diff["summary"] == {"before": "Draft edit", "after": "Better words"}
    assert versions[1].diff["trl"] == {"before": 5, "after": 6}
    assert versions[0].snapshot["summary"] == "Draft edit"  # the old version never changes

    assert client.delete(f"/api/v1/tools/{tid}", headers=supplier).status_code in (200, 204)
    assert [v.number for v in _versions(db, "tool", tid)] == [1, 2]  # retiring is not a published state


def test_versions_api_and_visibility(client: Any, auth: Any) -> None:
    supplier, moderator = auth("supplier_a"), auth("moderator")
    tid = client.post("/api/v1/tools", json={"name": "Visible Widget", "summary": "v1"}, headers=supplier).json()["id"]
    assert client.get(f"/api/v1/tools/{tid}/versions").status_code == 404  # a draft is not visible to the public
    assert client.get(f"/api/v1/tools/{tid}/versions", headers=supplier).json() == []
    _publish(client, supplier, moderator, tid)
    _patch(client, supplier, tid, summary="v2")
    public = client.get(f"/api/v1/tools/{tid}/versions").json()
    assert [v["number"] for v in public] == [2, 1]  # newest first
    assert "summary" in public[0]["changed_fields"]
    assert public[0]["changed_by"] is None  # who changed it is not public
    own = client.get(f"/api/v1/tools/{tid}/versions", headers=supplier).json()
    assert own[0]["changed_by"] == "priya@kestrel-analytics.example"
    one = client.get(f"/api/v1/tools/{tid}/versions/1").json()
    assert one["snapshot"]["summary"] == "v1" and "moderator_feedback" not in one["snapshot"]
    assert client.get(f"/api/v1/tools/{tid}/versions/9").status_code == 404

    page = client.get(f"/tools/{tid}/versions")
    assert page.status_code == 200 and "Version 2 (current)" in page.text
    assert "<del>v1</del>" in page.text and "<ins>v2</ins>" in page.text
    old = client.get(f"/tools/{tid}/versions/1")
    assert old.status_code == 200 and "This is not the current listing" in old.text


def test_supplier_changes_are_versioned_while_active(client: Any, auth: Any, db: Any) -> None:
    moderator = auth("moderator")
    supplier = client.get("/api/v1/suppliers/1", headers=moderator).json()
    resp = client.patch(
        "/api/v1/suppliers/1", json={"region": "North West England", "version": supplier["version"]}, headers=moderator
    )
    assert resp.status_code == 200, resp.text
    versions = _versions(db, "supplier", 1)
    assert len(versions) == 1 and versions[0].snapshot["region"] == "North West England"


def test_moderator_approval_records_the_whole_listing(client: Any, auth: Any, db: Any) -> None:
    """Moderation audits the whole listing, so the version holds capabilities and the rest."""
    from registry.actor import Actor
    from registry.enums import Role
    from registry.tools import workflow
    from registry.tools.models import Tool

    body = {
        "name": "Moderated Widget",
        "summary": "Ready",
        "description": "Complete enough to publish.",
        "trl": 6,
        "capabilities": [{"node_code": "INT.NET", "state": "claimed", "evidence": ""}],
    }
    tid = client.post("/api/v1/tools", json=body, headers=auth("supplier_a")).json()["id"]
    moderator = Actor(user_id=1, email="moderator@registry.example", role=Role.MODERATOR)
    with Session(db.engine) as session, session.begin():
        tool = session.get(Tool, tid)
        assert tool is not None
        tool.status = "submitted"
        session.flush()
        workflow.approve(session, moderator, tid)
    (version,) = _versions(db, "tool", tid)
    assert version.snapshot["status"] == "published"
    assert [c["node_code"] for c in version.snapshot["capabilities"]] == ["INT.NET"]
    assert version.actor_label == "moderator@registry.example"
