"""A server process builds its search and candidate indexes at start-up and only reports ready
once they are built, so a load balancer never sends searches to a cold worker."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from registry.app import create_app
from registry.search.service import service_for
from tests.conftest import make_settings


def test_ready_only_after_the_indexes_are_built(db: Any, tmp_path: Path) -> None:
    service = service_for(db.engine)
    service.warmed = False
    app = create_app(replace(make_settings(db.url, tmp_path), warm_index=True), engine=db.engine)
    with TestClient(app=app) as client:
        deadline = time.monotonic() + 60
        while not service.warmed and time.monotonic() < deadline:
            time.sleep(0.05)
        assert service.warmed, "start-up did not build the indexes"
        assert service.index is not None and len(service.index.tool_ids()) > 50
        assert client.get("/health/ready").json() == {"status": "ok"}
        service.warmed = False  # as while a worker is still building
        resp = client.get("/health/ready")
        assert resp.status_code == 503 and resp.json() == {"status": "warming"}
        assert client.get("/health/live").status_code == 200
