"""API schemas for the scheduled jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class JobRunRead(BaseModel):
    id: int | None
    job_id: str
    period_key: str
    trigger: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    attempts: int
    counts: dict[str, Any]
    error: str | None


class JobInfo(BaseModel):
    id: str
    title: str
    description: str
    schedule: str
    next_run_time: datetime | None
    paused: bool
    last_run: JobRunRead | None


class JobRunResult(BaseModel):
    job_id: str
    period_key: str
    outcome: str  # ok | error | skipped | already-done
    counts: dict[str, Any]
    error: str | None
