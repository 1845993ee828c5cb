from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from registry.db_types import utcnow


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, index=True)
    kind: str = Field(max_length=20, index=True)  # OrgKind
    created_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)


class User(SQLModel, table=True):
    __tablename__ = "user_account"
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(max_length=200)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=30, index=True)  # Role
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None
    version: int = Field(default=1)
    # When the person proved they read this address (registry/accounts/email_verification.py).
    # Accounts made by staff, the CLI, seeds and imports count as verified; self-registration
    # sets None until the link in the e-mail is followed.
    email_verified_at: datetime | None = Field(default_factory=utcnow)
    # A self-registered buyer waiting for their organisation's approval cannot sign in
    # (registry/accounts/buyer_registration.py).
    awaiting_approval: bool = Field(default=False)


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)  # sha256 hex; token never stored
    name: str = Field(default="api", max_length=100)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    last_used_at: datetime | None = None


class ThrottleKey(SQLModel, table=True):
    """One row per throttled key ("signin-email:x", "signin-ip:y", "register-ip:y"): the row
    a check locks, so concurrent attempts on one key are counted one at a time."""

    __tablename__ = "throttle_key"
    key: str = Field(max_length=300, primary_key=True)


class ThrottleEvent(SQLModel, table=True):
    """One counted event (a failed sign-in, a registration) on a key; counted in a sliding
    window by registry/accounts/throttle.py and pruned as they age out."""

    __tablename__ = "throttle_event"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300, index=True)
    at: datetime = Field(default_factory=utcnow, index=True)


class OneTimeToken(SQLModel, table=True):
    """A time-limited single-use link (email verification, password reset); only its hash is kept."""

    __tablename__ = "one_time_token"
    id: int | None = Field(default=None, primary_key=True)
    purpose: str = Field(max_length=30, index=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)  # sha256 hex
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
