"""What every report builder shares: the report's meta and the report-only labels.

Numbers, money and dates are written by ``registry.formatting``, enum values are labelled by
``registry.enums`` and listing hygiene (stale listings, expiring accreditations) is decided by
``registry.tools.hygiene``, so a report says exactly what the pages and the nightly job say.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from assessments.engine import RequirementCoverage
from registry.enums import workstream_label

REASONS_PER_GAP = 2  # reasons printed per gap; the JSON and the engine keep them all

STATUS_LABELS = {"full": "Met", "partial": "Partly met", "none": "Not met"}
# Why a requirement is not met, in a few words (the engine's stable reason codes).
REASON_LABELS = {
    "no_capability": "No capability",
    "claim_only": "Capability only claimed",
    "classification_too_low": "Classification too low",
    "hosting_not_allowed": "Hosting not allowed",
    "trl_below_minimum": "TRL too low",
    "data_standard_missing": "Data standard missing",
    "deployment_not_allowed": "Deployment not allowed",
    "mandatory_accreditation_expired": "Accreditation expired",
    "licence_expired": "Licence ended",
}


@dataclass(frozen=True, slots=True)
class ReportMeta:
    """Who the report is for and by; stamped on every page."""

    organisation: str
    generated_by: str
    generated_at: datetime
    marking: str = "OFFICIAL"


def reason_label(code: str) -> str:
    return REASON_LABELS.get(code, code.replace("_", " ").capitalize())


def workstreams_text(requirement: Mapping[str, Any]) -> str:
    return ", ".join(workstream_label(w, short=True) for w in requirement.get("workstreams", []))


def short_reason(cov: RequirementCoverage) -> str:
    """A few words: the first tool for met requirements, else the distinct reasons."""
    if cov.status == "full":
        return f"Met by {cov.covered_by_names[0]}" if cov.covered_by_names else "Met"
    labels = list(dict.fromkeys(reason_label(r.code) for r in cov.reasons))
    return ", ".join(labels[:3]) + (" …" if len(labels) > 3 else "")


def reason_text(cov: RequirementCoverage) -> str:
    if cov.status == "full":
        names = ", ".join(cov.covered_by_names[:2])
        return f"Met by {names}" if names else "Met"
    messages = list(dict.fromkeys(r.message for r in cov.reasons))
    more = len(messages) - REASONS_PER_GAP
    text = "; ".join(messages[:REASONS_PER_GAP])
    return f"{text}; and {more} more" if more > 0 else text
