"""Plain, immutable views of tools and requirements used by the pure engines.

Services build these from the database; the search index, the requirement matcher and the
gap engine consume them. Nothing here imports the web layer or the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from registry.enums import (
    Classification,
    Deployment,
    FiveC,
    FiveD,
    FourP,
    Hosting,
    MoSCoW,
    PricingModel,
    VerificationState,
)
from registry.tools import hygiene


@dataclass(frozen=True, slots=True)
class CapabilityClaimDoc:
    node_id: int
    code: str  # taxonomy code, e.g. "INT.NET"
    path: str  # human path, e.g. "Intelligence analysis › Network analysis"
    state: VerificationState


@dataclass(frozen=True, slots=True)
class AccreditationDoc:
    name: str
    expires_on: date | None
    mandatory: bool = False

    def current_on(self, today: date) -> bool:
        """Still valid on ``today`` (the listing hygiene rule: the expiry day itself is valid)."""
        return hygiene.accreditation_current(self.expires_on, today)


@dataclass(frozen=True, slots=True)
class SkillNeed:
    skill_code: str
    level: int  # SFIA-style 1..7
    people: int = 1


@dataclass(frozen=True, slots=True)
class ToolDoc:
    id: int
    name: str
    supplier_id: int
    supplier_name: str
    summary: str = ""
    description: str = ""
    category: str = ""
    capabilities: tuple[CapabilityClaimDoc, ...] = ()
    classification: Classification = Classification.OFFICIAL
    trl: int = 1
    deployments: tuple[Deployment, ...] = ()
    hosting: Hosting = Hosting.UK
    data_standards: tuple[str, ...] = ()
    workstreams: tuple[str, ...] = ()  # workstream codes, see registry.enums.WORKSTREAMS
    four_ps: tuple[FourP, ...] = ()
    five_ds: tuple[FiveD, ...] = ()
    accreditations: tuple[AccreditationDoc, ...] = ()
    pricing_model: PricingModel | None = None
    price_capital: float = 0.0  # one-off cost, GBP
    price_annual: float = 0.0  # recurring annual cost, GBP
    sme: bool = False
    verified: bool = False
    skills_needed: tuple[SkillNeed, ...] = ()
    training_offered: tuple[str, ...] = ()  # skill codes
    last_reviewed: date | None = None
    version: int = 1


@dataclass(frozen=True, slots=True)
class RequirementSpec:
    id: int
    code: str
    title: str
    description: str = ""
    # The node the requirement targets plus all its descendants (a claim on any of them counts).
    capability_node_ids: frozenset[int] = field(default_factory=frozenset)
    capability_path: str = ""
    priority: MoSCoW = MoSCoW.SHOULD
    weight: float = 1.0
    workstreams: tuple[str, ...] = ()
    four_ps: tuple[FourP, ...] = ()
    five_ds: tuple[FiveD, ...] = ()
    five_cs: tuple[FiveC, ...] = ()
    # Hard constraints; None / empty means "no constraint".
    min_classification: Classification | None = None
    allowed_hosting: tuple[Hosting, ...] = ()
    required_data_standards: tuple[str, ...] = ()
    min_trl: int | None = None
    allowed_deployments: tuple[Deployment, ...] = ()
    skills: tuple[SkillNeed, ...] = ()
