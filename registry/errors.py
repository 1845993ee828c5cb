"""Domain errors raised by services; the web layer maps them to HTTP problem details."""

from __future__ import annotations

import re

# How services word a missing record ("No such assessment.", "No procurement project with id
# 7.", "No listing found.", "The evaluation no longer exists."): the kind named there becomes
# the title people and scripts see ("Assessment not found"), so no raise site needs changing.
_KIND_PATTERNS = (
    re.compile(r"^No such ([a-z][a-z ]*?)\.?$"),
    re.compile(r"^No ([a-z][a-z ]*?) with id\b"),
    re.compile(r"^No ([a-z][a-z ]*?) found\.?$"),
    re.compile(r"^The ([a-z][a-z ]*?) (?:this [a-z ]+ names )?no longer exists\.?$"),
)


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
    """A record that does not exist or that the actor may not see (the same answer for both).

    Its title names the kind of record ("Assessment not found", "Project not found"), given as
    `kind` or read from the wording of `detail`; "Not found" when neither names one.
    """

    status = 404
    title = "Not found"

    def __init__(self, detail: str, *, fields: dict[str, str] | None = None, kind: str | None = None) -> None:
        super().__init__(detail, fields=fields)
        self.kind = kind or kind_named_in(detail)
        if self.kind:
            self.title = f"{self.kind[:1].upper()}{self.kind[1:]} not found"


def kind_named_in(detail: str) -> str | None:
    """The kind of record a not-found message names, in lower case, or None."""
    for pattern in _KIND_PATTERNS:
        found = pattern.match(detail.strip())
        if found:
            return found.group(1).strip()
    return None


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
