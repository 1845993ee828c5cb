from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from registry.db_types import json_list, utcnow


class Tool(SQLModel, table=True):
    """A supplier's offering. Enumerated fields hold enum values (see registry.enums)."""

    __tablename__ = "tool"
    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="supplier.id", index=True)
    name: str = Field(max_length=200, index=True)
    summary: str = Field(default="", max_length=500)
    description: str = Field(default="", max_length=10000)
    category: str = Field(default="", max_length=200)
    trl: int = Field(default=1)
    deployments: list[str] = json_list()
    hosting: str = Field(default="uk", max_length=10)
    classification: str = Field(default="OFFICIAL", max_length=30)  # Classification name
    data_standards: list[str] = json_list()
    pricing_model: str | None = Field(default=None, max_length=40)
    price_capital: float = Field(default=0.0)
    price_annual: float = Field(default=0.0)
    workstreams: list[str] = json_list()
    four_ps: list[str] = json_list()
    five_ds: list[str] = json_list()
    status: str = Field(default="draft", max_length=20, index=True)  # ToolStatus
    last_reviewed: date | None = None
    moderator_feedback: str = Field(default="", max_length=5000)
    stale: bool = Field(default=False)  # set by the nightly job
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)


class CapabilityClaim(SQLModel, table=True):
    __tablename__ = "capability_claim"
    id: int | None = Field(default=None, primary_key=True)
    tool_id: int = Field(foreign_key="tool.id", index=True)
    node_id: int = Field(foreign_key="capability_node.id", index=True)
    state: str = Field(default="claimed", max_length=20)  # VerificationState
    evidence: str = Field(default="", max_length=2000)


class Accreditation(SQLModel, table=True):
    __tablename__ = "accreditation"
    id: int | None = Field(default=None, primary_key=True)
    tool_id: int = Field(foreign_key="tool.id", index=True)
    name: str = Field(max_length=200)
    expires_on: date | None = None
    mandatory: bool = Field(default=False)


class ToolSkill(SQLModel, table=True):
    """A skill needed to run the tool, at an SFIA-style level."""

    __tablename__ = "tool_skill"
    id: int | None = Field(default=None, primary_key=True)
    tool_id: int = Field(foreign_key="tool.id", index=True)
    skill_id: int = Field(foreign_key="skill.id", index=True)
    level: int = Field(default=3)


class ToolTraining(SQLModel, table=True):
    """Training the supplier offers, by skill."""

    __tablename__ = "tool_training"
    id: int | None = Field(default=None, primary_key=True)
    tool_id: int = Field(foreign_key="tool.id", index=True)
    skill_id: int = Field(foreign_key="skill.id", index=True)


# A tool's child records: the key each has in the tool's read model and in its audit (listing)
# snapshot, and its table. Loading children for the read model and building the snapshot go by
# this, so a listing version or a history entry never misses a kind of child record.
TOOL_CHILDREN: dict[str, type[SQLModel]] = {
    "capabilities": CapabilityClaim,
    "accreditations": Accreditation,
    "skills_needed": ToolSkill,
    "training_offered": ToolTraining,
}


class ToolFlag(SQLModel, table=True):
    """A listing problem found by the nightly hygiene job (stale, accreditation expiring or
    expired, mandatory accreditation expired). Rows are removed once the problem is fixed."""

    __tablename__ = "tool_flag"
    __table_args__ = (UniqueConstraint("tool_id", "flag"),)
    id: int | None = Field(default=None, primary_key=True)
    tool_id: int = Field(foreign_key="tool.id", index=True)
    flag: str = Field(max_length=40, index=True)
    detail: str = Field(default="", max_length=500)
    since: datetime = Field(default_factory=utcnow)
