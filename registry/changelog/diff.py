"""One diff and hidden-field policy for history and listing versions."""

from __future__ import annotations

from typing import Any

HIDDEN_FIELDS = {"updated_at", "created_at", "version", "password_hash"}


# --- history ----------------------------------------------------------------------------------


def _show(value: Any) -> str:
    """A stored value as short readable text."""
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        parts = []
        for item in value:
            if isinstance(item, dict):
                label = item.get("node_path") or item.get("name") or item.get("skill_name") or item.get("skill_code")
                extra = item.get("state") or item.get("expires_on") or item.get("level")
                parts.append(f"{label} ({extra})" if extra not in (None, "") else str(label))
            else:
                parts.append(str(item))
        return "; ".join(parts)
    text = str(value)
    return text if len(text) <= 300 else text[:297] + "…"


def diff_rows(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[tuple[str, str, str]]:
    """(field, before, after) for every field that changed, in a stable order."""
    before, after = before or {}, after or {}
    rows = []
    for key in sorted(set(before) | set(after)):
        if key in HIDDEN_FIELDS or key.startswith("_"):
            continue
        old, new = before.get(key), after.get(key)
        if old == new or (_show(old) == "–" and _show(new) == "–"):
            continue
        rows.append((key.replace("_", " ").capitalize(), _show(old), _show(new)))
    return rows
