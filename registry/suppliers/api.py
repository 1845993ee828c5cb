"""The supplier workflow over the JSON API: approve, reject and verify (moderators).

The same functions of registry/suppliers/workflow.py as the moderation pages, so the same checks
(only a pending supplier is approved or rejected, only an active one verified). The generic
PATCH /api/v1/suppliers/{id} refuses `status` and `verified` and points here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request, Response, post
from litestar.params import Parameter
from pydantic import Field
from sqlalchemy.orm import Session

from registry.actor import Actor
from registry.errors import PreconditionFailed
from registry.schema_types import StrictModel
from registry.suppliers import workflow
from registry.suppliers.models import Supplier
from registry.suppliers.schemas import SupplierRead
from registry.suppliers.services import SPEC as SUPPLIER_SPEC
from registry.web.crud import ERRORS_WRITE, IfMatch, etag, parse_if_match
from registry.web.deps import unit_of_work

SUPPLIER_ID = Parameter(ge=1, le=2**31 - 1)
VERSION_DOC = (
    'Optional concurrency check: `If-Match: "<version>"` (412 when stale) or `version` in the body (409 when stale).'
)


class SupplierDecisionIn(StrictModel):
    version: int | None = Field(default=None, ge=1, description="The version you decided on (409 when stale)")


class SupplierRejectIn(SupplierDecisionIn):
    # Not required by the schema, so a missing or blank reason gets the workflow's own 422 naming it.
    reasons: str = Field(default="", max_length=workflow.MAX_REASON + 1000, description="Required: why")


Decide = Callable[[Session, Actor, int | None], Supplier]


def _decide(
    request: Request[Any, Any, Any], version: int | None, if_match: str | None, decide: Decide
) -> Response[SupplierRead]:
    header_version = parse_if_match(if_match)
    with unit_of_work(request) as (session, actor):
        actor.require_auth()
        try:
            supplier = decide(session, actor, header_version if header_version is not None else version)
        except workflow.StaleDecision as exc:
            if header_version is not None:
                raise PreconditionFailed(exc.detail) from exc
            raise
        read = SUPPLIER_SPEC.to_read(session, [supplier])[0]  # staff only here: the whole record
    return Response(SupplierRead(**read), headers={"ETag": etag(read["version"])})


@post(
    "/api/v1/suppliers/{supplier_id:int}/approve",
    tags=["suppliers"],
    summary="Approve a pending (self-registered) supplier (moderators)",
    description="409 unless the supplier is pending. " + VERSION_DOC,
    responses=ERRORS_WRITE,
    status_code=200,
    operation_id="approve_supplier",
    sync_to_thread=True,
)
def approve_supplier(
    request: Request[Any, Any, Any],
    data: SupplierDecisionIn | None = None,
    supplier_id: int = SUPPLIER_ID,
    if_match: IfMatch = None,
) -> Response[SupplierRead]:
    body = data or SupplierDecisionIn()
    return _decide(request, body.version, if_match, lambda s, a, v: workflow.approve_supplier(s, a, supplier_id, v))


@post(
    "/api/v1/suppliers/{supplier_id:int}/reject",
    tags=["suppliers"],
    summary="Reject a pending supplier (moderators)",
    description="`reasons` is required (422 otherwise); 409 unless the supplier is pending. " + VERSION_DOC,
    responses=ERRORS_WRITE,
    status_code=200,
    operation_id="reject_supplier",
    sync_to_thread=True,
)
def reject_supplier(
    request: Request[Any, Any, Any],
    data: SupplierRejectIn,
    supplier_id: int = SUPPLIER_ID,
    if_match: IfMatch = None,
) -> Response[SupplierRead]:
    return _decide(
        request, data.version, if_match, lambda s, a, v: workflow.reject_supplier(s, a, supplier_id, data.reasons, v)
    )


@post(
    "/api/v1/suppliers/{supplier_id:int}/verify",
    tags=["suppliers"],
    summary="Mark an active supplier as verified (moderators)",
    description="409 if it is already verified or not yet approved. " + VERSION_DOC,
    responses=ERRORS_WRITE,
    status_code=200,
    operation_id="verify_supplier",
    sync_to_thread=True,
)
def verify_supplier(
    request: Request[Any, Any, Any],
    data: SupplierDecisionIn | None = None,
    supplier_id: int = SUPPLIER_ID,
    if_match: IfMatch = None,
) -> Response[SupplierRead]:
    body = data or SupplierDecisionIn()
    return _decide(request, body.version, if_match, lambda s, a, v: workflow.verify_supplier(s, a, supplier_id, v))


ROUTES: list[Any] = [approve_supplier, reject_supplier, verify_supplier]
