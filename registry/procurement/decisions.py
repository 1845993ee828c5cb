"""Keep/exclude decisions on frozen results, with reasons, and the project's outcome."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.actor import Actor
from registry.changelog import services as changelog
from registry.db_types import require_id, utcnow
from registry.errors import InvalidInput, NotFound
from registry.formatting import pounds
from registry.locking import claim_version
from registry.procurement.models import (
    Decision,
    FrozenResult,
    Outcome,
    ProcurementProject,
    ProjectRequirement,
)
from registry.procurement.schemas import DecisionIn, OutcomeIn
from registry.procurement.services import OUTCOME_KINDS, audit, writable_project
from registry.versions.services import get_version

# Reasons a buyer can give for excluding a tool (stable codes; reports and feedback key on them).
REASONS: dict[str, str] = {
    "does_not_meet_requirement": "Does not meet a linked requirement",
    "over_budget": "Over budget",
    "classification_too_low": "Cannot hold the classification needed",
    "hosting_not_allowed": "Hosting location not allowed",
    "deployment_not_allowed": "Deployment model not allowed",
    "trl_too_low": "Technology readiness level too low",
    "data_standard_missing": "A required data standard is missing",
    "accreditation_expired": "A mandatory accreditation has expired",
    "other": "Other reason (explain in the text)",
}


def first_year_cost(price_capital: float | None, price_annual: float | None) -> float:
    """What a tool costs in its first year: the one measure "over budget" is judged by, both when
    matching suggests it and when a buyer gives it as a reason."""
    return float(price_capital or 0) + float(price_annual or 0)


def reason_words(reason_code: str | None, reason_text: str | None) -> str:
    """A decision's reason as people should read it in the log and the record: the reason's label
    and the buyer's note; for "other", the note alone (never the "explain in the text" label)."""
    note = reason_text or ""  # as typed: exports escape it, and trimming would change it
    if reason_code is None:
        return note
    if reason_code == "other":
        return note if note.strip() else "Other reason"
    label = REASONS.get(reason_code, reason_code)
    return f"{label}: {note}" if note.strip() else label


# --- decisions and outcome --------------------------------------------------------------------


def _result_of(session: Session, project: ProcurementProject, result_id: int) -> FrozenResult:
    result = session.get(FrozenResult, result_id)
    if result is None or result.project_id != project.id:
        raise NotFound(f"No frozen result {result_id} in this project.")
    return result


def _decision_snapshot(d: Decision | None) -> dict[str, Any] | None:
    return changelog.snapshot(d) if d is not None else None


def decide(session: Session, actor: Actor, project_id: str, result_id: int, data: DecisionIn) -> Decision:
    project = writable_project(session, actor, project_id)
    result = _result_of(session, project, result_id)
    reason_code = data.reason_code or None
    if data.decision == "exclude" and reason_code is None:
        raise InvalidInput(
            "Choose a reason for excluding this tool: every exclusion must be explained.",
            fields={"reason_code": "Choose a reason for excluding this tool"},
        )
    if reason_code is not None and reason_code not in REASONS:
        raise InvalidInput(f"Unknown reason '{reason_code}'.", fields={"reason_code": "Choose a reason from the list"})
    if reason_code == "other" and not data.reason_text:
        raise InvalidInput(
            "Explain the reason when you choose “Other”.",
            fields={"reason_text": "Explain the reason for excluding this tool"},
        )
    if data.decision == "keep":
        reason_code = None
    version = get_version(session, "tool", result.tool_id, result.tool_version_number)
    snapshot = version.snapshot if version else {}
    name = snapshot.get("name") or f"tool {result.tool_id}"
    _check_reason_facts(session, project, reason_code, snapshot, name)
    decision = session.execute(select(Decision).where(col(Decision.frozen_result_id) == result.id)).scalar_one_or_none()
    before = _decision_snapshot(decision)
    decided_by = actor.require_user_id()  # get_project has required a signed-in user
    if decision is None:
        decision = Decision(frozen_result_id=require_id(result), decision=data.decision, decided_by=decided_by)
        session.add(decision)
    decision.decision = data.decision
    decision.reason_code = reason_code
    decision.reason_text = data.reason_text
    decision.suggested = reason_code is not None and reason_code in {s["code"] for s in result.suggestions}
    decision.decided_by = decided_by
    decision.decided_at = utcnow()
    claim_version(session, project, label="project")
    session.flush()
    note = (data.reason_text or "").strip()
    if data.decision == "keep":
        what = f"Kept: {name} (version {result.tool_version_number})" + (f" – {note}" if note else "")
    else:
        what = f"Excluded: {name} (version {result.tool_version_number}) – {reason_words(reason_code, note)}"
    audit(
        session,
        actor,
        project,
        "decide",
        what,
        before=before,
        after=_decision_snapshot(decision),
    )
    return decision


def _check_reason_facts(
    session: Session, project: ProcurementProject, reason_code: str | None, snapshot: dict[str, Any], name: str
) -> None:
    """Refuse a reason the registry knows to be untrue of this tool and project."""
    if reason_code == "over_budget":
        cost = first_year_cost(snapshot.get("price_capital"), snapshot.get("price_annual"))
        if project.budget is None:
            message = f"“Over budget” cannot apply to {name}: this project has no budget set"
        elif cost <= project.budget:
            message = (
                f"{name} is not over budget: its indicative first-year cost {pounds(cost)} is within "
                f"the project budget of {pounds(project.budget)}. Choose another reason"
            )
        else:
            return
        raise InvalidInput(message + ".", fields={"reason_code": message})
    if reason_code == "does_not_meet_requirement":
        linked = session.execute(
            select(col(ProjectRequirement.id)).where(col(ProjectRequirement.project_id) == project.id).limit(1)
        ).first()
        if linked is None:
            message = (
                f"“Does not meet a linked requirement” cannot apply to {name}: this project has no "
                "linked requirements. Choose another reason, or “Other” and explain"
            )
            raise InvalidInput(message + ".", fields={"reason_code": message})


def record_outcome(session: Session, actor: Actor, project_id: str, data: OutcomeIn) -> Outcome:
    project = writable_project(session, actor, project_id)
    results = list(session.execute(select(FrozenResult).where(col(FrozenResult.project_id) == project.id)).scalars())
    decisions = (
        {
            d.frozen_result_id: d
            for d in session.execute(
                select(Decision).where(col(Decision.frozen_result_id).in_([r.id for r in results]))
            ).scalars()
        }
        if results
        else {}
    )
    outcome = Outcome(project_id=project.id, kind=data.kind, reason=data.reason, recorded_by=actor.require_user_id())
    if data.kind in ("awarded", "none_suitable"):
        if not results:
            raise InvalidInput(
                "End the search before recording this outcome: there are no frozen results.",
                fields={"kind": "End the search first"},
            )
        missing = sum(1 for r in results if r.id not in decisions)
        if missing:
            raise InvalidInput(
                f"{missing} frozen result(s) still need a keep or exclude decision. Every result "
                "must be decided before the outcome is recorded.",
                fields={"kind": f"Decide the remaining {missing} result(s) first"},
            )
    if data.kind == "awarded":
        _fill_award(outcome, data, results, decisions)
    elif data.kind == "cancelled" and not data.reason:
        raise InvalidInput(
            "Give the reason the project was cancelled.",
            fields={"reason": "Enter the reason the project was cancelled"},
        )
    session.add(outcome)
    project.status = data.kind
    project.locked = True
    claim_version(session, project, label="project")
    session.flush()
    audit(
        session,
        actor,
        project,
        "outcome",
        f"Recorded outcome: {OUTCOME_KINDS[data.kind]}; project locked",
        after=changelog.snapshot(outcome),
    )
    return outcome


def _fill_award(outcome: Outcome, data: OutcomeIn, results: list[FrozenResult], decisions: dict[int, Decision]) -> None:
    errors: dict[str, str] = {}
    chosen = next((r for r in results if r.id == data.frozen_result_id), None)
    if chosen is None:
        errors["frozen_result_id"] = "Choose the tool that won from the kept results"
    elif decisions[require_id(chosen)].decision != "keep":
        errors["frozen_result_id"] = "Only a kept result can be awarded"
    if data.value is None:
        errors["value"] = "Enter the contract value"
    if data.start_date is None:
        errors["start_date"] = "Enter the contract start date"
    if data.end_date is None:
        errors["end_date"] = "Enter the contract end date"
    elif data.start_date is not None and data.end_date < data.start_date:
        errors["end_date"] = "The end date must be on or after the start date"
    if errors:
        raise InvalidInput("The award is not complete: " + "; ".join(errors.values()) + ".", fields=errors)
    assert chosen is not None
    outcome.tool_id, outcome.tool_version_number = chosen.tool_id, chosen.tool_version_number
    outcome.supplier_id, outcome.value = chosen.supplier_id, data.value
    outcome.start_date, outcome.end_date = data.start_date, data.end_date
