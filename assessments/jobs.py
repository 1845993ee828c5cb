"""The scheduled re-assessment job: weekly and monthly gap assessments, once per period."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    select,
)
from sqlmodel import col

from registry.actor import SYSTEM
from registry.enums import Role
from registry.jobs import periods
from registry.jobs.runner import JobContext, JobDef, log
from registry.notifications.services import Message, notify_org_role

# --- scheduled re-assessment ----------------------------------------------------------------

# The schedules this job runs, each with the period that names a run (one run per period).
SCHEDULED_PERIODS: dict[str, periods.PeriodKind] = {"weekly": "weekly", "monthly": "monthly"}


def reassess(ctx: JobContext) -> dict[str, Any]:
    """Run each weekly/monthly assessment once per its period, so history builds up."""
    from assessments import services as assessment_services
    from assessments.models import Assessment, AssessmentRun

    session, today = ctx.session, ctx.today
    assessments = list(
        session.execute(
            select(Assessment)
            .where(col(Assessment.schedule).in_(tuple(SCHEDULED_PERIODS)))
            .order_by(col(Assessment.id))
        ).scalars()
    )
    ran = already = failed = notified = 0
    for a in assessments:
        key = periods.period_key(SCHEDULED_PERIODS[a.schedule], today)
        if session.execute(
            select(col(AssessmentRun.id)).where(
                col(AssessmentRun.assessment_id) == a.id, col(AssessmentRun.period_key) == key
            )
        ).first():
            already += 1
            continue
        try:
            with session.begin_nested():  # one failing assessment must not undo the others
                run = assessment_services.run(session, SYSTEM, a, trigger="scheduled", period_key=key, on=today)
        except Exception as exc:  # noqa: BLE001
            failed += 1
            ctx.errors.append(f"assessment {a.id} ({a.name}): {type(exc).__name__}: {exc}")
            log.exception("scheduled run of assessment %s failed", a.id)
            continue
        ran += 1
        score = (
            "no score"
            if run.overall_score is None
            else f"coverage score {run.overall_score:.0%}"
            if run.overall_score <= 1
            else f"coverage score {run.overall_score:.1f}"
        )
        msg = Message(
            "assessment_run",
            f"Scheduled assessment ran: {a.name}",
            f"The {a.schedule} run for {key} is ready: {score}; {run.none_count} requirement(s) with "
            f"no coverage, {run.partial_count} partly covered.",
            f"/assessments/{a.id}/runs/{run.id}",
        )
        notified += notify_org_role(
            session, a.organisation_id, Role.CAPABILITY_LEAD, msg, dedupe_key=f"assessment-run:{a.id}:{key}"
        )
    return {
        "scheduled_assessments": len(assessments),
        "ran": ran,
        "already_ran": already,
        "failed": failed,
        "notifications": notified,
    }


REASSESS = JobDef(
    "reassess",
    "Scheduled assessments",
    "Runs weekly and monthly gap assessments once per period and tells the capability leads.",
    reassess,
    hour=3,
    minute=0,
)
