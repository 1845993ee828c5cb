"""JSON API for the signed-in user's notifications."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import Parameter

from registry.notifications import services as notifications
from registry.notifications.models import Notification
from registry.notifications.schemas import MarkedRead, NotificationPage, NotificationRead
from registry.web.crud import ERRORS_READ, ERRORS_WRITE
from registry.web.deps import unit_of_work


def note_read(row: Notification) -> NotificationRead:
    return NotificationRead(
        id=row.id or 0,
        kind=row.kind,
        title=row.title,
        body=row.body,
        link=row.link,
        created_at=row.created_at,
        read_at=row.read_at,
    )


class NotificationsController(Controller):
    path = "/api/v1/notifications"
    tags = ["notifications"]

    @get(
        "/",
        summary="My notifications, newest first",
        responses=ERRORS_READ,
        sync_to_thread=True,
        operation_id="listNotifications",
    )
    def mine(
        self,
        request: Request[Any, Any, Any],
        unread: bool = False,
        limit: int = Parameter(default=25, ge=1, le=200),
        offset: int = Parameter(default=0, ge=0),
    ) -> NotificationPage:
        with unit_of_work(request) as (session, actor):
            items, total = notifications.list_mine(session, actor, unread_only=unread, limit=limit, offset=offset)
            return NotificationPage(
                items=[note_read(n) for n in items],
                total=total,
                unread=notifications.unread_count(session, actor.user_id or 0),
            )

    @post(
        "/{notification_id:int}/read",
        summary="Mark one of my notifications as read",
        operation_id="markNotificationRead",
        responses=ERRORS_WRITE,
        sync_to_thread=True,
        status_code=200,
    )
    def mark_read(self, request: Request[Any, Any, Any], notification_id: int) -> NotificationRead:
        with unit_of_work(request) as (session, actor):
            return note_read(notifications.mark_read(session, actor, notification_id))

    @post(
        "/read-all",
        summary="Mark all my notifications as read",
        operation_id="markAllNotificationsRead",
        responses=ERRORS_WRITE,
        sync_to_thread=True,
        status_code=200,
    )
    def mark_all(self, request: Request[Any, Any, Any]) -> MarkedRead:
        with unit_of_work(request) as (session, actor):
            return MarkedRead(marked=notifications.mark_all_read(session, actor))


ROUTES: list[Any] = [NotificationsController]
