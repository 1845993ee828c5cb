"""Saved searches: keep a search (name, words, filters) to run again, with opt-in e-mail alerts.

The rules, for every door (pages, the alert job):
- who may save: a signed-in buyer, that is a procurement officer or capability lead (and admins);
- what is saved is what the registry's one search parser accepts (`parse_query`), stored in
  the saved-search format (`saved_filters`), so a saved search always replays;
- each user sees and changes only their own saved searches (another's id is "not found");
- alerts are opt-in per saved search. Switching them on records the listings that match now, so
  only listings that come to match later are sent, and each of those once (`SavedSearchSeen`).
Every change is audited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.actor import Actor
from registry.changelog.services import record
from registry.db_types import require_id, utcnow
from registry.enums import Role
from registry.errors import Forbidden, InvalidInput, NotFound
from registry.savedsearches.models import SavedSearchSeen, UserSavedSearch
from registry.search.query import SearchQuery, parse_query, parse_saved, saved_filters
from registry.search.service import SearchService

SAVER_ROLES = (Role.PROCUREMENT_OFFICER, Role.CAPABILITY_LEAD)
NAME_MAX = 100
MAX_PER_USER = 50
# An alert looks at this many best matches of a saved search (a search with no words and no
# filters matches every listing; the alert is about what is new near the top).
ALERT_MATCHES = 2000


@dataclass(frozen=True, slots=True)
class SaveRequest:
    name: str
    source: Mapping[str, Any]  # query-string style values of the search being saved
    alerts: bool = False


def may_save(actor: Actor) -> bool:
    return actor.is_authenticated and (actor.is_admin or actor.role in SAVER_ROLES)


def require_saver(actor: Actor) -> int:
    """The user id of a signed-in buyer; NotAuthenticated or Forbidden otherwise."""
    actor.require_auth()
    if not may_save(actor):
        raise Forbidden("Saved searches are for procurement officers and capability leads.")
    return actor.require_user_id()


def _check_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("Enter a name for the search", fields={"name": "Enter a name for the search"})
    if len(name) > NAME_MAX:
        message = f"The name must be {NAME_MAX} characters or fewer"
        raise InvalidInput(message, fields={"name": message})
    return name


def query_of(saved: UserSavedSearch) -> SearchQuery:
    return parse_saved(saved.query, saved.filters)


def query_pairs_of(saved: UserSavedSearch) -> list[tuple[str, str]]:
    """The saved search as query-string pairs (words first), as the search page reads them."""
    pairs = [("q", saved.query)] if saved.query else []
    return pairs + [(k, v) for k, values in saved.filters.items() for v in values]


def run_url(saved: UserSavedSearch) -> str:
    pairs = query_pairs_of(saved)
    return "/search" + (f"?{urlencode(pairs)}" if pairs else "")


def _snapshot(saved: UserSavedSearch) -> dict[str, Any]:
    return {"name": saved.name, "query": saved.query, "filters": saved.filters, "alerts": saved.alerts}


def create(session: Session, actor: Actor, service: SearchService, data: SaveRequest) -> UserSavedSearch:
    user_id = require_saver(actor)
    errors: dict[str, str] = {}
    try:
        name = _check_name(data.name)
    except InvalidInput as exc:
        errors.update(exc.fields)
    try:
        query = parse_query(data.source)
    except InvalidInput as exc:
        errors.update(exc.fields or {"q": exc.detail})
    if errors:
        raise InvalidInput(next(iter(errors.values())), fields=errors)
    count = session.execute(
        select(func.count()).select_from(UserSavedSearch).where(col(UserSavedSearch.user_id) == user_id)
    ).scalar_one()
    if count >= MAX_PER_USER:
        message = f"You can keep up to {MAX_PER_USER} saved searches. Delete one you no longer need first."
        raise InvalidInput(message, fields={"name": message})
    saved = UserSavedSearch(user_id=user_id, name=name, query=query.q, filters=saved_filters(data.source))
    session.add(saved)
    session.flush()
    if data.alerts:
        _start_alerts(session, service, saved)
    record(
        session,
        actor,
        "create",
        "saved_search",
        saved.id,
        after=_snapshot(saved),
        organisation_id=actor.organisation_id,
    )
    return saved


def list_mine(session: Session, actor: Actor) -> list[UserSavedSearch]:
    user_id = require_saver(actor)
    stmt = (
        select(UserSavedSearch)
        .where(col(UserSavedSearch.user_id) == user_id)
        .order_by(col(UserSavedSearch.created_at).desc(), col(UserSavedSearch.id).desc())
    )
    return list(session.execute(stmt).scalars())


def get_mine(session: Session, actor: Actor, saved_id: int) -> UserSavedSearch:
    user_id = require_saver(actor)
    saved = session.get(UserSavedSearch, saved_id)
    if saved is None or saved.user_id != user_id:  # the same answer for another's: no oracle
        raise NotFound(f"No saved search with id {saved_id}.", kind="saved search")
    return saved


def delete_mine(session: Session, actor: Actor, saved_id: int) -> str:
    saved = get_mine(session, actor, saved_id)
    before, name = _snapshot(saved), saved.name
    session.execute(delete(SavedSearchSeen).where(col(SavedSearchSeen.saved_search_id) == saved.id))
    session.delete(saved)
    record(session, actor, "delete", "saved_search", saved_id, before=before, organisation_id=actor.organisation_id)
    return name


def set_alerts(session: Session, actor: Actor, service: SearchService, saved_id: int, on: bool) -> UserSavedSearch:
    saved = get_mine(session, actor, saved_id)
    if saved.alerts == on:
        return saved
    before = _snapshot(saved)
    if on:
        _start_alerts(session, service, saved)
    else:
        saved.alerts = False
        # Forget what was sent: switching on again starts from the listings matching then.
        session.execute(delete(SavedSearchSeen).where(col(SavedSearchSeen.saved_search_id) == saved.id))
    saved.version += 1
    record(
        session,
        actor,
        "update",
        "saved_search",
        saved.id,
        before=before,
        after=_snapshot(saved),
        organisation_id=actor.organisation_id,
    )
    return saved


# --- alerts -----------------------------------------------------------------------------------


def matching_ids(session: Session, service: SearchService, saved: UserSavedSearch) -> list[int]:
    """The published listings the saved search finds now (its best ALERT_MATCHES)."""
    query = replace(query_of(saved), page=1, per_page=ALERT_MATCHES)
    return [h.tool_id for h in service.search(query, session).hits]


def _seen(session: Session, saved_id: int) -> set[int]:
    return set(
        session.execute(
            select(col(SavedSearchSeen.tool_id)).where(col(SavedSearchSeen.saved_search_id) == saved_id)
        ).scalars()
    )


def _mark_seen(session: Session, saved_id: int, tool_ids: Sequence[int]) -> None:
    for tool_id in tool_ids:
        session.add(SavedSearchSeen(saved_search_id=saved_id, tool_id=tool_id))
    session.flush()


def _start_alerts(session: Session, service: SearchService, saved: UserSavedSearch) -> None:
    saved.alerts = True
    known = _seen(session, require_id(saved))
    _mark_seen(session, require_id(saved), [i for i in matching_ids(session, service, saved) if i not in known])


def new_matches(session: Session, service: SearchService, saved: UserSavedSearch) -> list[int]:
    """Listings the saved search finds now and has not told about yet (best first); recorded as
    told in the same transaction, so a rerun of the job sends nothing twice."""
    seen = _seen(session, require_id(saved))
    fresh = [i for i in matching_ids(session, service, saved) if i not in seen]
    _mark_seen(session, require_id(saved), fresh)
    if fresh:
        saved.last_alert_at = utcnow()
    return fresh


def with_alerts(session: Session) -> list[UserSavedSearch]:
    stmt = select(UserSavedSearch).where(col(UserSavedSearch.alerts).is_(True)).order_by(col(UserSavedSearch.id))
    return list(session.execute(stmt).scalars())
