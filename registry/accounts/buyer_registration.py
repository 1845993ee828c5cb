"""Public-sector staff registering themselves as buyers.

Who may: an e-mail address on an allow-listed domain (BUYER_EMAIL_DOMAINS, subdomains
included). How: they choose their (existing) buying organisation, confirm their address through
the e-mail outbox, and wait as a pending member until someone who may approve members of that
organisation approves them. The Role enum has no organisation administrator, so approvers are
the service administrators and the organisation's own capability leads (its most senior buyer
role). Until approved they cannot sign in (registry/accounts/services.py::authenticate says so).

The answer to a registration never says whether the address already has an account: the owner
of an existing account is told by e-mail instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.accounts import email_verification, mail, throttle
from registry.accounts.models import Organisation, User
from registry.accounts.security import hash_password
from registry.actor import Actor
from registry.changelog import services as changelog
from registry.enums import OrgKind, Role
from registry.errors import Forbidden, InvalidInput, NotFound
from registry.settings import Settings

PENDING_MESSAGE = (
    "Your request to join {org} is waiting for approval by one of its administrators. "
    "You can sign in once they have approved it; we will email you."
)
UNVERIFIED_MESSAGE = "Confirm your email address first: follow the link we emailed you when you registered."
JOIN_ROLE = Role.PROCUREMENT_OFFICER  # least privilege; an approver can change it later


@dataclass(frozen=True, slots=True)
class BuyerRegistration:
    name: str
    email: str
    password: str
    organisation_id: int


def domain_allowed(email: str, domains: Sequence[str]) -> bool:
    """The address's domain is an allow-listed domain or a subdomain of one."""
    host = email.rsplit("@", 1)[-1].strip().lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in (x.strip().lower().lstrip(".") for x in domains) if d)


def buying_organisations(session: Session) -> list[Organisation]:
    return list(
        session.execute(
            select(Organisation).where(col(Organisation.kind) == OrgKind.BUYER.value).order_by(col(Organisation.name))
        ).scalars()
    )


def parse(session: Session, form: Mapping[str, Any], settings: Settings | None) -> BuyerRegistration:
    domains = settings.buyer_email_domains if settings else ()
    errors: dict[str, str] = {}
    name = str(form.get("name") or "").strip()
    email = str(form.get("email") or "").strip().lower()
    password, confirm = str(form.get("password") or ""), str(form.get("password_confirm") or "")
    org_raw = str(form.get("organisation_id") or "")
    if not name:
        errors["name"] = "Enter your full name"
    if not email or "@" not in email or "." not in email.rsplit("@", 1)[-1]:
        errors["email"] = "Enter an email address in the format name@police.uk"
    elif not domain_allowed(email, domains):
        allowed = ", ".join(domains) or "none yet"
        errors["email"] = f"Use your work email address: buyer accounts are for these domains: {allowed}"
    if len(password) < 12:
        errors["password"] = "Password must be 12 characters or more"
    elif password != confirm:
        errors["password_confirm"] = "The passwords do not match"
    org_ids = {o.id for o in buying_organisations(session)}
    if not org_raw.isdecimal() or int(org_raw) not in org_ids:
        errors["organisation_id"] = "Select your organisation"
    if errors:
        raise InvalidInput("Check your registration details.", fields=errors)
    return BuyerRegistration(name, email, password, int(org_raw))


def register(session: Session, reg: BuyerRegistration, client: str, settings: Settings | None) -> None:
    """Create the pending, unverified member and send the verification link; or, when the
    address has an account already, tell its owner by e-mail. The caller answers the same."""
    throttle.limit_registration(session, client, throttle.Policy.from_settings(settings))
    existing = session.execute(select(User).where(col(User.email) == reg.email)).scalar_one_or_none()
    if existing is not None:
        hash_password(reg.password)  # the same work either way, so timing does not tell
        mail.send(
            session,
            existing.email,
            "Someone tried to register with your email address",
            "Someone tried to register a buyer account with this email address, which already has an "
            f"account. If it was you, sign in instead or reset your password: {mail.link(settings, '/forgot-password')}",
        )
        return
    org = session.get(Organisation, reg.organisation_id)
    if org is None:
        raise InvalidInput("Select your organisation.", fields={"organisation_id": "Select your organisation"})
    user = User(
        email=reg.email,
        name=reg.name,
        role=JOIN_ROLE.value,
        organisation_id=reg.organisation_id,
        password_hash=hash_password(reg.password),
        awaiting_approval=True,
    )
    session.add(user)
    session.flush()
    user.email_verified_at = None  # unverified until the link is followed (the model defaults to verified)
    changelog.record(
        session,
        Actor(email=reg.email, name=reg.name),
        "register_buyer",
        "user",
        user.id,
        organisation_id=org.id,
        summary=f"{reg.email} asked to join {org.name} as a buyer (pending approval)",
    )
    email_verification.send_link(session, user, settings)


def approvers(session: Session, organisation_id: int) -> list[User]:
    return list(
        session.execute(
            select(User).where(
                col(User.active).is_(True),
                col(User.awaiting_approval).is_(False),
                (col(User.role) == Role.ADMIN.value)
                | ((col(User.role) == Role.CAPABILITY_LEAD.value) & (col(User.organisation_id) == organisation_id)),
            )
        ).scalars()
    )


def after_verification(session: Session, user: User, settings: Settings | None) -> None:
    """A pending member confirmed their address: ask the approvers."""
    if not user.awaiting_approval:
        return
    org = session.get(Organisation, user.organisation_id)
    for approver in approvers(session, user.organisation_id):
        mail.send(
            session,
            approver.email,
            f"{user.name} asks to join {org.name if org else 'your organisation'}",
            f"{user.name} ({user.email}) registered as a buyer in {org.name if org else 'your organisation'}. "
            f"Approve or decline the request: {mail.link(settings, '/members/pending')}",
        )


def may_approve(actor: Actor, organisation_id: int) -> bool:
    return actor.is_admin or (actor.role is Role.CAPABILITY_LEAD and actor.in_org(organisation_id))


def pending_members(session: Session, actor: Actor) -> list[tuple[User, Organisation]]:
    """Verified members waiting for this actor's approval."""
    actor.require_auth()
    if not (actor.is_admin or actor.role is Role.CAPABILITY_LEAD):
        raise Forbidden("Only administrators and capability leads approve new members.")
    stmt = (
        select(User, Organisation)
        .join(Organisation, col(Organisation.id) == col(User.organisation_id))
        .where(col(User.awaiting_approval).is_(True), col(User.email_verified_at).is_not(None), col(User.active))
        .order_by(col(User.created_at))
    )
    if not actor.is_admin:
        stmt = stmt.where(col(User.organisation_id) == actor.organisation_id)
    return [(u, o) for u, o in session.execute(stmt).all()]


def decide(session: Session, actor: Actor, user_id: int, *, approve: bool, settings: Settings | None) -> User:
    """Approve (the member can sign in) or decline (the account is closed) a pending member."""
    actor.require_auth()
    user = session.get(User, user_id)
    if user is None or not user.awaiting_approval or not user.active or user.email_verified_at is None:
        raise NotFound("No pending member with that id.")
    if not may_approve(actor, user.organisation_id):
        raise Forbidden("Only an administrator or a capability lead of that organisation can decide.")
    org = session.get(Organisation, user.organisation_id)
    org_name = org.name if org else "the organisation"
    user.awaiting_approval = False
    if not approve:
        user.active = False
    user.version += 1
    changelog.record(
        session,
        actor,
        "approve_member" if approve else "decline_member",
        "user",
        user.id,
        organisation_id=user.organisation_id,
        summary=f"{'Approved' if approve else 'Declined'} {user.email} as a member of {org_name}",
    )
    if approve:
        body = f"Your request to join {org_name} was approved. Sign in: {mail.link(settings, '/login')}"
    else:
        body = f"Your request to join {org_name} was declined. Ask your organisation's administrators why."
    mail.send(session, user.email, f"Your request to join {org_name}", body)
    return user
