"""Validated field types for API/form input schemas (enums are checked at the boundary)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from registry.enums import (
    Clearance,
    Deployment,
    FiveC,
    FiveD,
    FourP,
    Hosting,
    MoSCoW,
    PricingModel,
    SizeBand,
    ToolStatus,
    VerificationState,
)

ClassificationName = Literal["OFFICIAL", "OFFICIAL_SENSITIVE", "SECRET", "TOP_SECRET"]
WorkstreamCode = Literal["MSHT", "ECON", "BLUEGREEN", "GANGS", "VICTIMS", "CYBER", "CONFLICT"]
RoleName = Literal["supplier", "procurement_officer", "capability_lead", "moderator", "admin"]
OrgKindName = Literal["buyer", "supplier", "platform"]

# Single-line names: control characters (newlines, tabs, NUL) are refused.
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")
]
Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
]
ShortText = Annotated[str, StringConstraints(max_length=500)]
LongText = Annotated[str, StringConstraints(max_length=10000)]
Level = Annotated[int, Field(ge=1, le=7)]
TRL = Annotated[int, Field(ge=1, le=9)]
Money = Annotated[float, Field(ge=0, le=1_000_000_000)]

__all__ = [
    "ClassificationName",
    "Clearance",
    "Code",
    "Deployment",
    "FiveC",
    "FiveD",
    "FourP",
    "Hosting",
    "Level",
    "LongText",
    "MoSCoW",
    "Money",
    "Name",
    "OrgKindName",
    "PricingModel",
    "RoleName",
    "ShortText",
    "SizeBand",
    "StrictModel",
    "ToolStatus",
    "TRL",
    "VerificationState",
    "WorkstreamCode",
]


class StrictModel(BaseModel):
    """Input schemas reject unknown fields, so typos are reported instead of ignored."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)
