from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field, model_validator

from registry.schema_types import (
    TRL,
    ClassificationName,
    Code,
    Deployment,
    FiveD,
    FourP,
    Hosting,
    Level,
    LongText,
    Money,
    Name,
    PricingModel,
    ShortText,
    StrictModel,
    ToolStatus,
    VerificationState,
    WorkstreamCode,
)


class ClaimIn(StrictModel):
    node_code: Code
    state: VerificationState = VerificationState.CLAIMED
    evidence: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _evidence_needed(self) -> ClaimIn:
        if self.state != VerificationState.CLAIMED.value and not self.evidence.strip():
            raise ValueError("evidence is required when a claim is evidenced or verified")
        return self


class AccreditationIn(StrictModel):
    name: Name
    expires_on: date | None = None
    mandatory: bool = False


class SkillNeedIn(StrictModel):
    skill_code: Code
    level: Level


class ClaimRead(BaseModel):
    node_id: int
    node_code: str
    node_path: str
    state: str
    evidence: str


class AccreditationRead(BaseModel):
    name: str
    expires_on: date | None
    mandatory: bool
    current: bool


class SkillNeedRead(BaseModel):
    skill_code: str
    skill_name: str
    level: int


class TrainingRead(BaseModel):
    skill_code: str
    skill_name: str


class ToolRead(BaseModel):
    id: int
    supplier_id: int
    supplier_name: str
    name: str
    summary: str
    description: str
    category: str
    trl: int
    deployments: list[str]
    hosting: str
    classification: str
    data_standards: list[str]
    pricing_model: str | None
    price_capital: float
    price_annual: float
    workstreams: list[str]
    four_ps: list[str]
    five_ds: list[str]
    status: str
    last_reviewed: date | None
    stale: bool
    moderator_feedback: str
    capabilities: list[ClaimRead]
    accreditations: list[AccreditationRead]
    skills_needed: list[SkillNeedRead]
    training_offered: list[TrainingRead]
    created_at: datetime
    updated_at: datetime
    version: int


class _ToolFields(StrictModel):
    summary: ShortText = ""
    description: LongText = ""
    category: str = Field(default="", max_length=200)
    trl: TRL = 1
    deployments: list[Deployment] = Field(default_factory=list, max_length=4)
    hosting: Hosting = Hosting.UK
    classification: ClassificationName = "OFFICIAL"
    data_standards: list[str] = Field(default_factory=list, max_length=30)
    pricing_model: PricingModel | None = None
    price_capital: Money = 0.0
    price_annual: Money = 0.0
    workstreams: list[WorkstreamCode] = Field(default_factory=list, max_length=7)
    four_ps: list[FourP] = Field(default_factory=list, max_length=4)
    five_ds: list[FiveD] = Field(default_factory=list, max_length=5)
    capabilities: list[ClaimIn] = Field(default_factory=list, max_length=100)
    accreditations: list[AccreditationIn] = Field(default_factory=list, max_length=50)
    skills_needed: list[SkillNeedIn] = Field(default_factory=list, max_length=50)
    training_offered: list[Code] = Field(default_factory=list, max_length=50)
    last_reviewed: date | None = None


class ToolCreate(_ToolFields):
    name: Name
    supplier_id: int | None = None  # suppliers: their own; staff must give it
    status: ToolStatus = ToolStatus.DRAFT


class ToolUpdate(StrictModel):
    """Partial update: only the fields sent change; child lists sent are replaced whole."""

    name: Name | None = None
    summary: ShortText | None = None
    description: LongText | None = None
    category: str | None = Field(default=None, max_length=200)
    trl: TRL | None = None
    deployments: list[Deployment] | None = Field(default=None, max_length=4)
    hosting: Hosting | None = None
    classification: ClassificationName | None = None
    data_standards: list[str] | None = Field(default=None, max_length=30)
    pricing_model: PricingModel | None = None
    price_capital: Money | None = None
    price_annual: Money | None = None
    workstreams: list[WorkstreamCode] | None = Field(default=None, max_length=7)
    four_ps: list[FourP] | None = Field(default=None, max_length=4)
    five_ds: list[FiveD] | None = Field(default=None, max_length=5)
    capabilities: list[ClaimIn] | None = Field(default=None, max_length=100)
    accreditations: list[AccreditationIn] | None = Field(default=None, max_length=50)
    skills_needed: list[SkillNeedIn] | None = Field(default=None, max_length=50)
    training_offered: list[Code] | None = Field(default=None, max_length=50)
    last_reviewed: date | None = None
    status: ToolStatus | None = None
    moderator_feedback: str | None = Field(default=None, max_length=5000)
    version: int | None = None
