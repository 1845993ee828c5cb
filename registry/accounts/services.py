"""Organisations, users, sign-in (with throttling) and API tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import false, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlmodel import col

from registry.accounts import sessions, throttle
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
from registry.db_types import require_id, rows_affected, utcnow
from registry.enums import Role
from registry.errors import Conflict, Forbidden, InvalidInput, NotFound
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


# --- API tokens -------------------------------------------------------------------------------
# A token is shown once, when minted; only its sha256 is stored, so an existing token can never be
# handed out again. Each POST /api/v1/auth/token therefore mints a new one, named by the caller;
# `replace=True` revokes the caller's earlier live tokens of that name in the same transaction, and
# no user holds more than MAX_LIVE_TOKENS live tokens (the oldest are revoked first), so scripts
# that sign in on every run cannot pile up live credentials. Holders list and revoke their own
# (GET/DELETE /api/v1/tokens, the account page); admins revoke anyone's. Every API request looks
# the token up in the database (no cache), so a revocation works at once in every worker.

TOKEN_LIFETIME = timedelta(days=90)
MAX_LIVE_TOKENS = 20


def _live_token_filter(now: Any) -> Any:
    return (col(ApiToken.revoked_at).is_(None)) & (
        col(ApiToken.expires_at).is_(None) | (col(ApiToken.expires_at) > now)
    )


def issue_token(session: Session, user: User, name: str = "api", *, replace: bool = False) -> tuple[str, ApiToken]:
    """Mint a token; returns the secret (shown once) and its stored row."""
    uid = require_id(user)
    now = utcnow()
    if replace:
        session.execute(
            update(ApiToken)
            .where(col(ApiToken.user_id) == uid, col(ApiToken.name) == name, _live_token_filter(now))
            .values(revoked_at=now)
        )
    live = list(
        session.execute(
            select(col(ApiToken.id))
            .where(col(ApiToken.user_id) == uid, _live_token_filter(now))
            .order_by(col(ApiToken.created_at).desc(), col(ApiToken.id).desc())
        ).scalars()
    )
    surplus = live[MAX_LIVE_TOKENS - 1 :]  # room for the new one
    if surplus:
        session.execute(update(ApiToken).where(col(ApiToken.id).in_(surplus)).values(revoked_at=now))
    token, digest = new_api_token()
    row = ApiToken(user_id=uid, token_hash=digest, name=name, expires_at=now + TOKEN_LIFETIME)
    session.add(row)
    session.flush()
    return token, row


def token_holder(session: Session, token: str) -> tuple[Actor, ApiToken] | None:
    """The active user holding a live (unrevoked, unexpired) API token, in one query (every API
    call asks), with the token row (for its last-used time)."""
    row = session.execute(
        select(User, col(Organisation.name), ApiToken)
        .join(ApiToken, col(ApiToken.user_id) == col(User.id))
        .outerjoin(Organisation, col(Organisation.id) == col(User.organisation_id))
        .where(col(ApiToken.token_hash) == hash_token(token))
    ).first()
    if row is None:
        return None
    user, org_name, api_token = row
    if token_state(api_token, utcnow()) != "active" or not user.active:
        return None
    return actor_for(session, user, org_name or ""), api_token


def actor_for_token(session: Session, token: str) -> Actor | None:
    found = token_holder(session, token)
    return found[0] if found else None


def touch_token(session: Session, token_id: int, now: Any) -> None:
    session.execute(update(ApiToken).where(col(ApiToken.id) == token_id).values(last_used_at=now))


def token_state(token: ApiToken, now: Any) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"


def _token_owner(session: Session, actor: Actor, user_id: int | None) -> User:
    return sessions.account_to_manage(session, actor, user_id, "Only admins can see or revoke other people's tokens.")


def list_tokens(session: Session, actor: Actor, user_id: int | None = None, limit: int = 100) -> list[ApiToken]:
    """One's own tokens (or, for admins, anyone's), newest first."""
    user = _token_owner(session, actor, user_id)
    return list(
        session.execute(
            select(ApiToken)
            .where(col(ApiToken.user_id) == require_id(user))
            .order_by(col(ApiToken.created_at).desc(), col(ApiToken.id).desc())
            .limit(limit)
        ).scalars()
    )


def revoke_token(session: Session, actor: Actor, token_id: int) -> ApiToken:
    """Revoke one token: the holder's own, or any (admins). Someone else's is 'not found', so
    ids reveal nothing. Revoking a revoked token changes nothing."""
    actor.require_auth()
    token = session.get(ApiToken, token_id)
    if token is None or (token.user_id != actor.user_id and not actor.is_admin):
        raise NotFound("There is no such token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        owner = session.get(User, token.user_id)
        changelog.record(
            session,
            actor,
            "revoke_token",
            "api_token",
            token_id,
            organisation_id=owner.organisation_id if owner else None,
            summary=f"Revoked API token '{token.name}' of {owner.email if owner else token.user_id}",
        )
    return token


def revoke_all_tokens(session: Session, actor: Actor, user_id: int | None = None) -> int:
    user = _token_owner(session, actor, user_id)
    return _revoke_all(session, actor, user)


def _revoke_all(session: Session, actor: Actor, user: User) -> int:
    now = utcnow()
    result = session.execute(
        update(ApiToken)
        .where(col(ApiToken.user_id) == require_id(user), col(ApiToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    count = rows_affected(result)
    changelog.record(
        session,
        actor,
        "revoke_tokens",
        "user",
        user.id,
        organisation_id=user.organisation_id,
        summary=f"Revoked {count} API token{'' if count == 1 else 's'} of {user.email}",
    )
    return count


def deactivate_user(session: Session, actor: Actor, user_id: int) -> User:
    """Admins switch an account off: it can no longer sign in, its browser sessions end and its
    API tokens are revoked, so switching it back on later revives none of them."""
    if not actor.is_admin:
        raise Forbidden("Only admins can deactivate users.")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("There is no such user.")
    if user.id == actor.user_id:
        raise Conflict("You cannot deactivate your own account.")
    if user.active:
        user.active = False
        user.version += 1
        changelog.record(
            session,
            actor,
            "deactivate",
            "user",
            user.id,
            before={"active": True},
            after={"active": False},
            organisation_id=user.organisation_id,
            summary=f"Deactivated {user.email}",
        )
    sessions.end_all(session, user_id)
    _revoke_all(session, actor, user)
    return user


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
