"""Per-request unit of work: one transaction and the resolved actor."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from litestar import Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from registry.actor import Actor
from registry.db import session_scope
from registry.web.auth import resolve_actor


def engine_of(request: Request[Any, Any, Any]) -> Engine:
    return request.app.state.engine


@contextmanager
def unit_of_work(request: Request[Any, Any, Any]) -> Iterator[tuple[Session, Actor]]:
    write = request.method not in ("GET", "HEAD", "OPTIONS")
    with session_scope(engine_of(request), write=write) as session:
        actor = resolve_actor(request, session)
        request.scope.setdefault("state", {})["actor"] = actor
        yield session, actor
