"""Template context every page gets (current user, CSRF token, flash messages)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.utils.scope.state import ScopeState

from registry.actor import Actor
from registry.notifications.services import unread_count_for_engine


def _unread(request: Request[Any, Any, Any], actor: Actor | None) -> int:
    state = request.scope.setdefault("state", {})
    if "notifications_unread" not in state and actor is not None and actor.user_id:
        engine = request.app.state.get("engine")
        try:
            state["notifications_unread"] = unread_count_for_engine(engine, actor.user_id) if engine else 0
        except Exception:  # noqa: BLE001 - a badge must never break a page (e.g. the error page)
            state["notifications_unread"] = 0
    return int(state.get("notifications_unread", 0) or 0)


def flash(request: Request[Any, Any, Any], message: str, category: str = "success") -> None:
    request.session.setdefault("_flashes", []).append([category, message])


def _pop_flashes(request: Request[Any, Any, Any]) -> list[tuple[str, str]]:
    if request.scope.get("session") is None:
        return []
    items = request.session.pop("_flashes", []) or []
    return [(c, m) for c, m in items]


def current_actor(request: Request[Any, Any, Any]) -> Actor | None:
    actor = request.scope.get("state", {}).get("actor")
    return actor if isinstance(actor, Actor) and actor.is_authenticated else None


def page_context(request: Request[Any, Any, Any], **extra: Any) -> dict[str, Any]:
    actor = current_actor(request)
    csrf = ScopeState.from_scope(request.scope).csrf_token
    ctx: dict[str, Any] = {
        "request": request,
        "current_user": _UserView(actor) if actor else None,
        "csrf_token": "" if csrf is None or not isinstance(csrf, str) else csrf,
        "flashes": _pop_flashes(request),
        "notifications_unread": _unread(request, actor),
        "page_title": extra.pop("page_title", ""),  # base.html adds the service name
        "nav_active": extra.pop("nav_active", ""),
    }
    ctx.update(extra)
    return ctx


class _UserView:
    """What templates may know about the signed-in user."""

    def __init__(self, actor: Actor) -> None:
        self.id = actor.user_id
        self.name = actor.name
        self.email = actor.email
        self.role = actor.role.value if actor.role else ""
        self.organisation_name = actor.organisation_name
        self.organisation_id = actor.organisation_id
        self.supplier_id = actor.supplier_id
