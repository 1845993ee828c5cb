"""Helpers for the door tests: each rule is tried through the page, the API and the CLI, and
every door must give the same outcome. The `db`, `client` and `auth` fixtures are the suite's
own (tests/conftest.py): fresh demo data on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.tools.models import Tool
from tests.conftest import DEMO_PASSWORD, USERS, DBHandle


def csrf(client: Any, path: str = "/register") -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client: Any, who: str) -> str:
    """Sign the page client in as a demo user; returns a CSRF token for its forms."""
    client.cookies.clear()
    resp = client.post(
        "/login",
        data={"email": USERS[who], "password": DEMO_PASSWORD, "_csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert resp.status_code in (302, 303), resp.text[:300]
    return csrf(client)


def page_errors(page: str) -> list[str]:
    """The error messages a page shows beside its fields."""
    return [unescape(m.strip()) for m in re.findall(r'govuk-error-message">.*?</span>(.*?)</p>', page, re.S)]


def summary_errors(page: str) -> list[str]:
    """The messages in a page's error summary (also for problems that have no field on the form)."""
    block = re.search(r'govuk-error-summary__list">(.*?)</ul>', page, re.S)
    items = re.findall(r"<li>(.*?)</li>", block.group(1), re.S) if block else []
    return [unescape(re.sub(r"<[^>]+>", "", m).strip()) for m in items]


def api_errors(resp: Any) -> dict[str, str]:
    """field -> message from an RFC 9457 problem body."""
    assert resp.headers["content-type"].startswith("application/problem+json"), resp.text
    return {e["field"]: e["message"] for e in resp.json().get("errors") or []}


def status_of(db: DBHandle, tool_id: int) -> str:
    with Session(db.engine) as s:
        tool = s.get(Tool, tool_id)
        assert tool is not None
        return tool.status


def tool_named(db: DBHandle, name: str) -> Tool:
    with Session(db.engine) as s:
        return s.execute(select(Tool).where(Tool.name == name)).scalar_one()


CliResult = Any


@pytest.fixture
def cli(db: DBHandle, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., CliResult]:
    """cli("import", "suppliers", path) runs `socreg` against the test database."""
    from typer.testing import CliRunner

    from registry.cli import app as cli_app

    monkeypatch.setenv("DATABASE_URL", db.url)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))

    def run(*args: Any) -> CliResult:
        return CliRunner().invoke(cli_app, [str(a) for a in args])

    return run
