"""JSON API for the scheduled jobs (admins only)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import Parameter

from registry.jobs import services
from registry.jobs.models import JobRun
from registry.jobs.runner import JobResult
from registry.jobs.schemas import JobInfo, JobRunRead, JobRunResult
from registry.web.crud import ERRORS_READ, ERRORS_WRITE
from registry.web.deps import engine_of, unit_of_work

JOB_ID = Parameter(min_length=1, max_length=60)


def run_read(row: JobRun) -> JobRunRead:
    return JobRunRead(
        id=row.id,
        job_id=row.job_id,
        period_key=row.period_key,
        trigger=row.trigger,
        started_at=row.started_at,
        finished_at=row.finished_at,
        outcome=row.outcome,
        attempts=row.attempts,
        counts=row.counts or {},
        error=row.error,
    )


def _info(view: services.JobView) -> JobInfo:
    return JobInfo(
        id=view.job.id,
        title=view.job.title,
        description=view.job.description,
        schedule=view.job.schedule_text,
        next_run_time=view.next_run_time,
        paused=view.paused,
        last_run=run_read(view.last_run) if view.last_run else None,
    )


def _result(result: JobResult) -> JobRunResult:
    return JobRunResult(
        job_id=result.job_id,
        period_key=result.period_key,
        outcome=result.outcome,
        counts=result.counts,
        error=result.error,
    )


class JobsController(Controller):
    path = "/api/v1/jobs"
    tags = ["jobs"]

    @get(
        "/",
        summary="Scheduled jobs with next run, paused state and last outcome (admins)",
        operation_id="listJobs",
        responses=ERRORS_READ,
        sync_to_thread=True,
    )
    def list_jobs(self, request: Request[Any, Any, Any]) -> list[JobInfo]:
        with unit_of_work(request) as (session, actor):
            return [_info(v) for v in services.overview(engine_of(request), session, actor)]

    @get(
        "/{job_id:str}/runs",
        summary="Run history of one job, newest first (admins)",
        operation_id="listJobRuns",
        responses=ERRORS_READ,
        sync_to_thread=True,
    )
    def runs(
        self, request: Request[Any, Any, Any], job_id: str = JOB_ID, limit: int = Parameter(default=50, ge=1, le=500)
    ) -> list[JobRunRead]:
        with unit_of_work(request) as (session, actor):
            return [run_read(r) for r in services.job_history(session, actor, job_id, limit)]

    @post(
        "/{job_id:str}/run",
        summary="Run a job now (admins). force=false skips it if this period already ran",
        operation_id="runJobNow",
        responses=ERRORS_WRITE,
        sync_to_thread=True,
        status_code=200,
    )
    def run_now(self, request: Request[Any, Any, Any], job_id: str = JOB_ID, force: bool = True) -> JobRunResult:
        with unit_of_work(request) as (_session, actor):
            services.require_admin(actor)
            services.job_def(job_id)
        settings = request.app.state.settings
        return _result(services.run_now(engine_of(request), actor, job_id, smtp_url=settings.smtp_url, force=force))

    @post(
        "/{job_id:str}/pause",
        summary="Pause a job's schedule (admins)",
        operation_id="pauseJob",
        responses=ERRORS_WRITE,
        sync_to_thread=True,
        status_code=200,
    )
    def pause(self, request: Request[Any, Any, Any], job_id: str = JOB_ID) -> JobInfo:
        return self._change(request, job_id, services.pause)

    @post(
        "/{job_id:str}/resume",
        summary="Resume a paused job (admins)",
        operation_id="resumeJob",
        responses=ERRORS_WRITE,
        sync_to_thread=True,
        status_code=200,
    )
    def resume(self, request: Request[Any, Any, Any], job_id: str = JOB_ID) -> JobInfo:
        return self._change(request, job_id, services.resume)

    @staticmethod
    def _change(request: Request[Any, Any, Any], job_id: str, op: Any) -> JobInfo:
        engine = engine_of(request)
        with unit_of_work(request) as (_session, actor):
            services.require_admin(actor)
            services.job_def(job_id)
        op(engine, actor, job_id)  # outside the request's transaction: the job store writes on its own
        with unit_of_work(request) as (session, actor):
            return _info(next(v for v in services.overview(engine, session, actor) if v.job.id == job_id))


ROUTES: list[Any] = [JobsController]
