"""Reading submitted forms and query strings: one way, used by every page module."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def many(data: Mapping[str, Any], key: str) -> list[str]:
    """All non-blank values of a repeated field (checkboxes, multi-selects), stripped."""
    getall = getattr(data, "getall", None)
    value = getall(key, []) if getall else data.get(key)
    values = value if isinstance(value, list | tuple) else [value] if value is not None else []
    return [str(v).strip() for v in values if str(v).strip()]


def one(data: Mapping[str, Any], key: str) -> str:
    """A single field's value, stripped; the last one wins if it was sent twice."""
    values = many(data, key)
    return values[-1] if values else ""
