"""Pages: /notifications (everyone signed in), /admin/jobs and /admin/outbox (admins)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from assessments.jobs import admin, notifications
from assessments.jobs.jobs import LONDON, JobResult
from registry.web.context import flash, page_context
from registry.web.deps import engine_of, unit_of_work
from registry.web.pages import safe_next

PAGE_SIZE = 25
OUTCOME_COLOURS = {"ok": "green", "error": "red", "skipped": "grey", "running": "blue"}
OUTCOME_TEXT = {"ok": "Succeeded", "error": "Failed", "skipped": "Skipped", "already-done": "Already done"}


def when(value: datetime | None) -> str:
    """UK civil time, e.g. '25 Nov 2026, 14:05'."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LONDON).strftime("%-d %b %Y, %H:%M")


def counts_text(counts: dict[str, Any] | None) -> str:
    if not counts:
        return ""
    parts = []
    for key, value in counts.items():
        label = key.replace("_", " ")
        parts.append(f"{label}: {value}" if key != "reason" else str(value))
    return "; ".join(parts)


def period_text(key: str) -> str:
    """'2026-11-25/manual-162053.033816' -> '2026-11-25 (run by hand at 16:20:53)'."""
    period, _, manual = key.partition("/manual-")
    if not manual:
        return period
    hhmmss = manual.split(".")[0]
    return f"{period} (run by hand at {hhmmss[:2]}:{hhmmss[2:4]}:{hhmmss[4:6]})"


HELPERS = {
    "when": when,
    "period_text": period_text,
    "counts_text": counts_text,
    "outcome_colours": OUTCOME_COLOURS,
    "outcome_text": OUTCOME_TEXT,
}


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
        request.scope.setdefault("state", {})["notifications_unread"] = unread  # type: ignore[typeddict-item]
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


# --- admin: jobs ----------------------------------------------------------------------------


def _smtp_url(request: Request[Any, Any, Any]) -> str | None:
    return request.app.state.settings.smtp_url  # type: ignore[no-any-return]


@get("/admin/jobs", sync_to_thread=True, include_in_schema=False)
def jobs_page(request: Request[Any, Any, Any]) -> Template:
    engine = engine_of(request)
    with unit_of_work(request) as (session, actor):
        views = admin.overview(engine, session, actor)
        return Template(
            "jobs/index.html",
            context=page_context(
                request,
                page_title="Scheduled jobs",
                nav_active="jobs",
                views=views,
                scheduler_status=admin.status(engine, actor),
                pending_mail=notifications.pending_count(session),
                smtp_configured=bool(_smtp_url(request)),
                **HELPERS,
            ),
        )


@get("/admin/jobs/{job_id:str}", sync_to_thread=True, include_in_schema=False)
def job_page(request: Request[Any, Any, Any], job_id: str) -> Template:
    engine = engine_of(request)
    with unit_of_work(request) as (session, actor):
        runs = admin.job_history(session, actor, job_id)
        view = next(v for v in admin.overview(engine, session, actor) if v.job.id == job_id)
        return Template(
            "jobs/detail.html",
            context=page_context(
                request,
                page_title=view.job.title,
                nav_active="jobs",
                view=view,
                runs=runs,
                pretty=lambda c: json.dumps(c, indent=2, sort_keys=True),
                **HELPERS,
            ),
        )


@post("/admin/jobs/{job_id:str}/run", sync_to_thread=True, include_in_schema=False)
def job_run_now(request: Request[Any, Any, Any], job_id: str) -> Redirect:
    actor = _admin_outside_transaction(request, job_id)
    title = admin.job_def(job_id).title
    result = admin.run_now(engine_of(request), actor, job_id, smtp_url=_smtp_url(request))
    flash(request, _result_message(title, result), "error" if result.outcome == "error" else "success")
    return Redirect(path=f"/admin/jobs/{job_id}")


def _result_message(title: str, result: JobResult) -> str:
    if result.outcome == "error":
        return f"{title} failed: {result.error}. The details are in the run history."
    if result.outcome == "skipped":
        return f"{title} was skipped: {result.counts.get('reason', 'nothing to do')}."
    if result.outcome == "already-done":
        return f"{title} has already run for this period."
    return f"{title} ran. Its results are at the top of the run history."


@post("/admin/jobs/{job_id:str}/pause", sync_to_thread=True, include_in_schema=False)
def job_pause(request: Request[Any, Any, Any], job_id: str) -> Redirect:
    actor = _admin_outside_transaction(request, job_id)
    admin.pause(engine_of(request), actor, job_id)
    flash(request, f"Paused {admin.job_def(job_id).title}. It will not run on its schedule until resumed.")
    return Redirect(path="/admin/jobs")


@post("/admin/jobs/{job_id:str}/resume", sync_to_thread=True, include_in_schema=False)
def job_resume(request: Request[Any, Any, Any], job_id: str) -> Redirect:
    actor = _admin_outside_transaction(request, job_id)
    state = admin.resume(engine_of(request), actor, job_id)
    flash(request, f"Resumed {admin.job_def(job_id).title}. Next run: {when(state.next_run_time)}.")
    return Redirect(path="/admin/jobs")


def _admin_outside_transaction(request: Request[Any, Any, Any], job_id: str) -> Any:
    """Check the admin and the job, then leave the request's transaction: the job store and
    jobs write through their own connections (on SQLite a POST's transaction holds the lock)."""
    with unit_of_work(request) as (_session, actor):
        admin.require_admin(actor)
        admin.job_def(job_id)
    return actor


# --- admin: outbox --------------------------------------------------------------------------


@get("/admin/outbox", sync_to_thread=True, include_in_schema=False)
def outbox_page(request: Request[Any, Any, Any], show: str | None = None, page: str | None = None) -> Template:
    pending_only = show == "pending"
    number = _page(page)
    with unit_of_work(request) as (session, actor):
        mails, total = notifications.outbox(
            session, actor, pending_only=pending_only, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
        )
        base = "/admin/outbox?show=pending&page={page}" if pending_only else "/admin/outbox?page={page}"
        return Template(
            "jobs/outbox.html",
            context=page_context(
                request,
                page_title="E-mail outbox",
                nav_active="jobs",
                mails=mails,
                total=total,
                pending=notifications.pending_count(session),
                pending_only=pending_only,
                page=number,
                pages=max(1, -(-total // PAGE_SIZE)),
                page_url=base,
                smtp_configured=bool(_smtp_url(request)),
                **HELPERS,
            ),
        )


@post("/admin/outbox/send", sync_to_thread=True, include_in_schema=False)
def outbox_send(request: Request[Any, Any, Any]) -> Redirect:
    with unit_of_work(request) as (session, actor):
        admin.require_admin(actor)
        try:
            result = notifications.send_outbox(session, _smtp_url(request))
        except (OSError, ValueError) as exc:  # SMTP server unreachable or SMTP_URL malformed
            flash(request, f"Could not send mail: {exc}", "error")
        else:
            if "reason" in result:
                flash(request, f"{result['reason']}.", "info")
            else:
                flash(request, f"Sent {result['sent']} e-mail(s); {result['failed']} failed.")
    return Redirect(path="/admin/outbox")


ROUTES: list[Any] = [
    notifications_page,
    notification_read,
    notification_open,
    notifications_read_all,
    jobs_page,
    job_page,
    job_run_now,
    job_pause,
    job_resume,
    outbox_page,
    outbox_send,
]
