"""The declared search parameters (`registry.search.query.PARAMS`) as OpenAPI query parameters.

The search endpoints read their parameters with `parse_query` (the rules every door shares),
not as handler arguments, so Litestar cannot see them. `SearchOperation` adds them to the
operation from the one declaration instead: name, type, allowed values, bounds, array for a
repeatable parameter. A generated client then calls the endpoint with typed arguments.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar.openapi.spec import OpenAPIType, Operation, Parameter, Schema

from registry.search.query import PARAMS, Kind, SearchParam
from registry.web.openapi_docs import OPTIONAL_TOKEN

_TYPES = {
    Kind.TEXT: OpenAPIType.STRING,
    Kind.CHOICE: OpenAPIType.STRING,
    Kind.CODE: OpenAPIType.STRING,
    Kind.INT: OpenAPIType.INTEGER,
    Kind.NUMBER: OpenAPIType.NUMBER,
    Kind.FLAG: OpenAPIType.BOOLEAN,
}


def value_schema(param: SearchParam) -> Schema:
    """The schema of one value of `param`."""
    return Schema(
        type=_TYPES[param.kind],
        enum=list(param.choices) if param.choices else None,
        minimum=param.minimum,
        maximum=param.maximum,
        max_length=param.max_length,
        pattern=param.pattern,
    )


def parameter(param: SearchParam) -> Parameter:
    if param.multi:
        schema = Schema(type=OpenAPIType.ARRAY, items=value_schema(param), max_items=param.max_items)
    else:
        schema = value_schema(param)
        schema.default = param.default
    # allowEmptyValue: a blank value means "not given", as HTML forms send it.
    return Parameter(
        name=param.name,
        param_in="query",
        schema=schema,
        description=param.help,
        required=False,
        allow_empty_value=True,
        style="form" if param.multi else None,
        explode=True if param.multi else None,
    )


@dataclass
class SearchOperation(Operation):
    """An operation that also lists every declared search parameter (pass as `operation_class`)."""

    def __post_init__(self) -> None:
        self.parameters = [*(self.parameters or []), *(parameter(p) for p in PARAMS)]


@dataclass
class PublicSearchOperation(SearchOperation):
    """The public search (GET /api/v1/search): anyone may call it, with or without a token."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.security = OPTIONAL_TOKEN
