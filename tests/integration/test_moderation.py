"""Listing editor, submission and moderation decisions, history pages."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.changelog.models import AuditEvent
from registry.suppliers.models import Supplier
from registry.tools.models import Tool
from tests.conftest import DEMO_PASSWORD, USERS


def token(client: Any) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', client.get("/register").text)
    assert match
    return match.group(1)


def sign_in(client: Any, who: str) -> str:
    client.cookies.clear()
    t = token(client)
    resp = client.post(
        "/login", data={"email": USERS[who], "password": DEMO_PASSWORD, "_csrf_token": t}, follow_redirects=False
    )
    assert resp.status_code in (302, 303), resp.text[:500]
    return token(client)


def errors_of(html: str) -> list[str]:
    return [m.strip() for m in re.findall(r'govuk-error-message">.*?</span>(.*?)</p>', html, re.S)]


def version_on(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)  # type: ignore[union-attr]


def tool_id(db: Any, name: str) -> int:
    with Session(db.engine) as s:
        return s.execute(select(Tool.id).where(Tool.name == name)).scalar_one()


def make_draft(client: Any, t: str) -> int:
    resp = client.post(
        "/supplier/tools/new",
        data={
            "_csrf_token": t,
            "name": "Merlin Links",
            "summary": "Link charts",
            "description": "Builds association charts.",
            "action": "next",
        },
        follow_redirects=False,
    )
    assert resp.status_code in (302, 303), errors_of(resp.text)
    new_id = int(resp.headers["location"].split("/")[3])
    page = client.get(f"/supplier/tools/{new_id}/edit/capabilities")
    resp = client.post(
        f"/supplier/tools/{new_id}/edit/capabilities",
        follow_redirects=False,
        data={
            "_csrf_token": t,
            "version": version_on(page.text),
            "cap": ["INT.NET"],
            "state-INT.NET": "claimed",
            "action": "next",
        },
    )
    assert resp.status_code in (302, 303), errors_of(resp.text)
    return new_id


def test_draft_with_validation_error_keeps_typed_values(client: Any, db: Any) -> None:
    t = sign_in(client, "supplier_a")
    resp = client.post(
        "/supplier/tools/new",
        data={
            "_csrf_token": t,
            "name": "",
            "summary": "Typed summary stays",
            "workstreams": ["ECON"],
            "action": "stay",
        },
    )
    assert resp.status_code == 400
    assert "Enter the name of the tool" in errors_of(resp.text)
    assert "Typed summary stays" in resp.text
    assert re.search(r'value="ECON"\s+checked', resp.text)
    assert 'class="govuk-error-summary"' in resp.text
    new_id = make_draft(client, t)
    page = client.get(f"/supplier/tools/{new_id}/edit/pricing")
    resp = client.post(
        f"/supplier/tools/{new_id}/edit/pricing",
        data={
            "_csrf_token": t,
            "version": version_on(page.text),
            "pricing_model": "annual-licence",
            "price_capital": "lots",
            "price_annual": "12,500",
            "action": "stay",
        },
    )
    assert resp.status_code == 400
    assert errors_of(resp.text) == ["Enter the one-off cost in pounds, like 12500, or leave it blank"]
    assert 'value="lots"' in resp.text and 'value="12,500"' in resp.text
    with Session(db.engine) as s:
        assert s.get(Tool, new_id).price_annual == 0  # nothing saved from the bad form


def test_stale_version_is_reported_not_saved(client: Any, db: Any) -> None:
    t = sign_in(client, "supplier_a")
    new_id = make_draft(client, t)
    resp = client.post(
        f"/supplier/tools/{new_id}/edit/about",
        data={"_csrf_token": t, "version": "1", "name": "Merlin Links 2", "action": "stay"},
    )
    assert resp.status_code == 409 and "Someone else changed this listing" in resp.text
    assert 'value="Merlin Links 2"' in resp.text
    with Session(db.engine) as s:
        assert s.get(Tool, new_id).name == "Merlin Links"


def test_submit_then_approve_publishes_and_is_audited(client: Any, db: Any) -> None:
    t = sign_in(client, "supplier_a")
    new_id = make_draft(client, t)
    review = client.get(f"/supplier/tools/{new_id}/edit/review")
    assert review.status_code == 200 and "Check your listing" in review.text
    resp = client.post(
        f"/supplier/tools/{new_id}/submit",
        data={"_csrf_token": t, "version": version_on(review.text)},
        follow_redirects=False,
    )
    assert resp.status_code in (302, 303)
    t = sign_in(client, "moderator")
    assert "Merlin Links" in client.get("/moderation").text
    page = client.get(f"/moderation/tools/{new_id}")
    resp = client.post(
        f"/moderation/tools/{new_id}",
        follow_redirects=False,
        data={"_csrf_token": t, "decision": "approve", "version": version_on(page.text)},
    )
    assert resp.status_code in (302, 303)
    with Session(db.engine) as s:
        tool = s.get(Tool, new_id)
        assert tool.status == "published" and tool.last_reviewed is not None
        actions = list(
            s.execute(
                select(AuditEvent.action)
                .where(AuditEvent.entity_type == "tool", AuditEvent.entity_id == str(new_id))
                .order_by(AuditEvent.id)
            ).scalars()
        )
        assert actions[-2:] == ["submit", "approve"]
    history = client.get(f"/tools/{new_id}/history")
    assert history.status_code == 200 and "Approved" in history.text and "moderator@registry.example" in history.text
    assert re.search(r"submitted.*?published", history.text, re.S | re.I)  # status diff before -> after
    client.cookies.clear()
    public = client.get(f"/tools/{new_id}/history")  # published: public, but actors are not named
    assert public.status_code == 200 and "Approved" in public.text
    assert "moderator@registry.example" not in public.text and "A registry moderator" in public.text


def test_submit_needs_capabilities(client: Any) -> None:
    t = sign_in(client, "supplier_a")
    resp = client.post(
        "/supplier/tools/new", data={"_csrf_token": t, "name": "Bare", "action": "next"}, follow_redirects=False
    )
    new_id = int(resp.headers["location"].split("/")[3])
    review = client.get(f"/supplier/tools/{new_id}/edit/review")
    resp = client.post(f"/supplier/tools/{new_id}/submit", data={"_csrf_token": t, "version": version_on(review.text)})
    assert resp.status_code == 400 and "Choose at least one capability the tool provides" in resp.text


def test_reject_requires_reasons_and_request_changes_returns_draft(client: Any, db: Any) -> None:
    t = sign_in(client, "supplier_a")
    new_id = make_draft(client, t)
    review = client.get(f"/supplier/tools/{new_id}/edit/review")
    client.post(f"/supplier/tools/{new_id}/submit", data={"_csrf_token": t, "version": version_on(review.text)})
    t = sign_in(client, "moderator")
    resp = client.post(f"/moderation/tools/{new_id}", data={"_csrf_token": t, "decision": "reject", "reasons": " "})
    assert resp.status_code == 400 and "Enter the reasons for rejecting the listing" in errors_of(resp.text)
    resp = client.post(
        f"/moderation/tools/{new_id}",
        follow_redirects=False,
        data={"_csrf_token": t, "decision": "request_changes", "reasons": "Add evidence for network analysis."},
    )
    assert resp.status_code in (302, 303)
    with Session(db.engine) as s:
        tool = s.get(Tool, new_id)
        assert (tool.status, tool.moderator_feedback) == ("draft", "Add evidence for network analysis.")
    sign_in(client, "supplier_a")
    dash = client.get("/supplier/dashboard")
    assert "Changes requested: Merlin Links" in dash.text and "Add evidence for network analysis." in dash.text


def test_supplier_cannot_edit_another_suppliers_tool(client: Any, db: Any) -> None:
    kestrel_tool = tool_id(db, "Kestrel Link")  # published, belongs to supplier_a
    t = sign_in(client, "supplier_b")
    assert client.get(f"/supplier/tools/{kestrel_tool}/edit/about").status_code == 403
    resp = client.post(
        f"/supplier/tools/{kestrel_tool}/edit/about",
        data={"_csrf_token": t, "version": "1", "name": "Hijacked", "action": "stay"},
    )
    assert resp.status_code in (403, 404)
    t = sign_in(client, "supplier_a")
    draft = make_draft(client, t)
    sign_in(client, "supplier_b")
    assert client.get(f"/supplier/tools/{draft}/edit/about").status_code == 404  # drafts are invisible
    assert client.get(f"/tools/{draft}/history").status_code == 404
    with Session(db.engine) as s:
        assert s.get(Tool, kestrel_tool).name == "Kestrel Link"


def test_moderation_is_staff_only(client: Any) -> None:
    sign_in(client, "supplier_a")
    assert client.get("/moderation").status_code == 403
    assert client.get("/moderation/duplicates").status_code == 403


def test_pending_supplier_approval_and_verification(client: Any, db: Any) -> None:
    with Session(db.engine) as s:
        sup = (
            s.execute(select(Supplier).where(Supplier.verified.is_(False), Supplier.status == "active"))
            .scalars()
            .first()
        )
        assert sup is not None
        sup.status = "pending"
        s.commit()
        sid = sup.id
    t = sign_in(client, "moderator")
    assert f"/moderation/suppliers/{sid}" in client.get("/moderation").text
    resp = client.post(f"/moderation/suppliers/{sid}", data={"_csrf_token": t, "decision": "reject"})
    assert resp.status_code == 400 and "Enter the reasons for rejecting the supplier" in errors_of(resp.text)
    assert client.post(
        f"/moderation/suppliers/{sid}", data={"_csrf_token": t, "decision": "approve"}, follow_redirects=False
    ).status_code in (302, 303)
    assert client.post(
        f"/moderation/suppliers/{sid}", data={"_csrf_token": t, "decision": "verify"}, follow_redirects=False
    ).status_code in (302, 303)
    with Session(db.engine) as s:
        sup = s.get(Supplier, sid)
        assert (sup.status, sup.verified) == ("active", True)
    history = client.get(f"/suppliers/{sid}/history").text
    assert "Approved" in history and "Verified" in history


def test_duplicates_report_lists_a_registered_lookalike(client: Any) -> None:
    t = token(client)
    data = {
        "_csrf_token": t,
        "name": "Kestrel Analytics Limited",
        "companies_house_number": "SC654321",
        "size_band": "small",
        "user_name": "X",
        "email": "x@lookalike.example",
        "password": "a" * 12,
        "password_confirm": "a" * 12,
        "confirmed_distinct": "yes",
    }
    resp = client.post("/register", data=data, follow_redirects=False)
    assert resp.status_code == 200 and "Check your email" in resp.text
    sign_in(client, "moderator")
    page = client.get("/moderation/duplicates")
    assert page.status_code == 200
    assert "Kestrel Analytics Limited" in page.text and "Kestrel Analytics Ltd" in page.text
