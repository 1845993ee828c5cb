"""API tokens: listed with name, created, last used and expiry; revoked by their holder (API and
account page) or an admin, at once and in every worker; named and replaceable instead of piling
up on every sign-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import time_machine
from litestar.testing import TestClient

from registry.accounts.services import MAX_LIVE_TOKENS
from registry.db import make_engine
from tests.conftest import DEMO_PASSWORD, USERS, DBHandle, make_settings
from tests.integration.test_sessions import csrf_from, sign_in

LEAD = USERS["lead_a"]


def mint(client: Any, email: str = LEAD, **extra: Any) -> tuple[dict[str, str], dict[str, Any]]:
    resp = client.post("/api/v1/auth/token", json={"email": email, "password": DEMO_PASSWORD, **extra})
    assert resp.status_code == 201, resp.text
    body = resp.json()
    return {"Authorization": f"Bearer {body['token']}"}, body


def works(client: Any, headers: dict[str, str]) -> bool:
    """Whether the token still signs its holder in (a revoked one is plain anonymous; a
    private resource then answers 401)."""
    me = client.get("/api/v1/auth/me", headers=headers).json()["authenticated"]
    private = client.get("/api/v1/tokens", headers=headers).status_code
    assert private == (200 if me else 401)
    return bool(me)


def test_holders_list_their_own_tokens_with_dates_and_never_the_secret(client: Any) -> None:
    headers, body = mint(client, name="nightly export")
    mint(client, USERS["buyer_b"])
    assert body["name"] == "nightly export" and body["expires_at"]
    listed = client.get("/api/v1/tokens", headers=headers)
    assert listed.status_code == 200
    rows = listed.json()
    assert [r["name"] for r in rows] == ["nightly export"]  # not another user's
    row = rows[0]
    assert row["id"] == body["id"] and row["state"] == "active" and row["revoked_at"] is None
    created = datetime.fromisoformat(row["created_at"])
    expires = datetime.fromisoformat(row["expires_at"])
    assert timedelta(days=89) < expires - created <= timedelta(days=90)
    again = client.get("/api/v1/tokens", headers=headers).json()[0]
    assert again["last_used_at"] is not None  # the earlier request used it
    assert "token" not in row and body["token"] not in listed.text
    assert client.get("/api/v1/tokens").status_code == 401


def test_revoking_ones_own_token_works_at_once_in_every_worker(client: Any, db: DBHandle, tmp_path: Path) -> None:
    from registry.app import create_app

    headers, body = mint(client)
    other_headers, _ = mint(client)
    # A second worker: its own app and its own connection pool on the same database.
    other_engine = make_engine(db.url)
    try:
        with TestClient(create_app(make_settings(db.url, tmp_path), engine=other_engine)) as worker:
            assert works(worker, headers) and works(client, headers)
            resp = client.delete(f"/api/v1/tokens/{body['id']}", headers=headers)
            assert resp.status_code == 204
            assert not works(client, headers)
            assert not works(worker, headers)
            assert works(worker, other_headers)  # only that token
            listed = client.get("/api/v1/tokens", headers=other_headers).json()
            assert {r["id"]: r["state"] for r in listed}[body["id"]] == "revoked"
            assert client.delete(f"/api/v1/tokens/{body['id']}", headers=other_headers).status_code == 204
    finally:
        other_engine.dispose()


def test_someone_elses_token_is_not_found_unless_you_are_an_admin(client: Any, auth: Any) -> None:
    victim_headers, victim = mint(client, USERS["buyer_b"])
    resp = client.delete(f"/api/v1/tokens/{victim['id']}", headers=auth("lead_a"))
    assert resp.status_code == 404 and resp.headers["content-type"].startswith("application/problem+json")
    assert works(client, victim_headers)
    uid = victim["user_id"]
    assert client.get(f"/api/v1/users/{uid}/tokens", headers=auth("lead_a")).status_code == 403
    assert client.delete(f"/api/v1/users/{uid}/tokens", headers=auth("lead_a")).status_code == 403
    assert works(client, victim_headers)

    assert client.get(f"/api/v1/users/{uid}/tokens", headers=auth("admin")).json()[0]["id"] == victim["id"]
    assert client.delete(f"/api/v1/tokens/{victim['id']}", headers=auth("admin")).status_code == 204
    assert not works(client, victim_headers)


def test_admins_revoke_all_of_a_users_tokens(client: Any, auth: Any) -> None:
    first, body = mint(client, USERS["buyer_b"])
    second, _ = mint(client, USERS["buyer_b"], name="other")
    resp = client.delete(f"/api/v1/users/{body['user_id']}/tokens", headers=auth("admin"))
    assert resp.status_code == 200 and resp.json() == {"revoked": 2}
    assert not works(client, first) and not works(client, second)
    assert works(client, mint(client, USERS["buyer_b"])[0])  # a new sign-in still works


def test_replace_keeps_one_live_token_per_name(client: Any) -> None:
    old, old_body = mint(client, name="ci", replace=True)
    keep, _ = mint(client, name="laptop")
    new, new_body = mint(client, name="ci", replace=True)
    assert not works(client, old) and works(client, new) and works(client, keep)
    states = {r["id"]: r["state"] for r in client.get("/api/v1/tokens", headers=new).json()}
    assert states[old_body["id"]] == "revoked" and states[new_body["id"]] == "active"


def test_signing_in_again_and_again_does_not_pile_up_live_tokens(client: Any) -> None:
    minted = [mint(client) for _ in range(MAX_LIVE_TOKENS + 3)]
    newest_headers = minted[-1][0]
    live = [r for r in client.get("/api/v1/tokens", headers=newest_headers).json() if r["state"] == "active"]
    assert len(live) == MAX_LIVE_TOKENS
    assert not works(client, minted[0][0])  # the oldest went first
    assert works(client, minted[3][0])


def test_an_expired_token_is_shown_expired_and_refused(client: Any) -> None:
    headers, body = mint(client)
    with time_machine.travel(datetime.now(UTC) + timedelta(days=91), tick=False):
        assert not works(client, headers)
        fresh, _ = mint(client)
        states = {r["id"]: r["state"] for r in client.get("/api/v1/tokens", headers=fresh).json()}
        assert states[body["id"]] == "expired"


def test_last_used_is_recorded_at_most_once_a_minute(client: Any) -> None:
    start = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        headers, body = mint(client)

        def last_used() -> str:
            rows = client.get("/api/v1/tokens", headers=headers).json()
            return next(r["last_used_at"] for r in rows if r["id"] == body["id"])

        last_used()  # the first use is recorded
        first = last_used()
        assert datetime.fromisoformat(first) == start
        clock.shift(timedelta(seconds=30))
        assert last_used() == first
        clock.shift(timedelta(seconds=31))
        last_used()  # a minute on: this use is recorded (the answer shows the earlier one)
        assert datetime.fromisoformat(last_used()) == start + timedelta(seconds=61)


def test_the_account_page_lists_tokens_and_revokes_one(app: Any, client: Any) -> None:
    headers, body = mint(client, name="reporting script")
    with TestClient(app=app) as browser:
        sign_in(browser)
        page = browser.get("/account")
        assert "reporting script" in page.text and f'id="token-{body["id"]}"' in page.text
        assert f'href="/account/tokens/{body["id"]}/revoke"' in page.text
        confirm = browser.get(f"/account/tokens/{body['id']}/revoke")  # asked first, on its own page
        assert confirm.status_code == 200 and "Are you sure you want to revoke the API token" in confirm.text
        assert works(client, headers)  # asking revokes nothing
        resp = browser.post(
            f"/account/tokens/{body['id']}/revoke", data={"_csrf_token": csrf_from(confirm.text)}, follow_redirects=True
        )
        assert resp.status_code == 200 and "is revoked" in resp.text
        assert not works(client, headers)
        other, other_body = mint(client, USERS["buyer_b"])
        resp = browser.post(f"/account/tokens/{other_body['id']}/revoke", data={"_csrf_token": csrf_from(resp.text)})
        assert resp.status_code == 404
        assert browser.get(f"/account/tokens/{other_body['id']}/revoke").status_code == 404  # nor asked about
        assert works(client, other)
