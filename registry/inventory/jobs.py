"""The licence-renewal job: warns capability leads before an inventory licence ends."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    select,
)
from sqlmodel import col

from registry.enums import Role
from registry.formatting import long_date
from registry.inventory import renewals
from registry.inventory.models import InventoryItem
from registry.jobs import periods
from registry.jobs.runner import JobContext, JobDef
from registry.notifications.services import Message, notify_org_role
from registry.tools import hygiene
from registry.tools.models import Tool

# --- licence renewals -----------------------------------------------------------------------


def licence_renewals(ctx: JobContext) -> dict[str, Any]:
    """Warn an organisation's capability leads 90 and 30 days before a licence ends (and when it
    has ended), once per item and threshold."""
    session, today = ctx.session, ctx.today
    horizon = periods.add_days(today, max(renewals.LICENCE_THRESHOLDS))
    rows = session.execute(
        select(
            col(InventoryItem.id),
            col(InventoryItem.organisation_id),
            col(InventoryItem.licence_end),
            col(InventoryItem.tool_id),
            col(Tool.name),
        )
        .join(Tool, col(Tool.id) == col(InventoryItem.tool_id))
        .where(col(InventoryItem.licence_end).is_not(None), col(InventoryItem.licence_end) <= horizon)
        .order_by(col(InventoryItem.id))
    ).all()
    warned = notified = 0
    for r in rows:
        band = renewals.licence_threshold(r.licence_end, today)
        if band is None:
            continue
        on = long_date(r.licence_end)
        if band == "ended":
            title, body = f"Licence ended: {r.name}", f"Your licence for {r.name} ended on {on}."
        else:
            left = hygiene.days_between(today, r.licence_end)
            title = f"Licence renewal due: {r.name}"
            body = f"Your licence for {r.name} ends on {on} ({periods.days_left_text(left)}). Decide whether to renew."
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


LICENCE_RENEWALS = JobDef(
    "licence_renewals",
    "Licence renewals",
    "Warns capability leads 90 and 30 days before an inventory licence ends.",
    licence_renewals,
    hour=2,
    minute=30,
)
