"""One field policy (registry.changelog.diff) for record history and listing versions: what a
moderator wrote to a supplier never reaches the public; staff still see it. Versions are made
from the audit event alone (full listing snapshots), and registry.versions never imports tools."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.actor import Actor
from registry.changelog import services as changelog
from registry.changelog.models import AuditEvent
from registry.enums import Role
from registry.tools.models import TOOL_CHILDREN
from registry.versions import services as versions
from registry.versions.models import ListingVersion
from tests.conftest import DBHandle
from tests.integration.test_moderation import errors_of, sign_in, tool_id, version_on

ROOT = Path(__file__).resolve().parents[2]
FEEDBACK = "FEEDBACK-SECRET: add evidence for the network analysis claim"
NOTE = "APPROVAL-NOTE-SECRET checked with the supplier by phone"
LATER_FEEDBACK = "FEEDBACK-SECRET-2 pricing looks wrong"


def _republish_after_changes_requested(client: Any, auth: Any, db: DBHandle) -> int:
    """Published -> moderator requests changes -> supplier edits and resubmits -> re-published."""
    tid = tool_id(db, "Kestrel Link")
    supplier = auth("supplier_a")
    current = client.get(f"/api/v1/tools/{tid}", headers=supplier).json()
    edit = {"summary": "Link charts for live investigations", "version": current["version"]}
    assert client.patch(f"/api/v1/tools/{tid}", json=edit, headers=supplier).status_code == 200  # version 1

    t = sign_in(client, "moderator")
    page = client.get(f"/moderation/tools/{tid}")
    resp = client.post(
        f"/moderation/tools/{tid}",
        data={"_csrf_token": t, "decision": "request_changes", "reasons": FEEDBACK, "version": version_on(page.text)},
        follow_redirects=False,
    )
    assert resp.status_code in (302, 303), errors_of(resp.text)

    current = client.get(f"/api/v1/tools/{tid}", headers=supplier).json()
    assert current["status"] == "draft"
    fix = {"description": current["description"] + " Evidence: NCA pilot 2025.", "version": current["version"]}
    assert client.patch(f"/api/v1/tools/{tid}", json=fix, headers=supplier).status_code == 200
    t = sign_in(client, "supplier_a")
    review = client.get(f"/supplier/tools/{tid}/edit/review")
    resp = client.post(
        f"/supplier/tools/{tid}/submit",
        data={"_csrf_token": t, "version": version_on(review.text)},
        follow_redirects=False,
    )
    assert resp.status_code in (302, 303), errors_of(resp.text)

    t = sign_in(client, "moderator")
    page = client.get(f"/moderation/tools/{tid}")
    resp = client.post(
        f"/moderation/tools/{tid}",
        data={"_csrf_token": t, "decision": "approve", "reasons": NOTE, "version": version_on(page.text)},
        follow_redirects=False,
    )
    assert resp.status_code in (302, 303), errors_of(resp.text)
    client.cookies.clear()
    return tid


def _public_texts(client: Any, tid: int, headers: dict[str, str]) -> dict[str, str]:
    texts = {"history": client.get(f"/tools/{tid}/history", headers=headers).text}
    listing = client.get(f"/api/v1/tools/{tid}/versions", headers=headers)
    assert listing.status_code == 200
    texts["api versions"] = listing.text
    texts["versions page"] = client.get(f"/tools/{tid}/versions", headers=headers).text
    for v in listing.json():
        texts[f"api version {v['number']}"] = client.get(f"/api/v1/tools/{tid}/versions/{v['number']}").text
        texts[f"version page {v['number']}"] = client.get(f"/tools/{tid}/versions/{v['number']}").text
    return texts


def test_moderator_feedback_never_reaches_the_public_history_or_versions(client: Any, auth: Any, db: DBHandle) -> None:
    tid = _republish_after_changes_requested(client, auth, db)
    moderator = auth("moderator")
    current = client.get(f"/api/v1/tools/{tid}", headers=moderator).json()
    later = {"summary": "Link charts, now with timelines", "moderator_feedback": LATER_FEEDBACK}
    resp = client.patch(f"/api/v1/tools/{tid}", json={**later, "version": current["version"]}, headers=moderator)
    assert resp.status_code == 200, resp.text

    numbers = [v["number"] for v in client.get(f"/api/v1/tools/{tid}/versions").json()]
    assert numbers == [3, 2, 1]  # edit while published, re-publication, moderator's edit
    for who, headers in (("the public", {}), ("a buyer", auth("buyer_a"))):
        for where, text in _public_texts(client, tid, headers).items():
            assert "FEEDBACK-SECRET" not in text, f"{who} sees moderator feedback on the {where}"
            assert "APPROVAL-NOTE-SECRET" not in text, f"{who} sees a moderator's note on the {where}"
    public_history = client.get(f"/tools/{tid}/history").text
    assert "Changes requested" in public_history and "Approved" in public_history  # the events stay listed

    sign_in(client, "moderator")
    staff_history = client.get(f"/tools/{tid}/history").text
    assert FEEDBACK in staff_history and NOTE in staff_history and LATER_FEEDBACK in staff_history
    assert LATER_FEEDBACK in client.get(f"/tools/{tid}/versions/3").text
    staff_version = client.get(f"/api/v1/tools/{tid}/versions/3", headers=moderator).json()
    assert staff_version["snapshot"]["moderator_feedback"] == LATER_FEEDBACK
    assert "moderator_feedback" in staff_version["changed_fields"]


def test_tool_audit_events_carry_the_whole_listing(client: Any, auth: Any, db: DBHandle) -> None:
    tid = _republish_after_changes_requested(client, auth, db)
    with Session(db.engine) as s:
        events = list(
            s.execute(
                select(AuditEvent)
                .where(AuditEvent.entity_type == "tool", AuditEvent.entity_id == str(tid))
                .order_by(AuditEvent.id)
            ).scalars()
        )
        assert [e.action for e in events] == ["update", "request_changes", "update", "submit", "approve"]
        for e in events:
            for snapshot in (e.before, e.after):
                assert snapshot is not None and set(TOOL_CHILDREN) <= set(snapshot), e.action
        assert [c["node_code"] for c in events[-1].after["capabilities"]]  # type: ignore[index]
        latest = versions.latest(s, "tool", tid)
        assert latest is not None and latest.snapshot == events[-1].after


def test_a_version_is_made_from_the_event_alone(db: DBHandle) -> None:
    """No tool 987654 exists: the listener must not need to read one back."""
    snapshot = {"id": 987654, "name": "Only in the event", "status": "published", "supplier_id": 1}
    snapshot |= {k: [] for k in TOOL_CHILDREN}
    actor = Actor(user_id=None, email="system", role=Role.ADMIN)
    with Session(db.engine) as s, s.begin():
        changelog.record(s, actor, "update", "tool", 987654, after=snapshot)
        changelog.record(s, actor, "update", "tool", 987654, after={**snapshot, "moderator_feedback": "only this"})
    with Session(db.engine) as s:
        made = list(s.execute(select(ListingVersion).where(ListingVersion.entity_id == 987654)).scalars())
    assert [(v.number, v.snapshot) for v in made] == [(1, snapshot)]  # feedback alone is not a new version


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_versions_never_import_tools() -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / "registry" / "versions").rglob("*.py"))
        for name in _imports(path)
        if name == "registry.tools" or name.startswith("registry.tools.")
    ]
    assert offenders == []


def test_the_app_registers_the_audit_listeners_itself(db: DBHandle, tmp_path: Path) -> None:
    """The served app (granian imports only the factory) must record listing versions too."""
    from registry.app import AUDIT_LISTENERS, create_app
    from tests.conftest import make_settings

    saved = list(changelog._LISTENERS)
    changelog._LISTENERS.clear()
    try:
        create_app(make_settings(db.url, tmp_path), engine=db.engine)
        assert all(listener in changelog._LISTENERS for listener in AUDIT_LISTENERS)
    finally:
        changelog._LISTENERS[:] = saved
