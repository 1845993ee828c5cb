"""Password reset through the e-mail outbox (registry/accounts/password_reset.py): the same
answer for unknown addresses, a time-limited single-use link stored only as a hash, and a reset
that ends the cookies signed in with the old password."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.accounts import password_reset
from registry.accounts.models import OneTimeToken, User
from registry.accounts.security import hash_token
from registry.notifications.models import OutboxEmail
from tests.conftest import DEMO_PASSWORD

BUYER = "buyer@scdea.example"
NEW_PASSWORD = "a brand new passphrase"


def _csrf(client: Any, path: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', client.get(path).text)
    assert match, path
    return match.group(1)


def _mails(db: Any, to: str) -> list[OutboxEmail]:
    with Session(db.engine) as s:
        return list(s.execute(select(OutboxEmail).where(OutboxEmail.to_address == to)).scalars())


def _ask(client: Any, email: str) -> Any:
    return client.post("/forgot-password", data={"email": email, "_csrf_token": _csrf(client, "/forgot-password")})


def _link_token(db: Any, email: str) -> str:
    mails = [m for m in _mails(db, email) if m.subject == "Reset your password"]
    assert mails, "no reset e-mail"
    match = re.search(r"/reset-password\?token=([\w-]+)", mails[-1].body)
    assert match
    return match.group(1)


def _reset(client: Any, token: str, password: str = NEW_PASSWORD, confirm: str | None = None) -> Any:
    csrf = _csrf(client, "/login")
    data = {"token": token, "password": password, "password_confirm": confirm or password, "_csrf_token": csrf}
    return client.post("/reset-password", data=data, follow_redirects=False)


def _sign_in(client: Any, email: str, password: str) -> Any:
    csrf = _csrf(client, "/login")
    return client.post(
        "/login", data={"email": email, "password": password, "_csrf_token": csrf}, follow_redirects=False
    )


def test_sign_in_page_links_to_forgotten_password(client: Any) -> None:
    assert 'href="/forgot-password"' in client.get("/login").text


def test_the_answer_is_the_same_for_unknown_addresses(client: Any, db: Any) -> None:
    known, unknown = _ask(client, BUYER), _ask(client, "nobody@scdea.example")
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace(BUYER, "X") == unknown.text.replace("nobody@scdea.example", "X")
    assert len(_mails(db, BUYER)) == 1 and _mails(db, "nobody@scdea.example") == []


def test_a_reset_link_works_once_and_changes_the_password(client: Any, db: Any) -> None:
    _ask(client, BUYER)
    token = _link_token(db, BUYER)
    with Session(db.engine) as s:  # only the hash is stored
        row = s.execute(select(OneTimeToken).where(OneTimeToken.purpose == "reset_password")).scalar_one()
        assert row.token_hash == hash_token(token) and token not in row.token_hash
    assert "Choose a new password" in client.get(f"/reset-password?token={token}").text
    resp = _reset(client, token)
    assert resp.status_code in (302, 303) and resp.headers["location"] == "/login"
    assert _sign_in(client, BUYER, DEMO_PASSWORD).status_code == 400
    assert _sign_in(client, BUYER, NEW_PASSWORD).status_code in (302, 303)
    again = _reset(client, token, "yet another passphrase")
    assert again.status_code == 400 and "expired or has already been used" in again.text


def test_an_expired_link_is_refused(client: Any, db: Any) -> None:
    _ask(client, BUYER)
    token = _link_token(db, BUYER)
    with Session(db.engine) as s:
        row = s.execute(select(OneTimeToken).where(OneTimeToken.token_hash == hash_token(token))).scalar_one()
        row.expires_at = row.expires_at - timedelta(hours=2)
        s.commit()
    assert client.get(f"/reset-password?token={token}").status_code == 400
    resp = _reset(client, token)
    assert resp.status_code == 400 and "This link has expired" in resp.text
    assert _sign_in(client, BUYER, DEMO_PASSWORD).status_code in (302, 303)  # password unchanged


def test_a_short_password_is_a_form_error_and_keeps_the_link(client: Any, db: Any) -> None:
    _ask(client, BUYER)
    token = _link_token(db, BUYER)
    resp = _reset(client, token, "short")
    assert resp.status_code == 400 and "12 characters or more" in resp.text
    assert _reset(client, token).status_code in (302, 303)


def test_reset_ends_sessions_signed_in_with_the_old_password(client: Any, db: Any, app: Any) -> None:
    from litestar.testing import TestClient

    ended: list[int] = []
    password_reset.SESSION_ENDERS.append(lambda _s, uid: ended.append(uid))
    try:
        with TestClient(app=app) as other_browser:
            assert _sign_in(other_browser, BUYER, DEMO_PASSWORD).status_code in (302, 303)
            assert other_browser.get("/shortlists").status_code == 200
            _ask(client, BUYER)
            assert _reset(client, _link_token(db, BUYER)).status_code in (302, 303)
            # The old cookie carries a fragment of the old password hash: no longer signed in.
            resp = other_browser.get("/shortlists", follow_redirects=False)
            assert resp.status_code in (302, 303) and resp.headers["location"].startswith("/login")
    finally:
        password_reset.SESSION_ENDERS.clear()
    with Session(db.engine) as s:
        uid = s.execute(select(User.id).where(User.email == BUYER)).scalar_one()
    assert ended == [uid]  # the server-side session hook was called for this user


def test_reset_requests_are_rate_limited_per_address(client: Any) -> None:
    for _ in range(5):
        assert _ask(client, "nobody@scdea.example").status_code == 200
    resp = _ask(client, "nobody@scdea.example")
    assert resp.status_code == 429 and int(resp.headers["retry-after"]) > 0
