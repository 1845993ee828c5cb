from __future__ import annotations

from pydantic import BaseModel

from registry.schema_types import Code, Name, StrictModel


class CapabilityNodeRead(BaseModel):
    id: int
    code: str
    name: str
    description: str
    parent_id: int | None
    path: str
    retired: bool
    version: int


class CapabilityNodeCreate(StrictModel):
    code: Code
    name: Name
    description: str = ""
    parent_id: int | None = None
    position: int = 0


class CapabilityNodeUpdate(StrictModel):
    name: Name | None = None
    description: str | None = None
    parent_id: int | None = None
    position: int | None = None
    version: int | None = None
