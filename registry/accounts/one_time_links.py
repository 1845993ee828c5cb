"""Time-limited single-use links (email verification, password reset).

The link carries a random token; only its SHA-256 is stored. Redeeming is one guarded UPDATE
(unused, unexpired, the right purpose), so two clicks racing on one link cannot both succeed,
on SQLite or PostgreSQL.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.accounts.models import OneTimeToken, User
from registry.accounts.security import hash_token
from registry.db_types import require_id, rows_affected, utcnow
from registry.errors import InvalidInput

VERIFY_EMAIL = "verify_email"
RESET_PASSWORD = "reset_password"
LIFETIME = {VERIFY_EMAIL: timedelta(hours=48), RESET_PASSWORD: timedelta(hours=1)}
EXPIRED = "This link has expired or has already been used."


def issue(session: Session, user: User, purpose: str) -> str:
    """A fresh token for this user and purpose; earlier unused ones of the same purpose stop working."""
    now = utcnow()
    session.execute(
        update(OneTimeToken)
        .where(
            col(OneTimeToken.user_id) == require_id(user),
            col(OneTimeToken.purpose) == purpose,
            col(OneTimeToken.used_at).is_(None),
        )
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    session.add(
        OneTimeToken(
            purpose=purpose, user_id=require_id(user), token_hash=hash_token(token), expires_at=now + LIFETIME[purpose]
        )
    )
    return token


def peek(session: Session, token: str, purpose: str) -> User | None:
    """The user a still-usable token belongs to, without using it (to show the form)."""
    row = session.execute(
        select(OneTimeToken).where(col(OneTimeToken.token_hash) == hash_token(token or ""))
    ).scalar_one_or_none()
    if row is None or row.purpose != purpose or row.used_at is not None or _expired(row):
        return None
    return session.get(User, row.user_id)


def _expired(row: OneTimeToken) -> bool:
    expires = row.expires_at
    now = utcnow()
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=now.tzinfo)
    return expires <= now


def redeem(session: Session, token: str, purpose: str) -> User:
    """Use the token once: the user it belongs to, or InvalidInput when expired, used or unknown."""
    now = utcnow()
    digest = hash_token(token or "")
    row = session.execute(select(OneTimeToken).where(col(OneTimeToken.token_hash) == digest)).scalar_one_or_none()
    if row is None or row.purpose != purpose or _expired(row):
        raise InvalidInput(EXPIRED, fields={"token": EXPIRED})
    claimed = session.execute(
        update(OneTimeToken)
        .where(col(OneTimeToken.id) == row.id, col(OneTimeToken.used_at).is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if rows_affected(claimed) != 1:
        raise InvalidInput(EXPIRED, fields={"token": EXPIRED})
    user = session.get(User, row.user_id)
    if user is None:
        raise InvalidInput(EXPIRED, fields={"token": EXPIRED})
    return user
