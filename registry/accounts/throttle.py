"""The one home of rate limits: sign-in failures per account and per client address,
registrations and password-reset requests per client address.

Each limit counts events on a key ("signin-email:x", "signin-ip:y", "register-ip:y") in a
sliding window: an attempt is refused while the key already has `limit` events younger than
`window`, and the refusal says when the oldest of them ages out (the Retry-After). Old events
are pruned as new ones are counted, so counters decay by themselves: a few guesses an hour never
lock an account, and one address's failures on other accounts never lock a fifth one that never
failed (each key counts only its own events).

Counting is atomic: `hold` makes sure each key has a ThrottleKey row and locks it (SELECT ... FOR
UPDATE on PostgreSQL, in key order so two attempts never deadlock) until the caller's
transaction ends, so concurrent attempts on one key are checked and counted one at a time.
SQLite serialises writing transactions already (requests begin IMMEDIATE).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.accounts.models import ThrottleEvent, ThrottleKey
from registry.db_types import utcnow
from registry.errors import TooManyRequests
from registry.settings import Settings


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `limit` events per key in any `window`."""

    limit: int
    window: timedelta
    message: str  # what a person reads when refused; {wait} is replaced by the wait in words


@dataclass(frozen=True, slots=True)
class Policy:
    """The limits in force, from the settings (the defaults are the settings' defaults)."""

    signin: Limit  # failures per account
    signin_ip: Limit  # failures per client address, over every account it tries
    registration: Limit

    @classmethod
    def from_settings(cls, settings: Settings | None) -> Policy:
        if settings is None:
            return DEFAULT_POLICY
        return cls(
            signin=Limit(
                settings.signin_max_failures, timedelta(seconds=settings.signin_window_seconds), _SIGNIN_MESSAGE
            ),
            signin_ip=Limit(
                settings.signin_max_ip_failures, timedelta(seconds=settings.signin_window_seconds), _SIGNIN_MESSAGE
            ),
            registration=Limit(settings.registrations_per_hour, timedelta(hours=1), _REGISTER_MESSAGE),
        )


_SIGNIN_MESSAGE = "Too many failed sign-in attempts. Try again in {wait}."
_REGISTER_MESSAGE = "Too many requests from your network. Try again in {wait}."
DEFAULT_POLICY = Policy(
    signin=Limit(5, timedelta(minutes=15), _SIGNIN_MESSAGE),
    signin_ip=Limit(20, timedelta(minutes=15), _SIGNIN_MESSAGE),
    registration=Limit(5, timedelta(hours=1), _REGISTER_MESSAGE),
)


def signin_keys(email: str, client: str) -> list[str]:
    return [f"signin-email:{email.strip().lower()}"] + ([f"signin-ip:{client}"] if client else [])


def signin_rules(policy: Policy, keys: Sequence[str]) -> list[tuple[str, Limit]]:
    """Each sign-in key with its limit: an address gets more room than one account, since one
    address (an office, a proxy) signs in to many accounts."""
    return [(key, policy.signin_ip if key.startswith("signin-ip:") else policy.signin) for key in keys]


def registration_key(client: str) -> str:
    return f"register-ip:{client or 'unknown'}"


def _wait_words(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{(seconds + 59) // 60} minutes"


def hold(session: Session, keys: Iterable[str]) -> None:
    """Lock each key's row until the transaction ends (creating it if need be)."""
    ordered = sorted(set(keys))
    if not ordered:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for key in ordered:
        # INSERT ... ON CONFLICT DO NOTHING: a second attempt on a new key waits for the first
        # one's row instead of failing on the primary key.
        session.execute(insert(ThrottleKey).values(key=key).on_conflict_do_nothing(index_elements=["key"]))
    session.execute(select(col(ThrottleKey.key)).where(col(ThrottleKey.key).in_(ordered)).with_for_update())


def _recent(session: Session, key: str, since: datetime) -> list[datetime]:
    rows = session.execute(
        select(col(ThrottleEvent.at))
        .where(col(ThrottleEvent.key) == key, col(ThrottleEvent.at) > since)
        .order_by(col(ThrottleEvent.at))
    ).scalars()
    return [at if at.tzinfo else at.replace(tzinfo=since.tzinfo) for at in rows]


def retry_after(session: Session, key: str, rule: Limit, now: datetime | None = None) -> int:
    """Seconds until one more event is allowed on `key` (0: allowed now)."""
    now = now or utcnow()
    recent = _recent(session, key, now - rule.window)
    if len(recent) < rule.limit:
        return 0
    # Allowed again once enough of the oldest events have aged out of the window.
    frees_at = recent[len(recent) - rule.limit] + rule.window
    return max(1, int((frees_at - now).total_seconds() + 0.999))


def check(session: Session, rules: Sequence[tuple[str, Limit]], now: datetime | None = None) -> None:
    """Raise TooManyRequests (with retry_after) when any key is at its limit. Call `hold` first."""
    now = now or utcnow()
    waits = [(retry_after(session, key, rule, now), rule) for key, rule in rules]
    wait, rule = max(waits, key=lambda w: w[0], default=(0, None))
    if wait and rule is not None:
        raise TooManyRequests(rule.message.format(wait=_wait_words(wait)), retry_after=wait)


def count(session: Session, rules: Sequence[tuple[str, Limit]], now: datetime | None = None) -> None:
    """Count one event on each key, and prune the key's events older than its window."""
    now = now or utcnow()
    for key, rule in rules:
        session.execute(
            delete(ThrottleEvent).where(col(ThrottleEvent.key) == key, col(ThrottleEvent.at) <= now - rule.window)
        )
        session.add(ThrottleEvent(key=key, at=now))
    session.flush()


def clear(session: Session, keys: Sequence[str]) -> None:
    """Forget every counted event on these keys (a successful sign-in)."""
    session.execute(delete(ThrottleEvent).where(col(ThrottleEvent.key).in_(list(keys))))


def events_in_window(session: Session, key: str, rule: Limit, now: datetime | None = None) -> int:
    now = now or utcnow()
    return int(
        session.execute(
            select(func.count())
            .select_from(ThrottleEvent)
            .where(col(ThrottleEvent.key) == key, col(ThrottleEvent.at) > now - rule.window)
        ).scalar_one()
    )


def limit_registration(session: Session, client: str, policy: Policy = DEFAULT_POLICY) -> None:
    """Count one registration (or reset request) from this client address, refusing it when
    the address has made too many in the last hour."""
    rules = [(registration_key(client), policy.registration)]
    hold(session, [key for key, _rule in rules])
    check(session, rules)
    count(session, rules)
