"""Notifications (in-app, per user) and the e-mail outbox.

Jobs call notify_* inside their own transaction, so a rolled-back job leaves no messages.
Mail is only queued here; send_outbox() delivers it when SMTP_URL is set and otherwise leaves
it in the outbox for an admin to see (no mail leaves a demo install by accident).
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlparse

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.accounts.models import User
from registry.actor import Actor
from registry.db_types import rows_affected, utcnow
from registry.enums import Role
from registry.errors import NotFound
from registry.notifications.models import Notification, OutboxEmail
from registry.suppliers.models import Supplier

MAIL_FROM = "no-reply@soc-registry.example"


@dataclass(frozen=True, slots=True)
class Message:
    kind: str
    title: str
    body: str = ""
    link: str = ""


def notify_user(
    session: Session,
    user_id: int,
    message: Message,
    *,
    dedupe_key: str | None = None,
    organisation_id: int | None = None,
    email: bool = True,
) -> Notification | None:
    """Store one notification (and queue its e-mail). Returns None when dedupe_key was already
    used for this user, so reruns never repeat a message."""
    if dedupe_key is not None:
        seen = session.execute(
            select(col(Notification.id)).where(
                col(Notification.user_id) == user_id, col(Notification.dedupe_key) == dedupe_key
            )
        ).first()
        if seen:
            return None
    note = Notification(
        user_id=user_id,
        organisation_id=organisation_id,
        kind=message.kind,
        title=message.title[:200],
        body=message.body[:2000],
        link=message.link[:300],
        dedupe_key=dedupe_key,
    )
    session.add(note)
    session.flush()
    if email:
        address = session.execute(select(col(User.email)).where(col(User.id) == user_id)).scalar()
        if address:
            queue_email(session, address, message.title, _mail_body(message), notification_id=note.id)
    return note


def notify_users(
    session: Session,
    user_ids: Iterable[int],
    message: Message,
    *,
    dedupe_key: str | None = None,
    organisation_id: int | None = None,
    email: bool = True,
) -> int:
    sent = 0
    for uid in user_ids:
        if (
            notify_user(session, uid, message, dedupe_key=dedupe_key, organisation_id=organisation_id, email=email)
            is not None
        ):
            sent += 1
    return sent


def org_users(session: Session, organisation_id: int, role: Role | None = None) -> list[int]:
    stmt = select(col(User.id)).where(col(User.organisation_id) == organisation_id, col(User.active).is_(True))
    if role is not None:
        stmt = stmt.where(col(User.role) == role.value)
    # A primary key is never NULL: the check only narrows the column's `int | None` type.
    return [i for i in session.execute(stmt.order_by(col(User.id))).scalars() if i is not None]


def supplier_users(session: Session, supplier_id: int) -> list[int]:
    org = session.execute(select(col(Supplier.organisation_id)).where(col(Supplier.id) == supplier_id)).scalar()
    return [] if org is None else org_users(session, org, Role.SUPPLIER)


def notify_org_role(
    session: Session,
    organisation_id: int,
    role: Role,
    message: Message,
    *,
    dedupe_key: str | None = None,
    email: bool = True,
) -> int:
    return notify_users(
        session,
        org_users(session, organisation_id, role),
        message,
        dedupe_key=dedupe_key,
        organisation_id=organisation_id,
        email=email,
    )


def notify_supplier(
    session: Session, supplier_id: int, message: Message, *, dedupe_key: str | None = None, email: bool = True
) -> int:
    org = session.execute(select(col(Supplier.organisation_id)).where(col(Supplier.id) == supplier_id)).scalar()
    if org is None:
        return 0
    return notify_org_role(session, org, Role.SUPPLIER, message, dedupe_key=dedupe_key, email=email)


# --- reading and marking (the signed-in user's own notifications only) ---


def unread_count(session: Session, user_id: int) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(Notification)
            .where(col(Notification.user_id) == user_id, col(Notification.read_at).is_(None))
        ).scalar_one()
    )


def unread_count_for_engine(engine: Engine, user_id: int) -> int:
    """For the page header: one indexed count on a short-lived connection."""
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(Notification)
                .where(col(Notification.user_id) == user_id, col(Notification.read_at).is_(None))
            ).scalar_one()
        )


def list_mine(
    session: Session, actor: Actor, *, unread_only: bool = False, limit: int = 25, offset: int = 0
) -> tuple[list[Notification], int]:
    actor.require_auth()
    where = [col(Notification.user_id) == actor.user_id]
    if unread_only:
        where.append(col(Notification.read_at).is_(None))
    total = int(session.execute(select(func.count()).select_from(Notification).where(*where)).scalar_one())
    rows = session.execute(
        select(Notification)
        .where(*where)
        .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
        .limit(limit)
        .offset(offset)
    ).scalars()
    return list(rows), total


def get_mine(session: Session, actor: Actor, notification_id: int) -> Notification:
    actor.require_auth()
    note = session.get(Notification, notification_id)
    if note is None or note.user_id != actor.user_id:  # someone else's: indistinguishable from missing
        raise NotFound("No such notification.")
    return note


def mark_read(session: Session, actor: Actor, notification_id: int) -> Notification:
    note = get_mine(session, actor, notification_id)
    if note.read_at is None:
        note.read_at = utcnow()
        session.add(note)
        session.flush()
    return note


def mark_all_read(session: Session, actor: Actor) -> int:
    actor.require_auth()
    result = session.execute(
        update(Notification)
        .where(col(Notification.user_id) == actor.user_id, col(Notification.read_at).is_(None))
        .values(read_at=utcnow())
    )
    return rows_affected(result)


# --- outbox ---


def queue_email(
    session: Session, to_address: str, subject: str, body: str, *, notification_id: int | None = None
) -> OutboxEmail:
    mail = OutboxEmail(to_address=to_address[:254], subject=subject[:200], body=body, notification_id=notification_id)
    session.add(mail)
    return mail


def _mail_body(message: Message) -> str:
    parts = [message.title, "", message.body] if message.body else [message.title]
    if message.link:
        parts += ["", f"Open it in the registry: {message.link}"]
    parts += ["", "This is an automatic message from the SOC Capability Registry."]
    return "\n".join(parts)


def outbox(
    session: Session, actor: Actor, *, pending_only: bool = False, limit: int = 50, offset: int = 0
) -> tuple[list[OutboxEmail], int]:
    actor.require_role(Role.ADMIN)
    where = [col(OutboxEmail.sent_at).is_(None)] if pending_only else []
    total = int(session.execute(select(func.count()).select_from(OutboxEmail).where(*where)).scalar_one())
    rows = session.execute(
        select(OutboxEmail).where(*where).order_by(col(OutboxEmail.id).desc()).limit(limit).offset(offset)
    ).scalars()
    return list(rows), total


def pending_count(session: Session) -> int:
    return int(
        session.execute(
            select(func.count()).select_from(OutboxEmail).where(col(OutboxEmail.sent_at).is_(None))
        ).scalar_one()
    )


@dataclass(frozen=True, slots=True)
class SmtpTarget:
    host: str
    port: int
    username: str | None
    password: str | None
    tls: str  # "ssl" (smtps://), "starttls" (smtp://...?starttls=1 or port 587) or "none"


def parse_smtp_url(url: str) -> SmtpTarget:
    """smtp://user:pass@host:25, smtp://host:587 (STARTTLS), smtps://host:465 (TLS)."""
    parsed = urlparse(url)
    if parsed.scheme not in ("smtp", "smtps") or not parsed.hostname:
        raise ValueError("SMTP_URL must look like smtp://user:password@host:port or smtps://...")
    port = parsed.port or (465 if parsed.scheme == "smtps" else 25)
    tls = "ssl" if parsed.scheme == "smtps" else ("starttls" if port == 587 or "starttls" in parsed.query else "none")
    return SmtpTarget(
        parsed.hostname,
        port,
        unquote(parsed.username) if parsed.username else None,
        unquote(parsed.password) if parsed.password else None,
        tls,
    )


def _connect(target: SmtpTarget) -> smtplib.SMTP:
    smtp: smtplib.SMTP
    if target.tls == "ssl":
        smtp = smtplib.SMTP_SSL(target.host, target.port, timeout=30)
    else:
        smtp = smtplib.SMTP(target.host, target.port, timeout=30)
        if target.tls == "starttls":
            smtp.starttls()
    if target.username:
        smtp.login(target.username, target.password or "")
    return smtp


def send_outbox(session: Session, smtp_url: str | None, *, limit: int = 200) -> dict[str, Any]:
    """Deliver queued mail. Without SMTP_URL nothing is sent and the mail stays queued."""
    pending = pending_count(session)
    if not smtp_url:
        return {"sent": 0, "failed": 0, "queued": pending, "reason": "SMTP_URL is not set; mail stays in the outbox"}
    target = parse_smtp_url(smtp_url)
    rows = list(
        session.execute(
            select(OutboxEmail).where(col(OutboxEmail.sent_at).is_(None)).order_by(col(OutboxEmail.id)).limit(limit)
        ).scalars()
    )
    sent = failed = 0
    if not rows:
        return {"sent": 0, "failed": 0, "queued": 0}
    with _connect(target) as smtp:
        for mail in rows:
            msg = EmailMessage()
            msg["From"], msg["To"], msg["Subject"] = MAIL_FROM, mail.to_address, mail.subject
            msg.set_content(mail.body)
            mail.attempts += 1
            try:
                smtp.send_message(msg)
            except smtplib.SMTPException as exc:  # one bad address must not stop the rest
                mail.last_error = str(exc)[:1000]
                failed += 1
            else:
                mail.sent_at = utcnow()
                sent += 1
            session.add(mail)
    return {"sent": sent, "failed": failed, "queued": pending - sent}
