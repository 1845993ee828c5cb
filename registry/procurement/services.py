"""Procurement projects: the record of one buying exercise, from need to outcome.

Flow: create (need, budget, linked IM requirements) -> search and save searches
(`searching`) -> end the search, which freezes the current results pinned to listing versions ->
a keep/exclude decision with a reason for every frozen result, then the outcome (`decisions`),
which locks the project. Suppliers see anonymised reasons (`feedback`). Every write is audited
under entity type "procurement_project" (the project log).

Access: procurement officers and capability leads of the owning organisation only; anyone else
gets the same 404 as for a project that does not exist, so ids reveal nothing.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.accounts.models import Organisation
from registry.actor import Actor
from registry.changelog import services as changelog
from registry.changelog.models import AuditEvent
from registry.db_types import require_id
from registry.enums import Role, SizeBand
from registry.errors import DomainError, Forbidden, InvalidInput, NotFound
from registry.procurement.models import (
    Decision,
    FrozenResult,
    Outcome,
    ProcurementProject,
    ProjectRequirement,
    SavedSearch,
)
from registry.procurement.schemas import ProjectCreate
from registry.requirements.models import Requirement
from registry.suppliers.models import Supplier
from registry.versions.models import ListingVersion
from registry.versions.services import get_version

ENTITY = "procurement_project"
PROJECT_ROLES = (Role.PROCUREMENT_OFFICER, Role.CAPABILITY_LEAD)
OUTCOME_KINDS = {"awarded": "Awarded", "cancelled": "Cancelled", "none_suitable": "None suitable"}
STATUS_LABELS = {"open": "Open", **OUTCOME_KINDS}


class ProjectLocked(DomainError):
    """A write to a project whose outcome is recorded (HTTP 423 Locked)."""

    status = 423
    title = "Project is locked"


# --- views ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProjectSummary:
    id: str
    name: str
    status: str
    locked: bool
    created_at: datetime
    budget: float | None
    results: int
    decided: int


@dataclass(frozen=True, slots=True)
class ResultView:
    """A frozen result as the buyer saw it: the pinned listing version, not today's listing."""

    result: FrozenResult
    snapshot: dict[str, Any]
    supplier_name: str
    supplier_size_band: str
    decision: Decision | None

    @property
    def tool_name(self) -> str:
        return str(self.snapshot.get("name") or f"Tool {self.result.tool_id}")

    @property
    def suggested_code(self) -> str | None:
        return self.result.suggestions[0]["code"] if self.result.suggestions else None

    @property
    def sme(self) -> bool:
        return size_is_sme(self.supplier_size_band)


@dataclass(frozen=True, slots=True)
class ProjectView:
    project: ProcurementProject
    organisation_name: str
    requirements: list[Requirement]
    searches: list[SavedSearch]
    results: list[ResultView]
    outcome: Outcome | None
    outcome_result: ResultView | None
    log: list[AuditEvent] = field(default_factory=list)

    @property
    def frozen_search(self) -> SavedSearch | None:
        return next((s for s in self.searches if s.frozen), None)

    @property
    def undecided(self) -> int:
        return sum(1 for r in self.results if r.decision is None)

    @property
    def kept(self) -> list[ResultView]:
        return [r for r in self.results if r.decision is not None and r.decision.decision == "keep"]


# --- access -----------------------------------------------------------------------------------


def require_member(actor: Actor) -> int:
    """Only buyers' procurement officers and capability leads work on projects; returns their
    organisation's id (the projects they work on are its)."""
    actor.require_auth()
    if actor.role not in PROJECT_ROLES or actor.organisation_id is None:
        raise Forbidden("Procurement projects are for procurement officers and capability leads.")
    return actor.organisation_id


def get_project(session: Session, actor: Actor, project_id: str) -> ProcurementProject:
    actor.require_auth()
    project = session.get(ProcurementProject, project_id) if len(project_id) <= 32 else None
    if project is None or actor.role not in PROJECT_ROLES or not actor.in_org(project.organisation_id):
        raise NotFound(f"No procurement project with id {project_id}.")  # same answer: no existence oracle
    return project


def writable_project(session: Session, actor: Actor, project_id: str) -> ProcurementProject:
    project = get_project(session, actor, project_id)
    if project.locked:
        raise ProjectLocked(
            f"The project is locked: its outcome ({STATUS_LABELS[project.status].lower()}) "
            "has been recorded, so it can no longer be changed."
        )
    return project


def audit(
    session: Session,
    actor: Actor,
    project: ProcurementProject,
    action: str,
    summary: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    changelog.record(
        session,
        actor,
        action,
        ENTITY,
        project.id,
        before=before,
        after=after,
        organisation_id=project.organisation_id,
        summary=summary,
    )


# --- projects ---------------------------------------------------------------------------------


def org_requirements(session: Session, organisation_id: int) -> list[Requirement]:
    return list(
        session.execute(
            select(Requirement)
            .where(col(Requirement.organisation_id) == organisation_id, col(Requirement.retired).is_(False))
            .order_by(col(Requirement.code))
        ).scalars()
    )


def list_projects(session: Session, actor: Actor) -> list[ProjectSummary]:
    require_member(actor)
    projects = list(
        session.execute(
            select(ProcurementProject)
            .where(col(ProcurementProject.organisation_id) == actor.organisation_id)
            .order_by(col(ProcurementProject.created_at).desc())
        ).scalars()
    )
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    if projects:
        rows = session.execute(
            select(col(FrozenResult.project_id), col(Decision.id))
            .outerjoin(Decision, col(Decision.frozen_result_id) == col(FrozenResult.id))
            .where(col(FrozenResult.project_id).in_([p.id for p in projects]))
        )
        for pid, decision_id in rows:
            counts[pid][0] += 1
            counts[pid][1] += decision_id is not None
    return [ProjectSummary(p.id, p.name, p.status, p.locked, p.created_at, p.budget, *counts[p.id]) for p in projects]


def create_project(session: Session, actor: Actor, data: ProjectCreate) -> ProcurementProject:
    org_id = require_member(actor)
    wanted = list(dict.fromkeys(data.requirement_ids))
    allowed = {r.id for r in org_requirements(session, org_id)}
    unknown = [i for i in wanted if i not in allowed]
    if unknown:
        raise InvalidInput(
            "Choose requirements from your organisation's current IM requirements.",
            fields={"requirement_ids": f"Unknown requirement id {unknown[0]}"},
        )
    project = ProcurementProject(
        id=uuid.uuid4().hex,
        organisation_id=org_id,
        name=data.name,
        need_statement=data.need_statement,
        budget=data.budget,
        created_by=actor.require_user_id(),
    )
    session.add(project)
    session.flush()
    for rid in wanted:
        session.add(ProjectRequirement(project_id=project.id, requirement_id=rid))
    session.flush()
    audit(
        session,
        actor,
        project,
        "create",
        f"Created project {project.name}",
        after=changelog.snapshot(project, {"requirement_ids": wanted}),
    )
    return project


def _requirements(session: Session, project_id: str) -> list[Requirement]:
    return list(
        session.execute(
            select(Requirement)
            .join(ProjectRequirement, col(ProjectRequirement.requirement_id) == col(Requirement.id))
            .where(col(ProjectRequirement.project_id) == project_id)
            .order_by(col(Requirement.code))
        ).scalars()
    )


def project_view(session: Session, actor: Actor, project_id: str, *, with_log: bool = True) -> ProjectView:
    project = get_project(session, actor, project_id)
    org = session.get(Organisation, project.organisation_id)
    searches = list(
        session.execute(
            select(SavedSearch)
            .where(col(SavedSearch.project_id) == project.id)
            .order_by(col(SavedSearch.created_at), col(SavedSearch.id))
        ).scalars()
    )
    results = _result_views(
        session,
        list(
            session.execute(
                select(FrozenResult)
                .where(col(FrozenResult.project_id) == project.id)
                .order_by(col(FrozenResult.position))
            ).scalars()
        ),
    )
    outcome = session.get(Outcome, project.id)
    outcome_result = None
    if outcome is not None and outcome.tool_id is not None:
        outcome_result = next((r for r in results if r.result.tool_id == outcome.tool_id), None)
    log = changelog.history(session, ENTITY, project.id) if with_log else []
    return ProjectView(
        project,
        org.name if org else "",
        _requirements(session, project.id),
        searches,
        results,
        outcome,
        outcome_result,
        log,
    )


def _result_views(session: Session, results: Sequence[FrozenResult]) -> list[ResultView]:
    if not results:
        return []
    ids = [r.id for r in results]
    decisions = {
        d.frozen_result_id: d
        for d in session.execute(select(Decision).where(col(Decision.frozen_result_id).in_(ids))).scalars()
    }
    suppliers = {
        s.id: s
        for s in session.execute(
            select(Supplier).where(col(Supplier.id).in_({r.supplier_id for r in results}))
        ).scalars()
    }
    out = []
    for r in results:
        version = get_version(session, "tool", r.tool_id, r.tool_version_number)
        sup = suppliers.get(r.supplier_id)
        out.append(
            ResultView(
                r,
                dict(version.snapshot) if version else {},
                sup.name if sup else "",
                sup.size_band if sup else "",
                decisions.get(require_id(r)),
            )
        )
    return out


# --- plain dicts for the API ------------------------------------------------------------------


def project_dict(view: ProjectView) -> dict[str, Any]:
    p = view.project
    return {
        "id": p.id,
        "name": p.name,
        "need_statement": p.need_statement,
        "budget": p.budget,
        "status": p.status,
        "locked": p.locked,
        "created_at": p.created_at,
        "version": p.version,
        "organisation": view.organisation_name,
        "requirements": [{"id": r.id, "code": r.code, "title": r.title} for r in view.requirements],
        "searches": [search_dict(s) for s in view.searches],
        "results": [result_dict(r) for r in view.results],
        "outcome": outcome_dict(view.outcome),
        "undecided": view.undecided,
    }


def search_dict(s: SavedSearch) -> dict[str, Any]:
    return {
        "id": s.id,
        "q": s.query,
        "filters": s.filters,
        "created_at": s.created_at,
        "result_count": s.result_count,
        "frozen": s.frozen,
    }


def result_dict(r: ResultView) -> dict[str, Any]:
    d = r.decision
    return {
        "id": r.result.id,
        "position": r.result.position,
        "tool_id": r.result.tool_id,
        "tool_version_number": r.result.tool_version_number,
        "tool_name": r.tool_name,
        "supplier_id": r.result.supplier_id,
        "supplier_name": r.supplier_name,
        "sme": r.sme,
        "score": r.result.score,
        "suggestions": r.result.suggestions,
        "decision": None
        if d is None
        else {
            "decision": d.decision,
            "reason_code": d.reason_code,
            "reason_text": d.reason_text,
            "suggested": d.suggested,
            "decided_at": d.decided_at,
        },
    }


def outcome_dict(o: Outcome | None) -> dict[str, Any] | None:
    if o is None:
        return None
    return {
        "kind": o.kind,
        "tool_id": o.tool_id,
        "tool_version_number": o.tool_version_number,
        "supplier_id": o.supplier_id,
        "value": o.value,
        "start_date": o.start_date,
        "end_date": o.end_date,
        "reason": o.reason,
        "recorded_at": o.recorded_at,
    }


def log_dicts(view: ProjectView) -> list[dict[str, Any]]:
    return [{"at": e.at, "actor": e.actor_label, "action": e.action, "summary": e.summary} for e in view.log]


def award_version(session: Session, outcome: Outcome) -> ListingVersion | None:
    if outcome.tool_id is None or outcome.tool_version_number is None:
        return None
    return get_version(session, "tool", outcome.tool_id, outcome.tool_version_number)


def size_is_sme(size_band: str) -> bool:
    try:
        return SizeBand(size_band).is_sme
    except ValueError:
        return False


def project_has_frozen(session: Session, project_id: str) -> bool:
    return (
        session.execute(
            select(col(SavedSearch.id)).where(
                col(SavedSearch.project_id) == project_id, col(SavedSearch.frozen).is_(True)
            )
        ).first()
        is not None
    )
