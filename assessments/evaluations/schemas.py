"""JSON API shapes for evaluations. The rules (weights, reasons, prices) are checked by
`assessments.evaluations.services`, which names each bad field the way the pages do."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from registry.schema_types import Name, StrictModel

Label = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Reason = Annotated[str, StringConstraints(max_length=4000)]


class EvaluationCreate(StrictModel):
    name: Name
    shortlist_id: int | None = Field(default=None, ge=1)
    tool_ids: list[int] = Field(default_factory=list, max_length=30)
    price_years: int = Field(default=3, ge=1, le=15)


class CriterionIn(StrictModel):
    label: Label
    kind: Literal["quality", "price", "social_value"]
    weight: float = Field(ge=0, le=100)
    key: str = Field(default="", max_length=40)


class CriteriaIn(StrictModel):
    criteria: list[CriterionIn] = Field(max_length=12)
    version: int | None = Field(default=None, ge=1)  # or If-Match; one of the two is required


class PriceIn(StrictModel):
    tool_id: int = Field(ge=1)
    price: float = Field(ge=0, le=1e12)


class PricesIn(StrictModel):
    prices: list[PriceIn] = Field(max_length=30)
    version: int | None = Field(default=None, ge=1)  # or If-Match; one of the two is required


class ScoreIn(StrictModel):
    tool_id: int = Field(ge=1)
    criterion_key: str = Field(min_length=1, max_length=40)
    score: float | None = Field(default=None, ge=0, le=100)  # null with an empty reason clears it
    reason: Reason = ""


class ScoresIn(StrictModel):
    scores: list[ScoreIn] = Field(max_length=30 * 12)
    version: int | None = Field(default=None, ge=1)  # or If-Match; one of the two is required


class FinaliseIn(StrictModel):
    version: int | None = Field(default=None, ge=1)  # or If-Match; one of the two is required


class CriterionRead(BaseModel):
    key: str
    label: str
    kind: str
    weight: float


class EvaluationToolRead(BaseModel):
    tool_id: int
    name: str
    tool_version: int  # the listing revision that was evaluated
    price: float


class ScoreRead(BaseModel):
    tool_id: int
    criterion_key: str
    score: float
    reason: str


class EvaluationSummaryRead(BaseModel):
    id: str
    name: str
    status: str
    tool_count: int
    created_at: datetime


class EvaluationRead(BaseModel):
    id: str
    name: str
    status: str
    version: int
    organisation_id: int
    shortlist_id: int | None
    price_years: int
    created_at: datetime
    updated_at: datetime
    criteria: list[CriterionRead]
    tools: list[EvaluationToolRead]
    scores: list[ScoreRead]
    result: dict[str, Any] | None  # ranking, winner and sensitivity once every score is in
    problems: list[str]  # why there is no result yet
