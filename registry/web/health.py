from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from sqlalchemy import text

from registry.search.service import service_for
from registry.web.deps import engine_of
from registry.web.openapi_docs import ANONYMOUS_OPERATION


@get(
    "/health/live",
    tags=["health"],
    summary="The process is up",
    sync_to_thread=False,
    operation_id="checkLive",
    operation_class=ANONYMOUS_OPERATION,
)
def live() -> dict[str, str]:
    return {"status": "ok"}


@get(
    "/health/ready",
    tags=["health"],
    operation_id="checkReady",
    operation_class=ANONYMOUS_OPERATION,
    summary="The database answers and this process has built its search indexes",
    sync_to_thread=True,
)
def ready(request: Request[Any, Any, Any]) -> Response[dict[str, str]]:
    # A process still building its indexes would answer its first searches slowly: not ready yet.
    if request.app.state.settings.warm_index and not service_for(engine_of(request)).warmed:
        return Response({"status": "warming"}, status_code=503)
    try:
        with engine_of(request).connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # any failure means not ready; details stay in the logs
        return Response({"status": "unavailable"}, status_code=503)
    return Response({"status": "ok"})
