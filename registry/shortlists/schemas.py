from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from registry.schema_types import Name, StrictModel

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]


class ShortlistCreate(StrictModel):
    name: Name


class ShortlistRename(StrictModel):
    name: Name
    version: int | None = None


class ShortlistItemAdd(StrictModel):
    tool_id: int = Field(ge=1)
    note: Note = ""
