"""One error policy: RFC 9457 problem details for the API, styled error pages for people."""

from __future__ import annotations

import logging
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap

from registry.errors import DomainError, NotAuthenticated, TooManyRequests
from registry.web.return_to import login_url

log = logging.getLogger("registry")
PROBLEM = "application/problem+json"


def is_api(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api/")


def _field_errors_from_validation(extra: Any) -> dict[str, str]:
    """Turn Litestar/Pydantic validation details into {field: message}."""
    fields: dict[str, str] = {}
    for item in extra if isinstance(extra, list) else []:
        if not isinstance(item, dict):
            continue
        key = str(item.get("key") or item.get("loc") or "body")
        fields[key] = str(item.get("message") or item.get("msg") or "invalid")
    return fields


def problem(
    request: Request[Any, Any, Any],
    status: int,
    title: str,
    detail: str,
    fields: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
) -> Response[Any]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if fields:
        body["errors"] = [{"field": k, "message": v} for k, v in fields.items()]
    # RFC 9457 extension members (e.g. the likely duplicates), never replacing a core member.
    body.update({k: v for k, v in (extensions or {}).items() if k not in body})
    return Response(body, status_code=status, media_type=PROBLEM, headers=headers)


def _page(
    request: Request[Any, Any, Any],
    status: int,
    title: str,
    detail: str,
    template: str | None = None,
    kind: str | None = None,
) -> Response[Any]:
    from registry.web.context import page_context

    template = template or {403: "errors/403.html", 404: "errors/404.html", 500: "errors/500.html"}.get(
        status, "errors/generic.html"
    )
    ctx = page_context(
        request,
        page_title=title,
        status=status,
        detail=detail,
        title=title,
        status_code=status,
        error_title=title,
        error_detail=detail,
        error_kind=kind,  # a 404 names what was not found ("Assessment not found")
    )
    return Template(template_name=template, context=ctx, status_code=status)


def handle_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    if is_api(request):
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        if isinstance(exc, TooManyRequests):
            headers = exc.headers  # Retry-After, in seconds
        return problem(
            request, exc.status, exc.title, exc.detail, exc.fields, headers, getattr(exc, "extensions", None)
        )
    if isinstance(exc, NotAuthenticated):
        return Redirect(path=login_url(request))
    page = _page(request, exc.status, exc.title, exc.detail, kind=getattr(exc, "kind", None))
    if isinstance(exc, TooManyRequests):
        page.headers.update(exc.headers)
    return page


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if isinstance(exc, ValidationException):
        fields = _field_errors_from_validation(exc.extra)
        detail = (
            "The request is not valid: " + "; ".join(f"{k}: {v}" for k, v in fields.items())
            if fields
            else str(exc.detail)
        )
        if is_api(request):
            return problem(request, 400, "Invalid request", detail, fields)
        return _page(request, 400, "There is a problem with your request", detail)
    if isinstance(exc, NotAuthorizedException) and not is_api(request):
        return Redirect(path=login_url(request))
    title = {
        400: "Bad request",
        401: "Sign in required",
        403: "Forbidden",
        404: "Not found",
        405: "Method not allowed",
        413: "Request too large",
        415: "Unsupported media type",
        429: "Too many requests",
    }.get(status, "Error")
    detail = str(exc.detail) if exc.detail else title
    csrf = status == 403 and "CSRF" in detail
    if csrf:
        title = "Your form has expired"
        detail = "Your form has expired or was not sent from this site. Go back, reload the page and try again."
    if is_api(request):
        return problem(request, status, title, detail, headers=exc.headers)
    return _page(request, status, title, detail, "errors/generic.html" if csrf else None)


def handle_server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    if is_api(request):
        return problem(
            request,
            HTTP_500_INTERNAL_SERVER_ERROR,
            "Internal server error",
            "Something went wrong on our side. Nothing was saved.",
        )
    try:
        return _page(
            request,
            500,
            "Sorry, there is a problem with the service",
            "Try again later. Nothing you submitted was saved.",
        )
    except Exception:  # the error page itself failed: plain text, never a traceback
        return Response("Sorry, there is a problem with the service.", status_code=500, media_type=MediaType.TEXT)


def handle_db_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Safety net: a constraint or value the services did not pre-check is still the client's
    problem (409/400), never a 500; the transaction has already been rolled back."""
    from sqlalchemy.exc import DataError, IntegrityError

    log.warning("Database refused %s %s: %s", request.method, request.url.path, str(getattr(exc, "orig", exc))[:300])
    if isinstance(exc, IntegrityError):
        status, title, detail = (
            409,
            "Conflict",
            "This conflicts with existing data (a duplicate or a missing reference).",
        )
    elif isinstance(exc, DataError | OverflowError):
        status, title, detail = 400, "Bad request", "A value is out of range or of the wrong kind."
    else:
        return handle_server_error(request, exc)
    if is_api(request):
        return problem(request, status, title, detail)
    return _page(request, status, title, detail, "errors/generic.html")


def _db_exceptions() -> ExceptionHandlersMap:
    from sqlalchemy.exc import DataError, IntegrityError

    # OverflowError: an id too large for the database's integer type (SQLite raises it in Python).
    return {IntegrityError: handle_db_error, DataError: handle_db_error, OverflowError: handle_db_error}


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    **_db_exceptions(),
    DomainError: handle_domain_error,
    HTTPException: handle_http_exception,
    Exception: handle_server_error,
}
