"""Forgotten passwords: a time-limited single-use link through the e-mail outbox.

`request_reset` answers the same way whether or not the address has an account (no
enumeration): the caller always says "if an account exists, we have sent a link". Only the
token's hash is stored (registry/accounts/one_time_links.py). Resetting changes the password
hash, which already ends every signed-in cookie (the session carries a fragment of the hash),
and calls each hook in SESSION_ENDERS, where a server-side session store registers the function
that ends all of a user's sessions.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.accounts import mail, one_time_links, throttle
from registry.accounts.models import User
from registry.accounts.security import MIN_PASSWORD_LENGTH, hash_password
from registry.actor import Actor
from registry.changelog import services as changelog
from registry.db_types import require_id, utcnow
from registry.errors import InvalidInput
from registry.settings import Settings

# Called with (session, user_id) after a reset: "end every session of this user".
SESSION_ENDERS: list[Callable[[Session, int], None]] = []


def end_other_sessions(session: Session, user_id: int) -> None:
    for ender in SESSION_ENDERS:
        ender(session, user_id)


def request_reset(session: Session, email: str, client: str, settings: Settings | None) -> None:
    """Queue a reset link for an active account with this address; nothing for anyone else.
    Rate-limited per client address like registrations."""
    throttle.limit_registration(session, client, throttle.Policy.from_settings(settings))
    email = email.strip().lower()
    user = session.execute(select(User).where(col(User.email) == email)).scalar_one_or_none()
    if user is None or not user.active:
        return
    token = one_time_links.issue(session, user, one_time_links.RESET_PASSWORD)
    url = mail.link(settings, f"/reset-password?token={token}")
    mail.send(
        session,
        user.email,
        "Reset your password",
        f"Hello {user.name},\n\nSomeone asked to reset the password of your SOC Capability Registry "
        f"account. To choose a new password, open this link within an hour (it works once):\n\n{url}\n\n"
        "If it was not you, ignore this message: your password stays as it is.",
    )
    changelog.record(
        session,
        Actor(email=email),
        "password_reset_requested",
        "user",
        user.id,
        organisation_id=user.organisation_id,
        summary=f"Password reset link sent to {email}",
    )


def check_new_password(password: str, confirm: str) -> dict[str, str]:
    if len(password) < MIN_PASSWORD_LENGTH:
        return {"password": f"Password must be {MIN_PASSWORD_LENGTH} characters or more"}
    if password != confirm:
        return {"password_confirm": "The passwords do not match"}
    return {}


def reset(session: Session, token: str, password: str, confirm: str) -> User:
    """Set a new password with a reset link (used once); the link also proves the address."""
    errors = check_new_password(password, confirm)
    if errors:
        raise InvalidInput("Check your new password.", fields=errors)
    user = one_time_links.redeem(session, token, one_time_links.RESET_PASSWORD)
    user.password_hash = hash_password(password)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    user.version += 1
    throttle.clear(session, throttle.signin_keys(user.email, "")[:1])
    end_other_sessions(session, require_id(user))
    changelog.record(
        session,
        Actor(user_id=user.id, email=user.email, name=user.name),
        "password_reset",
        "user",
        user.id,
        organisation_id=user.organisation_id,
        summary="Password reset with an e-mailed link",
    )
    return user
