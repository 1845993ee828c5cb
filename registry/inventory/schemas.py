from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from registry.schema_types import StrictModel


class InventoryRead(BaseModel):
    id: int
    organisation_id: int
    tool_id: int
    tool_name: str
    supplier_name: str
    licence_end: date | None
    seats: int
    notes: str
    version: int


class InventoryCreate(StrictModel):
    tool_id: int
    licence_end: date | None = None
    seats: int = Field(default=1, ge=0, le=1_000_000)
    notes: str = Field(default="", max_length=2000)
    organisation_id: int | None = None  # admins only


class InventoryUpdate(StrictModel):
    licence_end: date | None = None
    seats: int | None = Field(default=None, ge=0, le=1_000_000)
    notes: str | None = Field(default=None, max_length=2000)
    version: int | None = None
