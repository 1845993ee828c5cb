"""Security headers, cookies, CSRF, session rotation and login throttling on the pages."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import DEMO_PASSWORD


def _csrf_from(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, "form has no CSRF token"
    return match.group(1)


def test_security_headers_on_pages_and_api(client: Any) -> None:
    for path in ("/", "/login", "/api/v1/tools", "/no-such-page"):
        resp = client.get(path)
        csp = resp.headers["content-security-policy"]
        script_src = re.search(r"script-src ([^;]+)", csp)
        assert script_src and "'unsafe-inline'" not in script_src.group(1)
        assert "frame-ancestors 'none'" in csp
        assert resp.headers["x-content-type-options"] == "nosniff"
        assert resp.headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_forms_without_csrf_are_refused(client: Any) -> None:
    resp = client.post("/login", data={"email": "lead@nwrocu.example", "password": DEMO_PASSWORD})
    assert resp.status_code == 403
    assert "text/html" in resp.headers["content-type"]
    assert "Your form has expired" in resp.text


def test_login_sets_hardened_session_cookie_and_rotates_it(client: Any) -> None:
    page = client.get("/login")
    token = _csrf_from(page.text)
    before = client.cookies.get("socreg_session")
    resp = client.post(
        "/login",
        data={"email": "lead@nwrocu.example", "password": DEMO_PASSWORD, "_csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert resp.status_code in (302, 303)
    set_cookie = "; ".join(v for k, v in resp.headers.multi_items() if k == "set-cookie" and "socreg_session" in v)
    assert "HttpOnly" in set_cookie and "SameSite=lax" in set_cookie.replace("Lax", "lax")
    after = client.cookies.get("socreg_session")
    assert after and after != before
    home = client.get("/")
    assert "Sign out" in home.text


def test_open_redirect_is_refused(client: Any) -> None:
    token = _csrf_from(client.get("/login").text)
    resp = client.post(
        "/login",
        data={
            "email": "lead@nwrocu.example",
            "password": DEMO_PASSWORD,
            "_csrf_token": token,
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert resp.headers["location"] == "/"


def test_wrong_password_shows_form_error_then_throttles(client: Any) -> None:
    for _ in range(5):
        token = _csrf_from(client.get("/login").text)
        resp = client.post(
            "/login", data={"email": "buyer@scdea.example", "password": "not-the-password", "_csrf_token": token}
        )
        assert resp.status_code == 400 and "not right" in resp.text
    token = _csrf_from(client.get("/login").text)
    resp = client.post("/login", data={"email": "buyer@scdea.example", "password": DEMO_PASSWORD, "_csrf_token": token})
    assert resp.status_code == 429 and "Too many failed sign-in attempts" in resp.text
    assert int(resp.headers["retry-after"]) > 0


def test_secure_cookie_flag_behind_tls(db: Any, tmp_path: Any) -> None:
    from dataclasses import replace

    from litestar.testing import TestClient

    from registry.app import create_app
    from tests.conftest import make_settings

    app = create_app(replace(make_settings(db.url, tmp_path), secure_cookies=True), engine=db.engine)
    with TestClient(app=app, base_url="https://testserver.local") as c:
        token = _csrf_from(c.get("/login").text)
        resp = c.post(
            "/login",
            data={"email": "lead@nwrocu.example", "password": DEMO_PASSWORD, "_csrf_token": token},
            follow_redirects=False,
        )
        cookies = [v for k, v in resp.headers.multi_items() if k == "set-cookie" and "socreg_session" in v]
        assert cookies and all("Secure" in v for v in cookies)


def test_health_endpoints(client: Any) -> None:
    assert client.get("/health/live").json() == {"status": "ok"}
    assert client.get("/health/ready").json() == {"status": "ok"}
