"""How account journeys send e-mail: through a mailer the composition root plugs in.

Sign-up, verification and password reset must write to the e-mail outbox, which lives in
registry/notifications, a package that builds on accounts. Importing it from here would make a
cycle, so `registry/app.py::wire()` hands the outbox's `queue_email` to `use()` (as it registers
audit listeners), and these modules call `send()`. Mail is queued in the caller's transaction.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.orm import Session

from registry.settings import Settings


class Mailer(Protocol):
    def __call__(self, session: Session, to_address: str, subject: str, body: str) -> Any: ...


_mailer: list[Mailer] = []

FOOTER = "This is an automatic message from the SOC Capability Registry."


def use(mailer: Mailer) -> None:
    """Plug in the outbox (idempotent: the last one wins)."""
    _mailer[:] = [mailer]


def send(session: Session, to_address: str, subject: str, body: str) -> None:
    if not _mailer:
        raise RuntimeError("No mailer: registry.app.wire() plugs in the e-mail outbox")
    _mailer[0](session, to_address, subject, f"{body}\n\n{FOOTER}")


def link(settings: Settings | None, path: str) -> str:
    """An absolute link for an e-mail, from PUBLIC_URL (never the request's Host header, which a
    caller could set to their own site in a password-reset request)."""
    base = ""
    if settings is not None:
        base = settings.public_url or f"http://{settings.host}:{settings.port}"
    return f"{base}{path}"
