"""Evaluation tables. Criteria, tools and scores are child rows of one evaluation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from assessments.models import new_id
from registry.db_types import utcnow


class Evaluation(SQLModel, table=True):
    """A procurement competition owned by one buying organisation."""

    __tablename__ = "evaluation"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    name: str = Field(max_length=200)
    # Plain reference, no foreign key: deleting the shortlist must not delete the evaluation.
    shortlist_id: int | None = None
    price_years: int = Field(default=3)  # whole-life cost = capital + years × annual
    status: str = Field(default="draft", max_length=10)  # draft | final
    created_by: int | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)


class EvaluationCriterion(SQLModel, table=True):
    __tablename__ = "evaluation_criterion"
    __table_args__ = (UniqueConstraint("evaluation_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    evaluation_id: str = Field(foreign_key="evaluation.id", index=True, max_length=32)
    key: str = Field(max_length=40)
    label: str = Field(max_length=200)
    kind: str = Field(default="quality", max_length=20)  # quality | price | social_value
    weight: float = Field(default=0.0)  # points out of 100
    position: int = Field(default=0)


class EvaluationTool(SQLModel, table=True):
    __tablename__ = "evaluation_tool"
    __table_args__ = (UniqueConstraint("evaluation_id", "tool_id"),)
    id: int | None = Field(default=None, primary_key=True)
    evaluation_id: str = Field(foreign_key="evaluation.id", index=True, max_length=32)
    tool_id: int = Field(foreign_key="tool.id", index=True)
    tool_version: int = Field(default=1)  # the listing revision that was evaluated
    price: float = Field(default=0.0)  # whole-life cost used for price scoring, GBP


class EvaluationScore(SQLModel, table=True):
    __tablename__ = "evaluation_score"
    __table_args__ = (UniqueConstraint("evaluation_id", "tool_id", "criterion_key"),)
    id: int | None = Field(default=None, primary_key=True)
    evaluation_id: str = Field(foreign_key="evaluation.id", index=True, max_length=32)
    tool_id: int = Field(foreign_key="tool.id")
    criterion_key: str = Field(max_length=40)
    score: float
    reason: str = Field(max_length=4000)
    scored_by: int | None = None
    scored_at: datetime = Field(default_factory=utcnow)
