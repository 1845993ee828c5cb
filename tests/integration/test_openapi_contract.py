"""The OpenAPI description says what the service does: security per operation, every parameter
and 2xx body typed, files under their media types, the headers and conditional GETs we send, and
readable, stable operationIds. Each declaration is checked against the live behaviour where it
can be (an operation declared usable without a token answers without one; a declared ETag is sent
and a current If-None-Match gets 304)."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.conftest import USERS, token_for

METHODS = ("get", "post", "put", "patch", "delete")
BINARY = {"type": "string", "format": "binary"}


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, op) for p, item in doc["paths"].items() for m, op in item.items() if m in METHODS]


def by_id(doc: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {op["operationId"]: (m, p, op) for m, p, op in operations(doc)}


def test_bearer_scheme_and_security_of_each_operation(client: Any) -> None:
    doc = client.get("/schema/openapi.json").json()
    assert doc["components"]["securitySchemes"]["bearerToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": doc["components"]["securitySchemes"]["bearerToken"]["description"],
    }
    assert doc["security"] == [{"bearerToken": []}]  # the default: a token is needed
    ops = by_id(doc)
    assert ops["getToken"][2]["security"] == [] and ops["checkLive"][2]["security"] == []
    assert ops["searchTools"][2]["security"] == [{}, {"bearerToken": []}]
    assert "security" not in ops["createProject"][2]  # inherits the default
    # Whatever is declared usable without a token really answers without one.
    for method, path, op in operations(doc):
        if (
            method == "get"
            and "{" not in path
            and op.get("security") is not None
            and (op["security"] == [] or {} in op["security"])
        ):
            resp = client.get(path)
            assert resp.status_code == 200, (path, resp.status_code)
    # And what needs a token declares the 401 it gives without one.
    for method, path, op in operations(doc):
        if "security" not in op and path.startswith("/api/"):
            assert "401" in op["responses"], (method, path)
    assert client.get("/api/v1/projects").status_code == 401


def test_operation_ids_are_readable_and_unique(client: Any) -> None:
    doc = client.get("/schema/openapi.json").json()
    ids = [op["operationId"] for _m, _p, op in operations(doc)]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][A-Za-z0-9]*", i) for i in ids), [
        i for i in ids if not re.fullmatch(r"[a-z][A-Za-z0-9]*", i)
    ]
    for expected in ("searchTools", "getAssessment", "downloadReport", "listTools", "createProject", "getToken"):
        assert expected in ids


def test_search_declares_every_parameter_with_a_description(client: Any) -> None:
    from registry.search.query import PARAMS

    doc = client.get("/schema/openapi.json").json()
    params = {p["name"]: p for p in by_id(doc)["searchTools"][2]["parameters"]}
    assert {"q", "sort", "page", "per_page", "hosting", "workstream", "capability"} <= set(params)
    assert {p.name for p in PARAMS} <= set(params)
    assert all(p.get("description") for p in params.values())
    assert params["hosting"]["schema"]["type"] == "array" and params["hosting"]["explode"] is True


def test_the_generic_lists_declare_their_filters(client: Any) -> None:
    from registry.tools.services import SPEC

    doc = client.get("/schema/openapi.json").json()
    params = {p["name"]: p for p in by_id(doc)["listTools"][2]["parameters"]}
    assert set(SPEC.filters) | {"page", "per_page", "sort"} <= set(params)
    assert params["trl_min"]["schema"]["type"] == "integer" and params["trl_min"]["description"]
    # A declared filter works as declared.
    hosted = client.get("/api/v1/tools", params={"hosting": "uk", "per_page": 200}).json()["items"]
    assert hosted and all(t["hosting"] == "uk" for t in hosted)


def test_every_2xx_is_typed_and_files_have_their_media_types(client: Any) -> None:
    doc = client.get("/schema/openapi.json").json()
    for method, path, op in operations(doc):
        for code, response in op["responses"].items():
            if code.startswith("2") and code != "204":
                content = response.get("content")
                assert content, (method, path, code)
                assert all(media.get("schema") for media in content.values()), (method, path, code)
    ops = by_id(doc)
    download = ops["downloadReport"][2]["responses"]["200"]["content"]
    assert download["application/pdf"]["schema"] == BINARY
    assert download["application/zip"]["schema"] == BINARY
    assert download["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]["schema"] == BINARY
    assert download["application/json"]["schema"] == {"$ref": "#/components/schemas/ReportDocument"}
    assert download["text/html"]["schema"] == {"type": "string"}
    assert "application/octet-stream" not in download
    assert ops["exportProjectRecordPdf"][2]["responses"]["200"]["content"] == {"application/pdf": {"schema": BINARY}}
    assert list(ops["exportProjectResultsCsv"][2]["responses"]["200"]["content"]) == ["text/csv"]


def test_headers_and_error_statuses_are_declared(client: Any) -> None:
    doc = client.get("/schema/openapi.json").json()
    ops = by_id(doc)
    assert "ETag" in ops["getTool"][2]["responses"]["200"]["headers"]
    assert {"ETag", "Location"} <= set(ops["createRequirement"][2]["responses"]["201"]["headers"])
    assert "Location" in ops["createReport"][2]["responses"]["202"]["headers"]
    assert "Location" in ops["createProject"][2]["responses"]["201"]["headers"]
    assert "304" in ops["getTool"][2]["responses"] and "304" in ops["getEvaluation"][2]["responses"]
    assert any(p["name"] == "If-None-Match" for p in ops["getTool"][2]["parameters"])
    assert {"400", "401", "403", "404", "409", "412", "422", "428"} <= set(ops["updateRequirement"][2]["responses"])
    assert {"413"} <= set(ops["importRecords"][2]["responses"]) and "413" in ops["createProject"][2]["responses"]
    assert "Retry-After" in ops["getToken"][2]["responses"]["429"]["headers"]


def test_a_throttled_token_request_says_when_to_retry(client: Any) -> None:
    for _ in range(8):
        resp = client.post("/api/v1/auth/token", json={"email": USERS["buyer_b"], "password": "wrong-password-1"})
        if resp.status_code == 429:
            break
    assert resp.status_code == 429, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    wait = int(resp.headers["retry-after"])
    # The sign-in window is 15 minutes: the header counts seconds, the sentence says it in words.
    assert 1 <= wait <= 15 * 60 and "Try again in" in resp.json()["detail"]


def test_problem_schema_has_no_invented_examples_and_the_document_is_stable(client: Any, app: Any) -> None:
    first = client.get("/schema/openapi.json").text
    doc = json.loads(first)
    problem = doc["components"]["schemas"]["Problem"]
    assert '"examples"' not in json.dumps(problem)
    assert '"examples"' not in first  # Litestar invents random ones wherever it generates examples
    # Built again from scratch, the description is byte for byte the same: nothing random in it.
    from litestar.testing import TestClient

    from registry.app import create_app

    again = create_app(app.state.settings, engine=app.state.engine)
    with TestClient(app=again) as other:
        assert other.get("/schema/openapi.json").text == first


def test_a_body_over_the_limit_is_the_declared_413(client: Any, app: Any) -> None:
    headers = token_for(client, USERS["lead_a"])
    too_big = b'{"name": "' + b"x" * (app.state.settings.max_upload_bytes + 10) + b'"}'
    resp = client.post("/api/v1/projects", content=too_big, headers={**headers, "content-type": "application/json"})
    assert resp.status_code == 413
    assert resp.headers["content-type"].startswith("application/problem+json")


def test_an_etag_get_answers_304_to_a_current_if_none_match(client: Any) -> None:
    headers = token_for(client, USERS["lead_a"])
    first = client.get("/api/v1/tools/1", headers=headers)
    assert first.status_code == 200
    tag = first.headers["etag"]
    same = client.get("/api/v1/tools/1", headers={**headers, "If-None-Match": tag})
    assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == tag
    stale = client.get("/api/v1/tools/1", headers={**headers, "If-None-Match": '"999999"'})
    assert stale.status_code == 200 and stale.json()["id"] == 1
    assert client.get("/api/v1/tools/1", headers={"If-None-Match": f'W/{tag}, "x"'}).status_code == 304
