"""Requirements register exports, at the page URL (cookie session, linked from /requirements)
and the API URL (bearer token). The generic JSON CRUD of requirements is built from the
resource spec in registry/app.py; this module adds only the downloads."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.params import Parameter

from registry.requirements import export as register_export
from registry.web.crud import ERRORS_READ
from registry.web.deps import unit_of_work

ORG_ID = Parameter(
    required=False,
    ge=1,
    description="Admins only: the organisation whose register to export (others always get their own).",
)


def _download(request: Request[Any, Any, Any], fmt: str, organisation_id: int | None) -> Response[bytes]:
    with unit_of_work(request) as (session, actor):
        filename, content = register_export.export(session, actor, fmt, organisation_id)
    return Response(
        content,
        media_type=register_export.FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


def _handler(prefix: str, fmt: str) -> Any:
    """GET {prefix}/export.{fmt}. One handler object per path (Litestar wraps each once)."""
    api = prefix.startswith("/api/")

    def export(request: Request[Any, Any, Any], organisation_id: int | None = ORG_ID) -> Response[bytes]:
        return _download(request, fmt, organisation_id)

    return get(
        f"{prefix}/export.{fmt}",
        summary=f"The requirements register as {fmt.upper()} (formula-safe)",
        description="The organisation's current requirements, by code. The CSV uses the import format, so "
        "it can be imported again; the XLSX shows labels.",
        tags=["requirements"],
        media_type=register_export.FORMATS[fmt],
        sync_to_thread=True,
        responses=ERRORS_READ,
        include_in_schema=api,
        operation_id=f"exportRequirements{fmt.capitalize()}" if api else None,
    )(export)


ROUTES: list[Any] = [
    _handler(prefix, fmt) for prefix in ("/requirements", "/api/v1/requirements") for fmt in ("csv", "xlsx")
]
