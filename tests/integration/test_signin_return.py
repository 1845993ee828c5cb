"""Signing in keeps the journey: the full return address (path and query string, local paths
only: registry/web/return_to.py) and the compare basket gathered while signed out."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.tools.models import Tool
from registry.web.return_to import safe_next
from tests.conftest import DEMO_PASSWORD

LEAD = "lead@nwrocu.example"


def _csrf(client: Any, path: str = "/login") -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', client.get(path).text)
    assert match, path
    return match.group(1)


def _sign_in(client: Any, next_value: str | None = None) -> Any:
    data = {"email": LEAD, "password": DEMO_PASSWORD, "_csrf_token": _csrf(client)}
    if next_value is not None:
        data["next"] = next_value
    return client.post("/login", data=data, follow_redirects=False)


def test_a_private_link_returns_with_its_query_string(client: Any) -> None:
    target = "/reports/new?kind=procurement&source_id=abc"
    resp = client.get(target, follow_redirects=False)
    assert resp.status_code in (302, 303)
    assert resp.headers["location"] == "/login?next=" + quote(target, safe="")
    form = client.get(resp.headers["location"]).text
    hidden = re.search(r'name="next" value="([^"]+)"', form)
    assert hidden and hidden.group(1).replace("&amp;", "&") == target
    done = _sign_in(client, hidden.group(1).replace("&amp;", "&"))
    assert done.headers["location"] == target
    assert "Unknown report kind" not in client.get(target).text


def test_the_header_sign_in_link_carries_the_return_address(client: Any) -> None:
    html = client.get("/search?q=forensics&page=2").text
    link = re.search(r'href="(/login[^"]*)" class="govuk-header__link"', html)
    assert link and link.group(1).replace("&amp;", "&") == "/login?next=/search%3Fq%3Dforensics%26page%3D2"
    assert 'href="/login" class="govuk-header__link"' in client.get("/login").text  # no return to itself


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "evil.example",
        "",
    ],
)
def test_only_local_paths_are_returned_to(client: Any, target: str) -> None:
    assert safe_next(target) == "/"
    assert _sign_in(client, target).headers["location"] == "/"


def test_the_compare_basket_survives_signing_in(client: Any, db: Any) -> None:
    with Session(db.engine) as s:
        tools = list(s.execute(select(Tool).where(Tool.status == "published").order_by(Tool.id).limit(2)).scalars())
    for tool in tools:
        resp = client.post(
            "/compare/basket", data={"add": str(tool.id), "next": "/compare", "_csrf_token": _csrf(client, "/login")}
        )
        assert resp.status_code == 200
    before = client.get("/compare").text
    assert all(t.name in before for t in tools) and "Sign in</a> to save these tools" in before
    assert _sign_in(client, "/compare").headers["location"] == "/compare"
    after = client.get("/compare").text
    assert "Sign out" in after
    assert all(t.name in after for t in tools)
