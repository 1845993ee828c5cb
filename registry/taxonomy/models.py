from __future__ import annotations

from sqlmodel import Field, SQLModel

from registry.db_types import NAMING  # noqa: F401  (naming convention must be set first)


class CapabilityNode(SQLModel, table=True):
    """A node of the capability taxonomy tree (e.g. Intelligence analysis › Network analysis)."""

    __tablename__ = "capability_node"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=60, unique=True, index=True)
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    parent_id: int | None = Field(default=None, foreign_key="capability_node.id", index=True)
    position: int = Field(default=0)
    retired: bool = Field(default=False)
    version: int = Field(default=1)


class Workstream(SQLModel, table=True):
    __tablename__ = "workstream"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True, index=True)
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
