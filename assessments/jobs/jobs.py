"""The scheduled jobs and the runner that makes each (job, period) run at most once.

run_job() does a job's work, its notifications and its JobRun row in ONE transaction: the
JobRun insert claims the period (unique key), so a second process blocks then sees it done,
and a process killed mid-run leaves nothing behind, so the period simply runs again on restart.
A failing job rolls back and records outcome "error" in a separate transaction; an errored
period may be retried. Items inside a job are idempotent too (notification dedupe keys,
assessment-run period keys, subscription last periods), so an admin's forced "run now" is safe.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assessments.jobs import rules
from assessments.jobs.models import JobRun, ReportSubscription, ToolFlag
from assessments.jobs.notifications import Message, notify_org_role, notify_supplier, send_outbox
from registry.actor import SYSTEM
from registry.changelog import services as changelog
from registry.db import session_scope
from registry.db_types import utcnow
from registry.enums import Role, ToolStatus
from registry.orgs.models import InventoryItem
from registry.tools.models import Accreditation, Tool

log = logging.getLogger(__name__)
LONDON = ZoneInfo("Europe/London")  # periods and fire times follow UK civil time


class JobSkipped(Exception):
    """Raised by a job that cannot do its work this period; recorded as outcome "skipped"."""

    def __init__(self, reason: str, **counts: Any) -> None:
        super().__init__(reason)
        self.counts = {"reason": reason, **counts}


@dataclass
class JobContext:
    session: Session
    now: datetime  # aware, UTC
    today: date  # UK civil date
    period_key: str
    smtp_url: str | None = None
    errors: list[str] = field(default_factory=list)  # per-item failures; work done still commits


JobFunc = Callable[[JobContext], dict[str, Any]]


@dataclass(frozen=True)
class JobDef:
    id: str
    title: str
    description: str
    func: JobFunc
    period: rules.PeriodKind = "daily"
    hour: int = 2
    minute: int = 0

    @property
    def schedule_text(self) -> str:
        if self.period == "hourly":
            return f"Every hour at {self.minute:02d} minutes past"
        return f"Every day at {self.hour:02d}:{self.minute:02d} (UK time)"


@dataclass
class JobResult:
    job_id: str
    period_key: str
    outcome: str  # ok | error | skipped | already-done
    counts: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


JOBS: dict[str, JobDef] = {}


def register(job: JobDef) -> JobDef:
    JOBS[job.id] = job
    return job


# --- runner ---------------------------------------------------------------------------------


@dataclass
class _Config:
    engine: Engine | None = None
    smtp_url: str | None = None


CONFIG = _Config()


def configure(engine: Engine, smtp_url: str | None) -> None:
    """Set what run_scheduled() uses (APScheduler calls it by import path, with the job id only)."""
    CONFIG.engine, CONFIG.smtp_url = engine, smtp_url


def run_scheduled(job_id: str) -> None:
    """APScheduler's entry point. Never raises: a crashing job must not stop the scheduler."""
    engine = CONFIG.engine
    if engine is None:
        from registry.db import make_engine
        from registry.settings import load_settings

        settings = load_settings()
        configure(make_engine(settings.database_url), settings.smtp_url)
        engine = CONFIG.engine
    assert engine is not None
    try:
        result = run_job(engine, job_id, trigger="scheduled", smtp_url=CONFIG.smtp_url)
        log.info("job %s %s: %s %s", job_id, result.period_key, result.outcome, result.counts)
    except Exception:  # pragma: no cover - run_job already records errors; this is a last guard
        log.exception("job %s failed outside its run", job_id)


def local_now(now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(LONDON)


def current_period(job: JobDef, now: datetime | None = None) -> str:
    return rules.period_key(job.period, local_now(now))


def run_job(
    engine: Engine,
    job_id: str,
    *,
    now: datetime | None = None,
    trigger: str = "scheduled",
    force: bool = False,
    smtp_url: str | None = None,
) -> JobResult:
    """Run one job for the current period unless that period already ran (or force=True, which
    runs it under a separate manual period key)."""
    job = JOBS[job_id]
    now = (now or datetime.now(UTC)).astimezone(UTC)
    local = local_now(now)
    key = rules.period_key(job.period, local)
    if force:
        key = f"{key}/manual-{local:%H%M%S.%f}"[:60]
    try:
        with session_scope(engine, write=True) as session:
            row = _claim(session, job_id, key, trigger)
            if row is None:
                return JobResult(job_id, key, "already-done")
            ctx = JobContext(session, now, local.date(), key, smtp_url=smtp_url)
            try:
                counts, outcome = job.func(ctx), "ok"
            except JobSkipped as skip:
                counts, outcome = skip.counts, "skipped"
            if ctx.errors:
                outcome = "error"
            row.outcome, row.counts, row.finished_at = outcome, _jsonable(counts), utcnow()
            row.error = "\n".join(ctx.errors)[:8000] if ctx.errors else None
            session.add(row)
        return JobResult(job_id, key, outcome, row.counts, row.error)
    except IntegrityError:
        return JobResult(job_id, key, "already-done")  # another process claimed the period first
    except Exception as exc:
        log.exception("job %s (%s) failed", job_id, key)
        text = traceback.format_exc()[-8000:]
        _record_error(engine, job_id, key, trigger, text)
        return JobResult(job_id, key, "error", error=f"{type(exc).__name__}: {exc}")


def _claim(session: Session, job_id: str, key: str, trigger: str) -> JobRun | None:
    """The JobRun row for this period, locked; None when the period already completed."""
    existing = session.execute(
        select(JobRun).where(JobRun.job_id == job_id, JobRun.period_key == key).with_for_update()
    ).scalar_one_or_none()
    if existing is not None and existing.outcome != "error":
        return None
    row = existing or JobRun(job_id=job_id, period_key=key, trigger=trigger, attempts=0)
    row.attempts += 1
    row.trigger, row.started_at, row.finished_at, row.outcome = trigger, utcnow(), None, "error"
    session.add(row)
    session.flush()  # the unique index now holds the period for this transaction
    return row


def _record_error(engine: Engine, job_id: str, key: str, trigger: str, text: str) -> None:
    try:
        with session_scope(engine, write=True) as session:
            row = session.execute(
                select(JobRun).where(JobRun.job_id == job_id, JobRun.period_key == key)
            ).scalar_one_or_none()
            if row is None:
                row = JobRun(job_id=job_id, period_key=key, trigger=trigger, attempts=1)
            elif row.outcome != "error":
                return  # another process completed it meanwhile
            else:
                row.attempts += 1
            row.outcome, row.error, row.finished_at, row.counts = "error", text, utcnow(), {}
            session.add(row)
    except Exception:  # noqa: BLE001 - recording must never take the scheduler down
        log.exception("could not record the failure of job %s", job_id)


def run_all(
    engine: Engine,
    *,
    now: datetime | None = None,
    trigger: str = "cli",
    force: bool = False,
    smtp_url: str | None = None,
) -> list[JobResult]:
    """Every job once, each isolated: one crashing job never stops the others."""
    return [run_job(engine, job_id, now=now, trigger=trigger, force=force, smtp_url=smtp_url) for job_id in JOBS]


def history(session: Session, job_id: str, *, limit: int = 50) -> list[JobRun]:
    stmt = select(JobRun).where(JobRun.job_id == job_id).order_by(JobRun.started_at.desc(), JobRun.id.desc())  # type: ignore[attr-defined,union-attr]
    return list(session.execute(stmt.limit(limit)).scalars())


def last_runs(session: Session) -> dict[str, JobRun]:
    out: dict[str, JobRun] = {}
    for job_id in JOBS:
        rows = history(session, job_id, limit=1)
        if rows:
            out[job_id] = rows[0]
    return out


def last_done_period(session: Session, job_id: str) -> str | None:
    """The newest period that completed (ok or skipped); used to detect runs missed in downtime."""
    stmt = (
        select(JobRun.period_key)
        .where(
            JobRun.job_id == job_id,
            JobRun.outcome.in_(("ok", "skipped")),  # type: ignore[attr-defined]
            ~JobRun.period_key.contains("/manual-"),
        )
        .order_by(  # type: ignore[attr-defined]
            JobRun.started_at.desc(), JobRun.id.desc()
        )
        .limit(1)
    )  # type: ignore[attr-defined,union-attr]
    return session.execute(stmt).scalar()


def _jsonable(data: Any) -> Any:
    import json

    return json.loads(json.dumps(data, default=str))


# --- listing hygiene ------------------------------------------------------------------------


def _tool_link(tool_id: int) -> str:
    return f"/supplier/tools/{tool_id}/edit/about"


def listing_hygiene(ctx: JobContext) -> dict[str, Any]:
    """Flag published tools not reviewed for 12 months (and unflag fixed ones), warn suppliers
    about accreditations expiring within 60 days or expired, and keep tool_flag in step."""
    counts: dict[str, Any] = {"notifications": 0}
    wanted: dict[tuple[int, str], str] = {}
    _stale_pass(ctx, counts, wanted)
    _accreditation_pass(ctx, counts, wanted)
    added, removed = _sync_flags(ctx.session, wanted)
    counts.update(flags_added=added, flags_removed=removed)
    return counts


def _stale_pass(ctx: JobContext, counts: dict[str, Any], wanted: dict[tuple[int, str], str]) -> None:
    session, today = ctx.session, ctx.today
    rows = session.execute(
        select(Tool.id, Tool.supplier_id, Tool.name, Tool.last_reviewed, Tool.stale, Tool.status)
    ).all()
    flag_on: list[int] = []
    flag_off: list[int] = []
    stale_rows = []
    for r in rows:
        want = r.status == ToolStatus.PUBLISHED.value and rules.is_stale(r.last_reviewed, today)
        if want:
            stale_rows.append(r)
            reviewed = r.last_reviewed.isoformat() if r.last_reviewed else "never"
            wanted[(r.id, "stale")] = f"Last reviewed: {reviewed}"
        if want != bool(r.stale):
            (flag_on if want else flag_off).append(r.id)
    for ids, value in ((flag_on, True), (flag_off, False)):
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            session.execute(update(Tool).where(Tool.id.in_(chunk)).values(stale=value))  # type: ignore[union-attr]
        for tool_id in ids:
            changelog.record(
                session,
                SYSTEM,
                "flag_stale" if value else "unflag_stale",
                "tool",
                tool_id,
                before={"stale": not value},
                after={"stale": value},
                summary="Marked out of date (not reviewed for 12 months)" if value else "No longer out of date",
            )
    if flag_on or flag_off:
        changelog.bump_generation(session)  # search indexes in every process pick the flag up
    for r in stale_rows:
        reviewed = r.last_reviewed.strftime("%-d %B %Y") if r.last_reviewed else "never"
        msg = Message(
            "listing_stale",
            f"Review your listing: {r.name}",
            f"{r.name} was last reviewed {'on ' + reviewed if r.last_reviewed else 'never'}, more than "
            "12 months ago. Buyers see it marked as out of date until you review and resubmit it.",
            _tool_link(r.id),
        )
        counts["notifications"] += notify_supplier(
            session, r.supplier_id, msg, dedupe_key=f"tool-stale:{r.id}:{r.last_reviewed}"
        )
    counts.update(tools_checked=len(rows), stale=len(stale_rows), newly_stale=len(flag_on), unflagged=len(flag_off))


def _accreditation_pass(ctx: JobContext, counts: dict[str, Any], wanted: dict[tuple[int, str], str]) -> None:
    session, today = ctx.session, ctx.today
    horizon = rules.add_days(today, rules.ACCREDITATION_WARN_DAYS)
    rows = session.execute(
        select(
            Accreditation.id,
            Accreditation.tool_id,
            Accreditation.name,
            Accreditation.expires_on,
            Accreditation.mandatory,
            Tool.supplier_id,
            Tool.name.label("tool_name"),
        )
        .join(Tool, Tool.id == Accreditation.tool_id)
        .where(
            Tool.status == ToolStatus.PUBLISHED.value,
            Accreditation.expires_on.is_not(None),  # type: ignore[union-attr]
            Accreditation.expires_on <= horizon,
        )  # type: ignore[operator]
        .order_by(Accreditation.id)
    ).all()
    expiring = expired = mandatory = 0
    for r in rows:
        state = rules.accreditation_state(r.expires_on, today)
        when = rules.days_left_text(rules.days_between(today, r.expires_on))
        on = r.expires_on.strftime("%-d %B %Y")
        if state == "expiring":
            expiring += 1
            _add_detail(wanted, (r.tool_id, "accreditation_expiring"), f"{r.name} expires {on}")
            msg = Message(
                "accreditation_expiring",
                f"{r.name} for {r.tool_name} expires {when}",
                f"The {r.name} accreditation recorded for {r.tool_name} expires on {on}. Upload the "
                "renewed certificate and its new expiry date so buyers can keep relying on it.",
                _tool_link(r.tool_id),
            )
            counts["notifications"] += notify_supplier(
                session, r.supplier_id, msg, dedupe_key=f"accreditation-expiring:{r.id}:{r.expires_on}"
            )
        elif state == "expired":
            expired += 1
            _add_detail(wanted, (r.tool_id, "accreditation_expired"), f"{r.name} expired {on}")
            msg = Message(
                "accreditation_expired",
                f"{r.name} for {r.tool_name} has expired",
                f"The {r.name} accreditation recorded for {r.tool_name} expired on {on}."
                + (" It is mandatory for this tool, so buyers see the listing flagged." if r.mandatory else ""),
                _tool_link(r.tool_id),
            )
            counts["notifications"] += notify_supplier(
                session, r.supplier_id, msg, dedupe_key=f"accreditation-expired:{r.id}:{r.expires_on}"
            )
            if r.mandatory:
                mandatory += 1
                _add_detail(wanted, (r.tool_id, "mandatory_accreditation_expired"), f"{r.name} expired {on}")
                counts["notifications"] += _warn_owning_orgs(session, r, on)
    counts.update(accreditations_expiring=expiring, accreditations_expired=expired, mandatory_expired=mandatory)


def _add_detail(wanted: dict[tuple[int, str], str], key: tuple[int, str], text: str) -> None:
    wanted[key] = f"{wanted[key]}; {text}"[:500] if key in wanted else text[:500]


def _warn_owning_orgs(session: Session, r: Any, on: str) -> int:
    """Buyers running a tool whose mandatory accreditation lapsed should know too."""
    orgs = session.execute(
        select(InventoryItem.organisation_id).where(InventoryItem.tool_id == r.tool_id).distinct()
    ).scalars()
    sent = 0
    for org in orgs:
        msg = Message(
            "inventory_accreditation_expired",
            f"{r.tool_name}: mandatory {r.name} has expired",
            f"{r.tool_name}, which your organisation uses, lost its mandatory {r.name} accreditation on {on}.",
            f"/tools/{r.tool_id}",
        )
        sent += notify_org_role(
            session, org, Role.CAPABILITY_LEAD, msg, dedupe_key=f"inventory-accreditation-expired:{r.id}:{r.expires_on}"
        )
    return sent


def _sync_flags(session: Session, wanted: dict[tuple[int, str], str]) -> tuple[int, int]:
    existing = {(f.tool_id, f.flag): f for f in session.execute(select(ToolFlag)).scalars()}
    gone = [f.id for key, f in existing.items() if key not in wanted]
    for start in range(0, len(gone), 500):
        session.execute(delete(ToolFlag).where(ToolFlag.id.in_(gone[start : start + 500])))  # type: ignore[union-attr]
    added = 0
    for key, detail in wanted.items():
        row = existing.get(key)
        if row is None:
            session.add(ToolFlag(tool_id=key[0], flag=key[1], detail=detail))
            added += 1
        elif row.detail != detail:
            row.detail = detail
            session.add(row)
    return added, len(gone)


# --- scheduled re-assessment ----------------------------------------------------------------


def reassess(ctx: JobContext) -> dict[str, Any]:
    """Run each weekly/monthly assessment once per its period, so history builds up."""
    from assessments import services as assessment_services
    from assessments.models import Assessment, AssessmentRun

    session, today = ctx.session, ctx.today
    assessments = list(
        session.execute(
            select(Assessment).where(Assessment.schedule.in_(("weekly", "monthly"))).order_by(Assessment.id)
        ).scalars()
    )  # type: ignore[attr-defined]
    ran = already = failed = notified = 0
    for a in assessments:
        key = rules.period_key(a.schedule, today)  # type: ignore[arg-type]
        if session.execute(
            select(AssessmentRun.id).where(AssessmentRun.assessment_id == a.id, AssessmentRun.period_key == key)
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


# --- scheduled reports ----------------------------------------------------------------------

ReportGenerator = Callable[..., Any]


def report_generator() -> ReportGenerator | None:
    """assessments.reports.service.generate, once the reports package provides it."""
    import importlib

    try:
        module = importlib.import_module("assessments.reports.service")
    except ModuleNotFoundError as exc:
        if exc.name in ("assessments.reports.service", "assessments.reports"):
            return None
        raise
    return getattr(module, "generate", None)


def scheduled_reports(ctx: JobContext) -> dict[str, Any]:
    """Generate each active subscription's report once per week/month into the org's library."""
    session, today = ctx.session, ctx.today
    subs = list(
        session.execute(
            select(ReportSubscription)
            .where(ReportSubscription.active.is_(True))  # type: ignore[attr-defined]
            .order_by(ReportSubscription.created_at, ReportSubscription.id)
        ).scalars()
    )
    due = [(s, key) for s in subs if (key := rules.due(s.schedule, s.last_period_key, today))]
    generate = report_generator()
    if generate is None:
        raise JobSkipped(
            "report service not available (assessments.reports.service.generate is missing)",
            subscriptions=len(subs),
            due=len(due),
        )
    made = failed = 0
    for sub, key in due:
        try:
            with session.begin_nested():
                report = generate(
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


# --- licence renewals -----------------------------------------------------------------------


def licence_renewals(ctx: JobContext) -> dict[str, Any]:
    """Warn an organisation's capability leads 90 and 30 days before a licence ends (and when it
    has ended), once per item and threshold."""
    session, today = ctx.session, ctx.today
    horizon = rules.add_days(today, max(rules.LICENCE_THRESHOLDS))
    rows = session.execute(
        select(
            InventoryItem.id, InventoryItem.organisation_id, InventoryItem.licence_end, InventoryItem.tool_id, Tool.name
        )
        .join(Tool, Tool.id == InventoryItem.tool_id)
        .where(InventoryItem.licence_end.is_not(None), InventoryItem.licence_end <= horizon)  # type: ignore[union-attr,operator]
        .order_by(InventoryItem.id)
    ).all()
    warned = notified = 0
    for r in rows:
        band = rules.licence_threshold(r.licence_end, today)
        if band is None:
            continue
        on = r.licence_end.strftime("%-d %B %Y")
        if band == "ended":
            title, body = f"Licence ended: {r.name}", f"Your licence for {r.name} ended on {on}."
        else:
            left = rules.days_between(today, r.licence_end)
            title = f"Licence renewal due: {r.name}"
            body = f"Your licence for {r.name} ends on {on} ({rules.days_left_text(left)}). Decide whether to renew."
        sent = notify_org_role(
            session,
            r.organisation_id,
            Role.CAPABILITY_LEAD,
            Message("licence_renewal", title, body, "/inventory"),
            dedupe_key=f"licence:{r.id}:{r.licence_end}:{band}",
        )
        warned += 1 if sent else 0
        notified += sent
    return {"items_in_window": len(rows), "items_warned": warned, "notifications": notified}


# --- outbox ---------------------------------------------------------------------------------


def outbox_delivery(ctx: JobContext) -> dict[str, Any]:
    if not ctx.smtp_url:
        from assessments.jobs.notifications import pending_count

        raise JobSkipped("SMTP_URL is not set; mail stays in the outbox", queued=pending_count(ctx.session))
    return send_outbox(ctx.session, ctx.smtp_url)


register(
    JobDef(
        "listing_hygiene",
        "Listing hygiene",
        "Marks listings not reviewed for 12 months as out of date and warns suppliers about "
        "accreditations expiring within 60 days or expired.",
        listing_hygiene,
        hour=2,
        minute=0,
    )
)
register(
    JobDef(
        "licence_renewals",
        "Licence renewals",
        "Warns capability leads 90 and 30 days before an inventory licence ends.",
        licence_renewals,
        hour=2,
        minute=30,
    )
)
register(
    JobDef(
        "reassess",
        "Scheduled assessments",
        "Runs weekly and monthly gap assessments once per period and tells the capability leads.",
        reassess,
        hour=3,
        minute=0,
    )
)
register(
    JobDef(
        "scheduled_reports",
        "Scheduled reports",
        "Generates subscribed reports into each organisation's report library.",
        scheduled_reports,
        hour=4,
        minute=0,
    )
)
register(
    JobDef(
        "outbox",
        "E-mail delivery",
        "Sends queued e-mail when SMTP_URL is set.",
        outbox_delivery,
        period="hourly",
        minute=15,
    )
)
