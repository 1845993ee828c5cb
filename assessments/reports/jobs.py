"""The scheduled-reports job: each active subscription's report once per week or month."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import col

from assessments.reports import services
from assessments.reports.models import ReportSubscription
from registry.actor import SYSTEM
from registry.enums import Role
from registry.jobs import periods
from registry.jobs.runner import JobContext, JobDef
from registry.notifications.services import Message, notify_org_role


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


SCHEDULED_REPORTS = JobDef(
    "scheduled_reports",
    "Scheduled reports",
    "Generates subscribed reports into each organisation's report library.",
    scheduled_reports,
    hour=4,
    minute=0,
)
