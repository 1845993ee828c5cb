"""Searching inside a procurement project: saved searches, ending the search (frozen results
pinned to listing versions) and exclusion suggestions from requirement matching.

Searches go through the registry's one search entry point (`registry.search.query` parses,
`SearchService.run` runs), so a project search with the same parameters as the search page
or GET /api/v1/search finds the same tools with the same facet counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.actor import Actor
from registry.db_types import require_id, today
from registry.errors import Conflict, InvalidInput
from registry.formatting import pounds
from registry.locking import claim_version
from registry.procurement.decisions import first_year_cost
from registry.procurement.models import (
    FrozenResult,
    ProcurementProject,
    ProjectRequirement,
    SavedSearch,
)
from registry.procurement.schemas import SearchIn
from registry.procurement.services import audit, get_project, writable_project
from registry.requirements.services import requirement_specs
from registry.search import matching
from registry.search.documents import RequirementSpec, ToolDoc
from registry.search.engine import SearchResult
from registry.search.query import SearchQuery, parse_query, parse_saved, saved_filters
from registry.search.service import service_for
from registry.tools.services import listing_snapshots
from registry.versions.services import current_versions

DEFAULT_REVIEW_LIMIT = 30
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


# --- searching --------------------------------------------------------------------------------


def read_search(source: Mapping[str, Any]) -> tuple[SearchIn, SearchQuery]:
    """A search as a page or the API sends it (query string or form) -> what a saved search
    stores (the words and each saved parameter's values as given) and the typed query.
    InvalidInput names every bad parameter (the registry's one search parser)."""
    query = parse_query(source)
    return SearchIn(q=query.q, filters=saved_filters(source)), query


def search_in_from(source: Mapping[str, Any]) -> SearchIn:
    return read_search(source)[0]


def project_query(data: SearchIn, *, page: int = 1, per_page: int = 20) -> SearchQuery:
    """A project search (saved or about to be) -> the typed query, read as a saved search is."""
    return replace(parse_saved(data.q, data.filters), page=page, per_page=per_page)


def run_search(
    session: Session, engine: Engine, project: ProcurementProject, data: SearchIn, *, page: int = 1, per_page: int = 20
) -> tuple[SearchQuery, SearchResult]:
    """The registry search with this project's stable tie shuffle (salt = project id)."""
    query = project_query(data, page=page, per_page=per_page)
    return query, service_for(engine).run(query, session, salt=project.id)


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
    project = writable_project(session, actor, project_id)
    _params, result = run_search(session, engine, project, data, per_page=1)
    saved = SavedSearch(
        project_id=project.id,
        query=data.q,
        filters={k: list(v) for k, v in data.filters.items() if v},
        created_by=actor.user_id,
        result_count=result.total,
    )
    session.add(saved)
    claim_version(session, project, label="project")
    session.flush()
    audit(
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
    project = writable_project(session, actor, project_id)
    if session.execute(
        select(col(SavedSearch.id)).where(col(SavedSearch.project_id) == project.id, col(SavedSearch.frozen).is_(True))
    ).first():
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
    versions = current_versions(session, "tool", listing_snapshots(session, tool_ids))
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
                saved_search_id=require_id(saved),
                position=position,
                tool_id=hit.tool_id,
                tool_version_number=version.number,
                supplier_id=int(version.snapshot["supplier_id"]),
                score=hit.score,
                suggestions=suggestions_for(doc, specs, project.budget, today()) if doc else [],
            )
        )
    session.add_all(frozen)
    claim_version(session, project, label="project")
    session.flush()
    audit(
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
            select(col(ProjectRequirement.requirement_id)).where(col(ProjectRequirement.project_id) == project.id)
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
    first_year = first_year_cost(doc.price_capital, doc.price_annual)
    if budget is not None and first_year > budget:
        out.append(
            {
                "code": "over_budget",
                "message": f"Indicative first-year cost {pounds(first_year)} is above the budget {pounds(budget)}",
            }
        )
    return out


def review_limit(extra: Mapping[str, Any]) -> int:
    """How many results a search may freeze (the settings' extra `procurement_review_limit`)."""
    raw = extra.get("procurement_review_limit")
    try:
        return max(1, int(raw)) if raw else DEFAULT_REVIEW_LIMIT
    except ValueError:
        return DEFAULT_REVIEW_LIMIT
