"""Which organisation a capability lead's page acts for, and the lead's own records."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from registry import resources
from registry.accounts.models import Organisation
from registry.actor import Actor
from registry.enums import (
    Role,
)
from registry.errors import NotFound


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
