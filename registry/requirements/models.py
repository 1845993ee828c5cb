from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from registry.db_types import json_list, utcnow


class Requirement(SQLModel, table=True):
    """An information-management (IM) requirement of a buying organisation."""

    __tablename__ = "requirement"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    code: str = Field(max_length=40)
    title: str = Field(max_length=300)
    description: str = Field(default="", max_length=5000)
    source: str = Field(default="", max_length=300)
    capability_node_id: int = Field(foreign_key="capability_node.id", index=True)
    workstreams: list[str] = json_list()
    four_ps: list[str] = json_list()
    five_ds: list[str] = json_list()
    five_cs: list[str] = json_list()
    priority: str = Field(default="should", max_length=10)  # MoSCoW
    weight: float = Field(default=1.0)
    min_classification: str | None = Field(default=None, max_length=30)
    allowed_hosting: list[str] = json_list()
    data_standards: list[str] = json_list()
    min_trl: int | None = None
    allowed_deployments: list[str] = json_list()
    retired: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)


class RequirementSkill(SQLModel, table=True):
    __tablename__ = "requirement_skill"
    id: int | None = Field(default=None, primary_key=True)
    requirement_id: int = Field(foreign_key="requirement.id", index=True)
    skill_id: int = Field(foreign_key="skill.id", index=True)
    level: int
    people: int = 1
