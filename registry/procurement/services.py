"""Procurement projects: the record of one buying exercise, from need to outcome.

Flow: create (need, budget, linked IM requirements) -> search and save searches -> end the
search, which freezes the current results pinned to listing versions -> a keep/exclude decision
with a reason for every frozen result (exclusion reasons are suggested from requirement
matching; the buyer confirms) -> outcome (awarded, cancelled, none suitable), which locks the
project. Every write is audited under entity type "procurement_project" (the project log).

Access: procurement officers and capability leads of the owning organisation only; anyone else
gets the same 404 as for a project that does not exist, so ids reveal nothing.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from registry.accounts.models import Organisation
from registry.actor import Actor
from registry.changelog import services as changelog
from registry.changelog.models import AuditEvent
from registry.db_types import today, utcnow
from registry.enums import Role, SizeBand
from registry.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from registry.procurement.models import (
    Decision,
    FrozenResult,
    Outcome,
    ProcurementProject,
    ProjectRequirement,
    SavedSearch,
)
from registry.procurement.schemas import DecisionIn, OutcomeIn, ProjectCreate, SearchIn
from registry.requirements.models import Requirement
from registry.requirements.services import requirement_specs
from registry.search import matching
from registry.search.documents import RequirementSpec, ToolDoc
from registry.search.engine import SearchResult
from registry.search.service import SearchParams, parse_params, service_for
from registry.suppliers.models import Supplier
from registry.versions.models import ListingVersion
from registry.versions.services import current_tool_versions, get_version

ENTITY = "procurement_project"
PROJECT_ROLES = (Role.PROCUREMENT_OFFICER, Role.CAPABILITY_LEAD)
DEFAULT_REVIEW_LIMIT = 30
SEARCH_KEYS = (
    "workstream",
    "capability",
    "four_p",
    "five_d",
    "classification",
    "trl_min",
    "deployment",
    "hosting",
    "sme",
    "verified",
    "accredited",
    "max_price",
    "sort",
)
SINGLE_KEYS = frozenset({"trl_min", "sme", "verified", "accredited", "max_price", "sort"})
OUTCOME_KINDS = {"awarded": "Awarded", "cancelled": "Cancelled", "none_suitable": "None suitable"}
STATUS_LABELS = {"open": "Open", **OUTCOME_KINDS}

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
# Requirement-matching failure codes -> the exclusion reason they suggest.
MATCH_REASONS = {
    matching.NO_CAPABILITY: "does_not_meet_requirement",
    matching.CLASSIFICATION_TOO_LOW: "classification_too_low",
    matching.HOSTING_NOT_ALLOWED: "hosting_not_allowed",
    matching.DEPLOYMENT_NOT_ALLOWED: "deployment_not_allowed",
    matching.TRL_BELOW_MINIMUM: "trl_too_low",
    matching.DATA_STANDARD_MISSING: "data_standard_missing",
    matching.MANDATORY_ACCREDITATION_EXPIRED: "accreditation_expired",
}


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


def require_member(actor: Actor) -> None:
    """Only buyers' procurement officers and capability leads work on projects."""
    actor.require_auth()
    if actor.role not in PROJECT_ROLES or actor.organisation_id is None:
        raise Forbidden("Procurement projects are for procurement officers and capability leads.")


def get_project(session: Session, actor: Actor, project_id: str) -> ProcurementProject:
    actor.require_auth()
    project = session.get(ProcurementProject, project_id) if len(project_id) <= 32 else None
    if project is None or actor.role not in PROJECT_ROLES or not actor.in_org(project.organisation_id):
        raise NotFound(f"No procurement project with id {project_id}.")  # same answer: no existence oracle
    return project


def _writable(session: Session, actor: Actor, project_id: str) -> ProcurementProject:
    project = get_project(session, actor, project_id)
    if project.locked:
        raise ProjectLocked(
            f"The project is locked: its outcome ({STATUS_LABELS[project.status].lower()}) "
            "has been recorded, so it can no longer be changed."
        )
    return project


def _bump(session: Session, project: ProcurementProject) -> None:
    """Guarded version bump: two people changing one project at once cannot both win."""
    expected = project.version
    result = session.execute(
        update(ProcurementProject)
        .where(ProcurementProject.id == project.id, ProcurementProject.version == expected)
        .values(version=expected + 1)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("Someone else changed this project at the same time; reload and try again.")
    project.version = expected + 1


def _audit(
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
            .where(Requirement.organisation_id == organisation_id, Requirement.retired.is_(False))  # type: ignore[attr-defined]
            .order_by(Requirement.code)
        ).scalars()
    )


def list_projects(session: Session, actor: Actor) -> list[ProjectSummary]:
    require_member(actor)
    projects = list(
        session.execute(
            select(ProcurementProject)
            .where(ProcurementProject.organisation_id == actor.organisation_id)
            .order_by(ProcurementProject.created_at.desc())
        ).scalars()
    )  # type: ignore[attr-defined]
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    if projects:
        rows = session.execute(
            select(FrozenResult.project_id, Decision.id)
            .outerjoin(Decision, Decision.frozen_result_id == FrozenResult.id)
            .where(FrozenResult.project_id.in_([p.id for p in projects]))
        )  # type: ignore[attr-defined]
        for pid, decision_id in rows:
            counts[pid][0] += 1
            counts[pid][1] += decision_id is not None
    return [ProjectSummary(p.id, p.name, p.status, p.locked, p.created_at, p.budget, *counts[p.id]) for p in projects]


def create_project(session: Session, actor: Actor, data: ProjectCreate) -> ProcurementProject:
    require_member(actor)
    wanted = list(dict.fromkeys(data.requirement_ids))
    allowed = {r.id for r in org_requirements(session, actor.organisation_id)}  # type: ignore[arg-type]
    unknown = [i for i in wanted if i not in allowed]
    if unknown:
        raise InvalidInput(
            "Choose requirements from your organisation's current IM requirements.",
            fields={"requirement_ids": f"Unknown requirement id {unknown[0]}"},
        )
    project = ProcurementProject(
        id=uuid.uuid4().hex,
        organisation_id=actor.organisation_id,  # type: ignore[arg-type]
        name=data.name,
        need_statement=data.need_statement,
        budget=data.budget,
        created_by=actor.user_id,
    )  # type: ignore[arg-type]
    session.add(project)
    session.flush()
    for rid in wanted:
        session.add(ProjectRequirement(project_id=project.id, requirement_id=rid))
    session.flush()
    _audit(
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
            .join(ProjectRequirement, ProjectRequirement.requirement_id == Requirement.id)
            .where(ProjectRequirement.project_id == project_id)
            .order_by(Requirement.code)
        ).scalars()
    )


def project_view(session: Session, actor: Actor, project_id: str, *, with_log: bool = True) -> ProjectView:
    project = get_project(session, actor, project_id)
    org = session.get(Organisation, project.organisation_id)
    searches = list(
        session.execute(
            select(SavedSearch)
            .where(SavedSearch.project_id == project.id)
            .order_by(SavedSearch.created_at, SavedSearch.id)
        ).scalars()
    )
    results = _result_views(
        session,
        list(
            session.execute(
                select(FrozenResult).where(FrozenResult.project_id == project.id).order_by(FrozenResult.position)
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
        for d in session.execute(select(Decision).where(Decision.frozen_result_id.in_(ids))).scalars()
    }  # type: ignore[attr-defined]
    suppliers = {
        s.id: s
        for s in session.execute(select(Supplier).where(Supplier.id.in_({r.supplier_id for r in results}))).scalars()
    }  # type: ignore[attr-defined]
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
                decisions.get(r.id),
            )
        )  # type: ignore[arg-type]
    return out


# --- searching --------------------------------------------------------------------------------


def search_mapping(data: SearchIn) -> dict[str, Any]:
    """SearchIn -> the query-string mapping `parse_params` reads (unknown filters refused)."""
    unknown = sorted(set(data.filters) - set(SEARCH_KEYS))
    if unknown:
        raise InvalidInput(
            f"Unknown search filter '{unknown[0]}'. Allowed: {', '.join(SEARCH_KEYS)}.",
            fields={"filters": f"unknown filter {unknown[0]}"},
        )
    # parse_params reads repeatable filters as lists and the others as one value.
    return {"q": data.q, **{k: (v[-1] if k in SINGLE_KEYS else list(v)) for k, v in data.filters.items() if v}}


def search_in_from(params: Mapping[str, Any]) -> SearchIn:
    """Query-string or form values -> SearchIn (values kept as lists, empty ones dropped)."""
    getall = getattr(params, "getall", None)
    filters: dict[str, list[str]] = {}
    for key in SEARCH_KEYS:
        raw = getall(key, []) if getall else params.get(key, [])
        values = [str(v) for v in ([raw] if isinstance(raw, str) else raw) if str(v).strip()]
        if key == "sort" and values == ["relevance"]:
            continue  # the default order is not a filter
        if values:
            filters[key] = values
    q = params.get("q") or ""
    if isinstance(q, list):
        q = q[-1] if q else ""
    return SearchIn(q=str(q)[:200], filters=filters)


def run_search(
    session: Session, engine: Engine, project: ProcurementProject, data: SearchIn, *, page: int = 1, per_page: int = 20
) -> tuple[SearchParams, SearchResult]:
    """The registry search with this project's stable tie shuffle (salt = project id)."""
    params = replace(parse_params(search_mapping(data)), page=page, per_page=per_page)
    return params, service_for(engine).search(params, session, salt=project.id)


def search_project(
    session: Session,
    actor: Actor,
    engine: Engine,
    project_id: str,
    data: SearchIn,
    *,
    page: int = 1,
    per_page: int = 20,
) -> tuple[ProcurementProject, SearchResult]:
    project = get_project(session, actor, project_id)
    return project, run_search(session, engine, project, data, page=page, per_page=per_page)[1]


def save_search(session: Session, actor: Actor, engine: Engine, project_id: str, data: SearchIn) -> SavedSearch:
    project = _writable(session, actor, project_id)
    _params, result = run_search(session, engine, project, data, per_page=1)
    saved = SavedSearch(
        project_id=project.id,
        query=data.q,
        filters={k: list(v) for k, v in data.filters.items() if v},
        created_by=actor.user_id,
        result_count=result.total,
    )
    session.add(saved)
    _bump(session, project)
    session.flush()
    _audit(
        session,
        actor,
        project,
        "save_search",
        f"Saved search “{data.q or '(all tools)'}” ({result.total} results)",
        after={"saved_search_id": saved.id, "q": data.q, "filters": saved.filters, "results": result.total},
    )
    return saved


def end_search(
    session: Session,
    actor: Actor,
    engine: Engine,
    project_id: str,
    data: SearchIn,
    *,
    limit: int = DEFAULT_REVIEW_LIMIT,
) -> list[FrozenResult]:
    """Freeze the current results (tool ids and listing versions, in order) for decisions.

    Refused above `limit` results: every frozen result must get a reasoned decision, so the
    buyer narrows the search to a number that can be reviewed fairly.
    """
    project = _writable(session, actor, project_id)
    if session.execute(
        select(SavedSearch.id).where(SavedSearch.project_id == project.id, SavedSearch.frozen.is_(True))
    ).first():  # type: ignore[attr-defined]
        raise Conflict("The search for this project has already ended; its results are frozen.")
    _params, result = run_search(session, engine, project, data, per_page=max(limit, 1))
    if result.total > limit:
        raise InvalidInput(
            f"This search has {result.total} results. Narrow it to {limit} or fewer before ending the search: "
            "every frozen result needs a recorded keep or exclude decision with a reason, so the list must be "
            "one you can review fairly.",
            fields={"q": f"Narrow the search to {limit} results or fewer"},
        )
    if result.total == 0:
        raise InvalidInput(
            "This search has no results, so there is nothing to freeze. Broaden it first.",
            fields={"q": "The search has no results"},
        )
    tool_ids = [h.tool_id for h in result.hits]
    versions = current_tool_versions(session, tool_ids)
    docs = {d.id: d for d in service_for(engine).docs(tool_ids)}
    specs = _linked_specs(session, project)
    saved = SavedSearch(
        project_id=project.id,
        query=data.q,
        filters={k: list(v) for k, v in data.filters.items() if v},
        created_by=actor.user_id,
        result_count=result.total,
        frozen=True,
    )
    session.add(saved)
    session.flush()
    frozen: list[FrozenResult] = []
    for position, hit in enumerate(result.hits, start=1):
        version = versions.get(hit.tool_id)
        if version is None:  # removed from the database since the index was read
            continue
        doc = docs.get(hit.tool_id)
        frozen.append(
            FrozenResult(
                project_id=project.id,
                saved_search_id=saved.id,
                position=position,
                tool_id=hit.tool_id,  # type: ignore[arg-type]
                tool_version_number=version.number,
                supplier_id=int(version.snapshot["supplier_id"]),
                score=hit.score,
                suggestions=suggestions_for(doc, specs, project.budget, today()) if doc else [],
            )
        )
    session.add_all(frozen)
    _bump(session, project)
    session.flush()
    _audit(
        session,
        actor,
        project,
        "end_search",
        f"Ended the search: froze {len(frozen)} results for review",
        after={
            "saved_search_id": saved.id,
            "q": data.q,
            "filters": saved.filters,
            "results": [[f.tool_id, f.tool_version_number] for f in frozen],
        },
    )
    return frozen


def _linked_specs(session: Session, project: ProcurementProject) -> list[RequirementSpec]:
    linked = set(
        session.execute(
            select(ProjectRequirement.requirement_id).where(ProjectRequirement.project_id == project.id)
        ).scalars()
    )
    if not linked:
        return []
    return [s for s in requirement_specs(session, project.organisation_id, include_retired=True) if s.id in linked]


def suggestions_for(
    doc: ToolDoc, specs: Sequence[RequirementSpec], budget: float | None, on: date
) -> list[dict[str, str]]:
    """Exclusion reasons suggested by matching the tool against the linked requirements."""
    out: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for spec in specs:
        for failure in matching.match(spec, doc, today=on).failures:
            code = MATCH_REASONS.get(failure.code)
            if code is None:  # soft failures (claim only) are not reasons to exclude
                continue
            key = (code, f"{spec.code}: {failure.message}")
            if key not in seen:
                seen.add(key)
                out.append({"code": code, "message": key[1]})
    first_year = doc.price_capital + doc.price_annual
    if budget is not None and first_year > budget:
        out.append(
            {
                "code": "over_budget",
                "message": f"Indicative first-year cost £{first_year:,.0f} is above the budget £{budget:,.0f}",
            }
        )
    return out


# --- decisions and outcome --------------------------------------------------------------------


def _result_of(session: Session, project: ProcurementProject, result_id: int) -> FrozenResult:
    result = session.get(FrozenResult, result_id)
    if result is None or result.project_id != project.id:
        raise NotFound(f"No frozen result {result_id} in this project.")
    return result


def _decision_snapshot(d: Decision | None) -> dict[str, Any] | None:
    return changelog.snapshot(d) if d is not None else None


def decide(session: Session, actor: Actor, project_id: str, result_id: int, data: DecisionIn) -> Decision:
    project = _writable(session, actor, project_id)
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
    decision = session.execute(select(Decision).where(Decision.frozen_result_id == result.id)).scalar_one_or_none()
    before = _decision_snapshot(decision)
    if decision is None:
        decision = Decision(frozen_result_id=result.id, decision=data.decision, decided_by=actor.user_id)  # type: ignore[arg-type]
        session.add(decision)
    decision.decision = data.decision
    decision.reason_code = reason_code
    decision.reason_text = data.reason_text
    decision.suggested = reason_code is not None and reason_code in {s["code"] for s in result.suggestions}
    decision.decided_by = actor.user_id  # type: ignore[assignment]
    decision.decided_at = utcnow()
    _bump(session, project)
    session.flush()
    version = get_version(session, "tool", result.tool_id, result.tool_version_number)
    name = (version.snapshot.get("name") if version else None) or f"tool {result.tool_id}"
    what = "Kept" if data.decision == "keep" else f"Excluded ({REASONS[reason_code or 'other']})"
    _audit(
        session,
        actor,
        project,
        "decide",
        f"{what}: {name} (version {result.tool_version_number})",
        before=before,
        after=_decision_snapshot(decision),
    )
    return decision


def record_outcome(session: Session, actor: Actor, project_id: str, data: OutcomeIn) -> Outcome:
    project = _writable(session, actor, project_id)
    results = list(session.execute(select(FrozenResult).where(FrozenResult.project_id == project.id)).scalars())
    decisions = (
        {
            d.frozen_result_id: d
            for d in session.execute(
                select(Decision).where(Decision.frozen_result_id.in_([r.id for r in results]))
            ).scalars()
        }
        if results
        else {}
    )  # type: ignore[attr-defined]
    outcome = Outcome(project_id=project.id, kind=data.kind, reason=data.reason, recorded_by=actor.user_id)  # type: ignore[arg-type]
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
    _bump(session, project)
    session.flush()
    _audit(
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
    elif decisions[chosen.id].decision != "keep":
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
        select(FrozenResult.tool_id, Decision.decision, Decision.reason_code)
        .outerjoin(Decision, Decision.frozen_result_id == FrozenResult.id)
        .where(FrozenResult.supplier_id == actor.supplier_id)
    ).all()
    awards = Counter(
        session.execute(
            select(Outcome.tool_id).where(Outcome.supplier_id == actor.supplier_id, Outcome.kind == "awarded")
        ).scalars()
    )
    tally: dict[int, Counter[str]] = defaultdict(Counter)
    reasons: dict[int, Counter[str]] = defaultdict(Counter)
    for tool_id, decision, reason in rows:
        tally[tool_id]["appearances"] += 1
        tally[tool_id][decision or "undecided"] += 1
        if decision == "exclude" and reason:
            reasons[tool_id][reason] += 1
    names = dict(session.execute(select(Tool.id, Tool.name).where(Tool.supplier_id == actor.supplier_id)).all())
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
            select(SavedSearch.id).where(SavedSearch.project_id == project_id, SavedSearch.frozen.is_(True))
        ).first()
        is not None
    )  # type: ignore[attr-defined]
