"""Domain errors raised by services; the web layer maps them to HTTP problem details."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.fields = fields or {}


class InvalidInput(DomainError):
    status = 422
    title = "Invalid input"


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class NotAuthenticated(DomainError):
    status = 401
    title = "Sign in required"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class PreconditionFailed(DomainError):
    status = 412
    title = "Precondition failed"


class PreconditionRequired(DomainError):
    status = 428
    title = "Precondition required"


class TooManyRequests(DomainError):
    status = 429
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int = 60, fields: dict[str, str] | None = None) -> None:
        super().__init__(detail, fields=fields)
        self.retry_after = max(1, int(retry_after))  # seconds; sent as the Retry-After header

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}
