"""Organisations, users, sign-in (with throttling) and API tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import false, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlmodel import col

from registry.accounts import throttle
from registry.accounts.buyer_registration import PENDING_MESSAGE, UNVERIFIED_MESSAGE
from registry.accounts.models import ApiToken, Organisation, User
from registry.accounts.schemas import (
    OrganisationCreate,
    OrganisationRead,
    OrganisationUpdate,
    UserCreate,
)
from registry.accounts.security import hash_password, hash_token, new_api_token, verify_password
from registry.actor import Actor
from registry.changelog import services as changelog
from registry.db_types import require_id, utcnow
from registry.enums import Role
from registry.errors import Conflict, Forbidden, InvalidInput
from registry.resources import FilterSpec, ResourceSpec
from registry.settings import Settings


def actor_for(session: Session, user: User, organisation_name: str | None = None) -> Actor:
    from registry.suppliers.models import Supplier

    if organisation_name is None:
        org = session.get(Organisation, user.organisation_id)
        organisation_name = org.name if org else ""
    supplier_id = None
    if user.role == Role.SUPPLIER.value:
        supplier_id = session.execute(
            select(col(Supplier.id)).where(col(Supplier.organisation_id) == user.organisation_id)
        ).scalar()
    return Actor(
        user_id=user.id,
        email=user.email,
        name=user.name,
        role=Role(user.role),
        organisation_id=user.organisation_id,
        organisation_name=organisation_name,
        supplier_id=supplier_id,
    )


def authenticate(
    session: Session, email: str, password: str, ip: str = "", settings: Settings | None = None
) -> User | None:
    """Check a password, throttled per account and per client address in a sliding window
    (registry/accounts/throttle.py; TooManyRequests with retry_after when at the limit).

    Returns None on a wrong password: the caller must let the transaction commit, so the
    failure is counted, and only then tell the user. A right password clears both counters.
    A self-registered buyer whose address is unconfirmed, or whose membership is not yet
    approved, gets Forbidden with the reason in plain words.
    """
    email = email.strip().lower()
    keys = throttle.signin_keys(email, ip)
    rules = throttle.signin_rules(throttle.Policy.from_settings(settings), keys)
    throttle.hold(session, keys)  # concurrent attempts on these keys wait here: counted one at a time
    throttle.check(session, rules)
    user = session.execute(select(User).where(col(User.email) == email)).scalar_one_or_none()
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        throttle.count(session, rules)
        changelog.record(
            session,
            Actor(email=email),
            "login_failed",
            "user",
            user.id if user else "-",
            summary=f"Failed sign-in for {email}",
        )
        return None
    throttle.clear(session, keys)
    if user.awaiting_approval:
        if user.email_verified_at is None:
            raise Forbidden(UNVERIFIED_MESSAGE)
        org = session.get(Organisation, user.organisation_id)
        raise Forbidden(PENDING_MESSAGE.format(org=org.name if org else "your organisation"))
    user.last_login_at = utcnow()
    changelog.record(
        session,
        actor_for(session, user),
        "login",
        "user",
        user.id,
        organisation_id=user.organisation_id,
        summary="Signed in",
    )
    return user


def issue_token(session: Session, user: User, name: str = "api") -> str:
    token, digest = new_api_token()
    session.add(
        ApiToken(
            user_id=require_id(user),
            token_hash=digest,
            name=name,
            expires_at=utcnow() + timedelta(days=90),
        )
    )
    return token


def actor_for_token(session: Session, token: str) -> Actor | None:
    """The active user holding an unexpired API token, in one query (every API call asks)."""
    row = session.execute(
        select(User, col(Organisation.name), col(ApiToken.expires_at))
        .join(ApiToken, col(ApiToken.user_id) == col(User.id))
        .outerjoin(Organisation, col(Organisation.id) == col(User.organisation_id))
        .where(col(ApiToken.token_hash) == hash_token(token))
    ).first()
    if row is None:
        return None
    user, org_name, expires = row
    if (expires is not None and expires < utcnow()) or not user.active:
        return None
    return actor_for(session, user, org_name or "")


def actor_for_user_id(session: Session, user_id: int) -> tuple[User, Actor] | None:
    """A user and their actor in one query (pages resolve the signed-in user on every request)."""
    row = session.execute(
        select(User, col(Organisation.name))
        .outerjoin(Organisation, col(Organisation.id) == col(User.organisation_id))
        .where(col(User.id) == user_id)
    ).first()
    if row is None:
        return None
    user, org_name = row
    return user, actor_for(session, user, org_name or "")


def create_user(session: Session, actor: Actor, data: UserCreate) -> User:
    if not actor.is_admin:
        raise Forbidden("Only admins can create users.")
    return add_user(
        session,
        actor,
        email=data.email,
        name=data.name,
        role=Role(data.role),
        organisation_id=data.organisation_id,
        password=data.password,
    )


def add_user(
    session: Session, actor: Actor, *, email: str, name: str, role: Role, organisation_id: int, password: str
) -> User:
    email = email.strip().lower()
    if session.execute(select(col(User.id)).where(col(User.email) == email)).first():
        raise InvalidInput("An account with this email address already exists.", fields={"email": "already registered"})
    org = session.get(Organisation, organisation_id)
    if org is None:
        raise InvalidInput("Unknown organisation.", fields={"organisation_id": "unknown organisation"})
    user = User(
        email=email, name=name, role=role.value, organisation_id=organisation_id, password_hash=hash_password(password)
    )
    session.add(user)
    session.flush()
    after = changelog.snapshot(user)
    if after:
        after.pop("password_hash", None)
    changelog.record(
        session,
        actor,
        "create",
        "user",
        user.id,
        after=after,
        organisation_id=organisation_id,
        summary=f"Created user {email} ({role.value})",
    )
    return user


# --- organisations as an API resource -------------------------------------------------------


def _org_scope(actor: Actor, stmt: Select[Any]) -> Select[Any]:
    if actor.is_staff:
        return stmt
    if not actor.is_authenticated:
        return stmt.where(false())
    return stmt.where(col(Organisation.id) == actor.organisation_id)


def _org_read(_s: Session, rows: Sequence[Organisation]) -> list[dict[str, Any]]:
    return [OrganisationRead.model_validate(r, from_attributes=True).model_dump() for r in rows]


def _org_create(session: Session, actor: Actor, data: OrganisationCreate) -> Organisation:
    if not actor.is_admin:
        raise Forbidden("Only admins can create organisations.")
    org = Organisation(name=data.name, kind=data.kind)
    session.add(org)
    return org


def _org_update(_s: Session, _a: Actor, org: Organisation, data: OrganisationUpdate) -> None:
    for key, value in data.model_dump(exclude_unset=True, exclude={"version"}).items():
        setattr(org, key, value)


def org_in_use(session: Session, org_id: int) -> bool:
    return session.execute(select(col(User.id)).where(col(User.organisation_id) == org_id).limit(1)).first() is not None


def _org_retire(session: Session, _actor: Actor, org: Organisation) -> None:
    if org_in_use(session, require_id(org)):
        raise Conflict("This organisation still has users; remove or move them first.")
    org.name = org.name if org.name.endswith(" (closed)") else f"{org.name} (closed)"


ORG_SPEC: ResourceSpec[Organisation, OrganisationCreate, OrganisationUpdate] = ResourceSpec(
    name="organisations",
    entity_type="organisation",
    model=Organisation,
    read_schema=OrganisationRead,
    create_schema=OrganisationCreate,
    update_schema=OrganisationUpdate,
    to_read=_org_read,
    create=_org_create,
    apply_update=_org_update,
    scope=_org_scope,
    can_write=lambda _s, actor, _o: actor.is_admin,
    retire=_org_retire,
    filters={"kind": FilterSpec("kind", "eq"), "q": FilterSpec("name", "text")},
    sorts=("id", "name", "kind", "created_at"),
    org_of=lambda o: o.id,
)
