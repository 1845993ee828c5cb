"""The nightly listing-hygiene job: stale listings and expiring or expired accreditations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    delete,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlmodel import col

from registry import formatting
from registry.actor import SYSTEM
from registry.changelog import services as changelog
from registry.enums import Role, ToolStatus
from registry.inventory.models import InventoryItem
from registry.jobs import periods
from registry.jobs.runner import JobContext, JobDef
from registry.notifications.services import Message, notify_org_role, notify_supplier
from registry.tools import hygiene, publication
from registry.tools.models import Accreditation, Tool, ToolFlag

# --- listing hygiene ------------------------------------------------------------------------


def _tool_link(tool_id: int) -> str:
    return f"/supplier/tools/{tool_id}/edit/about"


def listing_hygiene(ctx: JobContext) -> dict[str, Any]:
    """Flag published tools not reviewed for 12 months (and unflag fixed ones), warn suppliers
    about accreditations expiring within 60 days or expired, and keep tool_flag in step.
    The rules and their boundaries are registry.tools.hygiene's."""
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
        select(
            col(Tool.id),
            col(Tool.supplier_id),
            col(Tool.name),
            col(Tool.last_reviewed),
            col(Tool.stale),
            col(Tool.status),
        )
    ).all()
    published_on = publication.first_published(session)
    flag_on: list[int] = []
    flag_off: list[int] = []
    stale_rows = []
    for r in rows:
        first = published_on.get(r.id)
        want = r.status == ToolStatus.PUBLISHED.value and hygiene.is_stale(r.last_reviewed, first, today)
        if want:
            stale_rows.append((r, first))
            wanted[(r.id, "stale")] = formatting.upper_first(hygiene.checked_text(r.last_reviewed, first))
        if want != bool(r.stale):
            (flag_on if want else flag_off).append(r.id)
    for ids, value in ((flag_on, True), (flag_off, False)):
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            session.execute(update(Tool).where(col(Tool.id).in_(chunk)).values(stale=value))
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
    for r, first in stale_rows:
        msg = Message(
            "listing_stale",
            f"Review your listing: {r.name}",
            f"{r.name} was {hygiene.checked_text(r.last_reviewed, first)}, more than 12 months ago. "
            "Buyers see it marked as out of date until you review and resubmit it.",
            _tool_link(r.id),
        )
        counts["notifications"] += notify_supplier(
            session, r.supplier_id, msg, dedupe_key=f"tool-stale:{r.id}:{hygiene.last_checked(r.last_reviewed, first)}"
        )
    counts.update(tools_checked=len(rows), stale=len(stale_rows), newly_stale=len(flag_on), unflagged=len(flag_off))


def _accreditation_pass(ctx: JobContext, counts: dict[str, Any], wanted: dict[tuple[int, str], str]) -> None:
    session, today = ctx.session, ctx.today
    horizon = hygiene.warning_horizon(today)
    rows: Sequence[Any] = session.execute(
        select(
            col(Accreditation.id),
            col(Accreditation.tool_id),
            col(Accreditation.name),
            col(Accreditation.expires_on),
            col(Accreditation.mandatory),
            col(Tool.supplier_id),
            col(Tool.name).label("tool_name"),
        )
        .join(Tool, col(Tool.id) == col(Accreditation.tool_id))
        .where(
            col(Tool.status) == ToolStatus.PUBLISHED.value,
            col(Accreditation.expires_on).is_not(None),
            col(Accreditation.expires_on) <= horizon,
        )
        .order_by(col(Accreditation.id))
    ).all()
    expiring = expired = mandatory = 0
    for r in rows:
        state = hygiene.accreditation_state(r.expires_on, today)
        when = periods.days_left_text(hygiene.days_between(today, r.expires_on))
        on = formatting.long_date(r.expires_on)
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
        select(col(InventoryItem.organisation_id)).where(col(InventoryItem.tool_id) == r.tool_id).distinct()
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
        session.execute(delete(ToolFlag).where(col(ToolFlag.id).in_(gone[start : start + 500])))
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


LISTING_HYGIENE = JobDef(
    "listing_hygiene",
    "Listing hygiene",
    f"Marks listings not reviewed for {hygiene.STALE_AFTER_DAYS} days (counted from first publication "
    f"when never reviewed) as out of date and warns suppliers about accreditations expiring within "
    f"{hygiene.ACCREDITATION_WARN_DAYS} days or expired.",
    listing_hygiene,
    hour=2,
    minute=0,
)
