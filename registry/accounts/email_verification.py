"""Proving an e-mail address: the link sent to a self-registered supplier or buyer, and the
rule that a self-registered supplier's listings cannot be submitted until it is verified.

The rule's home is `supplier_email_problem`, called by registry/tools/workflow.py::submit (so
the supplier pages, the API and every other door meet it). A supplier whose accounts were made
by staff, a seed or an import (or which has no accounts) counts as verified.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.accounts import mail, one_time_links
from registry.accounts.models import User
from registry.actor import Actor
from registry.changelog import services as changelog
from registry.db_types import utcnow
from registry.settings import Settings

UNVERIFIED_SUPPLIER = (
    "Confirm your email address before submitting listings: follow the link we sent you, "
    "or ask for a new one on your dashboard"
)


def send_link(session: Session, user: User, settings: Settings | None) -> None:
    """Queue the verification e-mail (a new link; earlier ones stop working)."""
    token = one_time_links.issue(session, user, one_time_links.VERIFY_EMAIL)
    url = mail.link(settings, f"/verify-email?token={token}")
    mail.send(
        session,
        user.email,
        "Confirm your email address",
        f"Hello {user.name},\n\nConfirm your email address for the SOC Capability Registry by opening "
        f"this link within 48 hours:\n\n{url}\n\nIf you did not register, you can ignore this message.",
    )


def verify(session: Session, token: str) -> User:
    """Use a verification link (InvalidInput when expired, used or unknown)."""
    user = one_time_links.redeem(session, token, one_time_links.VERIFY_EMAIL)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        changelog.record(
            session,
            Actor(user_id=user.id, email=user.email, name=user.name),
            "verify_email",
            "user",
            user.id,
            organisation_id=user.organisation_id,
            summary=f"Confirmed the email address {user.email}",
        )
    return user


def supplier_email_problem(session: Session, organisation_id: int) -> str | None:
    """Why this supplier's listings cannot be submitted yet (None: they can): it has accounts
    and none of them has confirmed its e-mail address."""
    verified = session.execute(
        select(col(User.email_verified_at)).where(col(User.organisation_id) == organisation_id)
    ).scalars()
    flags = [v is not None for v in verified]
    if flags and not any(flags):
        return UNVERIFIED_SUPPLIER
    return None


def is_verified(user: User) -> bool:
    return user.email_verified_at is not None
