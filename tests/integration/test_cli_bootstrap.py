"""A fresh database is made usable from the CLI alone: migrate, create the operator's
organisation, create the first admin, who can then sign in and work through the API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from registry.cli import app as cli_app
from registry.db import make_engine
from tests.conftest import BACKENDS, RUN_ID, _pg_admin, _pg_url, make_settings

PASSWORD = "first-admin-password-2026"
_n = iter(range(1_000_000))


@pytest.fixture(params=BACKENDS)
def blank_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: no tables, no rows (the CLI migrates it)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    name = f"socreg_boot_{RUN_ID}_{next(_n)}"
    with _pg_admin().connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield _pg_url(name)
    finally:
        with _pg_admin().connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def socreg(blank_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    monkeypatch.setenv("DATABASE_URL", blank_url)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))

    def run(*args: Any) -> Any:
        return CliRunner().invoke(cli_app, [str(a) for a in args])

    return run


def test_fresh_database_to_a_signed_in_admin(socreg: Any, blank_url: str, tmp_path: Path) -> None:
    assert socreg("db", "upgrade").exit_code == 0
    # No organisation yet: the CLI says what to do first.
    early = socreg("user", "create", "ada@registry.example", "--name", "Ada", "--admin", "--password", PASSWORD)
    assert early.exit_code == 1 and "socreg org create" in early.stderr

    made = socreg("org", "create", "--name", "Registry Operations", "--kind", "platform")
    assert made.exit_code == 0, made.output
    assert made.stdout.strip() == "Created organisation 1 (platform): Registry Operations"
    admin = socreg("user", "create", "Ada@Registry.example", "--name", "Ada Admin", "--admin", "--password", PASSWORD)
    assert admin.exit_code == 0, admin.output
    assert admin.stdout.strip() == "Created user 1 <ada@registry.example> (admin) in organisation 1"

    engine = make_engine(blank_url)
    try:
        with engine.connect() as conn:
            events = conn.execute(
                text("SELECT action, entity_type, entity_id, actor_label FROM audit_event ORDER BY id")
            ).all()
        assert [tuple(e) for e in events] == [
            ("create", "organisation", "1", "system"),
            ("create", "user", "1", "system"),
        ]
        from litestar.testing import TestClient

        from registry.app import create_app

        with TestClient(app=create_app(make_settings(blank_url, tmp_path), engine=engine)) as client:
            token = client.post("/api/v1/auth/token", json={"email": "ada@registry.example", "password": PASSWORD})
            assert token.status_code == 201, token.text
            headers = {"Authorization": f"Bearer {token.json()['token']}"}
            buyer = client.post("/api/v1/organisations", json={"name": "NW ROCU", "kind": "buyer"}, headers=headers)
            assert buyer.status_code == 201, buyer.text
            # The API and the CLI refuse the same bad organisation, naming the same field.
            api_bad = client.post("/api/v1/organisations", json={"name": "", "kind": "buyer"}, headers=headers)
            assert api_bad.status_code in (400, 422) and "name" in api_bad.text
    finally:
        engine.dispose()
    cli_bad = socreg("org", "create", "--name", "", "--kind", "buyer")
    assert cli_bad.exit_code == 1 and cli_bad.stderr.startswith("Error: Invalid input: name:")
    wrong_kind = socreg("org", "create", "--name", "X", "--kind", "government")
    assert wrong_kind.exit_code == 2 and "government" in wrong_kind.output and "Traceback" not in wrong_kind.output

    # Two organisations now: a user needs to say which.
    lead = socreg(
        "user", "create", "lead@nwrocu.example", "--name", "Lee", "--role", "capability_lead", "--password", PASSWORD
    )
    assert lead.exit_code == 1 and "several organisations" in lead.stderr
    lead = socreg(
        "user",
        "create",
        "lead@nwrocu.example",
        "--name",
        "Lee",
        "--role",
        "capability_lead",
        "--organisation-id",
        buyer.json()["id"],
        "--password",
        PASSWORD,
    )
    assert lead.exit_code == 0, lead.output
    listed = socreg("org", "list")
    assert listed.exit_code == 0
    assert [line.split()[:2] for line in listed.stdout.strip().splitlines()] == [["1", "platform"], ["2", "buyer"]]


def test_user_create_applies_the_services_password_rule(socreg: Any) -> None:
    assert socreg("db", "upgrade").exit_code == 0
    assert socreg("org", "create", "--name", "Ops", "--kind", "platform").exit_code == 0
    short = socreg("user", "create", "a@b.example", "--name", "A", "--admin", "--password", "short")
    assert short.exit_code == 1 and "password" in short.stderr and "12" in short.stderr
    clash = socreg(
        "user", "create", "a@b.example", "--name", "A", "--admin", "--role", "supplier", "--password", PASSWORD
    )
    assert clash.exit_code == 1 and "contradict" in clash.stderr
