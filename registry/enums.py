"""Domain vocabulary shared by every layer (see DESIGN.md). Pure: no web or DB imports."""

from __future__ import annotations

from enum import IntEnum, StrEnum  # StrEnum renders as its value in templates and CSV


class Classification(IntEnum):
    """Government Security Classifications, ordered so comparisons mean 'at least'."""

    OFFICIAL = 1
    OFFICIAL_SENSITIVE = 2
    SECRET = 3
    TOP_SECRET = 4

    @property
    def label(self) -> str:
        return self.name.replace("_", "-").replace("TOP-", "TOP ")

    @classmethod
    def parse(cls, value: str | int | Classification) -> Classification:
        if isinstance(value, cls):
            return value
        if isinstance(value, int):
            return cls(value)
        key = str(value).strip().upper().replace("-", "_").replace(" ", "_")
        return cls[key]


class Deployment(StrEnum):
    SAAS = "saas"
    ON_PREMISES = "on-premises"
    HYBRID = "hybrid"
    AIR_GAPPED = "air-gapped"


class Hosting(StrEnum):
    UK = "uk"
    EEA = "eea"
    OTHER = "other"


class FourP(StrEnum):
    PURSUE = "pursue"
    PREVENT = "prevent"
    PROTECT = "protect"
    PREPARE = "prepare"


class FiveD(StrEnum):
    DIVERT = "divert"
    DETER = "deter"
    DETECT = "detect"
    DISRUPT = "disrupt"
    DEVELOP = "develop"


class FiveC(StrEnum):
    CULTURE = "culture"
    COMPREHENSION = "comprehension"
    COMMUNICATION = "communication"
    CAPACITY = "capacity"
    CAPABILITIES = "capabilities"


class MoSCoW(StrEnum):
    MUST = "must"
    SHOULD = "should"
    COULD = "could"
    WONT = "wont"


class SizeBand(StrEnum):
    """UK SME definition: < 250 staff and turnover <= £50m or balance sheet <= £43m."""

    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"

    @property
    def is_sme(self) -> bool:
        return self is not SizeBand.LARGE


class Clearance(StrEnum):
    BPSS = "BPSS"
    SC = "SC"
    DV = "DV"


class VerificationState(StrEnum):
    CLAIMED = "claimed"
    EVIDENCED = "evidenced"
    VERIFIED = "verified"


class ToolStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    RETIRED = "retired"


class PricingModel(StrEnum):
    PER_USER_YEAR = "per-user-year"
    ANNUAL_LICENCE = "annual-licence"
    PERPETUAL = "perpetual"
    SUBSCRIPTION_MONTHLY = "subscription-monthly"
    FREE_OPEN_SOURCE = "free-open-source"
    BESPOKE = "bespoke"


class Role(StrEnum):
    SUPPLIER = "supplier"
    PROCUREMENT_OFFICER = "procurement_officer"
    CAPABILITY_LEAD = "capability_lead"
    MODERATOR = "moderator"
    ADMIN = "admin"


class OrgKind(StrEnum):
    BUYER = "buyer"
    SUPPLIER = "supplier"
    PLATFORM = "platform"


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
