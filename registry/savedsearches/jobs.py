"""The saved-search alert job: tells each owner (in-app and by e-mail through the outbox) about
published listings that newly match a saved search with alerts on, each listing once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import col

from registry.accounts.models import User
from registry.jobs.runner import JobContext, JobDef
from registry.notifications.services import Message, notify_user
from registry.savedsearches import services
from registry.search.service import service_for

LISTED_IN_MESSAGE = 10


def _message(saved_name: str, link: str, lines: list[str], total: int) -> Message:
    title = (
        f"A new tool matches your saved search “{saved_name}”"
        if total == 1
        else f"{total} new tools match your saved search “{saved_name}”"
    )
    body = "\n".join(f"- {line}" for line in lines)
    if total > len(lines):
        body += f"\n… and {total - len(lines)} more."
    return Message("saved_search", title[:200], body, link)


def saved_search_alerts(ctx: JobContext) -> dict[str, Any]:
    session = ctx.session
    service = service_for(session.get_bind().engine)  # the bind may be a Connection; .engine is its Engine
    active = set(session.execute(select(col(User.id)).where(col(User.active).is_(True))).scalars())
    checked = alerted = listings = 0
    for saved in services.with_alerts(session):
        if saved.user_id not in active:
            continue
        checked += 1
        fresh = services.new_matches(session, service, saved)
        if not fresh:
            continue
        docs = service.docs(fresh[:LISTED_IN_MESSAGE])
        lines = [f"{d.name} from {d.supplier_name}" for d in docs]
        notify_user(session, saved.user_id, _message(saved.name, services.run_url(saved), lines, len(fresh)))
        alerted += 1
        listings += len(fresh)
    return {"saved_searches_checked": checked, "alerts_sent": alerted, "new_listings": listings}


SAVED_SEARCH_ALERTS = JobDef(
    "saved_search_alerts",
    "Saved search alerts",
    "E-mails the owners of saved searches with alerts on when new published listings match.",
    saved_search_alerts,
    period="hourly",
    minute=40,
)
