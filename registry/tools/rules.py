"""What a listing needs to be in each status, and the status changes every door shares.

Used by the workflow (registry/tools/workflow.py) and by the generic create, import and retire
(registry/tools/services.py), so both ask the same questions.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from registry.actor import Actor
from registry.db_types import utcnow
from registry.enums import LIVE_TOOL_STATUSES, ToolStatus
from registry.errors import Conflict
from registry.suppliers.models import Supplier
from registry.suppliers.workflow import supplier_problems
from registry.tools.models import Tool

RETIRABLE = frozenset({ToolStatus.DRAFT.value, *LIVE_TOOL_STATUSES})


def expect_status(tool: Tool, allowed: set[str], doing: str) -> None:
    if tool.status not in allowed:
        raise Conflict(f"This listing is {tool.status}, so it cannot be {doing}.")


def listing_problems(summary: str, description: str, capability_count: int) -> dict[str, str]:
    """What a listing still needs before a moderator can review it (field -> message). Pure."""
    problems: dict[str, str] = {}
    if not summary.strip():
        problems["summary"] = "Add a short summary of the tool"
    if not description.strip():
        problems["description"] = "Add a description of the tool"
    if not capability_count:
        problems["capabilities"] = "Choose at least one capability the tool provides"
    return problems


def arrival_problems(
    status: str, *, summary: str, description: str, capability_count: int, supplier: Supplier | None
) -> dict[str, str]:
    """Why a listing cannot arrive already in ``status`` (an import): the checks the workflow
    would have made on its way there. Drafts and retired listings need nothing."""
    if status == ToolStatus.SUBMITTED.value:
        return listing_problems(summary, description, capability_count)
    if status == ToolStatus.PUBLISHED.value:
        return {**supplier_problems(supplier), **listing_problems(summary, description, capability_count)}
    return {}


def retire_listing(_session: Session, _actor: Actor, tool: Tool) -> None:
    """The change itself: shared by retire() and the generic DELETE (which audits it itself)."""
    expect_status(tool, set(RETIRABLE), "retired")
    tool.status = ToolStatus.RETIRED.value
    tool.updated_at = utcnow()
