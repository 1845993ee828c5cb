"""Resolve the acting user: bearer tokens for the API, the signed session cookie for pages.

The cookie holds only a random session id; whether it still signs anyone in is decided by the
server-side session record (`registry/accounts/sessions.py`), and a bearer token by its row in
`api_token` (`registry/accounts/services.py::token_holder`). Both are read from the database on
every request, with no cache, so a sign-out or a revocation works at once in every worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from litestar import Request
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from registry.accounts import sessions
from registry.accounts.services import actor_for, token_holder, touch_token
from registry.actor import ANONYMOUS, Actor
from registry.db import session_scope
from registry.db_types import utcnow
from registry.web.client_address import from_request as client_address

log = logging.getLogger("registry")
SESSION_KEY = "sid"  # the one thing the signed cookie carries
READ_METHODS = ("GET", "HEAD", "OPTIONS")  # the same split as registry/web/deps.py::unit_of_work


def session_policy(request: Request[Any, Any, Any]) -> sessions.SessionPolicy:
    settings = getattr(request.app.state, "settings", None)
    return sessions.SessionPolicy.from_settings(settings) if settings else sessions.SessionPolicy()


def _touch(request: Request[Any, Any, Any], session: Session, apply: Callable[[Session], None]) -> None:
    """Record a last-seen/last-used time. A write request already holds the write lock, so it
    writes in its own transaction; a read request writes in a short separate one rather than
    turn its read into a write (on SQLite that upgrade can fail at once under load). Missing one
    touch only costs a minute of idle credit, so a busy database never fails the request."""
    if request.method not in READ_METHODS:
        apply(session)
        return
    try:
        with session_scope(session.get_bind(), write=True) as own:  # type: ignore[arg-type]
            apply(own)
    except OperationalError as exc:
        log.warning("Could not record last use on %s: %s", request.url.path, str(exc)[:200])


def _actor_for_bearer(request: Request[Any, Any, Any], session: Session, token: str) -> Actor:
    found = token_holder(session, token)
    if found is None:
        return ANONYMOUS
    actor, row = found
    now = utcnow()
    token_id = row.id
    if token_id is not None and (row.last_used_at is None or now - row.last_used_at >= sessions.TOUCH_EVERY):
        _touch(request, session, lambda s: touch_token(s, token_id, now))
    return actor


def _actor_for_cookie(request: Request[Any, Any, Any], session: Session) -> Actor:
    if request.scope.get("session") is None:
        return ANONYMOUS
    raw = request.session.get(SESSION_KEY)
    if not isinstance(raw, str) or not raw:
        return ANONYMOUS
    now = utcnow()
    found = sessions.find_live(session, raw, session_policy(request), now)
    if found is None:
        # Ended or timed out: forget the id (the browser's cookie loses it), keep flash messages.
        request.session.pop(SESSION_KEY, None)
        return ANONYMOUS
    record, user, org_name = found
    record_id = record.id
    if record_id is not None and sessions.due_for_touch(record, now):
        _touch(request, session, lambda s: sessions.touch(s, record_id, now))
    return actor_for(session, user, org_name)


def resolve_actor(request: Request[Any, Any, Any], session: Session) -> Actor:
    if request.url.path.startswith("/api/"):
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            return _actor_for_bearer(request, session, header[7:].strip())
        return ANONYMOUS  # the API never trusts cookies, so it needs no CSRF token
    return _actor_for_cookie(request, session)


def begin_session(
    request: Request[Any, Any, Any], session: Session, user_id: int, kept: dict[str, Any] | None = None
) -> None:
    """After a user proved who they are: a new server-side session and a fresh cookie naming it
        (the old cookie's contents are dropped, so a planted session id never gains a sign-in; `kept`
    carries what should survive sign-in, such as the compare basket)."""
    sessions.purge_dead(session, user_id, session_policy(request), utcnow())
    raw = sessions.start(session, user_id, user_agent=request.headers.get("user-agent", ""), ip=client_address(request))
    request.clear_session()
    request.set_session({**(kept or {}), SESSION_KEY: raw})


def end_session(request: Request[Any, Any, Any], session: Session, actor: Actor) -> None:
    """Sign-out: end this browser's server-side session (in every worker) and drop the cookie."""
    raw = request.session.get(SESSION_KEY) if request.scope.get("session") is not None else None
    if isinstance(raw, str) and raw:
        sessions.sign_out(session, actor, raw)
    request.clear_session()
