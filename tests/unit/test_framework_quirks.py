"""The project's one workaround for a framework quirk, shown rather than believed.

Given the app's handlers as a flat list, Litestar 2.25 re-registers a path's handlers when
another method joins that path and wraps a `sync_to_thread` handler twice, so the handler returns
an un-awaited coroutine and the page fails with a 500. `registry.app.create_app` hands every
handler to the app inside one Router (`group_routes`), which registers each route once. Each
variant runs in its own interpreter because registration mutates the module-level handlers.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = textwrap.dedent(
    """
    import logging, sys
    logging.disable(logging.CRITICAL)
    from litestar.testing import TestClient
    from registry import app as composition
    from registry.db import upgrade
    from registry.settings import load_settings
    settings = load_settings()
    upgrade(settings.database_url)
    if sys.argv[1] == "flat":
        composition.group_routes = lambda handlers: list(handlers)
    with TestClient(composition.create_app(settings)) as client:
        # /register has a sync GET and a sync POST on the same path.
        print(client.get("/register").status_code)
    """
)


def _status(variant: str, tmp_path: Path) -> int:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'quirk.sqlite3'}",
        "SECRET_KEY": "x" * 32,
        "SCHEDULER": "off",
        "WARM_INDEX": "off",
    }
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, variant], capture_output=True, text=True, timeout=120, check=False, env=env
    )
    assert out.stdout.strip(), out.stderr[-2000:]
    return int(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(("variant", "expected"), [("flat", 500), ("router", 200)])
def test_one_router_avoids_double_wrapping(variant: str, expected: int, tmp_path: Path) -> None:
    assert _status(variant, tmp_path) == expected
