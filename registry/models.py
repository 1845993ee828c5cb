"""Import every table model so SQLModel.metadata is complete (Alembic and tests use this)."""

from registry.accounts.models import ApiToken, LoginAttempt, Organisation, User
from registry.changelog.models import AuditEvent, RegistryState
from registry.orgs.models import InventoryItem
from registry.requirements.models import Requirement, RequirementSkill
from registry.shortlists.models import Shortlist, ShortlistItem  # noqa: F401
from registry.skills.models import Skill, SkillHolding
from registry.suppliers.models import Supplier
from registry.taxonomy.models import CapabilityNode, Workstream
from registry.tools.models import Accreditation, CapabilityClaim, Tool, ToolSkill, ToolTraining

__all__ = [
    "Accreditation",
    "ApiToken",
    "AuditEvent",
    "CapabilityClaim",
    "CapabilityNode",
    "InventoryItem",
    "LoginAttempt",
    "Organisation",
    "RegistryState",
    "Requirement",
    "RequirementSkill",
    "Skill",
    "SkillHolding",
    "Supplier",
    "Tool",
    "ToolSkill",
    "ToolTraining",
    "User",
    "Workstream",
]


def _load_other_packages() -> None:
    """Tables owned by packages that may import registry (assessments etc.)."""
    import importlib

    for name in (
        "assessments.models",
        "assessments.jobs.models",
        "registry.versions.models",
        "registry.procurement.models",
        "assessments.reports.models",
        "assessments.evaluations.models",
    ):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a package still being built in another branch of work
            if exc.name != name:
                raise


_load_other_packages()
