"""What the OpenAPI description says beyond what Litestar infers from a handler's signature.

One home for the declarations every API module shares, so a generated client (the test is
tests/integration/test_generated_client.py) sees the same thing everywhere:

- the bearer security scheme, and which operations need it, take it optionally or are anonymous;
- the problem responses (RFC 9457) by status code, with fixed examples (Litestar would otherwise
  invent random strings for them);
- ``documented(...)``: an ``operation_class`` for a handler's decorator that declares the
  response headers it sends (ETag, Location, Retry-After), the 304 of a conditional GET, and
  file downloads as ``type: string, format: binary`` under their real media types;
- ``operation_id``: readable operationIds (``listSuppliers``, ``getAssessment``) for handlers
  that name none.

Handlers stay as they are; these only describe them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.enums import HttpMethod
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import (
    Components,
    OpenAPIFormat,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Reference,
    Schema,
    SecurityRequirement,
    SecurityScheme,
)
from litestar.types import Method
from pydantic import BaseModel, Field

# --- security ---------------------------------------------------------------------------------

BEARER = "bearerToken"
SECURITY_SCHEMES: dict[str, SecurityScheme | Reference] = {
    BEARER: SecurityScheme(
        type="http",
        scheme="bearer",
        description="An API token from POST /api/v1/auth/token, sent as `Authorization: Bearer <token>`. "
        "The API never reads the session cookie.",
    )
}
# The default for every operation (OpenAPIConfig.security): a token is needed.
SIGNED_IN: list[SecurityRequirement] = [{BEARER: []}]
# Public reads that show more to a signed-in caller (a draft listing to its supplier, say).
OPTIONAL_TOKEN: list[SecurityRequirement] = [{}, {BEARER: []}]
# The generic CRUD resources anyone may read (tests/integration/test_openapi_contract.py checks
# each answers without a token, and every other resource answers 401).
PUBLIC_RESOURCES = frozenset({"suppliers", "tools", "taxonomy", "skills"})
# No token at all: health checks and getting a token.
ANONYMOUS: list[SecurityRequirement] = []


# --- problem details --------------------------------------------------------------------------


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict[str, str]] | None = None
    duplicates: list[dict[str, Any]] | None = Field(
        default=None,
        description="409 from POST /api/v1/suppliers: the likely duplicates (id, name, companies_house_number, "
        "website, why); send confirm_duplicate: true to create it anyway",
    )


def problem(description: str) -> ResponseSpec:
    """A problem response (application/problem+json), without the random example values Litestar
    would otherwise invent for it."""
    return ResponseSpec(
        data_container=Problem,
        description=description,
        media_type="application/problem+json",
        generate_examples=False,
    )


ERRORS_READ = {
    400: problem("Invalid query parameters; each bad parameter is named"),
    401: problem("Bearer token missing or invalid"),
    403: problem("Your role or organisation may not do this"),
    404: problem("Not found (or not visible to you)"),
    422: problem("Query is well-formed but not acceptable"),
}
ERRORS_WRITE = {
    400: problem("Malformed or invalid body; each bad field is named"),
    401: problem("Bearer token missing or invalid"),
    403: problem("Your role or organisation may not do this"),
    404: problem("Not found (or not visible to you)"),
    409: problem(
        "Version in the body is stale, a workflow-only field (such as status) was sent (the detail names "
        "the workflow endpoint), or the record conflicts with another (a likely duplicate)"
    ),
    412: problem("If-Match does not match the current ETag"),
    413: problem("The request body is larger than the service accepts (MAX_UPLOAD_BYTES)"),
    422: problem("Input is well-formed but not acceptable"),
    428: problem("Neither If-Match nor version was sent"),
}
THROTTLED = {429: problem("Too many failed attempts; wait for the seconds in Retry-After")}


# --- media types of files ---------------------------------------------------------------------

PDF = "application/pdf"
HTML = "text/html"
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP = "application/zip"
JSON = "application/json"

# The report's JSON format, described by the schema served at /schema/report.json.
REPORT_SCHEMA_NAME = "ReportDocument"


# --- headers ----------------------------------------------------------------------------------


def _string_header(description: str) -> OpenAPIHeader:
    return OpenAPIHeader(schema=Schema(type=OpenAPIType.STRING), description=description)


ETAG = _string_header('The record\'s version as an entity tag, e.g. "3": send it back as If-Match to change it')
LOCATION = _string_header("The URL of the record (or job) just created")
RETRY_AFTER = OpenAPIHeader(
    schema=Schema(type=OpenAPIType.INTEGER, minimum=1), description="Seconds to wait before trying again"
)
CONTENT_DISPOSITION = _string_header("attachment, with the file's name")
PROTECTIVE_MARKING = _string_header("The document's Government Security Classification, e.g. OFFICIAL-SENSITIVE")

IF_NONE_MATCH = Parameter(
    name="If-None-Match",
    param_in="header",
    required=False,
    schema=Schema(type=OpenAPIType.STRING, max_length=200),
    description="An ETag from an earlier answer: 304 Not Modified (no body) while it is still current",
)


def _file_content(media_types: Sequence[str]) -> dict[str, OpenAPIMediaType]:
    """Text formats (HTML, CSV) are strings, a JSON file an object; the rest are bytes
    (``format: binary``), which a generated client hands back as a file instead of decoding it."""

    def schema(mt: str) -> Schema:
        if mt == JSON:
            return Schema(type=OpenAPIType.OBJECT)
        if mt.startswith("text/"):
            return Schema(type=OpenAPIType.STRING)
        return Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)

    return {mt: OpenAPIMediaType(schema=schema(mt)) for mt in media_types}


def documented(
    *,
    security: list[SecurityRequirement] | None = None,
    etag: bool = False,
    not_modified: bool = False,
    location: bool = False,
    files: Sequence[str] = (),
    json_ref: str | None = None,
    headers: Mapping[str, OpenAPIHeader] | None = None,
    retry_after: bool = False,
    parameters: Sequence[Parameter] = (),
    attachment: bool = True,
) -> type[Operation]:
    """An ``operation_class`` describing what the signature cannot show.

    ``etag``: 2xx answers carry ETag. ``not_modified`` (a GET that sends an ETag): it takes
    If-None-Match and answers 304 while that ETag is current.
    ``location``: 2xx answers carry Location. ``files``: the 2xx body is a file in one of these
    media types (binary), plus JSON described by the component ``json_ref`` if given, sent as
    an attachment (Content-Disposition) unless ``attachment`` is False.
    ``retry_after``: its 429 answer carries Retry-After. ``parameters``: query parameters the
    handler reads from the query string itself (the generic list's filters).
    ``security``: override the default (a token is needed).
    """
    extra_headers: dict[str, OpenAPIHeader] = dict(headers or {})
    if etag:
        extra_headers["ETag"] = ETAG
    if location:
        extra_headers["Location"] = LOCATION
    if files and attachment:
        extra_headers["Content-Disposition"] = CONTENT_DISPOSITION

    @dataclass
    class DocumentedOperation(Operation):
        def __post_init__(self) -> None:
            if security is not None:
                self.security = list(security)
            if parameters:
                self.parameters = [*(self.parameters or []), *parameters]
            for code, response in (self.responses or {}).items():
                if not code.startswith("2") or not isinstance(response, OpenAPIResponse):
                    continue
                if files:
                    content = _file_content(files)
                    if json_ref:
                        content[JSON] = OpenAPIMediaType(schema=Reference(ref=f"#/components/schemas/{json_ref}"))
                    response.content = content
                if extra_headers:
                    response.headers = {**(response.headers or {}), **extra_headers}
            throttled = (self.responses or {}).get("429")
            if retry_after and isinstance(throttled, OpenAPIResponse):
                throttled.headers = {**(throttled.headers or {}), "Retry-After": RETRY_AFTER}
            if not_modified and self.responses is not None:
                self.responses["304"] = OpenAPIResponse(
                    description="Not modified: the If-None-Match ETag is still current (no body)",
                    headers={"ETag": ETAG},
                )
                self.parameters = [*(self.parameters or []), IF_NONE_MATCH]

    return DocumentedOperation


# Named classes for the common cases, so decorators stay short.
ANONYMOUS_OPERATION = documented(security=ANONYMOUS)
THROTTLED_ANONYMOUS_OPERATION = documented(security=ANONYMOUS, retry_after=True)
OPTIONAL_TOKEN_OPERATION = documented(security=OPTIONAL_TOKEN)


_FILTER_TYPES = {"bool": OpenAPIType.BOOLEAN, "int_min": OpenAPIType.INTEGER, "int_max": OpenAPIType.INTEGER}
_FILTER_WORDS = {
    "eq": "Only records whose {column} is this value",
    "bool": "Only records whose {column} is true (or false)",
    "int_min": "Only records whose {column} is at least this",
    "int_max": "Only records whose {column} is at most this",
    "num_max": "Only records whose {column} is at most this",
    "json_has": "Only records whose {column} include this value",
    "text": "Only records whose {column} contains this text (any case)",
}


def filter_parameter(name: str, column: str, kind: str, description: str = "") -> Parameter:
    """A generic list's filter (``registry.resources.FilterSpec``) as a described query parameter."""
    kind_type = _FILTER_TYPES.get(kind, OpenAPIType.NUMBER if kind == "num_max" else OpenAPIType.STRING)
    return Parameter(
        name=name,
        param_in="query",
        required=False,
        schema=Schema(type=kind_type, max_length=200 if kind_type is OpenAPIType.STRING else None),
        description=description or _FILTER_WORDS[kind].format(column=column.replace("_", " ")) + ".",
    )


# --- operationIds -----------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[^A-Za-z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)) if w]


def camel(*parts: str) -> str:
    """ "list", "procurement projects" -> "listProcurementProjects"."""
    words = [w.lower() for part in parts for w in _words(part)]
    return words[0] + "".join(w.title() for w in words[1:]) if words else ""


def operation_id(route_handler: HTTPRouteHandler, http_method: Method | HttpMethod, path_components: list[Any]) -> str:
    """OpenAPIConfig's operation_id_creator: the handler's name in camelCase, followed by its tag
    when the name alone does not say what it acts on ("create" in the projects controller is
    ``createProcurementProjects``). Handlers whose name reads badly set ``operation_id`` themselves."""
    name = [w for w in _words(route_handler.handler_name) if w.lower() != "api"]
    tags = list(route_handler.resolve_tags() or [])
    tag_words = _words(tags[0]) if tags else []
    lowered = {w.lower() for w in name}
    if tag_words and not any(w.lower().rstrip("s") in {n.rstrip("s") for n in lowered} for w in tag_words):
        name += tag_words
    return camel(*name)


# --- the interactive docs ---------------------------------------------------------------------


class SelfHostedSwagger(SwaggerRenderPlugin):
    """Swagger UI at /schema/swagger from our own vendored copy (static/vendor/swagger-ui, put there
    by scripts/vendor_assets.sh from the pinned npm package), started by a script file: the CSP
    allows no CDN and no inline script or style, which Litestar's own page uses."""

    def __init__(self, static: str = "/static") -> None:
        vendor = f"{static}/vendor/swagger-ui"
        super().__init__(
            js_url=f"{vendor}/swagger-ui-bundle.js",
            css_url=f"{vendor}/swagger-ui.css",
            standalone_preset_js_url=f"{vendor}/swagger-ui-standalone-preset.js",
            favicon="",
        )
        self.static = static
        self.init_js_url = f"{static}/swagger-init.js"

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = html.escape(str(openapi_schema["info"]["title"]))
        # The init script reads the schema URL from data-url: no inline script needed.
        schema_url = html.escape(
            f"{request.app.openapi_config.path}/openapi.json" if request.app.openapi_config else ""
        )
        return (
            "<!DOCTYPE html>"
            '<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{title} – SOC Capability Registry</title>"
            f'<link rel="icon" href="{self.static}/favicon.svg" type="image/svg+xml">'
            f'<link href="{self.css_url}" rel="stylesheet">'
            f'<script src="{self.js_url}" defer></script>'
            f'<script src="{self.standalone_preset_js_url}" defer></script>'
            f'<script src="{self.init_js_url}" defer></script>'
            f'</head><body><main id="swagger-ui" data-url="{schema_url}"></main></body></html>'
        ).encode()


# --- JSON Schemas of our own, as OpenAPI components --------------------------------------------


def json_schema_components(name: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON Schema (2020-12) with ``$defs`` as OpenAPI 3.1 component schemas: the root as
    ``name`` and each definition as ``name`` + its name in CamelCase (``ReportDocumentSection``),
    with every ``#/$defs/...`` reference pointing at its component."""
    defs = dict(schema.get("$defs", {}))

    def component(def_name: str) -> str:
        return name + "".join(w.title() for w in _words(def_name))

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
                    out[key] = f"#/components/schemas/{component(value.removeprefix('#/$defs/'))}"
                else:
                    out[key] = rewrite(value)
            return out
        if isinstance(node, list):
            return [rewrite(v) for v in node]
        return node

    # $id, $schema and $defs belong to the standalone document (/schema/report.json), not here.
    root = {k: v for k, v in schema.items() if k not in ("$defs", "$id", "$schema")}
    return {name: rewrite(root), **{component(k): rewrite(v) for k, v in defs.items()}}


def components(schemas: Mapping[str, Any]) -> Components:
    """OpenAPIConfig's components: the bearer scheme, plus JSON Schemas written by hand (Litestar
    generates every other component from the handlers' types and would otherwise replace them)."""
    extra = dict(schemas)

    @dataclass
    class WithOwnSchemas(Components):
        def to_schema(self) -> dict[str, Any]:
            result = super().to_schema()
            result["schemas"] = {**result.get("schemas", {}), **extra}
            return result

    return WithOwnSchemas(security_schemes=SECURITY_SCHEMES)
