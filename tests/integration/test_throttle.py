"""Sign-in throttling: failures counted per account and per client address in a sliding window
(registry/accounts/throttle.py), cleared by a success, atomic under concurrency, with
Retry-After on every 429; the client address behind trusted proxies
(registry/web/client_address.py)."""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.accounts.models import ThrottleEvent
from registry.accounts.services import authenticate
from registry.app import create_app
from registry.db import session_scope
from registry.errors import TooManyRequests
from registry.web.client_address import client_address
from tests.conftest import DEMO_PASSWORD, make_settings

BUYER = "buyer@scdea.example"
OTHERS = ["lead@nwrocu.example", "admin@registry.example", "moderator@registry.example", "lead@scdea.example"]


def _client(db: Any, tmp_path: Any, **overrides: Any) -> TestClient[Any]:
    """A client whose connection comes from the address in the X-Test-Peer header (the test
    client's own is the name "testclient"), so proxies can be trusted or not."""
    app = create_app(replace(make_settings(db.url, tmp_path), **overrides), engine=db.engine)
    inner = app.asgi_handler

    async def with_peer(scope: Any, receive: Any, send: Any) -> None:
        for name, value in scope.get("headers", []):
            if name == b"x-test-peer":
                scope["client"] = (value.decode(), 40000)
        await inner(scope, receive, send)

    app.asgi_handler = with_peer
    return TestClient(app=app)


def _token(client: Any, email: str, password: str, **headers: str) -> Any:
    return client.post("/api/v1/auth/token", json={"email": email, "password": password}, headers=headers)


def _age_events(db: Any, minutes: int) -> None:
    """Move every counted event back in time, as if `minutes` had passed."""
    with Session(db.engine) as s:
        for event in s.execute(select(ThrottleEvent)).scalars():
            event.at = event.at - timedelta(minutes=minutes)
        s.commit()


def _events(db: Any, key: str) -> int:
    with Session(db.engine) as s:
        return int(s.execute(select(func.count()).where(ThrottleEvent.key == key)).scalar_one())


def test_failures_on_four_accounts_do_not_lock_a_fifth(db: Any, tmp_path: Any) -> None:
    with _client(db, tmp_path) as c:
        for email in [*OTHERS, OTHERS[0]]:  # five failures from one address over four accounts
            assert _token(c, email, "wrong password!").status_code == 401
        assert _token(c, BUYER, DEMO_PASSWORD).status_code == 201


def test_an_account_locks_after_five_failures_with_retry_after(db: Any, tmp_path: Any) -> None:
    with _client(db, tmp_path) as c:
        for _ in range(5):
            assert _token(c, BUYER, "wrong password!").status_code == 401
        resp = _token(c, BUYER, DEMO_PASSWORD)
        assert resp.status_code == 429
        assert resp.headers["content-type"].startswith("application/problem+json")
        wait = int(resp.headers["retry-after"])
        assert 0 < wait <= 15 * 60


def test_failures_decay_out_of_the_window(db: Any, tmp_path: Any) -> None:
    with _client(db, tmp_path) as c:
        for _ in range(5):
            _token(c, BUYER, "wrong password!")
        assert _token(c, BUYER, DEMO_PASSWORD).status_code == 429
        _age_events(db, 16)  # the window is 15 minutes
        assert _token(c, BUYER, DEMO_PASSWORD).status_code == 201


def test_four_guesses_an_hour_never_lock_the_account(db: Any, tmp_path: Any) -> None:
    with _client(db, tmp_path) as c:
        for _ in range(12):  # three hours of a guess every 15 minutes
            assert _token(c, BUYER, "wrong password!").status_code == 401
            _age_events(db, 15)
        assert _token(c, BUYER, DEMO_PASSWORD).status_code == 201
        assert _events(db, f"signin-email:{BUYER}") == 0  # aged-out events are pruned, then cleared


def test_a_success_clears_the_address_count(db: Any, tmp_path: Any) -> None:
    with _client(db, tmp_path, signin_max_ip_failures=5) as c:
        peer = {"x-test-peer": "198.51.100.7"}
        for email in OTHERS:
            assert _token(c, email, "wrong password!", **peer).status_code == 401
        assert _events(db, "signin-ip:198.51.100.7") == 4
        assert _token(c, BUYER, DEMO_PASSWORD, **peer).status_code == 201
        assert _events(db, "signin-ip:198.51.100.7") == 0
        for email in OTHERS:  # four more failures are allowed again
            assert _token(c, email, "wrong password!", **peer).status_code == 401


def test_the_sign_in_page_answers_429_with_retry_after(db: Any, tmp_path: Any) -> None:
    with _client(db, tmp_path) as c:
        for _ in range(5):
            _token(c, BUYER, "wrong password!")
        page = c.get("/login")
        csrf = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
        assert csrf
        resp = c.post("/login", data={"email": BUYER, "password": DEMO_PASSWORD, "_csrf_token": csrf.group(1)})
        assert resp.status_code == 429 and "Too many failed sign-in attempts" in resp.text
        assert int(resp.headers["retry-after"]) > 0


def test_retry_after_is_declared_in_openapi(client: Any) -> None:
    spec = client.get("/schema/openapi.json").json()
    response = spec["paths"]["/api/v1/auth/token"]["post"]["responses"]["429"]
    assert response["headers"]["Retry-After"]["schema"]["type"] == "integer"


def test_concurrent_wrong_passwords_get_exactly_five_guesses(db: Any) -> None:
    """30 wrong passwords at once on one account: the counter is checked and counted under a
    row lock, so exactly five reach the password check and the rest are refused."""
    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(30)

    def attempt(i: int) -> None:
        start.wait()
        try:
            with session_scope(db.engine, write=True) as session:
                result = authenticate(session, BUYER, "wrong password!", f"203.0.113.{i}")
            outcome = "checked" if result is None else "signed in"
        except TooManyRequests:
            outcome = "refused"
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            outcome = f"error {type(exc).__name__}: {exc}"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(set(outcomes)) == ["checked", "refused"], outcomes
    assert outcomes.count("checked") == 5, outcomes
    assert _events(db, f"signin-email:{BUYER}") == 5


# --- the client address -----------------------------------------------------------------------


def test_forwarded_for_is_ignored_from_an_untrusted_peer(db: Any, tmp_path: Any) -> None:
    with _client(db, tmp_path, trusted_proxies=("10.0.0.0/8",), signin_max_ip_failures=3) as c:
        for i, email in enumerate(OTHERS[:3]):  # a new spoofed address each time
            spoofed = {"x-test-peer": "192.0.2.50", "x-forwarded-for": f"198.51.100.{i}"}
            assert _token(c, email, "wrong password!", **spoofed).status_code == 401
        assert _events(db, "signin-ip:192.0.2.50") == 3
        resp = _token(c, BUYER, DEMO_PASSWORD, **{"x-test-peer": "192.0.2.50", "x-forwarded-for": "198.51.100.9"})
        assert resp.status_code == 429


def test_forwarded_for_names_the_client_behind_a_trusted_proxy(db: Any, tmp_path: Any) -> None:
    with _client(db, tmp_path, trusted_proxies=("10.0.0.0/8",), signin_max_ip_failures=3) as c:
        via_proxy = {"x-test-peer": "10.1.2.3", "x-forwarded-for": "6.6.6.6, 198.51.100.20, 10.9.9.9"}
        for email in OTHERS[:3]:
            assert _token(c, email, "wrong password!", **via_proxy).status_code == 401
        # Rightmost untrusted hop: 198.51.100.20 (6.6.6.6 could have been typed by the client).
        assert _events(db, "signin-ip:198.51.100.20") == 3
        assert _events(db, "signin-ip:10.1.2.3") == 0
        other_user = {"x-test-peer": "10.1.2.3", "x-forwarded-for": "198.51.100.21"}
        assert _token(c, BUYER, DEMO_PASSWORD, **other_user).status_code == 201  # not locked with the first


@pytest.mark.parametrize(
    ("peer", "header", "trusted", "expected"),
    [
        ("203.0.113.5", ["1.2.3.4"], (), "203.0.113.5"),
        ("203.0.113.5", ["1.2.3.4"], ("10.0.0.0/8",), "203.0.113.5"),
        ("10.0.0.1", ["1.2.3.4"], ("10.0.0.0/8",), "1.2.3.4"),
        ("10.0.0.1", ["9.9.9.9, 1.2.3.4", "10.0.0.2"], ("10.0.0.0/8",), "1.2.3.4"),
        ("10.0.0.1", ["10.0.0.3, 10.0.0.2"], ("10.0.0.0/8",), "10.0.0.3"),
        ("10.0.0.1", [], ("10.0.0.0/8",), "10.0.0.1"),
        ("10.0.0.1", ["not-an-ip"], ("10.0.0.0/8",), "10.0.0.1"),
        ("::1", ["2001:db8::7"], ("::1/128",), "2001:db8::7"),
    ],
)
def test_client_address_rules(peer: str, header: list[str], trusted: tuple[str, ...], expected: str) -> None:
    assert client_address(peer, header, trusted) == expected


def test_a_bad_trusted_proxy_entry_is_named() -> None:
    with pytest.raises(ValueError, match="not-a-range"):
        client_address("10.0.0.1", [], ("not-a-range",))
