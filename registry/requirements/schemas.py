from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from registry.schema_types import (
    TRL,
    ClassificationName,
    Code,
    Deployment,
    FiveC,
    FiveD,
    FourP,
    Hosting,
    Level,
    MoSCoW,
    StrictModel,
    WorkstreamCode,
)


class RequirementSkillIn(StrictModel):
    skill_code: Code
    level: Level
    people: int = Field(default=1, ge=1, le=10000)


class RequirementSkillRead(BaseModel):
    skill_code: str
    skill_name: str
    level: int
    people: int


class RequirementRead(BaseModel):
    id: int
    organisation_id: int
    code: str
    title: str
    description: str
    source: str
    capability_node_id: int
    capability_code: str
    capability_path: str
    workstreams: list[str]
    four_ps: list[str]
    five_ds: list[str]
    five_cs: list[str]
    priority: str
    weight: float
    min_classification: str | None
    allowed_hosting: list[str]
    data_standards: list[str]
    min_trl: int | None
    allowed_deployments: list[str]
    skills: list[RequirementSkillRead]
    retired: bool
    created_at: datetime
    version: int


class _RequirementFields(StrictModel):
    description: str = Field(default="", max_length=5000)
    source: str = Field(default="", max_length=300)
    workstreams: list[WorkstreamCode] = Field(default_factory=list, max_length=7)
    four_ps: list[FourP] = Field(default_factory=list, max_length=4)
    five_ds: list[FiveD] = Field(default_factory=list, max_length=5)
    five_cs: list[FiveC] = Field(default_factory=list, max_length=5)
    priority: MoSCoW = MoSCoW.SHOULD
    weight: float = Field(default=1.0, ge=0, le=100)
    min_classification: ClassificationName | None = None
    allowed_hosting: list[Hosting] = Field(default_factory=list, max_length=3)
    data_standards: list[str] = Field(default_factory=list, max_length=20)
    min_trl: TRL | None = None
    allowed_deployments: list[Deployment] = Field(default_factory=list, max_length=4)
    skills: list[RequirementSkillIn] = Field(default_factory=list, max_length=30)


class RequirementCreate(_RequirementFields):
    code: Code
    title: str = Field(min_length=1, max_length=300)
    capability_code: Code
    organisation_id: int | None = None  # admins only


class RequirementUpdate(StrictModel):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=5000)
    source: str | None = Field(default=None, max_length=300)
    capability_code: Code | None = None
    workstreams: list[WorkstreamCode] | None = Field(default=None, max_length=7)
    four_ps: list[FourP] | None = Field(default=None, max_length=4)
    five_ds: list[FiveD] | None = Field(default=None, max_length=5)
    five_cs: list[FiveC] | None = Field(default=None, max_length=5)
    priority: MoSCoW | None = None
    weight: float | None = Field(default=None, ge=0, le=100)
    min_classification: ClassificationName | None = None
    allowed_hosting: list[Hosting] | None = Field(default=None, max_length=3)
    data_standards: list[str] | None = Field(default=None, max_length=20)
    min_trl: TRL | None = None
    allowed_deployments: list[Deployment] | None = Field(default=None, max_length=4)
    skills: list[RequirementSkillIn] | None = Field(default=None, max_length=30)
    version: int | None = None
