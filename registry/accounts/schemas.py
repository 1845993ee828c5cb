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


class TokenResponse(BaseModel):
    token: str
    token_type: str = "bearer"
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
