"""View models for tool pages: labels, accreditation facts, compare rows and the editor's option lists."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

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
)
from registry.tools import editor

STALE_AFTER = timedelta(days=365)
EXPIRY_WARNING_DAYS = 60

DEPLOYMENT_LABELS = {"saas": "SaaS", "on-premises": "On-premises", "hybrid": "Hybrid", "air-gapped": "Air-gapped"}
HOSTING_LABELS = {"uk": "UK", "eea": "EEA", "other": "Outside UK and EEA"}
PRICING_LABELS = {
    "per-user-year": "Per user per year",
    "annual-licence": "Annual licence",
    "perpetual": "Perpetual licence",
    "subscription-monthly": "Monthly subscription",
    "free-open-source": "Free and open source",
    "bespoke": "Bespoke pricing",
}


class Fmt:
    """Display helpers handed to templates as `fmt` (labels and money, one place)."""

    @staticmethod
    def money(value: float | int | None) -> str:
        if value is None:
            return ""
        return f"£{value:,.0f}" if float(value).is_integer() else f"£{value:,.2f}"

    @staticmethod
    def deployment(value: str) -> str:
        return DEPLOYMENT_LABELS.get(str(value), str(value))

    @staticmethod
    def hosting(value: str) -> str:
        return HOSTING_LABELS.get(str(value), str(value))

    @staticmethod
    def pricing(value: str | None) -> str:
        return PRICING_LABELS.get(str(value), str(value)) if value else ""

    @staticmethod
    def classification(value: str | int) -> str:
        try:
            return Classification.parse(value).label
        except (KeyError, ValueError):
            return str(value)

    @staticmethod
    def workstream(code: str) -> str:
        return WORKSTREAMS.get(code, code)

    @staticmethod
    def deployments(values: Iterable[str]) -> str:
        return ", ".join(Fmt.deployment(v) for v in values)

    @staticmethod
    def workstreams(codes: Iterable[str]) -> str:
        return "; ".join(Fmt.workstream(c) for c in codes)

    @staticmethod
    def words(values: Iterable[str]) -> str:
        return ", ".join(str(v).capitalize() for v in values)

    @staticmethod
    def date(value: date | None) -> str:
        return f"{value.day} {value:%B %Y}" if value else ""

    @staticmethod
    def title(value: str) -> str:
        return str(value).replace("-", " ").capitalize()


FMT = Fmt()


# --- tool page --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccreditationView:
    name: str
    expires_on: date | None
    mandatory: bool
    state: str  # "expired" | "soon" | "current"
    days_left: int | None


def accreditation_views(accreditations: Iterable[Mapping[str, Any]], today: date) -> list[AccreditationView]:
    out = []
    for a in accreditations:
        expiry = a.get("expires_on")
        days = (expiry - today).days if expiry else None
        if days is None:
            state = "current"
        elif days < 0:
            state = "expired"
        elif days <= EXPIRY_WARNING_DAYS:
            state = "soon"
        else:
            state = "current"
        out.append(AccreditationView(a["name"], expiry, bool(a.get("mandatory")), state, days))
    return out


def is_stale(tool: Mapping[str, Any], today: date) -> bool:
    reviewed = tool.get("last_reviewed")
    return bool(tool.get("stale")) or reviewed is None or today - reviewed > STALE_AFTER


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
                "expired": f" (expired {FMT.date(a.expires_on)})",
                "soon": f" (expires {FMT.date(a.expires_on)})",
            }.get(a.state, "")
            out.append(a.name + suffix)
        return out

    spec: list[tuple[str, Any]] = [
        ("Supplier", lambda t: [t["supplier_name"]]),
        ("SME supplier", lambda t: yes(sup(t).get("sme"))),
        ("Verified supplier", lambda t: yes(sup(t).get("verified"))),
        ("Supplier clearances", lambda t: list(sup(t).get("clearances") or [])),
        ("Category", lambda t: [t["category"]] if t["category"] else []),
        ("Highest classification", lambda t: [FMT.classification(t["classification"])]),
        ("Technology readiness (TRL)", lambda t: [str(t["trl"])]),
        ("Deployment", lambda t: [FMT.deployment(d) for d in t["deployments"]]),
        ("Data hosted in", lambda t: [FMT.hosting(t["hosting"])]),
        ("Data standards", lambda t: list(t["data_standards"])),
        ("Pricing model", lambda t: [FMT.pricing(t["pricing_model"])] if t["pricing_model"] else []),
        ("Annual price", lambda t: [FMT.money(t["price_annual"])]),
        ("One-off price", lambda t: [FMT.money(t["price_capital"])]),
        ("Capabilities", lambda t: [f"{c['node_path']} ({c['state']})" for c in t["capabilities"]]),
        ("Workstreams", lambda t: [FMT.workstream(w) for w in t["workstreams"]]),
        ("4P functions", lambda t: [p.capitalize() for p in t["four_ps"]]),
        ("5D functions", lambda t: [d.capitalize() for d in t["five_ds"]]),
        ("Accreditations", accs),
        ("Skills needed", lambda t: [f"{s['skill_name']} (level {s['level']})" for s in t["skills_needed"]]),
        ("Training offered", lambda t: [s["skill_name"] for s in t["training_offered"]]),
        ("Last reviewed", lambda t: [FMT.date(t["last_reviewed"])] if t["last_reviewed"] else []),
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


def editor_choices() -> dict[str, Any]:
    """Option lists the templates share (value, text[, hint])."""
    return {
        "size_bands": [
            ("micro", "Micro", "Fewer than 10 staff"),
            ("small", "Small", "Fewer than 50 staff"),
            ("medium", "Medium", "Fewer than 250 staff"),
            ("large", "Large", "250 staff or more, or turnover over £50m and balance sheet over £43m"),
        ],
        "clearance_options": [(c.value, c.value) for c in Clearance],
        "regions": REGIONS,
        "workstream_options": list(WORKSTREAMS.items()),
        "four_p_options": [(p.value, p.value.capitalize()) for p in FourP],
        "five_d_options": [(d.value, d.value.capitalize()) for d in FiveD],
        "classification_options": [(c.name, c.label) for c in Classification],
        "hosting_options": [
            (Hosting.UK.value, "United Kingdom"),
            (Hosting.EEA.value, "European Economic Area"),
            (Hosting.OTHER.value, "Elsewhere"),
        ],
        "deployment_options": [
            (Deployment.SAAS.value, "Software as a service"),
            (Deployment.ON_PREMISES.value, "On premises"),
            (Deployment.HYBRID.value, "Hybrid"),
            (Deployment.AIR_GAPPED.value, "Air-gapped"),
        ],
        "standard_options": list(DATA_STANDARDS),
        "pricing_options": [(p.value, p.value.replace("-", " ").capitalize()) for p in PricingModel],
        "trl_options": [(str(n), f"TRL {n}") for n in range(1, 10)],
        "level_options": [(str(n), f"Level {n}") for n in range(1, 8)],
        "steps": editor.STEPS,
    }
