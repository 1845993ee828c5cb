"""Browser sessions end: sign-out (a copied cookie stops working), sign out everywhere (page and
API), idle and absolute timeouts, deactivation; last-seen writes at most once a minute; private
responses are not cached; HSTS behind TLS."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import time_machine
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.accounts.models import User, UserSession
from registry.shortlists.models import Shortlist
from tests.conftest import DEMO_PASSWORD, USERS, DBHandle, make_settings

LEAD = USERS["lead_a"]
PRIVATE_PAGES = (
    "/account",
    "/assessments",
    "/requirements",
    "/shortlists",
    "/reports",
    "/inventory",
    "/workforce",
    "/notifications",
    "/evaluations",
)


def csrf_from(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def sign_in(browser: Any, email: str = LEAD) -> None:
    token = csrf_from(browser.get("/login").text)
    resp = browser.post(
        "/login",
        data={"email": email, "password": DEMO_PASSWORD, "_csrf_token": token, "next": "/account"},
        follow_redirects=False,
    )
    assert resp.status_code in (302, 303), resp.text
    assert browser.get("/account").status_code == 200


def signed_in(browser: Any, path: str = "/account") -> bool:
    resp = browser.get(path, follow_redirects=False)
    if resp.status_code in (302, 303):
        assert resp.headers["location"].startswith("/login"), resp.headers["location"]
        return False
    assert resp.status_code == 200, (path, resp.status_code)
    return True


def copy_cookies(source: Any, target: Any) -> None:
    for cookie in source.cookies.jar:
        target.cookies.set(cookie.name, cookie.value, domain=cookie.domain, path=cookie.path)


@contextmanager
def browsers(app: Any, count: int) -> Iterator[list[Any]]:
    """Separate browsers (cookie jars) on one app, closed in reverse order."""
    with ExitStack() as stack:
        yield [stack.enter_context(TestClient(app=app)) for _ in range(count)]


def shortlist_count(db: DBHandle) -> int:
    with Session(db.engine) as s:
        return int(s.execute(select(func.count()).select_from(Shortlist)).scalar_one())


def test_a_copied_cookie_stops_working_after_sign_out_in_every_worker(app: Any, db: DBHandle, tmp_path: Path) -> None:
    from registry.app import create_app
    from registry.db import make_engine

    # The copy is used against a second worker: its own app and connection pool, same database.
    other_engine = make_engine(db.url)
    other_worker = create_app(make_settings(db.url, tmp_path), engine=other_engine)
    try:
        with browsers(app, 1) as (mine,), TestClient(app=other_worker) as thief:
            sign_in(mine)
            form_token = csrf_from(mine.get("/shortlists").text)
            copy_cookies(mine, thief)
            assert signed_in(thief, "/requirements")  # the copy works while the session lives

            resp = mine.post("/logout", data={"_csrf_token": form_token}, follow_redirects=False)
            assert resp.status_code in (302, 303)
            assert not signed_in(mine)

            # The copy was taken before sign-out: it must be dead too, for reading and for writing.
            assert not signed_in(thief, "/requirements")
            assert not signed_in(thief, "/account")
    finally:
        other_engine.dispose()


def test_a_cookie_copied_before_sign_out_cannot_write_even_with_its_csrf_token(app: Any, db: DBHandle) -> None:
    with browsers(app, 2) as (mine, thief):
        sign_in(mine)
        form_token = csrf_from(mine.get("/shortlists").text)
        copy_cookies(mine, thief)  # session and CSRF cookies, as they were before sign-out
        mine.post("/logout", data={"_csrf_token": form_token})
        before = shortlist_count(db)
        resp = thief.post(
            "/shortlists", data={"name": "Written after sign-out", "_csrf_token": form_token}, follow_redirects=False
        )
        assert resp.status_code in (302, 303) and resp.headers["location"].startswith("/login")
        assert shortlist_count(db) == before
        with Session(db.engine) as s:
            ended = s.execute(select(UserSession)).scalars().all()
            assert ended and all(r.ended_at is not None for r in ended)


def test_sign_out_everywhere_on_the_account_page_ends_other_browsers(app: Any) -> None:
    with browsers(app, 3) as (laptop, phone, other_user):
        sign_in(laptop)
        sign_in(phone)
        sign_in(other_user, USERS["buyer_a"])
        page = laptop.get("/account")
        assert "Sign out everywhere" in page.text
        confirm = laptop.get("/account/sign-out-everywhere")  # asked first, on its own page
        assert "Are you sure you want to sign out everywhere?" in confirm.text and signed_in(phone)
        resp = laptop.post(
            "/account/sign-out-everywhere", data={"_csrf_token": csrf_from(confirm.text)}, follow_redirects=False
        )
        assert resp.status_code in (302, 303) and resp.headers["location"] == "/login"
        assert not signed_in(phone)
        assert not signed_in(laptop)
        assert signed_in(other_user)  # someone else's sessions are untouched
        sign_in(phone)  # signing in again still works
        assert signed_in(phone)


def test_sign_out_everywhere_through_the_api(app: Any, client: Any, auth: Any) -> None:
    with browsers(app, 1) as (browser,):
        sign_in(browser)
        resp = client.post("/api/v1/auth/sign-out-everywhere", headers=auth("lead_a"))
        assert resp.status_code == 200 and resp.json() == {"ended": 1}
        assert not signed_in(browser)
        # The API token itself keeps working: sign-out-everywhere is about browsers.
        assert client.get("/api/v1/auth/me", headers=auth("lead_a")).json()["email"] == LEAD
        assert client.post("/api/v1/auth/sign-out-everywhere").status_code == 401


def test_admins_sign_other_people_out_and_others_may_not(app: Any, client: Any, auth: Any) -> None:
    with browsers(app, 1) as (browser,):
        sign_in(browser)
        me = client.get("/api/v1/auth/me", headers=auth("lead_a")).json()["user_id"]
        refused = client.post(f"/api/v1/users/{me}/sign-out-everywhere", headers=auth("buyer_b"))
        assert refused.status_code == 403
        assert signed_in(browser)
        ok = client.post(f"/api/v1/users/{me}/sign-out-everywhere", headers=auth("admin"))
        assert ok.status_code == 200 and ok.json()["ended"] == 1
        assert not signed_in(browser)


def test_idle_timeout_ends_an_unused_session_and_use_keeps_it_alive(app: Any) -> None:
    start = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock, browsers(app, 1) as (browser,):
        sign_in(browser)
        for _ in range(4):  # used every 25 minutes for 100 minutes: still signed in
            clock.shift(timedelta(minutes=25))
            assert signed_in(browser)
        clock.shift(timedelta(minutes=31))  # then 31 idle minutes (default timeout 30)
        assert not signed_in(browser)


def test_idle_timeout_is_a_setting(db: DBHandle, tmp_path: Path) -> None:
    from registry.app import create_app

    settings = dataclasses.replace(make_settings(db.url, tmp_path), idle_timeout_minutes=5)
    start = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock, TestClient(create_app(settings, engine=db.engine)) as b:
        sign_in(b)
        clock.shift(timedelta(minutes=4))
        assert signed_in(b)
        clock.shift(timedelta(minutes=6))
        assert not signed_in(b)


def test_absolute_lifetime_ends_even_a_busy_session(app: Any) -> None:
    start = datetime(2026, 12, 4, 7, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock, browsers(app, 1) as (browser,):
        sign_in(browser)
        for _ in range(35):  # a request every 20 minutes: 11 h 40 min, never idle
            clock.shift(timedelta(minutes=20))
            assert signed_in(browser)
        clock.shift(timedelta(minutes=21))  # 12 h 1 min after sign-in
        assert not signed_in(browser)
        sign_in(browser)  # a fresh sign-in starts a fresh lifetime
        assert signed_in(browser)


def test_last_seen_is_written_at_most_once_a_minute(app: Any, db: DBHandle) -> None:
    start = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)

    def last_seen() -> datetime:
        with Session(db.engine) as s:
            return s.execute(select(UserSession.last_seen_at)).scalar_one()

    with time_machine.travel(start, tick=False) as clock, browsers(app, 1) as (browser,):
        sign_in(browser)
        first = last_seen()
        for _ in range(5):
            clock.shift(timedelta(seconds=10))
            assert signed_in(browser)
        assert last_seen() == first  # 50 seconds of requests: no write
        clock.shift(timedelta(seconds=15))
        assert signed_in(browser)
        assert last_seen() == start + timedelta(seconds=65)


def test_deactivating_a_user_ends_sessions_and_tokens_for_good(app: Any, client: Any, auth: Any, db: DBHandle) -> None:
    with browsers(app, 1) as (browser,):
        sign_in(browser, USERS["buyer_a"])
        token = auth("buyer_a")
        uid = client.get("/api/v1/auth/me", headers=token).json()["user_id"]
        assert client.post(f"/api/v1/users/{uid}/deactivate", headers=auth("lead_a")).status_code == 403
        resp = client.post(f"/api/v1/users/{uid}/deactivate", headers=auth("admin"))
        assert resp.status_code == 200 and resp.json()["active"] is False
        assert not signed_in(browser)
        assert client.get("/api/v1/auth/me", headers=token).json()["authenticated"] is False
        # Switching the account back on revives neither the old session nor the old token.
        with Session(db.engine) as s:
            user = s.get(User, uid)
            assert user is not None
            user.active = True
            s.commit()
        assert client.get("/api/v1/auth/me", headers=token).json()["authenticated"] is False
        copy = browser.cookies.get("socreg_session")
        assert copy is None or not signed_in(browser)


def test_private_pages_are_not_stored_and_public_pages_keep_their_caching(app: Any, client: Any, auth: Any) -> None:
    for path in ("/", "/search", "/login"):
        assert "no-store" not in client.get(path).headers.get("cache-control", "")
    with browsers(app, 1) as (browser,):
        sign_in(browser)
        for path in PRIVATE_PAGES:
            resp = browser.get(path)
            assert resp.status_code == 200, path
            assert "no-store" in resp.headers.get("cache-control", ""), path
    resp = client.get("/api/v1/requirements", headers=auth("lead_a"))
    assert resp.status_code == 200 and "no-store" in resp.headers.get("cache-control", "")
    assert "strict-transport-security" not in resp.headers  # not behind TLS in this set-up


def test_hsts_when_secure_cookies_are_on(db: DBHandle, tmp_path: Path) -> None:
    from registry.app import create_app

    settings = dataclasses.replace(make_settings(db.url, tmp_path), secure_cookies=True)
    with TestClient(create_app(settings, engine=db.engine)) as c:
        for path in ("/", "/api/v1/tools", "/no-such-page"):
            assert c.get(path).headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
