"""Security headers on every response (CSP without inline scripts, no framing)."""

from __future__ import annotations

from litestar.types import Message, Scope

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


async def add_security_headers(message: Message, scope: Scope) -> None:
    """before_send hook: runs for every response, including 404s and error pages."""
    if message["type"] == "http.response.start":
        headers = list(message.get("headers", []))
        present = {bytes(k).lower() for k, _ in headers}
        headers.extend((k, v) for k, v in HEADERS if k not in present)
        message["headers"] = headers
