from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from registry.db_types import utcnow


class ListingVersion(SQLModel, table=True):
    """One immutable, numbered state of a published tool or an active supplier.

    Rows are only ever inserted: anything that refers to a listing (a frozen search result,
    an award) stores the number, so later edits never change what a past decision saw.
    """

    __tablename__ = "listing_version"
    __table_args__ = (UniqueConstraint("entity_type", "entity_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    entity_type: str = Field(max_length=20, index=True)  # "tool" | "supplier"
    entity_id: int = Field(index=True)
    number: int
    created_at: datetime = Field(default_factory=utcnow)
    actor_id: int | None = None
    actor_label: str = Field(default="system", max_length=254)
    snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # {field: {"before": old, "after": new}} against the previous version; {} for number 1.
    diff: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


# The actor label of a baseline version: one written for a listing published before versions were
# kept (seeded or imported data). Its date is when the listing was first frozen in a search, not
# when it was published (registry/tools/publication.py skips it for that reason).
BASELINE_ACTOR = "system (baseline)"
