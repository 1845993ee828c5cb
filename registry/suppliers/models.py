from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from registry.db_types import json_list, utcnow


class Supplier(SQLModel, table=True):
    __tablename__ = "supplier"
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", unique=True, index=True)
    name: str = Field(max_length=200, index=True)
    companies_house_number: str = Field(max_length=8, unique=True, index=True)
    address: str = Field(default="", max_length=500)
    region: str = Field(default="", max_length=100)
    website: str = Field(default="", max_length=300)
    size_band: str = Field(max_length=10)  # SizeBand
    employees: int | None = None
    turnover_gbp: float | None = None
    clearances: list[str] = json_list()
    verified: bool = Field(default=False)
    # pending -> active | rejected: new self-registrations wait for a moderator.
    status: str = Field(default="active", max_length=20, index=True)
    contact_name: str = Field(default="", max_length=200)
    contact_email: str = Field(default="", max_length=254)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)
