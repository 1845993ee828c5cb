"""Bulk import/export over the API (staff only for import): all-or-nothing, per-row errors."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import MediaType, Request, Response, get, post
from litestar.params import Parameter, QueryParameter
from pydantic import BaseModel

from registry.errors import InvalidInput
from registry.transfer.services import Format, Kind, dumps, export_rows, import_rows, parse
from registry.web import openapi_docs as docs
from registry.web.crud import ERRORS_WRITE, _problem
from registry.web.deps import unit_of_work

MAX_IMPORT_BYTES = 5 * 1024 * 1024
CONTENT_TYPES: dict[str, Format] = {"text/csv": "csv", "application/json": "json"}


class ImportResult(BaseModel):
    kind: str
    created: int


@post(
    "/api/v1/import/{kind:str}",
    tags=["import/export"],
    summary="Import suppliers or tools (all-or-nothing)",
    operation_id="importRecords",
    description="Body: the file itself, `Content-Type: text/csv` or `application/json` (same shapes as the "
    "export), at most 5 MB. Any bad row rejects the whole file; the problem lists every bad row. A supplier "
    "row that looks like a registered supplier (or an earlier row) is a bad row unless `confirm_duplicates=true`.",
    responses={**ERRORS_WRITE, 413: _problem("File too large"), 415: _problem("Not CSV or JSON")},
    status_code=201,
)
async def import_file(
    request: Request[Any, Any, Any],
    kind: Literal["suppliers", "tools"] = Parameter(),
    confirm_duplicates: Annotated[
        bool,
        QueryParameter(description="Import supplier rows that look like registered suppliers anyway (checked by you)"),
    ] = False,
) -> ImportResult:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    fmt = CONTENT_TYPES.get(ctype)
    if fmt is None:
        raise _Unsupported()
    declared = int(request.headers.get("content-length") or 0)
    if declared > MAX_IMPORT_BYTES:
        raise _TooLarge()
    body = await request.body()
    if len(body) > MAX_IMPORT_BYTES:
        raise _TooLarge()
    return await _run_import(request, kind, fmt, body, confirm_duplicates)


async def _run_import(
    request: Request[Any, Any, Any], kind: Kind, fmt: Format, body: bytes, confirm_duplicates: bool
) -> ImportResult:
    from litestar.concurrency import sync_to_thread

    def work() -> ImportResult:
        with unit_of_work(request) as (session, actor):
            actor.require_auth()
            rows = parse(body, kind, fmt)
            report = import_rows(session, actor, kind, rows, confirm_duplicates=confirm_duplicates)
            return ImportResult(kind=kind, created=report.created)

    return await sync_to_thread(work)


def _export(request: Request[Any, Any, Any], kind: Kind, fmt: Format) -> str:
    with unit_of_work(request) as (session, actor):
        rows = export_rows(session, actor, kind)
    return dumps(rows, kind, fmt)


@get(
    "/api/v1/export/{kind:str}",
    tags=["import/export"],
    summary="Export suppliers or tools you may see, as JSON",
    operation_id="exportRecords",
    operation_class=docs.documented(files=(docs.JSON,), security=docs.OPTIONAL_TOKEN),
    description='`{"kind": ..., "rows": [...]}`: the same shape the import takes.',
    sync_to_thread=True,
    responses={400: _problem("Bad request")},
)
def export_json(request: Request[Any, Any, Any], kind: Literal["suppliers", "tools"] = Parameter()) -> Response[Any]:
    return Response(
        _export(request, kind, "json"),
        media_type=MediaType.JSON,
        headers={"Content-Disposition": f'attachment; filename="{kind}.json"'},
    )


@get(
    "/api/v1/export/{kind:str}/csv",
    tags=["import/export"],
    summary="Export suppliers or tools you may see, as CSV",
    operation_id="exportRecordsCsv",
    operation_class=docs.documented(files=(docs.CSV,), security=docs.OPTIONAL_TOKEN),
    sync_to_thread=True,
    media_type="text/csv",
    responses={400: _problem("Bad request")},
)
def export_csv(request: Request[Any, Any, Any], kind: Literal["suppliers", "tools"] = Parameter()) -> Response[str]:
    return Response(
        _export(request, kind, "csv"),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{kind}.csv"'},
    )


class _TooLarge(InvalidInput):
    status = 413
    title = "File too large"

    def __init__(self) -> None:
        super().__init__(f"Files must be at most {MAX_IMPORT_BYTES // (1024 * 1024)} MB.", fields={"file": "too large"})


class _Unsupported(InvalidInput):
    status = 415
    title = "Unsupported media type"

    def __init__(self) -> None:
        super().__init__("Send the file as text/csv or application/json.", fields={"content-type": "unsupported"})


ROUTES = [import_file, export_json, export_csv]
