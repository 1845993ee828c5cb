from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, EmailStr, Field

from registry.schema_types import Name, OrgKindName, RoleName, StrictModel


class OrganisationRead(BaseModel):
    id: int
    name: str
    kind: str
    created_at: datetime
    version: int


class OrganisationCreate(StrictModel):
    name: Name
    kind: OrgKindName


class OrganisationUpdate(StrictModel):
    name: Name | None = None
    version: int | None = None


class TokenRequest(StrictModel):
    email: EmailStr
    password: str = Field(min_length=1, max_length=1000)
    # Names the new token in the holder's token list (GET /api/v1/tokens).
    name: str = Field(default="api", min_length=1, max_length=100)
    # Revoke the holder's earlier live tokens of the same name, so a script that signs in on every
    # run keeps one live token instead of a pile.
    replace: bool = False


class TokenResponse(BaseModel):
    token: str
    token_type: str = "bearer"
    id: int
    name: str
    expires_at: datetime | None
    user_id: int
    role: str
    organisation_id: int


class UserRead(BaseModel):
    id: int
    email: str
    name: str
    role: str
    organisation_id: int
    active: bool


class UserCreate(StrictModel):
    email: EmailStr
    name: Name
    role: RoleName
    organisation_id: int
    password: str = Field(min_length=12, max_length=1000)


class TokenRead(BaseModel):
    """An API token as its holder (or an admin) sees it: never the secret itself."""

    id: int
    user_id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    state: str  # active, expired or revoked


class SessionsEnded(BaseModel):
    ended: int


class TokensRevoked(BaseModel):
    revoked: int
