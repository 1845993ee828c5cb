"""Report background work: rendering a requested report (a queue task, run by a worker
process), the scheduled-reports job (each active subscription's report once per week or month)
and the expiry of reports whose generation was lost (a scheduled job, so no GET ever writes)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from assessments.reports import services
from assessments.reports.models import ReportSubscription, StoredReport
from registry.actor import SYSTEM
from registry.db import in_write_transaction, session_scope
from registry.db_types import utcnow
from registry.enums import Role
from registry.jobs import periods
from registry.jobs.queue import Task
from registry.jobs.runner import JobContext, JobDef
from registry.notifications.services import Message, notify_org_role

log = logging.getLogger(__name__)


# --- rendering a requested report (queue task) -------------------------------------------------


def _begin(session: Session, report_id: str) -> StoredReport | None:
    row = session.get(StoredReport, report_id, options=[services.WITHOUT_CONTENT])
    if row is None or row.status in ("done", "failed"):
        return None  # deleted, or finished by an earlier attempt: nothing to do
    row.status, row.progress, row.started_at, row.error = "running", 10, utcnow(), ""
    session.flush()
    session.expunge(row)
    return row


def _progress(report_id: str, value: int) -> Any:
    def write(session: Session) -> None:
        row = session.get(StoredReport, report_id, options=[services.WITHOUT_CONTENT])
        if row is not None and row.status == "running":
            row.progress = value

    return write


def render_report(task: Task) -> None:
    """Build (read transaction), render (no transaction held: seconds of CPU for a large PDF),
    then store the bytes, the done status and the queue job's completion in one fenced write."""
    report_id = str(task.payload["report_id"])
    row = in_write_transaction(task.engine, lambda s: _begin(s, report_id), what=f"start report {report_id}")
    if row is None:
        return
    try:
        with session_scope(task.engine) as session:
            report = services.build_report(
                session,
                kind=row.kind,
                source_id=row.source_id,
                organisation_id=row.organisation_id,
                marking=row.marking,
                generated_by=row.created_by_label or "unknown",
                compact=row.format in services.COMPACT_FORMATS,
            )
        in_write_transaction(task.engine, _progress(report_id, 40), what=f"progress of report {report_id}")
        content = services.render(report, row.format)
    except Exception as exc:  # noqa: BLE001 - shown on the report, recorded on the job, logged
        log.exception("report %s failed", report_id)
        error = f"{type(exc).__name__}: {exc}"[:2000]

        def record_failure(session: Session) -> None:
            stored = session.get(StoredReport, report_id, options=[services.WITHOUT_CONTENT])
            if stored is not None and stored.status != "done":
                stored.status, stored.error, stored.finished_at = "failed", error, utcnow()
            task.finish(session, status="failed", error=error)

        in_write_transaction(task.engine, record_failure, what=f"record the failure of report {report_id}")
        return

    def store(session: Session) -> None:
        task.finish(session)  # first: raises LeaseLost (and rolls back) if another worker owns it
        stored = session.get(StoredReport, report_id)
        if stored is not None and stored.status != "done":
            services.store_rendered(stored, report, content)

    # A LeaseLost from here reaches the worker, which discards this attempt's result.
    in_write_transaction(task.engine, store, what=f"store report {report_id}")


def scheduled_reports(ctx: JobContext) -> dict[str, Any]:
    """Generate each active subscription's report once per week/month into the org's library."""
    session, today = ctx.session, ctx.today
    subs = list(
        session.execute(
            select(ReportSubscription)
            .where(col(ReportSubscription.active).is_(True))
            .order_by(col(ReportSubscription.created_at), col(ReportSubscription.id))
        ).scalars()
    )
    due = [(s, key) for s in subs if (key := periods.due(s.schedule, s.last_period_key, today))]
    made = failed = 0
    for sub, key in due:
        try:
            with session.begin_nested():
                report = services.generate(
                    session,
                    SYSTEM,
                    organisation_id=sub.organisation_id,
                    kind=sub.kind,
                    fmt=sub.format,
                    source_id=sub.source_id,
                    marking=sub.marking,
                    period_key=key,
                    subscription_id=sub.id,
                )
                sub.last_period_key = key
                session.add(sub)
        except Exception as exc:  # noqa: BLE001
            failed += 1
            ctx.errors.append(f"subscription {sub.id}: {type(exc).__name__}: {exc}")
            continue
        made += 1
        title = getattr(report, "title", None) or f"{sub.kind.replace('_', ' ')} report"
        report_id = getattr(report, "id", None)
        msg = Message(
            "report_ready",
            f"Scheduled report ready: {title}",
            f"Your {sub.schedule} {sub.format.upper()} report for {key} is in your report library.",
            f"/reports/{report_id}" if report_id else "/reports",
        )
        notify_org_role(session, sub.organisation_id, Role.CAPABILITY_LEAD, msg, dedupe_key=f"report:{sub.id}:{key}")
    return {"subscriptions": len(subs), "due": len(due), "generated": made, "failed": failed}


def expire_lost_reports(ctx: JobContext) -> dict[str, Any]:
    return {"expired": services.expire_lost(ctx.session, ctx.now)}


EXPIRE_LOST_REPORTS = JobDef(
    "expire_lost_reports",
    "Expire lost reports",
    f"Marks failed any report still waiting or generating {services.STALE_JOB.seconds // 60} minutes after "
    "it was requested, so its requester can ask again.",
    expire_lost_reports,
    period="hourly",
    minute=20,
)

SCHEDULED_REPORTS = JobDef(
    "scheduled_reports",
    "Scheduled reports",
    "Generates subscribed reports into each organisation's report library.",
    scheduled_reports,
    hour=4,
    minute=0,
)
