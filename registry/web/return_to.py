"""Where a person goes back to after signing in: the one home of the return address.

A return address is a local path with its query string (an evaluation report link keeps its
`?kind=...`). Anything that could leave the site is refused and becomes "/": absolute URLs,
scheme-relative `//host`, backslashes (browsers read `/\\host` as `//host`), control
characters and anything that is not a path.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from litestar import Request

# Pages that are never a useful place to come back to after signing in.
_NOT_RETURNED_TO = ("/login", "/logout", "/register", "/forgot-password", "/reset-password", "/verify-email")


def safe_next(target: str | None) -> str:
    """The return address if it is a local path (query kept), else "/"."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def here(request: Request[Any, Any, Any]) -> str:
    """This request's path and query string, as a return address."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def login_url(request: Request[Any, Any, Any], target: str | None = None) -> str:
    """/login with the return address encoded whole, so its own `&` and `?` survive."""
    path = safe_next(target if target is not None else here(request))
    if path == "/" or path.startswith(_NOT_RETURNED_TO):
        return "/login"
    return "/login?next=" + quote(path, safe="")
