"""Input schemas for procurement projects (shared by the JSON API and the form handlers)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from registry.schema_types import Name, StrictModel

Statement = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class ProjectCreate(StrictModel):
    name: Name
    need_statement: Statement = ""
    budget: float | None = Field(default=None, ge=0, le=1e12)
    requirement_ids: list[int] = Field(default_factory=list, max_length=200)


class SearchIn(StrictModel):
    """A search as the search page sends it: free text plus query-string style filters."""

    q: str = Field(default="", max_length=200)
    filters: dict[str, list[str]] = Field(default_factory=dict)


class DecisionIn(StrictModel):
    decision: Literal["keep", "exclude"]
    reason_code: str | None = Field(default=None, max_length=40)
    reason_text: Reason = ""


class OutcomeIn(StrictModel):
    kind: Literal["awarded", "cancelled", "none_suitable"]
    frozen_result_id: int | None = None  # awarded: the kept result that won
    value: float | None = Field(default=None, ge=0, le=1e12)  # awarded: contract value, GBP
    start_date: date | None = None
    end_date: date | None = None
    reason: Reason = ""
