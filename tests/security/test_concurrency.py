"""Data safety under concurrency: no lost updates with 20 concurrent editors through the API,
imports are atomic for concurrent readers, and a killed import leaves nothing behind."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.changelog.models import AuditEvent
from registry.tools.models import Tool
from tests.conftest import DEMO_PASSWORD, DBHandle, make_settings

EDITORS = 20


@pytest.fixture
def server(db: DBHandle, tmp_path: Path) -> Iterator[str]:
    from registry.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(make_settings(db.url, tmp_path), engine=db.engine)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


def test_twenty_concurrent_editors_lose_no_update(server: str, db: DBHandle) -> None:
    with httpx.Client(base_url=server, timeout=60) as c:
        token = c.post(
            "/api/v1/auth/token", json={"email": "moderator@registry.example", "password": DEMO_PASSWORD}
        ).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        tool = c.get("/api/v1/tools/5").json()
    start = threading.Barrier(EDITORS)
    results: list[int] = []

    def edit(n: int) -> None:
        with httpx.Client(base_url=server, timeout=60) as c:
            start.wait()
            r = c.patch(
                "/api/v1/tools/5",
                json={"summary": f"edit {n}"},
                headers={**headers, "If-Match": f'"{tool["version"]}"'},
            )
            results.append(r.status_code)

    threads = [threading.Thread(target=edit, args=(n,)) for n in range(EDITORS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(results) == EDITORS
    assert results.count(200) == 1, results
    assert all(code in (409, 412) for code in results if code != 200), results
    with Session(db.engine) as s:
        row = s.get(Tool, 5)
        assert row is not None and row.version == tool["version"] + 1
        updates = (
            s.execute(
                select(AuditEvent).where(
                    AuditEvent.entity_type == "tool", AuditEvent.entity_id == "5", AuditEvent.action == "update"
                )
            )
            .scalars()
            .all()
        )
    assert len(updates) == 1 and updates[0].after["summary"] == row.summary  # type: ignore[index]


def _tool_rows(n: int, supplier_number: str) -> list[dict[str, Any]]:
    return [
        {
            "supplier_number": supplier_number,
            "name": f"Bulk Import Tool {i:05d}",
            "summary": "bulk",
            "description": "A bulk-imported listing.",  # published rows must be complete, as the workflow demands
            "trl": 5,
            "status": "published",
            "capabilities": [{"node_code": "INT.NET"}],
        }
        for i in range(n)
    ]


def _count(db: DBHandle) -> int:
    with Session(db.engine) as s:
        return int(s.execute(select(func.count()).select_from(Tool)).scalar_one())


def test_concurrent_readers_never_see_half_an_import(db: DBHandle) -> None:
    from registry.actor import SYSTEM
    from registry.db import session_scope
    from registry.suppliers.models import Supplier
    from registry.transfer.services import import_rows

    with Session(db.engine) as s:
        number = s.execute(select(Supplier.companies_house_number).limit(1)).scalar_one()
    before = _count(db)
    rows = _tool_rows(600, number)
    seen: set[int] = set()
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            seen.add(_count(db))
            time.sleep(0.005)

    reader = threading.Thread(target=read)
    reader.start()
    with session_scope(db.engine) as s:
        import_rows(s, SYSTEM, "tools", rows)
    time.sleep(0.05)
    done.set()
    reader.join()
    assert seen <= {before, before + len(rows)}, sorted(seen)
    assert _count(db) == before + len(rows)


def test_killed_import_leaves_nothing_behind(db: DBHandle, tmp_path: Path) -> None:
    from registry.suppliers.models import Supplier

    with Session(db.engine) as s:
        number = s.execute(select(Supplier.companies_house_number).limit(1)).scalar_one()
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"rows": _tool_rows(4000, number)}))
    before = _count(db)
    env = {**os.environ, "DATABASE_URL": db.url, "VAR_DIR": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "registry.cli", "import", "tools", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    time.sleep(3.0)  # validation done, writing under way (4000 tools take several seconds)
    still_running = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert still_running, "import finished before it could be killed; make the file bigger"
    assert _count(db) == before
