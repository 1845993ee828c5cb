from __future__ import annotations

from pydantic import BaseModel, Field

from registry.schema_types import Code, Level, Name, StrictModel


class SkillRead(BaseModel):
    id: int
    code: str
    name: str
    category: str
    description: str
    retired: bool
    version: int


class SkillCreate(StrictModel):
    code: Code
    name: Name
    category: str = Field(default="", max_length=100)
    description: str = Field(default="", max_length=2000)


class SkillUpdate(StrictModel):
    name: Name | None = None
    category: str | None = Field(default=None, max_length=100)
    description: str | None = Field(default=None, max_length=2000)
    version: int | None = None


class HoldingRead(BaseModel):
    id: int
    organisation_id: int
    skill_id: int
    skill_code: str
    skill_name: str
    level: int
    people: int
    version: int


class HoldingCreate(StrictModel):
    skill_code: Code
    level: Level
    people: int = Field(ge=0, le=100000)
    organisation_id: int | None = None  # admins only; others use their own organisation


class HoldingUpdate(StrictModel):
    level: Level | None = None
    people: int | None = Field(default=None, ge=0, le=100000)
    version: int | None = None
