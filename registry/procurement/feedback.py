"""Anonymised feedback for suppliers: why their tools were kept or excluded, counted."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.actor import Actor
from registry.enums import Role
from registry.errors import Forbidden
from registry.procurement.decisions import REASONS
from registry.procurement.models import (
    Decision,
    FrozenResult,
    Outcome,
)

# --- supplier feedback ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ToolFeedback:
    """How one of a supplier's tools fared in buyers' frozen searches. Anonymised: counts only."""

    tool_id: int
    tool_name: str
    appearances: int
    kept: int
    excluded: int
    undecided: int
    awarded: int
    reasons: list[tuple[str, str, int]]  # (code, label, count), most frequent first


def supplier_feedback(session: Session, actor: Actor) -> list[ToolFeedback]:
    """Per tool of the signed-in supplier: no buyer, project or free-text reason is revealed."""
    actor.require_auth()
    if actor.role is not Role.SUPPLIER or actor.supplier_id is None:
        raise Forbidden("Feedback is for suppliers about their own tools.")
    from registry.tools.models import Tool

    rows = session.execute(
        select(col(FrozenResult.tool_id), col(Decision.decision), col(Decision.reason_code))
        .outerjoin(Decision, col(Decision.frozen_result_id) == col(FrozenResult.id))
        .where(col(FrozenResult.supplier_id) == actor.supplier_id)
    ).all()
    awards = Counter(
        session.execute(
            select(col(Outcome.tool_id)).where(
                col(Outcome.supplier_id) == actor.supplier_id, col(Outcome.kind) == "awarded"
            )
        ).scalars()
    )
    tally: dict[int, Counter[str]] = defaultdict(Counter)
    reasons: dict[int, Counter[str]] = defaultdict(Counter)
    for tool_id, decision, reason in rows:
        tally[tool_id]["appearances"] += 1
        tally[tool_id][decision or "undecided"] += 1
        if decision == "exclude" and reason:
            reasons[tool_id][reason] += 1
    names = dict(
        session.execute(select(col(Tool.id), col(Tool.name)).where(col(Tool.supplier_id) == actor.supplier_id)).all()
    )
    out = [
        ToolFeedback(
            tid,
            str(names.get(tid, f"Tool {tid}")),
            t["appearances"],
            t["keep"],
            t["exclude"],
            t["undecided"],
            awards.get(tid, 0),
            [(code, REASONS.get(code, code), n) for code, n in reasons[tid].most_common()],
        )
        for tid, t in tally.items()
    ]
    return sorted(out, key=lambda f: (-f.appearances, f.tool_id))
