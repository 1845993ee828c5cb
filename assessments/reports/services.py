"""Stored reports: request → generate in a background worker → store the bytes → download.

Two ways in:

* ``request`` (pages and API): the request transaction stores a *queued* report and its
  background job (registry/jobs/queue.py). A worker process (assessments/reports/jobs.py)
  builds the report model, renders it (WeasyPrint is single-threaded and slow, so never in the
  process serving pages) and stores the bytes, updating ``progress`` as it goes. Clients poll.
* ``generate`` (scheduler, CLI, tests): the same work synchronously in the caller's session::

      report = generate(session, actor, kind="capability_gap", source_id=run_or_assessment_id,
                        fmt="pdf", marking="OFFICIAL", organisation_id=org_id)

Only members of the owning organisation (capability leads and procurement officers) and
admins see a report; anyone else gets the same 404 as for an id that does not exist.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import select, update
from sqlalchemy.orm import QueryableAttribute, Session, defer
from sqlmodel import col

from assessments import services as assessment_services
from assessments.engine import AssessmentResult
from assessments.evaluations import services as evaluations
from assessments.models import Assessment, AssessmentRun
from assessments.reports.common import ReportMeta
from assessments.reports.document import MARKINGS, REPORT_KIND_LABELS, Report
from assessments.reports.formats import REPORT_FORMATS
from assessments.reports.gap_report import GapReportData, RunPoint, build_gap_report
from assessments.reports.models import StoredReport
from assessments.reports.procurement_report import (
    PROCUREMENT_KINDS,
    ProcurementData,
    ToolFacts,
    build_procurement_report,
)
from registry.accounts.models import Organisation
from registry.actor import Actor
from registry.changelog import services as changelog
from registry.db_types import rows_affected, today, utcnow
from registry.enums import Role
from registry.errors import InvalidInput, NotFound
from registry.formatting import short_date
from registry.jobs.queue import enqueue
from registry.shortlists.models import Shortlist, ShortlistItem
from registry.tools import publication

log = logging.getLogger(__name__)

ENTITY = "report"
# Load a report row without its bytes. SQLModel types the column as bytes; defer() wants the
# mapped attribute it really is.
WITHOUT_CONTENT = defer(cast(QueryableAttribute[Any], col(StoredReport.content)))
READ_ROLES = (Role.CAPABILITY_LEAD, Role.PROCUREMENT_OFFICER)
KINDS = ("capability_gap", "procurement", "evaluation")
KIND_ALIASES = {"gap_assessment": "capability_gap", "gap": "capability_gap"}
# The kinds a person can request (the project record is built on the project page).
KIND_LABELS = {k: v for k, v in REPORT_KIND_LABELS.items() if k != "project_record"}
# format -> (content type, file extension) and format -> label, from the one format registry.
FORMATS: dict[str, tuple[str, str]] = {f.name: (f.content_type, f.extension) for f in REPORT_FORMATS.values()}
FORMAT_LABELS = {f.name: f.label for f in REPORT_FORMATS.values()}
# A job still queued or running after this long was lost (e.g. the process restarted).
STALE_JOB = timedelta(minutes=15)
# Read by people: least covered gaps only (see builders).
COMPACT_FORMATS = tuple(f.name for f in REPORT_FORMATS.values() if f.compact)
HTML_START, HTML_END = "<!-- report:start -->", "<!-- report:end -->"

RENDER_TASK = "render_report"  # the queue task kind (assessments/reports/jobs.py)


@dataclass(frozen=True, slots=True)
class Source:
    kind: str
    source_id: str
    organisation_id: int
    title: str


# ---------------------------------------------------------------- sources and permissions


def normalise_kind(kind: str) -> str:
    kind = KIND_ALIASES.get(kind, kind)
    if kind not in KINDS:
        raise InvalidInput(f"Unknown report kind {kind!r}.", fields={"kind": f"Choose one of {', '.join(KINDS)}"})
    return kind


def _check_choice(fmt: str, marking: str) -> None:
    errors = {}
    if fmt not in FORMATS:
        errors["format"] = "Choose a format: " + ", ".join(FORMATS)
    if marking not in MARKINGS:
        errors["marking"] = "Choose a protective marking"
    if errors:
        raise InvalidInput("Check the report options.", fields=errors)


def _latest_run(session: Session, assessment_id: str) -> AssessmentRun | None:
    stmt = select(AssessmentRun).where(col(AssessmentRun.assessment_id) == assessment_id)
    return session.execute(stmt.order_by(col(AssessmentRun.run_at).desc()).limit(1)).scalar_one_or_none()


def resolve_source(session: Session, actor: Actor, kind: str, source_id: str) -> Source:
    """What the report is about, checked against what ``actor`` may see (404 otherwise).

    capability_gap: an assessment run id, or an assessment id (its latest run).
    evaluation: an evaluation id. procurement: an evaluation id, or one of your shortlists' ids.
    """
    kind = normalise_kind(kind)
    source_id = (source_id or "").strip()
    if not source_id:
        raise InvalidInput("Say what the report is about.", fields={"source_id": "Enter a source id"})
    if kind == "capability_gap":
        run = session.get(AssessmentRun, source_id)
        if run is None:
            assessment = assessment_services.get_visible(session, actor, source_id)
            run = _latest_run(session, assessment.id)
            if run is None:
                raise InvalidInput(
                    "Run the assessment before generating a report.",
                    fields={"source_id": "This assessment has not been run yet"},
                )
        assessment = assessment_services.get_visible(session, actor, run.assessment_id)
        return Source(kind, run.id, run.organisation_id, f"{assessment.name} (run of {short_date(run.run_at)})")
    if kind == "procurement" and source_id.isdecimal():
        shortlist = session.get(Shortlist, int(source_id))
        if shortlist is None or shortlist.user_id != actor.user_id:  # private to the owner
            raise NotFound("No such shortlist.")
        return Source(kind, source_id, shortlist.organisation_id, f"Shortlist: {shortlist.name}")
    evaluation = evaluations.get_visible(session, actor, source_id)
    return Source(kind, evaluation.id, evaluation.organisation_id, f"Evaluation: {evaluation.name}")


def _scope(actor: Actor, stmt: Any) -> Any:
    if actor.is_admin:
        return stmt
    if actor.role not in READ_ROLES or actor.organisation_id is None:
        return stmt.where(False)
    return stmt.where(col(StoredReport.organisation_id) == actor.organisation_id)


LOST_ERROR = "Generation was interrupted; request the report again."


def expire_lost(session: Session, now: datetime) -> int:
    """Mark failed every report still queued or running STALE_JOB after it was requested (its
    worker and every retry are gone). Run by the scheduler (assessments/reports/jobs.py), never
    by a read: a GET must not write. Returns how many it expired."""
    result = session.execute(
        update(StoredReport)
        .where(col(StoredReport.status).in_(("queued", "running")), col(StoredReport.created_at) < now - STALE_JOB)
        .values(status="failed", error=LOST_ERROR, finished_at=now)
    )
    return rows_affected(result)


def get_visible(session: Session, actor: Actor, report_id: str) -> StoredReport:
    actor.require_auth()
    stmt = _scope(
        actor,
        select(StoredReport).options(WITHOUT_CONTENT).where(col(StoredReport.id) == report_id),
    )
    row = session.execute(stmt).scalar_one_or_none()
    if row is None:
        raise NotFound("No such report.")
    return row


def library(session: Session, actor: Actor, *, limit: int = 200) -> list[StoredReport]:
    """The organisation's reports, newest first (without their bytes)."""
    actor.require_auth()
    stmt = _scope(
        actor,
        select(StoredReport).options(WITHOUT_CONTENT).order_by(col(StoredReport.created_at).desc()).limit(limit),
    )
    return list(session.execute(stmt).scalars())


def content_of(session: Session, actor: Actor, report_id: str) -> tuple[StoredReport, bytes]:
    row = get_visible(session, actor, report_id)
    if row.status != "done":
        raise NotFound("This report is not ready yet.")
    data = session.execute(select(col(StoredReport.content)).where(col(StoredReport.id) == row.id)).scalar_one()
    return row, bytes(data or b"")


def html_fragment(document: bytes) -> str:
    """The report <article> inside a stored HTML document (for showing it inside a site page)."""
    text = document.decode("utf-8")
    start, end = text.find(HTML_START), text.find(HTML_END)
    return text[start + len(HTML_START) : end] if 0 <= start < end else ""


# ---------------------------------------------------------------- building and rendering


def _org_name(session: Session, organisation_id: int) -> str:
    org = session.get(Organisation, organisation_id)
    return org.name if org else ""


def _gap_data(session: Session, run_id: str) -> GapReportData:
    run = session.get(AssessmentRun, run_id)
    if run is None:
        raise NotFound("The assessment run no longer exists.")
    assessment = session.get(Assessment, run.assessment_id)
    history_rows = session.execute(
        select(col(AssessmentRun.id), col(AssessmentRun.run_at), col(AssessmentRun.overall_score))
        .where(col(AssessmentRun.assessment_id) == run.assessment_id, col(AssessmentRun.run_at) <= run.run_at)
        .order_by(col(AssessmentRun.run_at))
    ).all()
    history = [RunPoint(r.id, r.run_at, r.overall_score) for r in history_rows]
    previous = previous_at = None
    if len(history) > 1:
        prev = session.get(AssessmentRun, history[-2].run_id)
        if prev is not None:
            previous, previous_at = AssessmentResult.from_dict(prev.result), prev.run_at
    return GapReportData(
        assessment_name=assessment.name if assessment else "Assessment",
        run_id=run.id,
        run_at=run.run_at,
        result=AssessmentResult.from_dict(run.result),
        recommendation=run.recommendation,
        inputs=run.inputs,
        history=history,
        previous=previous,
        previous_run_at=previous_at,
    )


def _with_first_publication(session: Session, facts: list[ToolFacts]) -> list[ToolFacts]:
    """The hygiene rule counts a never-reviewed listing from its first publication."""
    first = publication.first_published(session, [f.tool_id for f in facts])
    return [replace(f, first_published=first.get(f.tool_id)) for f in facts]


def _evaluation_data(session: Session, evaluation_id: str) -> ProcurementData:
    evaluation = session.get(evaluations.Evaluation, evaluation_id)
    if evaluation is None:
        raise NotFound("The evaluation no longer exists.")
    tools = evaluations.tool_rows(session, evaluation.id)
    facts = evaluations.tool_facts(
        session,
        [t.tool_id for t in tools],
        chosen_versions={t.tool_id: t.tool_version for t in tools},
        prices={t.tool_id: t.price for t in tools},
    )
    facts = _with_first_publication(session, facts)
    outcome = evaluations.compute(session, evaluation)
    return ProcurementData(
        name=evaluation.name,
        tools=facts,
        today=today(),
        criteria=outcome.criteria,
        result=outcome.result,
        problems=outcome.problems,
        price_years=evaluation.price_years,
        status=evaluation.status,
    )


def _shortlist_data(session: Session, shortlist_id: int) -> ProcurementData:
    shortlist = session.get(Shortlist, shortlist_id)
    if shortlist is None:
        raise NotFound("The shortlist no longer exists.")
    items = session.execute(
        select(col(ShortlistItem.tool_id), col(ShortlistItem.tool_version))
        .where(col(ShortlistItem.shortlist_id) == shortlist_id)
        .order_by(col(ShortlistItem.added_at), col(ShortlistItem.id))
    ).all()
    facts = evaluations.tool_facts(
        session, [i.tool_id for i in items], chosen_versions={i.tool_id: i.tool_version for i in items}
    )
    facts = _with_first_publication(session, facts)
    return ProcurementData(name=shortlist.name, tools=facts, today=today(), from_shortlist=True)


def build_report(
    session: Session,
    *,
    kind: str,
    source_id: str,
    organisation_id: int,
    marking: str,
    generated_by: str,
    generated_at: datetime | None = None,
    compact: bool = False,
) -> Report:
    """The report model for an already-authorised source (no permission checks here)."""
    meta = ReportMeta(
        organisation=_org_name(session, organisation_id),
        generated_by=generated_by,
        generated_at=generated_at or utcnow(),
        marking=marking,
    )
    if kind == "capability_gap":
        return build_gap_report(_gap_data(session, source_id), meta, compact=compact)
    if kind == "procurement" and source_id.isdecimal():
        return build_procurement_report(_shortlist_data(session, int(source_id)), meta, kind="procurement")
    if kind not in PROCUREMENT_KINDS:  # resolve_source lets only KINDS through; Report would refuse it too
        raise ValueError(f"unknown report kind {kind!r}")
    return build_procurement_report(_evaluation_data(session, source_id), meta, kind=kind)


def html_document(report: Report) -> bytes:
    """The report as a standalone web page (the stored "html" format)."""
    from assessments.reports.render_html import render_html

    css = (
        "body{font-family:Arial,'Liberation Sans',sans-serif;color:#0b0c0c;max-width:1100px;margin:0 auto;"
        "padding:16px;line-height:1.4}table{border-collapse:collapse;width:100%;margin:0 0 16px}"
        "th,td{border-bottom:1px solid #b1b4b6;padding:6px 8px;text-align:left;vertical-align:top}"
        ".govuk-table__cell--numeric,.govuk-table__header--numeric{text-align:right}"
        ".report-marking{font-weight:bold;text-align:center;border:2px solid #0b0c0c;padding:4px}"
        ".report-key-figures{display:flex;flex-wrap:wrap;gap:12px;list-style:none;padding:0}"
        ".report-key-figure{border-left:5px solid #1d70b8;padding:4px 12px;min-width:180px}"
        ".report-key-figure__value{display:block;font-size:1.8em;font-weight:bold}"
        ".report-key-figure__label,.report-key-figure__detail{display:block}"
        ".govuk-visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}"
        "svg{max-width:100%;height:auto}"
    )
    title = report.title.replace("&", "&amp;").replace("<", "&lt;")
    doc = (
        f'<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n<title>{report.marking} – {title}'
        f'</title>\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<style>{css}</style>\n'
        f"</head>\n<body>\n{HTML_START}{render_html(report)}{HTML_END}\n</body>\n</html>\n"
    )
    return doc.encode("utf-8")


def render(report: Report, fmt: str) -> bytes:
    """Report model → file bytes, through the format registry (renderers load lazily)."""
    report_format = REPORT_FORMATS.get(fmt)
    if report_format is None:
        raise InvalidInput(f"Unknown format {fmt!r}.", fields={"format": "Choose a format"})
    return report_format.render(report)


def _filename(title: str, fmt: str, when: datetime) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:80] or "report"
    return f"{slug}-{when:%Y%m%d-%H%M}.{FORMATS[fmt][1]}"


def store_rendered(row: StoredReport, report: Report, content: bytes) -> None:
    row.title = report.title[:300]
    row.content = content
    row.size = len(content)
    row.content_type = FORMATS[row.format][0]
    row.filename = _filename(report.title, row.format, row.created_at)
    row.status, row.progress, row.error, row.finished_at = "done", 100, "", utcnow()


# ---------------------------------------------------------------- requesting and background work


def request(
    session: Session, actor: Actor, *, kind: str, source_id: str, fmt: str = "pdf", marking: str = "OFFICIAL"
) -> StoredReport:
    """Queue a report: the row and its background job (assessments/reports/jobs.py, run by a
    worker process) are written in the caller's transaction, so they commit together."""
    actor.require_role(*READ_ROLES)
    _check_choice(fmt, marking)
    source = resolve_source(session, actor, kind, source_id)
    row = StoredReport(
        organisation_id=source.organisation_id,
        kind=source.kind,
        source_id=source.source_id,
        format=fmt,
        marking=marking,
        title=f"{KIND_LABELS[source.kind]}: {source.title}"[:300],
        created_by=actor.user_id,
        created_by_label=actor.label,
    )
    session.add(row)
    session.flush()
    changelog.record(
        session,
        actor,
        "generate",
        ENTITY,
        row.id,
        organisation_id=row.organisation_id,
        after={"kind": row.kind, "source_id": row.source_id, "format": fmt, "marking": marking},
        summary=f"Requested {row.title} ({fmt.upper()}, {marking})",
    )
    enqueue(session, RENDER_TASK, {"report_id": row.id})
    return row


def generate(
    session: Session,
    actor: Actor,
    *,
    kind: str,
    source_id: str | None,
    fmt: str = "pdf",
    marking: str = "OFFICIAL",
    organisation_id: int | None = None,
    period_key: str | None = None,
    subscription_id: str | None = None,
) -> StoredReport:
    """Build, render and store a report now, in the caller's transaction; returns the done row.

    ``actor`` must be able to see the source (``registry.actor.SYSTEM`` can see everything);
    with ``organisation_id`` the source must also belong to that organisation. For scheduled
    reports pass ``period_key`` and ``subscription_id``: one report per subscription and period.
    """
    _check_choice(fmt, marking)
    source = resolve_source(session, actor, kind, source_id or "")
    if organisation_id is not None and source.organisation_id != organisation_id:
        raise NotFound("No such source in this organisation.")
    if subscription_id and period_key:
        done = session.execute(
            select(StoredReport)
            .options(WITHOUT_CONTENT)
            .where(col(StoredReport.subscription_id) == subscription_id, col(StoredReport.period_key) == period_key)
        ).scalar_one_or_none()
        if done is not None:
            return done
    row = StoredReport(
        organisation_id=source.organisation_id,
        kind=source.kind,
        source_id=source.source_id,
        format=fmt,
        marking=marking,
        title=f"{KIND_LABELS[source.kind]}: {source.title}"[:300],
        created_by=actor.user_id or None,
        created_by_label=actor.label,
        status="running",
        progress=10,
        started_at=utcnow(),
        period_key=period_key,
        subscription_id=subscription_id,
    )
    report = build_report(
        session,
        kind=source.kind,
        source_id=source.source_id,
        organisation_id=source.organisation_id,
        marking=marking,
        generated_by=actor.label,
        compact=fmt in COMPACT_FORMATS,
    )
    store_rendered(row, report, render(report, fmt))
    session.add(row)
    session.flush()
    changelog.record(
        session,
        actor,
        "generate",
        ENTITY,
        row.id,
        organisation_id=row.organisation_id,
        after={
            "kind": row.kind,
            "source_id": row.source_id,
            "format": fmt,
            "marking": marking,
            "period_key": period_key,
        },
        summary=f"Generated {row.title} ({fmt.upper()}, {marking})",
    )
    return row


generate_now = generate  # the name the brief for the scheduler uses


def job_dict(row: StoredReport) -> dict[str, Any]:
    """API/status view of a job (no bytes)."""
    links = {"self": f"/api/v1/reports/{row.id}", "page": f"/reports/{row.id}"}
    if row.status == "done":
        links["download"] = f"/api/v1/reports/{row.id}/download"
    return {
        "id": row.id,
        "kind": row.kind,
        "source_id": row.source_id,
        "format": row.format,
        "marking": row.marking,
        "title": row.title,
        "status": row.status,
        "progress": row.progress,
        "error": row.error or None,
        "filename": row.filename or None,
        "content_type": row.content_type or None,
        "size": row.size,
        "created_by": row.created_by_label,
        "created_at": row.created_at,
        "finished_at": row.finished_at,
        "links": links,
    }


def stage_text(row: StoredReport) -> str:
    if row.status == "queued":
        return "Waiting for a free worker"
    if row.status == "running":
        return "Collecting the data" if row.progress < 40 else f"Rendering the {row.format.upper()}"
    if row.status == "failed":
        return "Failed"
    return "Ready"
