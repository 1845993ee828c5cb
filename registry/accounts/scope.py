"""Which organisation a capability lead's page acts for, the lead's own records, and saving an edit
to one of them from a page form."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from litestar import Request
from sqlalchemy.orm import Session

from registry import resources
from registry.accounts.models import Organisation
from registry.actor import Actor
from registry.enums import (
    Role,
)
from registry.errors import Conflict, InvalidInput, NotFound
from registry.web.deps import unit_of_work
from registry.web.forms import EDIT_CONFLICT, form_version


def lead_org(actor: Actor, requested: str | None = None) -> int:
    """The organisation whose records the page shows: one's own, or any for admins."""
    actor.require_role(Role.CAPABILITY_LEAD)
    if actor.is_admin and requested and str(requested).isdecimal():
        return int(requested)
    if actor.organisation_id is None:
        raise NotFound("You are not a member of an organisation.")
    return actor.organisation_id


def org_name(session: Session, org_id: int) -> str:
    org = session.get(Organisation, org_id)
    return org.name if org else ""


def own_record(session: Session, actor: Actor, spec: Any, obj_id: int) -> Any:
    """A capability lead's own record (any organisation's for admins). The spec's scope
    already limits rows to the actor's organisation, so others get the same 404 as a
    missing id."""
    lead_org(actor)
    return resources.get_visible(session, spec, actor, obj_id)


def save_own_record(
    request: Request[Any, Any, Any], spec: Any, record_id: int, make_update: Callable[[], Any], *, field: str
) -> dict[str, str]:
    """Validate (``make_update``) and save an edit to a lead's own record, in one transaction.

    {} when saved; otherwise the form's errors in words, and a stale version (someone saved
    first) becomes EDIT_CONFLICT on ``field``."""
    try:
        update = make_update()
        with unit_of_work(request) as (session, actor):
            own_record(session, actor, spec, record_id)
            resources.update_resource(session, spec, actor, record_id, update, if_match=None)
    except InvalidInput as exc:
        return exc.fields or {field: exc.detail}
    except Conflict:
        return {field: EDIT_CONFLICT}
    return {}


def version_to_show(current: int, errors: Mapping[str, str], field: str, data: Mapping[str, Any]) -> int | None:
    """The version the re-shown form carries: after a conflict the current one (saving again then
    replaces the other change, as the message says), otherwise the one the form was sent with."""
    return current if errors.get(field) == EDIT_CONFLICT else form_version(data)
