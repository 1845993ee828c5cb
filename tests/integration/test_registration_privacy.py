"""Supplier self-registration never tells whether an address has an account (its owner is told
by e-mail), is rate-limited per client address, and a new supplier confirms its e-mail address
(a single-use link through the outbox) before any of its listings can be submitted, through the
page and the API alike (registry/accounts/email_verification.py, registry/tools/workflow.py)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.accounts.models import User
from registry.notifications.models import OutboxEmail
from registry.suppliers.models import Supplier
from registry.tools.models import CapabilityClaim, Tool
from tests.conftest import token_for
from tests.integration.test_registration import PASSWORD, csrf, form

EXISTING = "buyer@scdea.example"


def _register(client: Any, **overrides: Any) -> Any:
    data = form(**overrides)
    data["_csrf_token"] = csrf(client)
    return client.post("/register", data=data, follow_redirects=False)


def _mails(db: Any, to: str) -> list[OutboxEmail]:
    with Session(db.engine) as s:
        return list(s.execute(select(OutboxEmail).where(OutboxEmail.to_address == to)).scalars())


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(client: Any, db: Any) -> None:
    new = _register(client, email="ann@wrenfield.example")
    taken = _register(
        client,
        email=EXISTING,
        name="Brackwater Signals Ltd",
        companies_house_number="09876543",
        website="https://brackwater.example",
    )
    assert new.status_code == taken.status_code == 200
    assert "already exists" not in taken.text
    assert new.text.replace("ann@wrenfield.example", "X") == taken.text.replace(EXISTING, "X")
    for resp in (new, taken):  # neither signs anyone in
        assert "Sign out" not in resp.text
    owner_mail = [m for m in _mails(db, EXISTING) if "tried to register" in m.subject]
    assert len(owner_mail) == 1 and "/forgot-password" in owner_mail[0].body
    assert [m.subject for m in _mails(db, "ann@wrenfield.example")] == ["Confirm your email address"]
    with Session(db.engine) as s:  # nothing was created for the taken address
        assert s.execute(select(Supplier).where(Supplier.name == "Brackwater Signals Ltd")).first() is None


def test_registrations_are_rate_limited_per_client_address(client: Any) -> None:
    for i in range(5):
        resp = _register(
            client,
            email=f"ann{i}@wrenfield{i}.example",
            name=f"Wrenfield {i} Quantum Widgets Ltd",
            companies_house_number=f"0765432{i}",
            website=f"https://wrenfield{i}.example",
        )
        assert resp.status_code == 200, resp.text
    resp = _register(client, email="ann9@wrenfield9.example", companies_house_number="07654329")
    assert resp.status_code == 429 and int(resp.headers["retry-after"]) > 0
    assert "Too many requests" in resp.text


def _draft_for(db: Any, organisation_email: str) -> tuple[int, int]:
    """Give the new supplier a complete draft listing (a demo one, moved over)."""
    with Session(db.engine) as s:
        user = s.execute(select(User).where(User.email == organisation_email)).scalar_one()
        supplier = s.execute(select(Supplier).where(Supplier.organisation_id == user.organisation_id)).scalar_one()
        tool = s.execute(
            select(Tool)
            .where(Tool.id.in_(select(CapabilityClaim.tool_id)), Tool.summary != "", Tool.description != "")  # type: ignore[union-attr]
            .order_by(Tool.id)
            .limit(1)
        ).scalar_one()
        tool.supplier_id = supplier.id
        tool.status = "draft"
        s.commit()
        return int(tool.id or 0), tool.version


def test_listings_wait_for_the_email_to_be_confirmed(client: Any, db: Any) -> None:
    assert _register(client, email="ann@wrenfield.example").status_code == 200
    tool_id, version = _draft_for(db, "ann@wrenfield.example")
    headers = token_for(client, "ann@wrenfield.example", PASSWORD)  # signing in is allowed meanwhile
    resp = client.post(f"/api/v1/tools/{tool_id}/submit", json={"version": version}, headers=headers)
    assert resp.status_code == 403 and "Confirm your email address" in resp.json()["detail"]
    with Session(db.engine) as s:
        assert s.get(Tool, tool_id).status == "draft"  # type: ignore[union-attr]
    # The page door says the same.
    csrf_token = csrf(client, "/login")
    client.post("/login", data={"email": "ann@wrenfield.example", "password": PASSWORD, "_csrf_token": csrf_token})
    dash = client.get("/supplier/dashboard")
    assert "Confirm your email address before submitting listings" in dash.text
    page = client.post(
        f"/supplier/tools/{tool_id}/submit",
        data={"version": str(version), "_csrf_token": csrf(client, "/supplier/dashboard")},
    )
    assert page.status_code == 400 and "Confirm your email address" in page.text
    # Follow the link in the e-mail.
    body = _mails(db, "ann@wrenfield.example")[-1].body
    token = re.search(r"/verify-email\?token=([\w-]+)", body)
    assert token
    confirm = client.get(f"/verify-email?token={token.group(1)}")
    assert confirm.status_code == 200 and "Confirm my email address" in confirm.text
    done = client.post(
        "/verify-email", data={"token": token.group(1), "_csrf_token": csrf(client, "/login")}, follow_redirects=False
    )
    assert done.status_code in (302, 303)
    again = client.post(
        "/verify-email", data={"token": token.group(1), "_csrf_token": csrf(client, "/login")}, follow_redirects=False
    )
    assert again.status_code == 400  # single use
    resp = client.post(f"/api/v1/tools/{tool_id}/submit", json={"version": version}, headers=headers)
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "submitted"


def test_demo_suppliers_count_as_verified(client: Any, db: Any) -> None:
    with Session(db.engine) as s:
        unverified = s.execute(
            select(func.count()).select_from(User).where(User.email_verified_at.is_(None))  # type: ignore[union-attr]
        ).scalar_one()
    assert unverified == 0
