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


_NOT_PUBLIC = "null unless you are staff or the supplier itself (the public supplier page does not show it)"
_SIGNED_IN = "null unless you are signed in (the public supplier page shows it to signed-in users only)"


class SupplierRead(BaseModel):
    """A supplier as the reader may see it: see registry/suppliers/services.py::supplier_view."""

    id: int
    organisation_id: int
    name: str
    companies_house_number: str
    address: str | None = Field(description=_NOT_PUBLIC)
    region: str
    website: str
    size_band: str
    sme: bool
    employees: int | None = Field(description=_NOT_PUBLIC)
    turnover_gbp: float | None = Field(description=_NOT_PUBLIC)
    clearances: list[str]
    verified: bool
    status: str
    contact_name: str | None = Field(description=_SIGNED_IN)
    contact_email: str | None = Field(description=_SIGNED_IN)
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


class StaffSupplierCreate(SupplierCreate):
    """POST /api/v1/suppliers (staff): refused with 409 and the likely duplicates unless confirmed."""

    confirm_duplicate: bool = Field(
        default=False,
        description="Send true to create the supplier although the 409 answer listed likely duplicates "
        "(a similar name, the same website domain): you have checked it is a different organisation.",
    )


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
    # Workflow-only: sending them is a 409 naming POST /api/v1/suppliers/{id}/approve|reject|verify.
    verified: bool | None = Field(default=None, description="Read-only here: POST /api/v1/suppliers/{id}/verify")
    status: str | None = Field(
        default=None,
        pattern=r"^(pending|active|rejected|retired)$",
        description="Read-only here: POST /api/v1/suppliers/{id}/approve or /reject; DELETE retires",
    )
    version: int | None = None
