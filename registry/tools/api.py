"""The listing workflow over the JSON API: submit, approve, reject, request changes, retire.

Each endpoint calls the same function of registry/tools/workflow.py as the supplier's review page
and the moderation pages, so the API makes the same checks (a complete listing to submit, an
approved supplier to publish, reasons to reject) and writes the same audit events. The generic
PATCH /api/v1/tools/{id} refuses `status` and points here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request, Response, post
from litestar.params import Parameter
from pydantic import Field
from sqlalchemy.orm import Session

from registry.actor import Actor
from registry.suppliers.workflow import MAX_REASON
from registry.tools import workflow
from registry.tools.models import Tool
from registry.tools.schemas import ToolRead
from registry.tools.services import SPEC as TOOL_SPEC
from registry.web import openapi_docs as docs
from registry.web.crud import (
    DECISION_VERSION_DOC,
    ERRORS_WRITE,
    DecisionIn,
    IfMatch,
    decision_response,
)

TOOL_ID = Parameter(ge=1, le=2**31 - 1)
VERSION_DOC = DECISION_VERSION_DOC


class ApproveIn(DecisionIn):
    note: str = Field(default="", max_length=MAX_REASON, description="Optional note for the audit trail")


class ReasonsIn(DecisionIn):
    # Not required by the schema, so a missing or blank reason gets the workflow's own 422 naming it.
    reasons: str = Field(default="", max_length=MAX_REASON + 1000, description="Required: why (the supplier sees this)")


class RetireIn(DecisionIn):
    reason: str = Field(default="", max_length=MAX_REASON, description="Optional, for the audit trail")


def _read(session: Session, tool: Tool) -> ToolRead:
    return ToolRead(**TOOL_SPEC.to_read(session, [tool])[0])


def _decide(
    request: Request[Any, Any, Any],
    version: int | None,
    if_match: str | None,
    decide: Callable[[Session, Actor, int | None], Tool],
) -> Response[ToolRead]:
    return decision_response(request, version, if_match, decide, _read)


@post(
    "/api/v1/tools/{tool_id:int}/submit",
    tags=["tools"],
    summary="Submit a draft listing for moderation (its supplier)",
    description="422 names each missing part (summary, description, capabilities); the listing stays a draft. "
    + VERSION_DOC,
    responses=ERRORS_WRITE,
    status_code=200,
    operation_id="submitTool",
    operation_class=docs.documented(etag=True),
    sync_to_thread=True,
)
def submit_tool(
    request: Request[Any, Any, Any],
    data: DecisionIn | None = None,
    tool_id: int = TOOL_ID,
    if_match: IfMatch = None,
) -> Response[ToolRead]:
    body = data or DecisionIn()
    return _decide(request, body.version, if_match, lambda s, a, v: workflow.submit(s, a, tool_id, v))


@post(
    "/api/v1/tools/{tool_id:int}/approve",
    tags=["tools"],
    summary="Approve and publish a submitted listing (moderators)",
    description="409 while the supplier is not yet approved; 422 names what the listing still lacks. " + VERSION_DOC,
    responses=ERRORS_WRITE,
    status_code=200,
    operation_id="approveTool",
    operation_class=docs.documented(etag=True),
    sync_to_thread=True,
)
def approve_tool(
    request: Request[Any, Any, Any],
    data: ApproveIn | None = None,
    tool_id: int = TOOL_ID,
    if_match: IfMatch = None,
) -> Response[ToolRead]:
    body = data or ApproveIn()
    return _decide(request, body.version, if_match, lambda s, a, v: workflow.approve(s, a, tool_id, v, note=body.note))


@post(
    "/api/v1/tools/{tool_id:int}/reject",
    tags=["tools"],
    summary="Reject a submitted listing for good: it is retired (moderators)",
    description="`reasons` is required (422 otherwise). " + VERSION_DOC,
    responses=ERRORS_WRITE,
    status_code=200,
    operation_id="rejectTool",
    operation_class=docs.documented(etag=True),
    sync_to_thread=True,
)
def reject_tool(
    request: Request[Any, Any, Any],
    data: ReasonsIn,
    tool_id: int = TOOL_ID,
    if_match: IfMatch = None,
) -> Response[ToolRead]:
    return _decide(request, data.version, if_match, lambda s, a, v: workflow.reject(s, a, tool_id, data.reasons, v))


@post(
    "/api/v1/tools/{tool_id:int}/request-changes",
    tags=["tools"],
    summary="Send a submitted or published listing back to its supplier as a draft (moderators)",
    description="`reasons` is required (422 otherwise): the supplier sees them. " + VERSION_DOC,
    responses=ERRORS_WRITE,
    status_code=200,
    operation_id="requestToolChanges",
    operation_class=docs.documented(etag=True),
    sync_to_thread=True,
)
def request_changes(
    request: Request[Any, Any, Any],
    data: ReasonsIn,
    tool_id: int = TOOL_ID,
    if_match: IfMatch = None,
) -> Response[ToolRead]:
    return _decide(
        request, data.version, if_match, lambda s, a, v: workflow.request_changes(s, a, tool_id, data.reasons, v)
    )


@post(
    "/api/v1/tools/{tool_id:int}/retire",
    tags=["tools"],
    summary="Retire a listing (its supplier or a moderator)",
    description="Same as DELETE /api/v1/tools/{id}, with an optional reason for the audit trail. " + VERSION_DOC,
    responses=ERRORS_WRITE,
    status_code=200,
    operation_id="retireTool",
    operation_class=docs.documented(etag=True),
    sync_to_thread=True,
)
def retire_tool(
    request: Request[Any, Any, Any],
    data: RetireIn | None = None,
    tool_id: int = TOOL_ID,
    if_match: IfMatch = None,
) -> Response[ToolRead]:
    body = data or RetireIn()
    return _decide(request, body.version, if_match, lambda s, a, v: workflow.retire(s, a, tool_id, v, body.reason))


ROUTES: list[Any] = [submit_tool, approve_tool, reject_tool, request_changes, retire_tool]
