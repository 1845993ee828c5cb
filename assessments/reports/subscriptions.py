"""Report subscriptions: an organisation's capability leads ask for a report every week or month;
the scheduled_reports job generates it into the organisation's report library."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from assessments.reports.formats import FORMAT_NAMES
from assessments.reports.models import ReportSubscription
from registry.actor import Actor
from registry.changelog import services as changelog
from registry.enums import Role
from registry.errors import InvalidInput, NotFound
from registry.locking import claim_version

SCHEDULES = ("weekly", "monthly")
FORMATS = FORMAT_NAMES  # the one format registry


def _check(actor: Actor, organisation_id: int) -> None:
    actor.require_role(Role.CAPABILITY_LEAD)
    if not actor.is_admin and not actor.in_org(organisation_id):
        raise NotFound("No such organisation.")


def create(
    session: Session,
    actor: Actor,
    *,
    kind: str,
    source_id: str | None,
    schedule: str = "monthly",
    fmt: str = "pdf",
    marking: str = "OFFICIAL",
    organisation_id: int | None = None,
) -> ReportSubscription:
    org = organisation_id if (organisation_id is not None and actor.is_admin) else actor.organisation_id
    if org is None:
        raise InvalidInput("Choose an organisation.", fields={"organisation_id": "Choose an organisation"})
    _check(actor, org)
    errors = {}
    if schedule not in SCHEDULES:
        errors["schedule"] = "Choose weekly or monthly"
    if fmt not in FORMATS:
        errors["format"] = "Choose a format: " + ", ".join(FORMATS)
    if errors:
        raise InvalidInput("Check the subscription.", fields=errors)
    sub = ReportSubscription(
        organisation_id=org,
        created_by=actor.user_id,
        kind=kind,
        format=fmt,
        schedule=schedule,
        source_id=source_id,
        marking=marking,
    )
    session.add(sub)
    session.flush()
    changelog.record(
        session,
        actor,
        "create",
        "report_subscription",
        sub.id,
        organisation_id=org,
        after={"kind": kind, "source_id": source_id, "schedule": schedule, "format": fmt},
        summary=f"Subscribed to a {schedule} {kind} report",
    )
    return sub


def list_for(session: Session, actor: Actor) -> list[ReportSubscription]:
    actor.require_role(Role.CAPABILITY_LEAD, Role.PROCUREMENT_OFFICER)
    stmt = select(ReportSubscription).order_by(col(ReportSubscription.created_at).desc())
    if not actor.is_admin:
        stmt = stmt.where(col(ReportSubscription.organisation_id) == actor.organisation_id)
    return list(session.execute(stmt).scalars())


def set_active(
    session: Session,
    actor: Actor,
    subscription_id: str,
    active: bool,
    *,
    version: int | None = None,
    if_match: int | None = None,
) -> ReportSubscription:
    sub = session.get(ReportSubscription, subscription_id)
    if sub is None:
        raise NotFound("No such subscription.")
    _check(actor, sub.organisation_id)
    if sub.active != active:
        claim_version(session, sub, version=version, if_match=if_match, label="subscription")
        sub.active = active
        session.add(sub)
        changelog.record(
            session,
            actor,
            "update",
            "report_subscription",
            sub.id,
            organisation_id=sub.organisation_id,
            before={"active": not active},
            after={"active": active},
            summary="Resumed report subscription" if active else "Stopped report subscription",
        )
    return sub
