"""Resolve the acting user: bearer tokens for the API, the signed session cookie for pages."""

from __future__ import annotations

from typing import Any

from litestar import Request
from sqlalchemy.orm import Session

from registry.accounts.services import actor_for_token, actor_for_user_id
from registry.actor import ANONYMOUS, Actor


def resolve_actor(request: Request[Any, Any, Any], session: Session) -> Actor:
    path = request.url.path
    if path.startswith("/api/"):
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            return actor_for_token(session, header[7:].strip()) or ANONYMOUS
        return ANONYMOUS  # the API never trusts cookies, so it needs no CSRF token
    uid = request.session.get("uid") if request.scope.get("session") is not None else None
    if isinstance(uid, int):
        found = actor_for_user_id(session, uid)
        if found is not None:
            user, actor = found
            if user.active and request.session.get("pw") == user.password_hash[-16:]:
                return actor
    return ANONYMOUS
