from __future__ import annotations

from datetime import date

from sqlmodel import Field, SQLModel

from registry.db_types import NAMING  # noqa: F401  (naming convention must be set first)


class InventoryItem(SQLModel, table=True):
    """A tool a buying organisation already has in use."""

    __tablename__ = "inventory_item"
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    tool_id: int = Field(foreign_key="tool.id", index=True)
    licence_end: date | None = None
    seats: int = Field(default=1)
    notes: str = Field(default="", max_length=2000)
    version: int = Field(default=1)
