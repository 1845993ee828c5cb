"""View models for tool pages: labels, accreditation facts, compare rows and the editor's option lists."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from registry import formatting
from registry.enums import (
    DATA_STANDARDS,
    WORKSTREAMS,
    Classification,
    Clearance,
    Deployment,
    FiveD,
    FourP,
    Hosting,
    PricingModel,
    SizeBand,
    VerificationState,
    workstream_label,
)
from registry.tools import editor, hygiene

# --- tool page --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccreditationView:
    name: str
    expires_on: date | None
    mandatory: bool
    state: hygiene.AccreditationState
    days_left: int | None


def accreditation_views(accreditations: Iterable[Mapping[str, Any]], today: date) -> list[AccreditationView]:
    return [
        AccreditationView(
            a["name"],
            a.get("expires_on"),
            bool(a.get("mandatory")),
            hygiene.accreditation_state(a.get("expires_on"), today),
            hygiene.days_left(a.get("expires_on"), today),
        )
        for a in accreditations
    ]


def is_stale(tool: Mapping[str, Any], today: date) -> bool:
    """The hygiene rule on a tool read model (``first_published`` is added by the tool page)."""
    return hygiene.is_stale(tool.get("last_reviewed"), tool.get("first_published"), today)


def stale_text(tool: Mapping[str, Any]) -> str:
    return hygiene.checked_text(tool.get("last_reviewed"), tool.get("first_published"))


# --- compare ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CompareRow:
    label: str
    cells: list[list[str]]  # per tool: lines of text
    differs: bool


def _row(label: str, cells: list[list[str]]) -> CompareRow:
    keys = {tuple(sorted(c)) for c in cells}
    return CompareRow(label, [c or ["None"] for c in cells], len(keys) > 1)


def compare_rows(
    tools: Sequence[Mapping[str, Any]], suppliers: Mapping[int, Mapping[str, Any]], today: date
) -> list[CompareRow]:
    """Attributes as rows, tools as columns; a row differs when any two tools' values differ."""

    def sup(t: Mapping[str, Any]) -> Mapping[str, Any]:
        return suppliers.get(t["supplier_id"], {})

    def yes(flag: Any) -> list[str]:
        return ["Yes" if flag else "No"]

    def accs(t: Mapping[str, Any]) -> list[str]:
        out = []
        for a in accreditation_views(t["accreditations"], today):
            suffix = {
                "expired": f" (expired {formatting.long_date(a.expires_on)})",
                "expiring": f" (expires {formatting.long_date(a.expires_on)})",
            }.get(a.state, "")
            out.append(a.name + suffix)
        return out

    spec: list[tuple[str, Any]] = [
        ("Supplier", lambda t: [t["supplier_name"]]),
        ("SME supplier", lambda t: yes(sup(t).get("sme"))),
        ("Verified supplier", lambda t: yes(sup(t).get("verified"))),
        ("Supplier clearances", lambda t: [Clearance.label_of(c) for c in sup(t).get("clearances") or []]),
        ("Category", lambda t: [t["category"]] if t["category"] else []),
        ("Highest classification", lambda t: [Classification.label_of(t["classification"])]),
        ("Technology readiness (TRL)", lambda t: [str(t["trl"])]),
        ("Deployment", lambda t: [Deployment.label_of(d) for d in t["deployments"]]),
        ("Data hosted in", lambda t: [Hosting.label_of(t["hosting"])]),
        ("Data standards", lambda t: list(t["data_standards"])),
        ("Pricing model", lambda t: [PricingModel.label_of(t["pricing_model"])] if t["pricing_model"] else []),
        ("Annual price", lambda t: [formatting.money(t["price_annual"])]),
        ("One-off price", lambda t: [formatting.money(t["price_capital"])]),
        (
            "Capabilities",
            lambda t: [
                f"{c['node_path']} ({VerificationState.label_of(c['state']).lower()})" for c in t["capabilities"]
            ],
        ),
        ("Workstreams", lambda t: [workstream_label(w) for w in t["workstreams"]]),
        ("4P functions", lambda t: [FourP.label_of(p) for p in t["four_ps"]]),
        ("5D functions", lambda t: [FiveD.label_of(d) for d in t["five_ds"]]),
        ("Accreditations", accs),
        ("Skills needed", lambda t: [f"{s['skill_name']} (level {s['level']})" for s in t["skills_needed"]]),
        ("Training offered", lambda t: [s["skill_name"] for s in t["training_offered"]]),
        ("Last reviewed", lambda t: [formatting.long_date(t["last_reviewed"])] if t["last_reviewed"] else []),
    ]
    return [_row(label, [list(get(t)) for t in tools]) for label, get in spec]


REGIONS = (
    "East Midlands",
    "East of England",
    "London",
    "North East",
    "North West",
    "Northern Ireland",
    "Scotland",
    "South East",
    "South West",
    "Wales",
    "West Midlands",
    "Yorkshire and the Humber",
)


# Hints beside the size bands: the UK definition an SME checks itself against.
SIZE_BAND_HINTS = {
    SizeBand.MICRO: "Fewer than 10 staff",
    SizeBand.SMALL: "Fewer than 50 staff",
    SizeBand.MEDIUM: "Fewer than 250 staff",
    SizeBand.LARGE: "250 staff or more, or turnover over £50m and balance sheet over £43m",
}


def editor_choices() -> dict[str, Any]:
    """Option lists the templates share (value, text[, hint]); the texts are the enums' labels."""
    return {
        "size_bands": [(b.value, b.label, SIZE_BAND_HINTS[b]) for b in SizeBand],
        "clearance_options": Clearance.choices(),
        "regions": REGIONS,
        "workstream_options": list(WORKSTREAMS.items()),
        "four_p_options": FourP.choices(),
        "five_d_options": FiveD.choices(),
        "classification_options": Classification.choices(),
        "hosting_options": Hosting.choices(),
        "deployment_options": Deployment.choices(),
        "standard_options": list(DATA_STANDARDS),
        "pricing_options": PricingModel.choices(),
        "trl_options": [(str(n), f"TRL {n}") for n in range(1, 10)],
        "level_options": [(str(n), f"Level {n}") for n in range(1, 8)],
        "steps": editor.STEPS,
    }
