from __future__ import annotations

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from registry.db_types import NAMING  # noqa: F401  (naming convention must be set first)


class Skill(SQLModel, table=True):
    __tablename__ = "skill"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)
    name: str = Field(max_length=200)
    category: str = Field(default="", max_length=100)
    description: str = Field(default="", max_length=2000)
    retired: bool = Field(default=False)
    version: int = Field(default=1)


class SkillHolding(SQLModel, table=True):
    """How many people in an organisation hold a skill at a level."""

    __tablename__ = "skill_holding"
    __table_args__ = (UniqueConstraint("organisation_id", "skill_id", "level"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    skill_id: int = Field(foreign_key="skill.id", index=True)
    level: int
    people: int
    version: int = Field(default=1)
