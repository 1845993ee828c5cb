"""Public-sector staff register themselves as buyers (registry/accounts/buyer_registration.py):
an allow-listed e-mail domain, verified through the outbox, joining an existing buying
organisation as a pending member that an administrator or the organisation's capability lead
approves; until then they cannot sign in, and are told why."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.accounts.buyer_registration import domain_allowed
from registry.accounts.models import Organisation, User
from registry.app import create_app
from registry.notifications.models import OutboxEmail
from tests.conftest import DEMO_PASSWORD, make_settings

PASSWORD = "a long enough passphrase"
NEWCOMER = "sam.reid@scotland.police.uk"


@pytest.fixture
def buyer_client(db: Any, tmp_path: Any) -> Any:
    settings = replace(make_settings(db.url, tmp_path), buyer_email_domains=("police.uk", "gov.uk", "gov.scot"))
    with TestClient(app=create_app(settings, engine=db.engine)) as c:
        yield c


def _csrf(client: Any, path: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', client.get(path).text)
    assert match, path
    return match.group(1)


def _org_id(db: Any, name: str) -> int:
    with Session(db.engine) as s:
        return int(s.execute(select(Organisation.id).where(Organisation.name == name)).scalar_one())


def _register(
    client: Any, db: Any, email: str = NEWCOMER, org: str = "Scottish Crime Directorate, East Area (demo)"
) -> Any:
    data = {
        "name": "Sam Reid",
        "email": email,
        "organisation_id": str(_org_id(db, org)),
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "_csrf_token": _csrf(client, "/register/buyer"),
    }
    return client.post("/register/buyer", data=data)


def _sign_in(client: Any, email: str, password: str) -> Any:
    data = {"email": email, "password": password, "_csrf_token": _csrf(client, "/login")}
    return client.post("/login", data=data, follow_redirects=False)


def _verify(client: Any, db: Any, email: str) -> Any:
    with Session(db.engine) as s:
        body = s.execute(select(OutboxEmail.body).where(OutboxEmail.to_address == email)).scalars().all()[-1]
    token = re.search(r"/verify-email\?token=([\w-]+)", body)
    assert token
    return client.post("/verify-email", data={"token": token.group(1), "_csrf_token": _csrf(client, "/login")})


def _decide(client: Any, db: Any, decision: str) -> Any:
    with Session(db.engine) as s:
        uid = s.execute(select(User.id).where(User.email == NEWCOMER)).scalar_one()
    data = {"decision": decision, "_csrf_token": _csrf(client, "/members/pending")}
    return client.post(f"/members/{uid}/decision", data=data, follow_redirects=False)


@pytest.mark.parametrize(
    ("email", "allowed"),
    [
        ("a@police.uk", True),
        ("a@scotland.police.uk", True),
        ("a@POLICE.UK", True),
        ("a@notpolice.uk", False),
        ("a@police.uk.evil.example", False),
        ("a@gov.scot", True),
        ("a@example.com", False),
    ],
)
def test_allow_listed_domains_include_subdomains(email: str, allowed: bool) -> None:
    assert domain_allowed(email, ("police.uk", "gov.scot")) is allowed


def test_an_address_outside_the_allow_list_is_refused(buyer_client: Any, db: Any) -> None:
    resp = _register(buyer_client, db, email="sam@gmail.example")
    assert resp.status_code == 400 and "Use your work email address" in resp.text
    with Session(db.engine) as s:
        assert s.execute(select(User).where(User.email == "sam@gmail.example")).first() is None


def test_the_page_says_when_buyer_registration_is_closed(client: Any) -> None:
    assert "Buyer registration is not open" in client.get("/register/buyer").text
    assert 'href="/register/buyer"' in client.get("/login").text


def test_register_verify_approve_then_sign_in(buyer_client: Any, db: Any) -> None:
    resp = _register(buyer_client, db)
    assert resp.status_code == 200 and "Check your email" in resp.text
    # Before the address is confirmed: no sign-in, and the reason in words.
    refused = _sign_in(buyer_client, NEWCOMER, PASSWORD)
    assert refused.status_code == 403 and "Confirm your email address first" in refused.text
    verified = _verify(buyer_client, db, NEWCOMER)
    assert verified.status_code == 200 and "approve your request" in verified.text
    refused = _sign_in(buyer_client, NEWCOMER, PASSWORD)
    assert (
        refused.status_code == 403
        and "waiting for approval" in refused.text
        and "Scottish Crime Directorate" in refused.text
    )
    api = buyer_client.post("/api/v1/auth/token", json={"email": NEWCOMER, "password": PASSWORD})
    assert api.status_code == 403  # the API door too
    with Session(db.engine) as s:  # the organisation's capability lead was asked
        asked = s.execute(select(OutboxEmail.to_address).where(OutboxEmail.subject.contains("asks to join"))).scalars()  # type: ignore[attr-defined]
        assert "lead@scdea.example" in set(asked)
    # Another organisation's lead neither sees nor decides the request.
    assert _sign_in(buyer_client, "lead@nwrocu.example", DEMO_PASSWORD).status_code in (302, 303)
    assert NEWCOMER not in buyer_client.get("/members/pending").text
    assert _decide(buyer_client, db, "approve").status_code == 403
    buyer_client.post("/logout", data={"_csrf_token": _csrf(buyer_client, "/")})
    # The organisation's lead approves.
    assert _sign_in(buyer_client, "lead@scdea.example", DEMO_PASSWORD).status_code in (302, 303)
    assert NEWCOMER in buyer_client.get("/members/pending").text
    assert _decide(buyer_client, db, "approve").status_code in (302, 303)
    buyer_client.post("/logout", data={"_csrf_token": _csrf(buyer_client, "/")})
    signed_in = _sign_in(buyer_client, NEWCOMER, PASSWORD)
    assert signed_in.status_code in (302, 303)
    with Session(db.engine) as s:
        user = s.execute(select(User).where(User.email == NEWCOMER)).scalar_one()
        assert (user.role, user.organisation_id, user.awaiting_approval) == (
            "procurement_officer",
            _org_id(db, "Scottish Crime Directorate, East Area (demo)"),
            False,
        )


def test_a_declined_member_cannot_sign_in(buyer_client: Any, db: Any) -> None:
    _register(buyer_client, db)
    _verify(buyer_client, db, NEWCOMER)
    assert _sign_in(buyer_client, "admin@registry.example", DEMO_PASSWORD).status_code in (302, 303)
    assert _decide(buyer_client, db, "decline").status_code in (302, 303)
    buyer_client.post("/logout", data={"_csrf_token": _csrf(buyer_client, "/")})
    assert _sign_in(buyer_client, NEWCOMER, PASSWORD).status_code == 400


def test_an_existing_address_gets_the_same_answer_and_an_email(buyer_client: Any, db: Any) -> None:
    with Session(db.engine) as s:  # a real account on an allowed domain
        user = s.execute(select(User).where(User.email == "buyer@scdea.example")).scalar_one()
        user.email = "kirsty@police.uk"
        s.commit()
    taken = _register(buyer_client, db, email="kirsty@police.uk")
    new = _register(buyer_client, db)
    assert taken.status_code == new.status_code == 200
    assert taken.text.replace("kirsty@police.uk", "X") == new.text.replace(NEWCOMER, "X")
    with Session(db.engine) as s:
        subjects = s.execute(select(OutboxEmail.subject).where(OutboxEmail.to_address == "kirsty@police.uk")).scalars()
        assert list(subjects) == ["Someone tried to register with your email address"]
