"""Evaluation API (/api/v1/evaluations): create, read, set criteria, prices and scores, finalise.

Every write honours optimistic locking as `registry.locking` describes: send the ETag from GET
as `If-Match` (412 when stale) or the `version` you read in the body (409 when stale); a write
with neither is refused with 428. The pages are in `assessments.evaluations.pages`.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post, put
from litestar.params import Parameter
from sqlalchemy.orm import Session

from assessments.evaluations import services
from assessments.evaluations.schemas import (
    CriteriaIn,
    CriterionRead,
    EvaluationCreate,
    EvaluationRead,
    EvaluationSummaryRead,
    EvaluationToolRead,
    FinaliseIn,
    PricesIn,
    ScoreRead,
    ScoresIn,
)
from registry.actor import Actor
from registry.web import openapi_docs as docs
from registry.web.crud import ERRORS_READ, ERRORS_WRITE, IfMatch, conditional, etag, parse_if_match
from registry.web.deps import unit_of_work

ID = Parameter(min_length=1, max_length=64)
FIELD_NAMES = (
    "Bad values are named as the pages name them: criteria-<n>-label|kind|weight, criteria, "
    "price-<tool id>, score-<tool id>-<criterion key>, reason-<tool id>-<criterion key>."
)
LOCKING = 'Send `If-Match: "<version>"` (412 when stale) or `version` in the body (409 when stale); neither is 428.'


def _read(
    session: Session, actor: Actor, evaluation_id: str, *, status_code: int = 200, location: str | None = None
) -> Response[EvaluationRead]:
    """The evaluation as JSON with its version as the ETag (send it back as If-Match)."""
    d = services.detail(session, actor, evaluation_id)
    e = d.evaluation
    body = EvaluationRead(
        id=e.id,
        name=e.name,
        status=e.status,
        version=e.version,
        organisation_id=e.organisation_id,
        shortlist_id=e.shortlist_id,
        price_years=e.price_years,
        created_at=e.created_at,
        updated_at=e.updated_at,
        criteria=[CriterionRead(key=c.key, label=c.label, kind=c.kind, weight=c.weight) for c in d.criteria],
        tools=[
            EvaluationToolRead(
                tool_id=t.tool_id, name=t.name, tool_version=t.chosen_version or t.version, price=t.price or 0.0
            )
            for t in d.tools
        ],
        scores=[
            ScoreRead(tool_id=s.tool_id, criterion_key=s.criterion_key, score=s.score, reason=s.reason)
            for s in sorted(d.scores.values(), key=lambda s: (s.tool_id, s.criterion_key))
        ],
        result=d.outcome.result.to_dict() if d.outcome.result else None,
        problems=d.outcome.problems,
    )
    headers = {"ETag": etag(e.version)} | ({"Location": location} if location else {})
    return Response(body, status_code=status_code, headers=headers)


class EvaluationsController(Controller):
    path = "/api/v1/evaluations"
    tags = ["evaluations"]

    @get(
        "/",
        summary="Your organisation's evaluations, newest first",
        responses=ERRORS_READ,
        sync_to_thread=True,
        operation_id="listEvaluations",
    )
    def list_evaluations(self, request: Request[Any, Any, Any]) -> list[EvaluationSummaryRead]:
        with unit_of_work(request) as (session, actor):
            return [
                EvaluationSummaryRead(
                    id=e.id, name=e.name, status=e.status, tool_count=e.tool_count, created_at=e.created_at
                )
                for e in services.list_for(session, actor)
            ]

    @post(
        "/",
        summary="Create a draft evaluation over one of your shortlists (or 2 to 30 tool ids)",
        operation_id="createEvaluation",
        operation_class=docs.documented(etag=True, location=True),
        description="Starts with default criteria (60 quality, 30 price, 10 social value) and whole-life prices.",
        responses=ERRORS_WRITE,
        sync_to_thread=True,
        status_code=201,
    )
    def create(self, request: Request[Any, Any, Any], data: EvaluationCreate) -> Response[EvaluationRead]:
        with unit_of_work(request) as (session, actor):
            actor.require_auth()
            evaluation = services.create(
                session,
                actor,
                name=data.name,
                shortlist_id=data.shortlist_id,
                tool_ids=data.tool_ids,
                price_years=data.price_years,
            )
            return _read(session, actor, evaluation.id, status_code=201, location=f"{self.path}/{evaluation.id}")

    @get(
        "/{evaluation_id:str}",
        summary="One evaluation: criteria, tools, scores and the result (with an ETag)",
        operation_id="getEvaluation",
        operation_class=docs.documented(etag=True, not_modified=True),
        responses=ERRORS_READ,
        sync_to_thread=True,
    )
    def get_evaluation(self, request: Request[Any, Any, Any], evaluation_id: str = ID) -> Response[EvaluationRead]:
        with unit_of_work(request) as (session, actor):
            return conditional(request, _read(session, actor, evaluation_id))

    @put(
        "/{evaluation_id:str}/criteria",
        summary="Replace the criteria (weights sum to 100, social value at least 10, one price criterion)",
        operation_id="setEvaluationCriteria",
        operation_class=docs.documented(etag=True),
        description=f"{LOCKING} {FIELD_NAMES}",
        responses=ERRORS_WRITE,
        sync_to_thread=True,
    )
    def set_criteria(
        self,
        request: Request[Any, Any, Any],
        data: CriteriaIn,
        evaluation_id: str = ID,
        if_match: IfMatch = None,
    ) -> Response[EvaluationRead]:
        expected = parse_if_match(if_match)
        items = [services.CriterionInput(c.label, c.kind, c.weight, c.key) for c in data.criteria]
        with unit_of_work(request) as (session, actor):
            actor.require_auth()
            services.set_criteria(session, actor, evaluation_id, items, data.version, if_match=expected, required=True)
            return _read(session, actor, evaluation_id)

    @put(
        "/{evaluation_id:str}/prices",
        summary="Set whole-life prices used for price scoring",
        operation_id="setEvaluationPrices",
        operation_class=docs.documented(etag=True),
        description=f"{LOCKING} {FIELD_NAMES}",
        responses=ERRORS_WRITE,
        sync_to_thread=True,
    )
    def set_prices(
        self,
        request: Request[Any, Any, Any],
        data: PricesIn,
        evaluation_id: str = ID,
        if_match: IfMatch = None,
    ) -> Response[EvaluationRead]:
        expected = parse_if_match(if_match)
        prices: dict[int, float | None] = {p.tool_id: p.price for p in data.prices}
        with unit_of_work(request) as (session, actor):
            actor.require_auth()
            services.set_prices(session, actor, evaluation_id, prices, data.version, if_match=expected, required=True)
            return _read(session, actor, evaluation_id)

    @put(
        "/{evaluation_id:str}/scores",
        summary="Save quality and social value scores (0-100), each with a reason",
        operation_id="setEvaluationScores",
        operation_class=docs.documented(etag=True),
        description=f"A null score with an empty reason clears it. {LOCKING} {FIELD_NAMES}",
        responses=ERRORS_WRITE,
        sync_to_thread=True,
    )
    def set_scores(
        self,
        request: Request[Any, Any, Any],
        data: ScoresIn,
        evaluation_id: str = ID,
        if_match: IfMatch = None,
    ) -> Response[EvaluationRead]:
        expected = parse_if_match(if_match)
        items = [services.ScoreInput(s.tool_id, s.criterion_key, s.score, s.reason) for s in data.scores]
        with unit_of_work(request) as (session, actor):
            actor.require_auth()
            services.set_scores(session, actor, evaluation_id, items, data.version, if_match=expected, required=True)
            return _read(session, actor, evaluation_id)

    @post(
        "/{evaluation_id:str}/finalise",
        summary="Make a complete evaluation final; it can no longer be changed",
        operation_id="finaliseEvaluation",
        operation_class=docs.documented(etag=True),
        description=LOCKING,
        responses=ERRORS_WRITE,
        sync_to_thread=True,
        status_code=200,
    )
    def finalise(
        self,
        request: Request[Any, Any, Any],
        data: FinaliseIn,
        evaluation_id: str = ID,
        if_match: IfMatch = None,
    ) -> Response[EvaluationRead]:
        expected = parse_if_match(if_match)
        with unit_of_work(request) as (session, actor):
            actor.require_auth()
            services.finalise(session, actor, evaluation_id, data.version, if_match=expected, required=True)
            return _read(session, actor, evaluation_id)


ROUTES: list[Any] = [EvaluationsController]
