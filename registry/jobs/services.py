"""Admin operations on jobs (list, run now, pause, resume, history). Admins only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from registry.actor import Actor
from registry.enums import Role
from registry.errors import NotFound
from registry.jobs import scheduler
from registry.jobs.models import JobRun
from registry.jobs.runner import JOBS, JobDef, JobResult, history, last_runs, run_job


@dataclass(frozen=True)
class JobView:
    job: JobDef
    next_run_time: datetime | None
    paused: bool
    last_run: JobRun | None


def require_admin(actor: Actor) -> None:
    actor.require_role(Role.ADMIN)


def job_def(job_id: str) -> JobDef:
    try:
        return JOBS[job_id]
    except KeyError:
        raise NotFound("No such job.") from None


def overview(engine: Engine, session: Session, actor: Actor) -> list[JobView]:
    require_admin(actor)
    states = scheduler.schedule_states(engine)
    last = last_runs(session)
    out = []
    for job in JOBS.values():
        state = states.get(job.id)
        out.append(JobView(job, state.next_run_time if state else None, bool(state and state.paused), last.get(job.id)))
    return out


def job_history(session: Session, actor: Actor, job_id: str, limit: int = 50) -> list[JobRun]:
    require_admin(actor)
    job_def(job_id)
    return history(session, job_id, limit=limit)


def run_now(engine: Engine, actor: Actor, job_id: str, *, smtp_url: str | None = None, force: bool = True) -> JobResult:
    """Run one job now. Forced by default: items inside jobs are idempotent, so a manual rerun
    only does what is still due, and it is recorded under its own period key."""
    require_admin(actor)
    job_def(job_id)
    return run_job(engine, job_id, trigger="manual", force=force, smtp_url=smtp_url)


def pause(engine: Engine, actor: Actor, job_id: str) -> scheduler.ScheduleState:
    require_admin(actor)
    job_def(job_id)
    return scheduler.pause(engine, job_id)


def resume(engine: Engine, actor: Actor, job_id: str) -> scheduler.ScheduleState:
    require_admin(actor)
    job_def(job_id)
    return scheduler.resume(engine, job_id)


def status(engine: Engine, actor: Actor) -> str:
    require_admin(actor)
    return scheduler.leader_status(engine)
