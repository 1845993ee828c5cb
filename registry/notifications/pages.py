"""The signed-in user's notifications page."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from registry.jobs.pages import HELPERS
from registry.notifications import services as notifications
from registry.web.context import flash, page_context
from registry.web.deps import unit_of_work
from registry.web.signin import safe_next

PAGE_SIZE = 25


def _page(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


# --- notifications ---------------------------------------------------------------------------


@get("/notifications", sync_to_thread=True, include_in_schema=False)
def notifications_page(request: Request[Any, Any, Any], show: str | None = None, page: str | None = None) -> Template:
    unread_only = show == "unread"
    number = _page(page)
    with unit_of_work(request) as (session, actor):
        actor.require_auth()
        items, total = notifications.list_mine(
            session, actor, unread_only=unread_only, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
        )
        unread = notifications.unread_count(session, actor.user_id or 0)
        request.scope.setdefault("state", {})["notifications_unread"] = unread
        pages = max(1, -(-total // PAGE_SIZE))
        base = "/notifications?show=unread&page={page}" if unread_only else "/notifications?page={page}"
        here = base.replace("{page}", str(number))
        return Template(
            "notifications/index.html",
            context=page_context(
                request,
                page_title="Notifications",
                nav_active="notifications",
                items=items,
                total=total,
                unread=unread,
                unread_only=unread_only,
                page=number,
                pages=pages,
                page_url=base,
                here=here,
                **HELPERS,
            ),
        )


@post("/notifications/{notification_id:int}/read", sync_to_thread=True, include_in_schema=False)
def notification_read(request: Request[Any, Any, Any], notification_id: int) -> Redirect:
    with unit_of_work(request) as (session, actor):
        note = notifications.mark_read(session, actor, notification_id)
        flash(request, f"Marked “{note.title}” as read.")
    return Redirect(path=_back(request))


@post("/notifications/{notification_id:int}/open", sync_to_thread=True, include_in_schema=False)
def notification_open(request: Request[Any, Any, Any], notification_id: int) -> Redirect:
    """Mark read and go to what the notification is about (a local link only)."""
    with unit_of_work(request) as (session, actor):
        note = notifications.mark_read(session, actor, notification_id)
        target = safe_next(note.link) if note.link else "/notifications"
    return Redirect(path=target)


@post("/notifications/read-all", sync_to_thread=True, include_in_schema=False)
def notifications_read_all(request: Request[Any, Any, Any]) -> Redirect:
    with unit_of_work(request) as (session, actor):
        marked = notifications.mark_all_read(session, actor)
        flash(request, f"Marked {marked} notification{'s' if marked != 1 else ''} as read.")
    return Redirect(path="/notifications")


def _back(request: Request[Any, Any, Any]) -> str:
    target = request.query_params.get("next")
    return safe_next(target) if target and target.startswith("/notifications") else "/notifications"


ROUTES: list[Any] = [notifications_page, notification_read, notification_open, notifications_read_all]
