"""One diff and field policy for record history (audit events) and listing versions.

Both the history pages (`registry.changelog.pages`) and the listing versions (stored diffs, the
version pages and `/api/v1/tools/{id}/versions`) show a record's fields by these rules:

* SECRET_FIELDS never leave the server, in any view or API.
* STAFF_ONLY_FIELDS are what moderators wrote (feedback sent with "request changes" or a
  rejection): staff see them; the public and suppliers never do, on a page or through the API.
* HIDDEN_FIELDS are bookkeeping and internal ids: data the API still returns, but never a row
  on a history or version page.
* Audit events whose summary quotes a moderator's reasons or notes (STAFF_NOTE_ACTIONS) show that
  summary to staff only; everyone else sees just what happened ("Changes requested").
* Every other field is shown under its label (FIELD_LABELS, else the field name made readable),
  its value as one line of text (`display`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

SECRET_FIELDS = frozenset({"password_hash"})
STAFF_ONLY_FIELDS = frozenset({"moderator_feedback"})
HIDDEN_FIELDS = frozenset({"id", "supplier_id", "organisation_id", "version", "created_at", "updated_at"})
# History entries no one but staff sees at all (a claim request names the person asking).
STAFF_ONLY_ACTIONS = frozenset({"claim_request", "login", "login_failed"})
# Decisions whose audit summary carries the moderator's own words (reasons, an approval note).
STAFF_NOTE_ACTIONS = frozenset({"approve", "reject", "request_changes"})

FIELD_LABELS = {
    "name": "Name",
    "summary": "Summary",
    "description": "Description",
    "category": "Category",
    "trl": "Technology readiness level",
    "deployments": "Deployment",
    "hosting": "Hosting",
    "classification": "Highest classification",
    "data_standards": "Data standards",
    "pricing_model": "Pricing model",
    "price_capital": "One-off price (£)",
    "price_annual": "Annual price (£)",
    "workstreams": "Workstreams",
    "four_ps": "4P functions",
    "five_ds": "5D functions",
    "status": "Status",
    "last_reviewed": "Last reviewed",
    "capabilities": "Capabilities",
    "accreditations": "Accreditations",
    "skills_needed": "Skills needed",
    "training_offered": "Training offered",
    "stale": "Out of date",
    "moderator_feedback": "Moderator feedback",
    "companies_house_number": "Companies House number",
    "size_band": "Size",
    "turnover_gbp": "Turnover (£)",
    "clearances": "Staff clearances",
    "contact_email": "Contact email",
}
EMPTY = "—"


def readable(field: str, *, staff: bool) -> bool:
    """Whether this audience may have a field's value at all (pages and API)."""
    return field not in SECRET_FIELDS and (staff or field not in STAFF_ONLY_FIELDS)


def shown(field: str, *, staff: bool) -> bool:
    """Whether a field is a row in a history or version page for this audience."""
    return readable(field, staff=staff) and field not in HIDDEN_FIELDS and not field.startswith("_")


def visible(snapshot: Mapping[str, Any], *, staff: bool) -> dict[str, Any]:
    """A snapshot (or a stored diff) as data for this audience: only the fields it may read."""
    return {k: v for k, v in snapshot.items() if readable(k, staff=staff)}


def visible_fields(fields: Iterable[str], *, staff: bool) -> list[str]:
    return [f for f in fields if readable(f, staff=staff)]


def summary_for(action: str, summary: str, *, staff: bool) -> str:
    """An audit summary as this audience may read it."""
    return summary if staff or action not in STAFF_NOTE_ACTIONS else ""


def label(field: str) -> str:
    return FIELD_LABELS.get(field, field.replace("_", " ").capitalize())


def display(value: Any) -> str:
    """A stored value as one line of readable text."""
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return "; ".join(_item(v) for v in value)
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    return str(value)


def _item(value: Any) -> str:
    if not isinstance(value, dict):
        return str(value)
    if "node_code" in value:
        return f"{value.get('node_path') or value['node_code']} ({value.get('state', '')})"
    if "expires_on" in value:
        return f"{value.get('name')} (expires {value.get('expires_on') or 'never'})"
    if "level" in value:
        return f"{value.get('skill_name') or value.get('skill_code')} level {value['level']}"
    if "skill_code" in value:
        return str(value.get("skill_name") or value["skill_code"])
    return ", ".join(f"{k}: {v}" for k, v in value.items())


def field_diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """{field: {"before": old, "after": new}} for every field whose value differs, in field order.

    Raw and complete (listing versions store it); what a reader sees is `change_rows`.
    """
    before, after = before or {}, after or {}
    out: dict[str, dict[str, Any]] = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            out[key] = {"before": old, "after": new}
    return out


def change_rows(diff: Mapping[str, Mapping[str, Any]], *, staff: bool) -> list[tuple[str, str, str]]:
    """(label, before, after) for each change this audience may see and would notice."""
    rows = []
    for key, change in diff.items():
        if not shown(key, staff=staff):
            continue
        old, new = display(change.get("before")), display(change.get("after"))
        if old != new:  # None, "" and [] all read as empty: not a change anyone would see
            rows.append((label(key), old, new))
    return rows


def diff_rows(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, *, staff: bool
) -> list[tuple[str, str, str]]:
    """The visible changes between two snapshots (an audit event's before and after)."""
    return change_rows(field_diff(before, after), staff=staff)
