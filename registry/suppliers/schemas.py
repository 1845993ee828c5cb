from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, EmailStr, Field, StringConstraints

from registry.schema_types import Clearance, Name, SizeBand, StrictModel
from registry.suppliers.validation import check_ch_number, check_website

# The pattern shows API clients the shape; the validator normalises (spaces, case) and words the error.
CompaniesHouseNumber = Annotated[
    str,
    StringConstraints(pattern=r"^\s*(\d{8}|([Ss][Cc]|[Nn][Ii]|[Oo][Cc])\d{6})\s*$"),
    AfterValidator(check_ch_number),
]
Website = Annotated[
    str, Field(max_length=300, pattern=r"^\s*(https?://[^\s/]+\S*)?\s*$"), AfterValidator(check_website)
]


class SupplierRead(BaseModel):
    id: int
    organisation_id: int
    name: str
    companies_house_number: str
    address: str
    region: str
    website: str
    size_band: str
    sme: bool
    employees: int | None
    turnover_gbp: float | None
    clearances: list[str]
    verified: bool
    status: str
    contact_name: str
    contact_email: str
    created_at: datetime
    updated_at: datetime
    version: int


class SupplierCreate(StrictModel):
    name: Name
    companies_house_number: CompaniesHouseNumber
    address: str = Field(default="", max_length=500)
    region: str = Field(default="", max_length=100)
    website: Website | None = None
    size_band: SizeBand
    employees: int | None = Field(default=None, ge=0, le=10_000_000)
    turnover_gbp: float | None = Field(default=None, ge=0)
    clearances: list[Clearance] = Field(default_factory=list, max_length=3)
    contact_name: str = Field(default="", max_length=200)
    contact_email: EmailStr | None = None
    organisation_id: int | None = None  # staff only: attach to an existing organisation


class SupplierUpdate(StrictModel):
    name: Name | None = None
    address: str | None = Field(default=None, max_length=500)
    region: str | None = Field(default=None, max_length=100)
    website: Website | None = None
    size_band: SizeBand | None = None
    employees: int | None = Field(default=None, ge=0, le=10_000_000)
    turnover_gbp: float | None = Field(default=None, ge=0)
    clearances: list[Clearance] | None = Field(default=None, max_length=3)
    contact_name: str | None = Field(default=None, max_length=200)
    contact_email: EmailStr | None = None
    verified: bool | None = None  # moderators only
    status: str | None = Field(default=None, pattern=r"^(pending|active|rejected|retired)$")  # moderators only
    version: int | None = None
