"""Test databases: every test module gets a fresh, migrated, demo-seeded database, on SQLite
and (when TEST_POSTGRES_URL is set) again on PostgreSQL. PostgreSQL databases are cloned from a
per-run template, named with a run id, so parallel or repeated runs never collide."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from registry.app import wire
from registry.db import make_engine, upgrade
from registry.seed import load_demo
from registry.settings import Settings, normalise_database_url

wire()  # tests are an entry point like the app and the CLI: jobs and audit listeners registered

RUN_ID = uuid.uuid4().hex[:8]
DEMO_PASSWORD = "demo-password-2026"
PG_URL = os.environ.get("TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgres"] if PG_URL else [])


@dataclass
class DBHandle:
    backend: str
    url: str
    engine: Engine


def _pg_admin() -> Engine:
    return create_engine(normalise_database_url(PG_URL or ""), isolation_level="AUTOCOMMIT")


def _pg_url(dbname: str) -> str:
    base = normalise_database_url(PG_URL or "")
    return base.rsplit("/", 1)[0] + "/" + dbname


def _drop_run_databases() -> None:
    """Drop every database this run made: all are named socreg... with RUN_ID in them."""
    with _pg_admin().connect() as conn:
        names = conn.execute(
            text("SELECT datname FROM pg_database WHERE datname LIKE 'socreg%' AND strpos(datname, :run) > 0"),
            {"run": RUN_ID},
        ).scalars()
        for name in list(names):
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session", autouse=True)
def _no_databases_outlive_the_run() -> Iterator[None]:
    """Runs at the end of every session, passed or failed, even when a template failed to build
    (the templates fixture's own teardown never runs if its set-up raised)."""
    yield
    if PG_URL:
        _drop_run_databases()


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Build each backend's migrated + seeded template once per run."""
    out: dict[str, str] = {}
    created: list[str] = []
    sqlite_path = tmp_path_factory.mktemp("tpl") / "template.sqlite3"
    url = f"sqlite:///{sqlite_path}"
    upgrade(url)
    engine = make_engine(url)
    load_demo(engine, DEMO_PASSWORD)
    with engine.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    engine.dispose()
    out["sqlite"] = str(sqlite_path)
    if PG_URL:
        name = f"socreg_tpl_{RUN_ID}"
        admin = _pg_admin()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        pg = _pg_url(name)
        upgrade(pg)
        engine = make_engine(pg)
        load_demo(engine, DEMO_PASSWORD)
        engine.dispose()
        out["postgres"] = name
    yield out
    if created:
        admin = _pg_admin()
        with admin.connect() as conn:
            # The template, and every database a test made for this run (restore targets, import
            # round trips) are named with RUN_ID: none outlives the run.
            extra = conn.execute(
                text("SELECT datname FROM pg_database WHERE datname LIKE 'socreg%' AND strpos(datname, :run) > 0"),
                {"run": RUN_ID},
            ).scalars()
            for name in dict.fromkeys([*created, *extra]):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


_counter = iter(range(1_000_000))


def fresh_db(backend: str, templates: dict[str, str], tmp_path: Path) -> DBHandle:
    if backend == "sqlite":
        path = tmp_path / f"db{next(_counter)}.sqlite3"
        shutil.copy(templates["sqlite"], path)
        url = f"sqlite:///{path}"
        return DBHandle(backend, url, make_engine(url))
    name = f"socreg_t_{RUN_ID}_{next(_counter)}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{templates["postgres"]}"'))
    url = _pg_url(name)
    return DBHandle(backend, url, make_engine(url))


def drop_db(db: DBHandle) -> None:
    db.engine.dispose()
    if db.backend == "postgres":
        name = db.url.rsplit("/", 1)[1]
        with _pg_admin().connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, templates: dict[str, str], tmp_path: Path) -> Iterator[DBHandle]:
    """A fresh demo database for one test, on each backend."""
    database = fresh_db(request.param, templates, tmp_path)
    yield database
    drop_db(database)


def make_settings(url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=url,
        secret_key="test-secret-key-" + RUN_ID,
        scheduler=False,
        demo_password=DEMO_PASSWORD,
        extra={"var_dir": str(tmp_path)},
    )


@pytest.fixture
def app(db: DBHandle, tmp_path: Path) -> Any:
    from registry.app import create_app

    return create_app(make_settings(db.url, tmp_path), engine=db.engine)


@pytest.fixture
def client(app: Any) -> Iterator[Any]:
    from litestar.testing import TestClient

    with TestClient(app=app) as c:
        yield c


def token_for(client: Any, email: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    resp = client.post("/api/v1/auth/token", json={"email": email, "password": password})
    assert resp.status_code == 201, resp.text
    return {"Authorization": f"Bearer {resp.json()['token']}"}


USERS = {
    "admin": "admin@registry.example",
    "moderator": "moderator@registry.example",
    "buyer_a": "buyer@nwrocu.example",
    "lead_a": "lead@nwrocu.example",
    "buyer_b": "buyer@scdea.example",
    "lead_b": "lead@scdea.example",
    "supplier_a": "priya@kestrel-analytics.example",
    "supplier_b": "gareth@halwyn-forensic-systems.example",
}


@pytest.fixture
def auth(client: Any) -> Any:
    """auth('lead_a') -> headers with a bearer token for that demo user (cached per test)."""
    cache: dict[str, dict[str, str]] = {}

    def get(who: str) -> dict[str, str]:
        if who == "anon":
            return {}
        if who not in cache:
            cache[who] = token_for(client, USERS[who])
        return cache[who]

    return get
