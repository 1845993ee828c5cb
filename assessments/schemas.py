from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from registry.schema_types import ClassificationName, Name, StrictModel, WorkstreamCode


class AssessmentCreate(StrictModel):
    name: Name
    workstreams: list[WorkstreamCode] = Field(default_factory=list, max_length=7)
    budget_capital: float = Field(default=0.0, ge=0, le=1_000_000_000)
    budget_annual: float = Field(default=0.0, ge=0, le=1_000_000_000)
    max_suppliers: int | None = Field(default=None, ge=1, le=1000)
    min_sme_share: float | None = Field(default=None, ge=0, le=1)
    min_classification: ClassificationName | None = None
    schedule: Literal["none", "weekly", "monthly"] = "none"
    organisation_id: int | None = None  # admins only


class AssessmentUpdate(StrictModel):
    name: Name | None = None
    workstreams: list[WorkstreamCode] | None = Field(default=None, max_length=7)
    budget_capital: float | None = Field(default=None, ge=0, le=1_000_000_000)
    budget_annual: float | None = Field(default=None, ge=0, le=1_000_000_000)
    max_suppliers: int | None = Field(default=None, ge=1, le=1000)
    min_sme_share: float | None = Field(default=None, ge=0, le=1)
    min_classification: ClassificationName | None = None
    schedule: Literal["none", "weekly", "monthly"] | None = None
    version: int | None = None


class RunSummary(BaseModel):
    id: str
    assessment_id: str
    run_at: datetime
    trigger: str
    overall_score: float | None
    full_count: int
    partial_count: int
    none_count: int


class AssessmentRead(BaseModel):
    id: str
    organisation_id: int
    name: str
    workstreams: list[str]
    budget_capital: float
    budget_annual: float
    max_suppliers: int | None
    min_sme_share: float | None
    min_classification: str | None
    schedule: str
    created_at: datetime
    version: int
    latest_run: RunSummary | None = None


class RunRead(RunSummary):
    result: dict[str, Any]
    recommendation: dict[str, Any] | None
    inputs: dict[str, Any]


class RunDiff(BaseModel):
    from_run: str
    to_run: str
    diff: dict[str, Any]
