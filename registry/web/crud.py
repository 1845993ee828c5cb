"""Builds the JSON API controller for a ResourceSpec: list, get, create, update, retire/delete.

No `from __future__ import annotations` here: handler annotations must be real classes so
Litestar can document each resource's own schemas in OpenAPI.
"""

import re
from collections.abc import Callable
from typing import Annotated, Any, Literal, Protocol, TypeVar

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.params import HeaderParameter, Parameter
from pydantic import Field, create_model
from sqlalchemy.orm import Session

from registry import resources
from registry.actor import Actor
from registry.errors import PreconditionFailed
from registry.locking import StaleDecision
from registry.resources import ListParams, ResourceSpec
from registry.schema_types import StrictModel
from registry.web import openapi_docs
from registry.web.deps import unit_of_work

RESERVED = {"page", "per_page", "sort"}

R = TypeVar("R")  # the record a workflow decision returns


class _Versioned(Protocol):
    version: int


# The If-Match request header, declared once for every handler that takes it (the header name
# differs from the argument name, so it is an Annotated marker).
IfMatch = Annotated[str | None, HeaderParameter(name="If-Match", max_length=100)]


# The problem responses are declared once for every API module (re-exported here, where the
# API modules have always imported them from).
ERRORS_READ = openapi_docs.ERRORS_READ
ERRORS_WRITE = openapi_docs.ERRORS_WRITE
Problem = openapi_docs.Problem
_problem = openapi_docs.problem


def parse_if_match(value: str | None) -> int | None:
    if not value:
        return None
    match = re.fullmatch(r'\s*(?:W/)?"?(\d+)"?\s*', value)
    if match is None:
        raise PreconditionFailed('If-Match must be the ETag returned by GET, e.g. "3".')
    return int(match.group(1))


def etag(version: int) -> str:
    return f'"{version}"'


def conditional(request: Request[Any, Any, Any], response: Response[Any]) -> Response[Any]:
    """A GET's answer, or 304 Not Modified (no body) when If-None-Match names its ETag (or "*"):
    the caller's copy is current."""
    header = request.headers.get("if-none-match")
    current = response.headers.get("ETag")
    if not header or not current:
        return response
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    if "*" in tags or current in tags:
        return Response(None, status_code=304, headers={"ETag": current})
    return response


def build_controller(spec: ResourceSpec[Any, Any, Any]) -> type[Controller]:
    read_schema = spec.read_schema
    create_schema = spec.create_schema
    update_schema = spec.update_schema
    page_schema = create_model(
        f"{read_schema.__name__}Page",
        items=(list[read_schema], ...),  # type: ignore[valid-type]  # the resource's read schema, chosen at runtime
        total=(int, ...),
        page=(int, ...),
        per_page=(int, ...),
    )
    filter_doc = ", ".join(f"`{k}`" for k in spec.filters) or "none"
    sort_doc = ", ".join(f"`{s}`" for s in spec.sorts)
    tag = spec.name
    id_type = spec.id_type
    id_path = "{item_id:int}" if id_type is int else "{item_id:str}"

    sort_values = tuple(v for key in spec.sorts for v in (key, f"-{key}"))
    sort_type = Literal[sort_values]  # type: ignore[valid-type]  # the resource's sort keys, known only at runtime

    workflow_doc = (
        " Workflow-only fields ("
        + ", ".join(f"`{f}`" for f in spec.workflow_fields)
        + ") are refused with 409: "
        + "; ".join(f"`{f}`: {w}" for f, w in spec.workflow_fields.items())
        + "."
        if spec.workflow_fields
        else ""
    )

    def id_param() -> Any:
        if id_type is int:
            return Parameter(ge=1, le=2**31 - 1)
        return Parameter(min_length=1, max_length=64)

    class ResourceController(Controller):
        path = f"/api/v1/{spec.name}"
        tags = [tag]

        @get(
            "/",
            summary=f"List {spec.name}",
            description=f"Paginated. Filters (query parameters): {filter_doc}. "
            f"Sort by {sort_doc} (prefix '-' for descending).",
            responses=ERRORS_READ,
            operation_id=openapi_docs.camel("list", spec.name),
            operation_class=openapi_docs.documented(
                security=openapi_docs.OPTIONAL_TOKEN if spec.name in openapi_docs.PUBLIC_RESOURCES else None,
                # The filters are read from the query string (below), so they are declared here.
                parameters=[
                    openapi_docs.filter_parameter(name, f.column, f.kind, f.description)
                    for name, f in spec.filters.items()
                ],
            ),
            sync_to_thread=True,
        )
        def list_items(
            self,
            request: Request,
            page: int = Parameter(default=1, ge=1, le=1_000_000),
            per_page: int = Parameter(default=25, ge=1, le=resources.MAX_PER_PAGE),
            sort: sort_type | None = Parameter(default=None),
        ) -> page_schema:  # type: ignore[valid-type]  # a Pydantic model built at runtime (create_model)
            filters = {k: v for k, v in request.query_params.items() if k not in RESERVED}
            with unit_of_work(request) as (session, actor):
                result = resources.list_resources(session, spec, actor, ListParams(page, per_page, sort, filters))
            return page_schema(
                items=result.items,
                total=result.total,
                page=result.page,
                per_page=result.per_page,
            )

        @get(
            f"/{id_path}",
            summary=f"Get one {spec.title}",
            responses=ERRORS_READ,
            operation_id=openapi_docs.camel("get", spec.title),
            operation_class=openapi_docs.documented(
                etag=True,
                not_modified=True,
                security=openapi_docs.OPTIONAL_TOKEN if spec.name in openapi_docs.PUBLIC_RESOURCES else None,
            ),
            sync_to_thread=True,
        )
        def get_item(self, request: Request, item_id: id_type = id_param()) -> Response[read_schema]:  # type: ignore[valid-type]  # id type and read schema are the resource's, chosen at runtime
            with unit_of_work(request) as (session, actor):
                item = resources.read_one(session, spec, actor, item_id)
            return conditional(request, Response(read_schema(**item), headers={"ETag": etag(item["version"])}))

        @post(
            "/",
            summary=f"Create a {spec.title}",
            responses=ERRORS_WRITE,
            operation_id=openapi_docs.camel("create", spec.title),
            operation_class=openapi_docs.documented(etag=True, location=True),
            sync_to_thread=True,
        )
        def create_item(self, request: Request, data: create_schema) -> Response[read_schema]:  # type: ignore[valid-type]  # the resource's schemas, chosen at runtime
            with unit_of_work(request) as (session, actor):
                actor.require_auth()
                item = resources.create_resource(session, spec, actor, data)
            return Response(
                read_schema(**item),
                status_code=201,
                headers={"ETag": etag(item["version"]), "Location": f"{self.path}/{item['id']}"},
            )

        @patch(
            f"/{id_path}",
            summary=f"Update a {spec.title}",
            description='Send `If-Match: "<version>"` (412 when stale) or `version` in the body (409 when stale).'
            + workflow_doc,
            responses=ERRORS_WRITE,
            operation_id=openapi_docs.camel("update", spec.title),
            operation_class=openapi_docs.documented(etag=True),
            sync_to_thread=True,
        )
        def update_item(
            self,
            request: Request,
            data: update_schema,  # type: ignore[valid-type]  # the resource's schema, chosen at runtime
            item_id: id_type = id_param(),  # type: ignore[valid-type]  # the id's type is the resource's, chosen at runtime
            if_match: IfMatch = None,
        ) -> Response[read_schema]:  # type: ignore[valid-type]  # as above
            expected = parse_if_match(if_match)
            with unit_of_work(request) as (session, actor):
                actor.require_auth()
                # Before the version check: no version makes a workflow-only change acceptable here.
                resources.refuse_workflow_fields(spec, item_id, data.model_fields_set)  # type: ignore[attr-defined]  # a Pydantic model chosen at runtime
                item = resources.update_resource(session, spec, actor, item_id, data, if_match=expected)
            return Response(read_schema(**item), headers={"ETag": etag(item["version"])})

        @delete(
            f"/{id_path}",
            summary=f"Retire (or delete) a {spec.title}",
            description="Listings and taxonomy are retired (kept for the record); other rows are deleted.",
            responses=ERRORS_WRITE,
            operation_id=openapi_docs.camel("delete", spec.title),
            sync_to_thread=True,
        )
        def delete_item(self, request: Request, item_id: id_type = id_param()) -> None:  # type: ignore[valid-type]  # the id's type is the resource's, chosen at runtime
            with unit_of_work(request) as (session, actor):
                actor.require_auth()
                resources.remove_resource(session, spec, actor, item_id)

    ResourceController.__name__ = f"{spec.name.title()}Controller"
    return ResourceController


# --- workflow decisions (POST /api/v1/<resource>/{id}/<decision>) ----------------------------

DECISION_VERSION_DOC = (
    'Optional concurrency check: `If-Match: "<version>"` (412 when stale) or `version` in the body '
    "(409 when stale). A decision on a record that has already moved on is a 409 either way."
)


class WorkflowDecisionIn(StrictModel):
    version: int | None = Field(default=None, ge=1, description="The version you decided on (409 when stale)")


# Its own name in OpenAPI: procurement has a DecisionIn too, and generated clients name models by title.
DecisionIn = WorkflowDecisionIn


def decision_response(
    request: Request[Any, Any, Any],
    version: int | None,
    if_match: str | None,
    decide: Callable[[Session, Actor, int | None], R],
    read: Callable[[Session, R], _Versioned],
) -> Response[Any]:
    """Run one workflow decision for the API: the If-Match version wins over the body's, a stale
    If-Match is 412 (as on PATCH), and the answer is the record as read with its new ETag."""
    header_version = parse_if_match(if_match)
    with unit_of_work(request) as (session, actor):
        actor.require_auth()
        try:
            record = decide(session, actor, header_version if header_version is not None else version)
        except StaleDecision as exc:
            if header_version is not None:
                raise PreconditionFailed(exc.detail) from exc
            raise
        body = read(session, record)
    return Response(body, headers={"ETag": etag(body.version)})
