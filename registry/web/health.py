from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from sqlalchemy import text

from registry.web.deps import engine_of


@get("/health/live", tags=["health"], summary="The process is up", sync_to_thread=False)
def live() -> dict[str, str]:
    return {"status": "ok"}


@get("/health/ready", tags=["health"], summary="The database answers", sync_to_thread=True)
def ready(request: Request[Any, Any, Any]) -> Response[dict[str, str]]:
    try:
        with engine_of(request).connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # any failure means not ready; details stay in the logs
        return Response({"status": "unavailable"}, status_code=503)
    return Response({"status": "ok"})
