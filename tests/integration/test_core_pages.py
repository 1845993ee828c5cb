"""Core pages: home counts, sign-in page, and every link in the shared header and footer works."""

from __future__ import annotations

import re
from typing import Any


def test_home_shows_live_counts(client: Any) -> None:
    page = client.get("/")
    assert page.status_code == 200
    tools = client.get("/api/v1/tools", params={"per_page": 1}).json()["total"]
    assert f"Search {tools} published tools" in page.text


def test_every_header_and_footer_link_resolves(client: Any) -> None:
    page = client.get("/").text
    links = set(re.findall(r'href="(/[^"#?]*)"', page))
    links = {href for href in links if not href.startswith("/static/")}
    assert {"/accessibility", "/schema", "/search", "/login"} <= links
    for href in sorted(links):
        resp = client.get(href)
        assert resp.status_code == 200, (href, resp.status_code)
