"""The e-mail delivery job: sends the outbox when SMTP_URL is set."""

from __future__ import annotations

from typing import Any

from registry.jobs.runner import JobContext, JobDef, JobSkipped
from registry.notifications.services import send_outbox

# --- outbox ---------------------------------------------------------------------------------


def outbox_delivery(ctx: JobContext) -> dict[str, Any]:
    if not ctx.smtp_url:
        from registry.notifications.services import pending_count

        raise JobSkipped("SMTP_URL is not set; mail stays in the outbox", queued=pending_count(ctx.session))
    return send_outbox(ctx.session, ctx.smtp_url)


OUTBOX = JobDef(
    "outbox",
    "E-mail delivery",
    "Sends queued e-mail when SMTP_URL is set.",
    outbox_delivery,
    period="hourly",
    minute=15,
)
