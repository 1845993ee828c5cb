"""The models registry: imports every table module by name, so SQLModel.metadata is complete for
Alembic, backup/restore and the tests.

Like the app factory it is a composition root, one of the three registry modules allowed to
name assessments modules (see docs/architecture.md and the import contracts in pyproject.toml).
"""

import assessments.evaluations.models
import assessments.models
import assessments.reports.models
import registry.accounts.models
import registry.changelog.models
import registry.inventory.models
import registry.jobs.models
import registry.notifications.models
import registry.procurement.models
import registry.requirements.models
import registry.savedsearches.models
import registry.shortlists.models
import registry.skills.models
import registry.suppliers.models
import registry.taxonomy.models
import registry.tools.models
import registry.versions.models

TABLE_MODULES = (
    registry.accounts.models,
    registry.changelog.models,
    registry.suppliers.models,
    registry.tools.models,
    registry.taxonomy.models,
    registry.requirements.models,
    registry.skills.models,
    registry.inventory.models,
    registry.shortlists.models,
    registry.versions.models,
    registry.procurement.models,
    registry.jobs.models,
    registry.notifications.models,
    registry.savedsearches.models,
    assessments.models,
    assessments.evaluations.models,
    assessments.reports.models,
)
