"""Domain vocabulary shared by every layer (see docs/architecture.md). Pure: no web or DB imports.

Every enum value has exactly one human label, set beside its enum with ``_labels(...)``
(import fails if a member has none). People see ``member.label`` (or ``Enum.label_of(raw)``
for a stored code, ``Enum.choices()`` for form options); machine formats keep the codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum, IntEnum, StrEnum  # StrEnum renders as its value in templates and CSV
from typing import Any, Self

# {enum class: {member: label}}, members in declaration order. Keyed per class: StrEnum members
# hash like their values, so Role.SUPPLIER and OrgKind.SUPPLIER would collide in one flat dict.
_LABELS: dict[type[Labelled], dict[Any, str]] = {}


class Labelled:
    """Mixin for the vocabulary enums: a human label per member and the form options."""

    @property
    def label(self) -> str:
        return _LABELS[type(self)][self]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(code, label) per member, in declaration order: options for selects, radios and checkboxes."""
        return [(str(m.value), label) for m, label in _LABELS[cls].items()]

    @classmethod
    def labels(cls) -> dict[str, str]:
        """{code: label}, for templates that look labels up by a stored code."""
        return dict(cls.choices())

    @classmethod
    def label_of(cls, value: object) -> str:
        """The label of a stored code (or member); an unknown code is shown as it is, never an error."""
        if isinstance(value, cls):
            return value.label
        try:
            return cls.parse(value).label
        except (KeyError, ValueError, TypeError):
            return "" if value is None else str(value)

    @classmethod
    def parse(cls, value: Any) -> Self:
        return cls(value)  # type: ignore[call-arg]  # Labelled is mixed only into Enums, called with a value; no type says "Labelled and Enum"


def _labels(cls: type[Enum], labels: Mapping[Any, str]) -> None:
    missing = [m.name for m in cls if m not in labels]
    if missing:
        raise TypeError(f"{cls.__name__} members without a label: {', '.join(missing)}")
    if not issubclass(cls, Labelled):
        raise TypeError(f"{cls.__name__} needs the Labelled mixin to show its labels.")
    _LABELS[cls] = {m: labels[m] for m in cls}


class Classification(Labelled, IntEnum):
    """Government Security Classifications, ordered so comparisons mean 'at least'."""

    OFFICIAL = 1
    OFFICIAL_SENSITIVE = 2
    SECRET = 3
    TOP_SECRET = 4

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        # Stored and posted by name ("OFFICIAL_SENSITIVE"), not by number.
        return [(m.name, m.label) for m in cls]

    @classmethod
    def parse(cls, value: str | int | Classification) -> Classification:
        if isinstance(value, cls):
            return value
        if isinstance(value, int):
            return cls(value)
        key = str(value).strip().upper().replace("-", "_").replace(" ", "_")
        return cls[key]


# Government Security Classifications are written in capitals by convention.
_labels(
    Classification,
    {
        Classification.OFFICIAL: "OFFICIAL",
        Classification.OFFICIAL_SENSITIVE: "OFFICIAL-SENSITIVE",
        Classification.SECRET: "SECRET",
        Classification.TOP_SECRET: "TOP SECRET",
    },
)


class Deployment(Labelled, StrEnum):
    SAAS = "saas"
    ON_PREMISES = "on-premises"
    HYBRID = "hybrid"
    AIR_GAPPED = "air-gapped"


_labels(
    Deployment,
    {
        Deployment.SAAS: "Software as a service (SaaS)",
        Deployment.ON_PREMISES: "On-premises",
        Deployment.HYBRID: "Hybrid",
        Deployment.AIR_GAPPED: "Air-gapped",
    },
)


class Hosting(Labelled, StrEnum):
    """Where a tool keeps its data."""

    UK = "uk"
    EEA = "eea"
    OTHER = "other"


_labels(
    Hosting,
    {Hosting.UK: "UK", Hosting.EEA: "European Economic Area (EEA)", Hosting.OTHER: "Outside the UK and EEA"},
)


class FourP(Labelled, StrEnum):
    PURSUE = "pursue"
    PREVENT = "prevent"
    PROTECT = "protect"
    PREPARE = "prepare"


_labels(FourP, {p: p.value.capitalize() for p in FourP})


class FiveD(Labelled, StrEnum):
    DIVERT = "divert"
    DETER = "deter"
    DETECT = "detect"
    DISRUPT = "disrupt"
    DEVELOP = "develop"


_labels(FiveD, {d: d.value.capitalize() for d in FiveD})


class FiveC(Labelled, StrEnum):
    CULTURE = "culture"
    COMPREHENSION = "comprehension"
    COMMUNICATION = "communication"
    CAPACITY = "capacity"
    CAPABILITIES = "capabilities"


_labels(FiveC, {c: c.value.capitalize() for c in FiveC})


class MoSCoW(Labelled, StrEnum):
    MUST = "must"
    SHOULD = "should"
    COULD = "could"
    WONT = "wont"


_labels(
    MoSCoW,
    {MoSCoW.MUST: "Must have", MoSCoW.SHOULD: "Should have", MoSCoW.COULD: "Could have", MoSCoW.WONT: "Won't have"},
)


class SizeBand(Labelled, StrEnum):
    """UK SME definition: < 250 staff and turnover <= £50m or balance sheet <= £43m."""

    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"

    @property
    def is_sme(self) -> bool:
        return self is not SizeBand.LARGE


_labels(SizeBand, {b: b.value.capitalize() for b in SizeBand})


class Clearance(Labelled, StrEnum):
    """National security vetting levels; buyers know them by their initials."""

    BPSS = "BPSS"
    SC = "SC"
    DV = "DV"


_labels(
    Clearance,
    {
        Clearance.BPSS: "Baseline Personnel Security Standard (BPSS)",
        Clearance.SC: "Security Check (SC)",
        Clearance.DV: "Developed Vetting (DV)",
    },
)


class VerificationState(Labelled, StrEnum):
    CLAIMED = "claimed"
    EVIDENCED = "evidenced"
    VERIFIED = "verified"


_labels(VerificationState, {v: v.value.capitalize() for v in VerificationState})


class ToolStatus(Labelled, StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    RETIRED = "retired"


_labels(
    ToolStatus,
    {
        ToolStatus.DRAFT: "Draft",
        ToolStatus.SUBMITTED: "Submitted",
        ToolStatus.PUBLISHED: "Published",
        ToolStatus.RETIRED: "Retired",
    },
)
# A listing a supplier cannot walk away from: it is in review or public.
LIVE_TOOL_STATUSES = frozenset({ToolStatus.SUBMITTED.value, ToolStatus.PUBLISHED.value})


class PricingModel(Labelled, StrEnum):
    PER_USER_YEAR = "per-user-year"
    ANNUAL_LICENCE = "annual-licence"
    PERPETUAL = "perpetual"
    SUBSCRIPTION_MONTHLY = "subscription-monthly"
    FREE_OPEN_SOURCE = "free-open-source"
    BESPOKE = "bespoke"


_labels(
    PricingModel,
    {
        PricingModel.PER_USER_YEAR: "Per user per year",
        PricingModel.ANNUAL_LICENCE: "Annual licence",
        PricingModel.PERPETUAL: "Perpetual licence",
        PricingModel.SUBSCRIPTION_MONTHLY: "Monthly subscription",
        PricingModel.FREE_OPEN_SOURCE: "Free and open source",
        PricingModel.BESPOKE: "Bespoke pricing",
    },
)


class Role(Labelled, StrEnum):
    SUPPLIER = "supplier"
    PROCUREMENT_OFFICER = "procurement_officer"
    CAPABILITY_LEAD = "capability_lead"
    MODERATOR = "moderator"
    ADMIN = "admin"


_labels(
    Role,
    {
        Role.SUPPLIER: "Supplier",
        Role.PROCUREMENT_OFFICER: "Procurement officer",
        Role.CAPABILITY_LEAD: "Capability lead",
        Role.MODERATOR: "Moderator",
        Role.ADMIN: "Administrator",
    },
)


class OrgKind(Labelled, StrEnum):
    BUYER = "buyer"
    SUPPLIER = "supplier"
    PLATFORM = "platform"


_labels(OrgKind, {OrgKind.BUYER: "Buyer", OrgKind.SUPPLIER: "Supplier", OrgKind.PLATFORM: "Registry operator"})

# Every labelled enum by name, for templates (``{{ code|label("Deployment") }}``).
VOCABULARY: dict[str, type[Labelled]] = {cls.__name__: cls for cls in _LABELS}


# The seven workstreams of the PaCCS briefing: code -> title.
WORKSTREAMS: dict[str, str] = {
    "MSHT": "Modern Slavery & Human Trafficking",
    "ECON": "Economic & Financial Crime",
    "BLUEGREEN": "Blue & Green Crimes (Maritime & Environmental)",
    "GANGS": "Gangs & Syndicates (Arms, Drugs & Extortion)",
    "VICTIMS": "Victims & Harms (including Child Sexual Exploitation)",
    "CYBER": "Cyber-Crime & Online Criminal Markets",
    "CONFLICT": "Criminal Conflict & Political Violence",
}

# Data standards and interfaces a tool can speak (free text is allowed too; these are common).
DATA_STANDARDS: tuple[str, ...] = (
    "POLE",
    "STIX",
    "TAXII",
    "OPEN-API",
    "CSV",
    "JSON",
    "XML",
    "NIEM",
    "GOAML",
    "CASE-UCO",
    "E01",
    "ODBC",
    "SFTP",
    "EDRM-XML",
    "GEOJSON",
    "NATO-STANAG-4559",
)


def workstream_label(code: str, *, short: bool = False) -> str:
    """A workstream's title; ``short`` drops the bracketed detail (for chart rows and narrow tables)."""
    title = WORKSTREAMS.get(code, code)
    return title.split(" (")[0] if short else title
