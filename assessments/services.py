"""Assessments: set-ups, runs (inputs snapshot + gap engine + optimiser), history and diffs.

Visible only to members of the owning organisation (capability leads and procurement
officers) and admins; only capability leads (and admins) create, change and run them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, false, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlmodel import col

from assessments.adapters import requirement_snapshot
from assessments.engine import AssessmentInput, AssessmentResult, InventoryItem, SkillHolding, assess, diff
from assessments.models import Assessment, AssessmentRun
from assessments.optimiser import recommend
from assessments.schemas import AssessmentCreate, AssessmentRead, AssessmentUpdate, RunSummary
from registry.actor import Actor
from registry.changelog import services as changelog
from registry.db_types import today, utcnow
from registry.enums import Classification, Role
from registry.errors import Conflict, Forbidden, InvalidInput, NotFound
from registry.inventory.models import InventoryItem as InventoryRow
from registry.requirements.services import requirement_specs
from registry.resources import FilterSpec, ResourceSpec
from registry.skills.models import Skill
from registry.skills.models import SkillHolding as HoldingRow
from registry.skills.services import target_org
from registry.tools.services import tool_docs

READ_ROLES = (Role.CAPABILITY_LEAD, Role.PROCUREMENT_OFFICER)


def scope(actor: Actor, stmt: Select[Any]) -> Select[Any]:
    if actor.is_admin:
        return stmt
    if actor.role not in READ_ROLES or actor.organisation_id is None:
        return stmt.where(false())
    return stmt.where(col(Assessment.organisation_id) == actor.organisation_id)


def can_write(_s: Session, actor: Actor, obj: Assessment) -> bool:
    return actor.is_admin or (actor.role is Role.CAPABILITY_LEAD and actor.in_org(obj.organisation_id))


def _latest_runs(session: Session, ids: Sequence[str]) -> dict[str, Row[Any]]:
    """Each assessment's latest run, as a row of the summary columns only (not a whole AssessmentRun)."""
    if not ids:
        return {}
    latest: dict[str, Row[Any]] = {}
    stmt = select(AssessmentRun).where(col(AssessmentRun.assessment_id).in_(ids)).order_by(col(AssessmentRun.run_at))
    for run in session.execute(stmt.with_only_columns(*_summary_columns())).all():
        latest[run.assessment_id] = run  # ordered by time: the last one wins
    return latest


def _summary_columns() -> list[Any]:
    return [
        col(AssessmentRun.id),
        col(AssessmentRun.assessment_id),
        col(AssessmentRun.run_at),
        col(AssessmentRun.trigger),
        col(AssessmentRun.overall_score),
        col(AssessmentRun.full_count),
        col(AssessmentRun.partial_count),
        col(AssessmentRun.none_count),
    ]


def summary(run: Any) -> dict[str, Any]:
    return RunSummary(
        id=run.id,
        assessment_id=run.assessment_id,
        run_at=run.run_at,
        trigger=run.trigger,
        overall_score=run.overall_score,
        full_count=run.full_count,
        partial_count=run.partial_count,
        none_count=run.none_count,
    ).model_dump()


def to_read(session: Session, rows: Sequence[Assessment]) -> list[dict[str, Any]]:
    latest = _latest_runs(session, [a.id for a in rows])
    out = []
    for a in rows:
        data = {k: getattr(a, k) for k in AssessmentRead.model_fields if k != "latest_run"}
        data["latest_run"] = summary(latest[a.id]) if a.id in latest else None
        out.append(AssessmentRead(**data).model_dump())
    return out


def create(session: Session, actor: Actor, data: AssessmentCreate) -> Assessment:
    org_id = target_org(actor, data.organisation_id, session)
    obj = Assessment(**data.model_dump(exclude={"organisation_id"}), organisation_id=org_id, created_by=actor.user_id)
    session.add(obj)
    return obj


def apply_update(_s: Session, _a: Actor, obj: Assessment, data: AssessmentUpdate) -> None:
    for key, value in data.model_dump(exclude_unset=True, exclude={"version"}).items():
        setattr(obj, key, value)


def _delete_with_history(session: Session, _actor: Actor, obj: Assessment) -> None:
    """Deleting an assessment deletes its runs too (the audit trail keeps the record)."""
    from sqlalchemy import delete

    session.execute(delete(AssessmentRun).where(col(AssessmentRun.assessment_id) == obj.id))
    session.delete(obj)


SPEC: ResourceSpec[Assessment, AssessmentCreate, AssessmentUpdate] = ResourceSpec(
    name="assessments",
    entity_type="assessment",
    model=Assessment,
    read_schema=AssessmentRead,
    create_schema=AssessmentCreate,
    update_schema=AssessmentUpdate,
    to_read=to_read,
    create=create,
    apply_update=apply_update,
    scope=scope,
    can_write=can_write,
    retire=_delete_with_history,
    filters={"schedule": FilterSpec("schedule", "eq")},
    sorts=("created_at", "name"),
    default_sort="-created_at",
    org_of=lambda a: a.organisation_id,
    id_type=str,
)


def get_visible(session: Session, actor: Actor, assessment_id: str) -> Assessment:
    obj = session.execute(
        scope(actor, select(Assessment).where(col(Assessment.id) == assessment_id))
    ).scalar_one_or_none()
    if obj is None:
        raise NotFound("No such assessment.")
    return obj


# --- running -----------------------------------------------------------------------------------


def build_input(
    session: Session, assessment: Assessment, *, on: date | None = None, candidates: Any = None
) -> AssessmentInput:
    on = on or today()
    reqs = requirement_specs(session, assessment.organisation_id, workstreams=assessment.workstreams)
    inv_rows = list(
        session.execute(
            select(InventoryRow).where(col(InventoryRow.organisation_id) == assessment.organisation_id)
        ).scalars()
    )
    inv_docs = {d.id: d for d in tool_docs(session, status=None, tool_ids=[r.tool_id for r in inv_rows])}
    inventory = [
        InventoryItem(tool=inv_docs[r.tool_id], licence_end=r.licence_end, seats=r.seats)
        for r in inv_rows
        if r.tool_id in inv_docs
    ]
    skills = {s.id: s for s in session.execute(select(Skill)).scalars()}
    workforce = [
        SkillHolding(skills[h.skill_id].code, h.level, h.people)
        for h in session.execute(
            select(HoldingRow).where(col(HoldingRow.organisation_id) == assessment.organisation_id)
        ).scalars()
    ]
    if candidates is None:
        from registry.search.service import service_for

        # .engine: the bind may be an Engine (its .engine is itself) or a Connection on one.
        candidates = service_for(session.get_bind().engine).candidate_index(session)
    return AssessmentInput(
        requirements=reqs,
        inventory=inventory,
        workforce=workforce,
        candidates=candidates,
        today=on,
        skill_names={s.code: s.name for s in skills.values()},
    )


def _inputs_snapshot(inp: AssessmentInput, assessment: Assessment) -> dict[str, Any]:
    """What the run was based on, so a later reader can see why results differ."""
    return {
        "scope": {
            "workstreams": assessment.workstreams,
            "budget_capital": assessment.budget_capital,
            "budget_annual": assessment.budget_annual,
            "max_suppliers": assessment.max_suppliers,
            "min_sme_share": assessment.min_sme_share,
            "min_classification": assessment.min_classification,
        },
        "requirements": [requirement_snapshot(r) for r in inp.requirements],
        "inventory": [
            {
                "tool_id": i.tool.id,
                "tool": i.tool.name,
                "version": i.tool.version,
                "licence_end": i.licence_end.isoformat() if i.licence_end else None,
                "seats": i.seats,
            }
            for i in inp.inventory
        ],
        "workforce": [{"skill": w.skill_code, "level": w.level, "people": w.people} for w in inp.workforce],
        "candidate_count": len(inp.candidates) if hasattr(inp.candidates, "__len__") else None,
    }


def run(
    session: Session,
    actor: Actor,
    assessment: Assessment,
    *,
    trigger: str = "manual",
    period_key: str | None = None,
    on: date | None = None,
) -> AssessmentRun:
    if not can_write(session, actor, assessment) and trigger == "manual":
        raise Forbidden("Only the organisation's capability leads can run this assessment.")
    key = period_key or f"manual:{utcnow().isoformat()}"
    exists = session.execute(
        select(col(AssessmentRun.id)).where(
            col(AssessmentRun.assessment_id) == assessment.id, col(AssessmentRun.period_key) == key
        )
    ).first()
    if exists:
        raise Conflict(f"This assessment already ran for period {key}.")
    inp = build_input(session, assessment, on=on)
    result = assess(inp)
    min_cls = Classification[assessment.min_classification] if assessment.min_classification else None
    rec = recommend(
        result,
        assessment.budget_capital,
        assessment.budget_annual,
        max_suppliers=assessment.max_suppliers,
        min_sme_share=assessment.min_sme_share,
        min_classification=min_cls,
        time_limit_s=10.0,
    )
    counts = result.status_counts
    row = AssessmentRun(
        assessment_id=assessment.id,
        organisation_id=assessment.organisation_id,
        run_by=actor.user_id or None,
        trigger=trigger,
        period_key=key,
        overall_score=result.overall_score,
        full_count=counts.get("full", 0),
        partial_count=counts.get("partial", 0),
        none_count=counts.get("none", 0),
        inputs=_inputs_snapshot(inp, assessment),
        result=_jsonable(result.to_dict()),
        recommendation=_jsonable(rec.to_dict()),
    )
    session.add(row)
    session.flush()
    changelog.record(
        session,
        actor,
        "run",
        "assessment",
        assessment.id,
        organisation_id=assessment.organisation_id,
        after={"run_id": row.id, "score": row.overall_score, "trigger": trigger},
        summary=f"Ran assessment {assessment.name}: score {row.overall_score}",
    )
    return row


def _jsonable(data: Any) -> Any:
    import json

    return json.loads(json.dumps(data, default=str))


def runs(session: Session, actor: Actor, assessment_id: str) -> list[AssessmentRun]:
    get_visible(session, actor, assessment_id)
    stmt = (
        select(AssessmentRun)
        .where(col(AssessmentRun.assessment_id) == assessment_id)
        .order_by(col(AssessmentRun.run_at).desc())
    )
    return list(session.execute(stmt).scalars())


def get_run(session: Session, actor: Actor, run_id: str) -> AssessmentRun:
    row = session.get(AssessmentRun, run_id)
    if row is None:
        raise NotFound("No such assessment run.")
    get_visible(session, actor, row.assessment_id)  # same 404 if not visible
    return row


def diff_runs(session: Session, actor: Actor, from_id: str, to_id: str) -> dict[str, Any]:
    a, b = get_run(session, actor, from_id), get_run(session, actor, to_id)
    if a.assessment_id != b.assessment_id:
        raise InvalidInput("Both runs must belong to the same assessment.", fields={"to": "different assessment"})
    return diff(AssessmentResult.from_dict(a.result), AssessmentResult.from_dict(b.result)).to_dict()
