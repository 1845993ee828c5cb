"""A real HTTP server (uvicorn in a thread) over a fresh demo database, for browser journeys."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tests.conftest import DBHandle, drop_db, fresh_db, make_settings


@dataclass
class LiveServer:
    url: str
    db: DBHandle
    app: Any


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live_server(templates: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from registry.app import create_app

    tmp: Path = tmp_path_factory.mktemp("live")
    db = fresh_db("sqlite", templates, tmp)
    app = create_app(make_settings(db.url, tmp), engine=db.engine)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("live server did not start")
        time.sleep(0.05)
    yield LiveServer(url=f"http://127.0.0.1:{port}", db=db, app=app)
    server.should_exit = True
    thread.join(timeout=10)
    drop_db(db)


@pytest.fixture
def browser_context_args(live_server: LiveServer) -> dict[str, Any]:
    return {"base_url": live_server.url}
