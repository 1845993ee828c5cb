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


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)  # sha256 hex; token never stored
    name: str = Field(default="api", max_length=100)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    last_used_at: datetime | None = None  # refreshed at most once a minute (see registry/accounts/sessions.py)
    revoked_at: datetime | None = None  # set by the holder or an admin; a revoked token never works again


class UserSession(SQLModel, table=True):
    """One signed-in browser. The signed cookie carries only the random id; this row decides
    whether it still works (ended at sign-out, idle and absolute timeouts in
    registry/accounts/sessions.py), so ending it takes effect in every worker at once."""

    __tablename__ = "user_session"
    id: int | None = Field(default=None, primary_key=True)
    key_hash: str = Field(max_length=64, unique=True, index=True)  # sha256 hex of the cookie's id
    user_id: int = Field(foreign_key="user_account.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None
    user_agent: str = Field(default="", max_length=300)
    ip: str = Field(default="", max_length=64)


class LoginAttempt(SQLModel, table=True):
    """Failed sign-ins per account and per IP, for throttling."""

    __tablename__ = "login_attempt"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300, index=True)  # "email:x" or "ip:y"
    failures: int = Field(default=0)
    last_failure_at: datetime = Field(default_factory=utcnow)
