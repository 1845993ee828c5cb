"""Assessment API beyond the generic CRUD (which the app builds from `services.SPEC`): runs,
history and diffs. Pages live in assessments/pages.py."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import Parameter, QueryParameter

from assessments import services
from assessments.schemas import RunDiff, RunRead, RunSummary
from registry.web.crud import ERRORS_READ, ERRORS_WRITE
from registry.web.deps import unit_of_work

ID = Parameter(min_length=1, max_length=64)


def run_read(row: Any) -> RunRead:
    return RunRead(**services.summary(row), result=row.result, recommendation=row.recommendation, inputs=row.inputs)


class AssessmentRunsController(Controller):
    path = "/api/v1/assessments/{assessment_id:str}"
    tags = ["assessments"]

    @post(
        "/runs",
        summary="Run the assessment now (stores a new run)",
        operation_id="runAssessment",
        responses=ERRORS_WRITE,
        sync_to_thread=True,
        status_code=201,
    )
    def run(self, request: Request[Any, Any, Any], assessment_id: str = ID) -> RunRead:
        with unit_of_work(request) as (session, actor):
            actor.require_auth()
            assessment = services.get_visible(session, actor, assessment_id)
            row = services.run(session, actor, assessment)
            return run_read(row)

    @get(
        "/runs",
        summary="History of runs, newest first",
        responses=ERRORS_READ,
        sync_to_thread=True,
        operation_id="listAssessmentRuns",
    )
    def history(self, request: Request[Any, Any, Any], assessment_id: str = ID) -> list[RunSummary]:
        with unit_of_work(request) as (session, actor):
            return [RunSummary(**services.summary(r)) for r in services.runs(session, actor, assessment_id)]

    @get(
        "/runs/{run_id:str}",
        summary="One run with its inputs snapshot, results and recommendation",
        operation_id="getAssessmentRun",
        responses=ERRORS_READ,
        sync_to_thread=True,
    )
    def get_run(self, request: Request[Any, Any, Any], assessment_id: str = ID, run_id: str = ID) -> RunRead:
        with unit_of_work(request) as (session, actor):
            row = services.get_run(session, actor, run_id)
            if row.assessment_id != assessment_id:
                from registry.errors import NotFound

                raise NotFound("No such assessment run.")
            return run_read(row)

    @get(
        "/diff",
        summary="What changed between two runs (score, gaps opened and closed)",
        operation_id="diffAssessmentRuns",
        responses=ERRORS_READ,
        sync_to_thread=True,
    )
    def diff(
        self,
        request: Request[Any, Any, Any],
        # QueryParameter is a marker for Annotated (the query names differ from the argument names).
        from_run: Annotated[str, QueryParameter(name="from", min_length=1, max_length=64)],
        to_run: Annotated[str, QueryParameter(name="to", min_length=1, max_length=64)],
        assessment_id: str = ID,
    ) -> RunDiff:
        with unit_of_work(request) as (session, actor):
            services.get_visible(session, actor, assessment_id)
            return RunDiff(from_run=from_run, to_run=to_run, diff=services.diff_runs(session, actor, from_run, to_run))


ROUTES: list[Any] = [AssessmentRunsController]
