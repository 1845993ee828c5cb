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
from registry.suppliers import workflow
from registry.suppliers.models import Supplier
from registry.suppliers.schemas import SupplierRead
from registry.suppliers.services import SPEC as SUPPLIER_SPEC
from registry.web import openapi_docs as docs
from registry.web.crud import (
    DECISION_VERSION_DOC,
    ERRORS_WRITE,
    DecisionIn,
    IfMatch,
    decision_response,
)

SUPPLIER_ID = Parameter(ge=1, le=2**31 - 1)
VERSION_DOC = DECISION_VERSION_DOC


class SupplierRejectIn(DecisionIn):
    # Not required by the schema, so a missing or blank reason gets the workflow's own 422 naming it.
    reasons: str = Field(default="", max_length=workflow.MAX_REASON + 1000, description="Required: why")


def _read(session: Session, supplier: Supplier) -> SupplierRead:
    return SupplierRead(**SUPPLIER_SPEC.to_read(session, [supplier])[0])  # staff only here: the whole record


def _decide(
    request: Request[Any, Any, Any],
    version: int | None,
    if_match: str | None,
    decide: Callable[[Session, Actor, int | None], Supplier],
) -> Response[SupplierRead]:
    return decision_response(request, version, if_match, decide, _read)


@post(
    "/api/v1/suppliers/{supplier_id:int}/approve",
    tags=["suppliers"],
    summary="Approve a pending (self-registered) supplier (moderators)",
    description="409 unless the supplier is pending. " + VERSION_DOC,
    responses=ERRORS_WRITE,
    status_code=200,
    operation_id="approveSupplier",
    operation_class=docs.documented(etag=True),
    sync_to_thread=True,
)
def approve_supplier(
    request: Request[Any, Any, Any],
    data: DecisionIn | None = None,
    supplier_id: int = SUPPLIER_ID,
    if_match: IfMatch = None,
) -> Response[SupplierRead]:
    body = data or DecisionIn()
    return _decide(request, body.version, if_match, lambda s, a, v: workflow.approve_supplier(s, a, supplier_id, v))


@post(
    "/api/v1/suppliers/{supplier_id:int}/reject",
    tags=["suppliers"],
    summary="Reject a pending supplier (moderators)",
    description="`reasons` is required (422 otherwise); 409 unless the supplier is pending. " + VERSION_DOC,
    responses=ERRORS_WRITE,
    status_code=200,
    operation_id="rejectSupplier",
    operation_class=docs.documented(etag=True),
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
    operation_id="verifySupplier",
    operation_class=docs.documented(etag=True),
    sync_to_thread=True,
)
def verify_supplier(
    request: Request[Any, Any, Any],
    data: DecisionIn | None = None,
    supplier_id: int = SUPPLIER_ID,
    if_match: IfMatch = None,
) -> Response[SupplierRead]:
    body = data or DecisionIn()
    return _decide(request, body.version, if_match, lambda s, a, v: workflow.verify_supplier(s, a, supplier_id, v))


ROUTES: list[Any] = [approve_supplier, reject_supplier, verify_supplier]
