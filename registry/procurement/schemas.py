"""Input schemas for procurement projects (shared by the JSON API and the form handlers)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from registry.schema_types import Name, StrictModel
from registry.search.query import Q_MAX_LENGTH, SAVED_FILTERS

Statement = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class ProjectCreate(StrictModel):
    name: Name
    need_statement: Statement = ""
    budget: float | None = Field(default=None, ge=0, le=1e12)
    requirement_ids: list[int] = Field(default_factory=list, max_length=200)


class SearchIn(StrictModel):
    """A search as a saved search stores it: the words plus query-string style filters
    ({parameter: [values]}), checked by the registry's one search parser when it runs."""

    q: str = Field(default="", max_length=Q_MAX_LENGTH)
    filters: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Search parameters as GET /api/v1/search takes them, each a list of values: "
        + ", ".join(SAVED_FILTERS)
        + ".",
    )


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
