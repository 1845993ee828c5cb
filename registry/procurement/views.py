"""View models for procurement projects: a saved search's filters and sort in words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from registry import formatting
from registry.enums import Classification, Deployment, FiveD, FourP, Hosting, workstream_label
from registry.search.views import SORT_OPTIONS

# A project search offers the sorts that matter when buying; their labels are the search page's.
PROJECT_SORTS = ("relevance", "price", "-last_reviewed")
SORT_LABELS = {value: text for value, text in SORT_OPTIONS if value in PROJECT_SORTS}


def _price_text(value: str) -> str:
    try:
        return formatting.money(float(value))
    except ValueError:
        return value


# Saved-search filter -> (what people call it, how its values are shown). Flags ("true") show
# only the name.
FILTER_TEXT: dict[str, tuple[str, Any]] = {
    "workstream": ("Workstream", workstream_label),
    "capability": ("Capability", str),
    "four_p": ("4P function", FourP.label_of),
    "five_d": ("5D function", FiveD.label_of),
    "classification": ("Classification", Classification.label_of),
    "trl_min": ("Minimum TRL", str),
    "deployment": ("Deployment", Deployment.label_of),
    "hosting": ("Hosting", Hosting.label_of),
    "sme": ("SME suppliers only", None),
    "verified": ("Verified suppliers only", None),
    "accredited": ("Accreditations in date only", None),
    "max_price": ("Annual price up to", _price_text),
    "sort": ("Sorted by", lambda v: SORT_LABELS.get(v, v)),
}


def filters_text(filters: Mapping[str, list[str]]) -> str:
    """A saved search's filters in words, e.g. 'Hosting: UK; SME suppliers only'."""
    parts = []
    for key, values in filters.items():
        name, show = FILTER_TEXT.get(key, (key.replace("_", " ").capitalize(), str))
        parts.append(name if show is None else f"{name}: {', '.join(show(v) for v in values)}")
    return "; ".join(parts) or "No filters"
