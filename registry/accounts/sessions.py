"""Browser sessions: when a signed-in browser stops being signed in.

The signed cookie carries only a random session id; the `user_session` row it names decides,
on every page request (`registry/web/auth.py::resolve_actor`), whether it still works:

- sign-out ends that row, "sign out everywhere" ends all of a user's rows, deactivating a user
  ends them too; because the row is in the database, every worker sees it at once;
- a session unused for longer than the idle timeout (setting `IDLE_TIMEOUT_MINUTES`, 30 by
  default) or older than the absolute lifetime (`SESSION_LIFETIME_HOURS`, 12 by default) is over,
  whatever the cookie says;
- `last_seen_at` is written at most once a minute (`TOUCH_EVERY`), so a busy browser costs one
  small UPDATE a minute, not one per request; the idle timeout is therefore exact to a minute.

Only the sha256 of the id is stored, so a copy of the table signs nobody in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.accounts.models import Organisation, User, UserSession
from registry.accounts.security import hash_token, new_session_key
from registry.actor import Actor
from registry.changelog import services as changelog
from registry.db_types import require_id, rows_affected, utcnow
from registry.errors import Forbidden, NotFound
from registry.settings import Settings

TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    idle: timedelta = timedelta(minutes=30)
    lifetime: timedelta = timedelta(hours=12)

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionPolicy:
        return cls(
            idle=timedelta(minutes=settings.idle_timeout_minutes),
            lifetime=timedelta(hours=settings.session_lifetime_hours),
        )

    def is_live(self, row: UserSession, now: datetime) -> bool:
        """The one rule: not ended, used within the idle timeout, younger than the lifetime."""
        return row.ended_at is None and now - row.last_seen_at <= self.idle and now - row.created_at <= self.lifetime


def due_for_touch(row: UserSession, now: datetime) -> bool:
    return now - row.last_seen_at >= TOUCH_EVERY


def start(session: Session, user_id: int, *, user_agent: str = "", ip: str = "") -> str:
    """A new session row for a user who just proved who they are; returns the id for the cookie."""
    raw, digest = new_session_key()
    session.add(UserSession(key_hash=digest, user_id=user_id, user_agent=user_agent[:300], ip=ip[:64]))
    return raw


def find_live(
    session: Session, raw_key: str, policy: SessionPolicy, now: datetime
) -> tuple[UserSession, User, str] | None:
    """The live session the cookie names, its active user and their organisation's name, in one
    query (pages ask on every request)."""
    row = session.execute(
        select(UserSession, User, col(Organisation.name))
        .join(User, col(User.id) == col(UserSession.user_id))
        .outerjoin(Organisation, col(Organisation.id) == col(User.organisation_id))
        .where(col(UserSession.key_hash) == hash_token(raw_key))
    ).first()
    if row is None:
        return None
    record, user, org_name = row
    if not user.active or not policy.is_live(record, now):
        return None
    return record, user, org_name or ""


def touch(session: Session, session_id: int, now: datetime) -> None:
    session.execute(
        update(UserSession)
        .where(col(UserSession.id) == session_id, col(UserSession.ended_at).is_(None))
        .values(last_seen_at=now)
    )


def end(session: Session, raw_key: str) -> None:
    """Sign-out: end the session the cookie names (a no-op for an unknown or ended one)."""
    session.execute(
        update(UserSession)
        .where(col(UserSession.key_hash) == hash_token(raw_key), col(UserSession.ended_at).is_(None))
        .values(ended_at=utcnow())
    )


def sign_out(session: Session, actor: Actor, raw_key: str) -> None:
    """Sign-out from one browser: end its session and record it (if it was still signed in)."""
    end(session, raw_key)
    if actor.is_authenticated:
        changelog.record(
            session,
            actor,
            "logout",
            "user",
            actor.user_id,
            organisation_id=actor.organisation_id,
            summary="Signed out",
        )


def end_all(session: Session, user_id: int) -> int:
    """End every open session of a user; returns how many were open."""
    result = session.execute(
        update(UserSession)
        .where(col(UserSession.user_id) == user_id, col(UserSession.ended_at).is_(None))
        .values(ended_at=utcnow())
    )
    return rows_affected(result)


def end_every_session(session: Session, user_id: int) -> None:
    """The hook a password reset calls (registry/accounts/password_reset.py::SESSION_ENDERS)."""
    end_all(session, user_id)


def purge_dead(session: Session, user_id: int, policy: SessionPolicy, now: datetime) -> None:
    """Forget a user's ended and timed-out sessions (called at sign-in, so the table stays small
    without a job). The audit trail keeps the sign-ins and sign-outs."""
    session.execute(
        delete(UserSession).where(
            col(UserSession.user_id) == user_id,
            or_(
                col(UserSession.ended_at).is_not(None),
                col(UserSession.last_seen_at) < now - policy.idle,
                col(UserSession.created_at) < now - policy.lifetime,
            ),
        )
    )


def live_sessions(session: Session, user_id: int, policy: SessionPolicy, now: datetime) -> list[UserSession]:
    rows = session.execute(
        select(UserSession)
        .where(col(UserSession.user_id) == user_id, col(UserSession.ended_at).is_(None))
        .order_by(col(UserSession.last_seen_at).desc())
        .limit(200)
    ).scalars()
    return [r for r in rows if policy.is_live(r, now)]


def count_open(session: Session, user_id: int) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(UserSession)
            .where(col(UserSession.user_id) == user_id, col(UserSession.ended_at).is_(None))
        ).scalar_one()
    )


def account_to_manage(session: Session, actor: Actor, user_id: int | None, refusal: str) -> User:
    """The account an actor manages (sessions, tokens): one's own, or, for admins, anyone's.

    The one rule for every "my sessions / my tokens" operation; ``refusal`` says what a non-admin
    may not do to someone else."""
    actor.require_auth()
    target = user_id if user_id is not None else actor.require_user_id()
    if target != actor.user_id and not actor.is_admin:
        raise Forbidden(refusal)
    user = session.get(User, target)
    if user is None:
        raise NotFound("There is no such user.")
    return user


def sign_out_everywhere(session: Session, actor: Actor, user_id: int | None = None) -> int:
    """End all of a user's browser sessions: one's own, or (admins) anyone's. Audited."""
    user = account_to_manage(session, actor, user_id, "Only admins can sign other people out.")
    target = require_id(user)
    ended = end_all(session, target)
    changelog.record(
        session,
        actor,
        "sign_out_everywhere",
        "user",
        target,
        organisation_id=user.organisation_id,
        summary=f"Ended {ended} session{'' if ended == 1 else 's'} of {user.email}",
    )
    return ended
