"""Security headers on every response (CSP without inline scripts, no framing), `no-store` on
everything a signed-in person or script is shown, and HSTS when served over TLS."""

from __future__ import annotations

from typing import Any

from litestar.types import Message, Scope

from registry.actor import Actor

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
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
NO_STORE = (b"cache-control", b"no-store")


def _signed_in(scope: Scope) -> bool:
    """Whether this response was made for a signed-in user (cookie) or a token holder.

    Every page that needs sign-in (assessments, requirements, shortlists, projects, reports,
    inventory, workforce, account, notifications) resolves a signed-in actor to render at all,
    and a public page viewed while signed in carries the person's name in its header, so both
    must stay out of every cache (the back button on a shared computer included). Anonymous
    responses keep their caching."""
    actor: Any = scope.get("state", {}).get("actor")
    return isinstance(actor, Actor) and actor.is_authenticated


def _secure(scope: Scope) -> bool:
    app = scope.get("app")
    settings = getattr(getattr(app, "state", None), "settings", None)
    return bool(getattr(settings, "secure_cookies", False))


async def add_security_headers(message: Message, scope: Scope) -> None:
    """before_send hook: runs for every response, including 404s and error pages."""
    if message["type"] == "http.response.start":
        headers = list(message.get("headers", []))
        present = {bytes(k).lower() for k, _ in headers}
        extra = list(HEADERS)
        if _secure(scope):  # SECURE_COOKIES=1 means the site is served over HTTPS only
            extra.append(HSTS)
        if _signed_in(scope):  # a handler's own Cache-Control (e.g. "no-store, private") stays
            extra.append(NO_STORE)
        headers.extend((k, v) for k, v in extra if k not in present)
        message["headers"] = headers
