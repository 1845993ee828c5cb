"""JSON API for jobs (admins) and notifications (the caller's own), plus the pages' routes."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import Parameter

from assessments.jobs import admin, notifications
from assessments.jobs.jobs import JobResult
from assessments.jobs.models import JobRun, Notification
from assessments.jobs.pages import ROUTES as PAGE_ROUTES
from assessments.jobs.schemas import JobInfo, JobRunRead, JobRunResult, MarkedRead, NotificationPage, NotificationRead
from registry.api.crud import ERRORS_READ, ERRORS_WRITE
from registry.web.deps import engine_of, unit_of_work

JOB_ID = Parameter(min_length=1, max_length=60)


def run_read(row: JobRun) -> JobRunRead:
    return JobRunRead(
        id=row.id,
        job_id=row.job_id,
        period_key=row.period_key,
        trigger=row.trigger,
        started_at=row.started_at,
        finished_at=row.finished_at,
        outcome=row.outcome,
        attempts=row.attempts,
        counts=row.counts or {},
        error=row.error,
    )


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


def _info(view: admin.JobView) -> JobInfo:
    return JobInfo(
        id=view.job.id,
        title=view.job.title,
        description=view.job.description,
        schedule=view.job.schedule_text,
        next_run_time=view.next_run_time,
        paused=view.paused,
        last_run=run_read(view.last_run) if view.last_run else None,
    )


def _result(result: JobResult) -> JobRunResult:
    return JobRunResult(
        job_id=result.job_id,
        period_key=result.period_key,
        outcome=result.outcome,
        counts=result.counts,
        error=result.error,
    )


class JobsController(Controller):
    path = "/api/v1/jobs"
    tags = ["jobs"]

    @get(
        "/",
        summary="Scheduled jobs with next run, paused state and last outcome (admins)",
        responses=ERRORS_READ,
        sync_to_thread=True,
    )
    def list_jobs(self, request: Request[Any, Any, Any]) -> list[JobInfo]:
        with unit_of_work(request) as (session, actor):
            return [_info(v) for v in admin.overview(engine_of(request), session, actor)]

    @get(
        "/{job_id:str}/runs",
        summary="Run history of one job, newest first (admins)",
        responses=ERRORS_READ,
        sync_to_thread=True,
    )
    def runs(
        self, request: Request[Any, Any, Any], job_id: str = JOB_ID, limit: int = Parameter(default=50, ge=1, le=500)
    ) -> list[JobRunRead]:
        with unit_of_work(request) as (session, actor):
            return [run_read(r) for r in admin.job_history(session, actor, job_id, limit)]

    @post(
        "/{job_id:str}/run",
        summary="Run a job now (admins). force=false skips it if this period already ran",
        responses=ERRORS_WRITE,
        sync_to_thread=True,
        status_code=200,
    )
    def run_now(self, request: Request[Any, Any, Any], job_id: str = JOB_ID, force: bool = True) -> JobRunResult:
        with unit_of_work(request) as (_session, actor):
            admin.require_admin(actor)
            admin.job_def(job_id)
        settings = request.app.state.settings
        return _result(admin.run_now(engine_of(request), actor, job_id, smtp_url=settings.smtp_url, force=force))

    @post(
        "/{job_id:str}/pause",
        summary="Pause a job's schedule (admins)",
        responses=ERRORS_WRITE,
        sync_to_thread=True,
        status_code=200,
    )
    def pause(self, request: Request[Any, Any, Any], job_id: str = JOB_ID) -> JobInfo:
        return self._change(request, job_id, admin.pause)

    @post(
        "/{job_id:str}/resume",
        summary="Resume a paused job (admins)",
        responses=ERRORS_WRITE,
        sync_to_thread=True,
        status_code=200,
    )
    def resume(self, request: Request[Any, Any, Any], job_id: str = JOB_ID) -> JobInfo:
        return self._change(request, job_id, admin.resume)

    @staticmethod
    def _change(request: Request[Any, Any, Any], job_id: str, op: Any) -> JobInfo:
        engine = engine_of(request)
        with unit_of_work(request) as (_session, actor):
            admin.require_admin(actor)
            admin.job_def(job_id)
        op(engine, actor, job_id)  # outside the request's transaction: the job store writes on its own
        with unit_of_work(request) as (session, actor):
            return _info(next(v for v in admin.overview(engine, session, actor) if v.job.id == job_id))


class NotificationsController(Controller):
    path = "/api/v1/notifications"
    tags = ["notifications"]

    @get("/", summary="My notifications, newest first", responses=ERRORS_READ, sync_to_thread=True)
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
        responses=ERRORS_WRITE,
        sync_to_thread=True,
        status_code=200,
    )
    def mark_all(self, request: Request[Any, Any, Any]) -> MarkedRead:
        with unit_of_work(request) as (session, actor):
            return MarkedRead(marked=notifications.mark_all_read(session, actor))


def _register_unread_counter() -> None:
    """The page header's unread badge: registry.web.context asks registered counters."""
    from registry.web import context

    if notifications.unread_count_for_engine not in context.UNREAD_COUNTERS:
        context.UNREAD_COUNTERS.append(notifications.unread_count_for_engine)


_register_unread_counter()

ROUTES: list[Any] = [JobsController, NotificationsController, *PAGE_ROUTES]
