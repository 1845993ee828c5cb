"""Admin pages for the scheduled jobs and the e-mail outbox."""

from __future__ import annotations

import json
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from registry.formatting import date_time
from registry.jobs import services as admin
from registry.jobs.runner import JobResult
from registry.notifications import services as notifications
from registry.web.context import flash, page_context
from registry.web.deps import engine_of, unit_of_work

PAGE_SIZE = 25
OUTCOME_COLOURS = {"ok": "green", "error": "red", "skipped": "grey", "running": "blue"}
OUTCOME_TEXT = {"ok": "Succeeded", "error": "Failed", "skipped": "Skipped", "already-done": "Already done"}


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


# --- admin: jobs ----------------------------------------------------------------------------


def _smtp_url(request: Request[Any, Any, Any]) -> str | None:
    return request.app.state.settings.smtp_url


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
    flash(
        request,
        f"Resumed {admin.job_def(job_id).title}. Next run: {date_time(state.next_run_time, missing='not known yet')}.",
    )
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


ROUTES: list[Any] = [jobs_page, job_page, job_run_now, job_pause, job_resume, outbox_page, outbox_send]
