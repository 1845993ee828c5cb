"""Bad input that used to give 500: JSON nested 1,000 levels deep on every JSON endpoint (the
anonymous token endpoint included), and paths the file system cannot look up (`/static/%00`)."""

from __future__ import annotations

import re
import uuid
from typing import Any

DEEP = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000
PROBLEM = "application/problem+json"


def _fill(path: str, params: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        schema = params.get(match.group(1), {})
        if schema.get("format") == "uuid":
            return str(uuid.uuid4())
        return "1"

    return re.sub(r"\{([^}]+)\}", value, path)


def json_operations(client: Any) -> list[tuple[str, str]]:
    """Every operation in the OpenAPI description that takes a JSON body."""
    spec = client.get("/schema/openapi.json").json()
    found = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method not in {"post", "put", "patch"}:
                continue
            content = (op.get("requestBody") or {}).get("content", {})
            if not any("json" in media for media in content):
                continue
            params = {p["name"]: p.get("schema", {}) for p in op.get("parameters", []) if p.get("in") == "path"}
            found.append((method.upper(), _fill(path, params)))
    return found


def _assert_problem_400(resp: Any, where: str) -> None:
    assert resp.status_code == 400, (where, resp.status_code, resp.text[:300])
    assert resp.headers["content-type"].startswith(PROBLEM), where
    body = resp.json()
    assert body["status"] == 400 and "nested too deeply" in body["detail"], where


def test_deeply_nested_json_on_the_anonymous_token_endpoint_is_a_400(client: Any) -> None:
    for body in (DEEP, DEEP_OBJECT):
        resp = client.post("/api/v1/auth/token", content=body, headers={"content-type": "application/json"})
        _assert_problem_400(resp, "token")


def test_deeply_nested_json_on_every_json_endpoint_is_a_400(client: Any, auth: Any) -> None:
    operations = json_operations(client)
    assert len(operations) >= 20, operations  # the description really lists the JSON endpoints
    headers = {**auth("admin"), "content-type": "application/json", "if-match": '"1"'}
    for method, path in operations:
        resp = client.request(method, path, content=DEEP, headers=headers)
        _assert_problem_400(resp, f"{method} {path}")


def test_nested_but_readable_json_is_an_ordinary_answer(client: Any) -> None:
    """The limit is about what cannot be parsed; a body nested 200 deep is read and refused
    for what it is (not an email), with the field named."""
    body = '{"email":' + "[" * 200 + "]" * 200 + ',"password":"x"}'
    resp = client.post("/api/v1/auth/token", content=body, headers={"content-type": "application/json"})
    assert resp.status_code == 400 and resp.headers["content-type"].startswith(PROBLEM)
    assert "email" in resp.text and "nested too deeply" not in resp.text


def test_unreadable_static_paths_are_not_found(client: Any) -> None:
    for path in ("/static/%00", "/static/css/%00.css", "/static/%00app.css"):
        resp = client.get(path)
        assert resp.status_code == 404, (path, resp.status_code)
        assert "text/html" in resp.headers["content-type"]
    assert client.get("/static/no-such-file.css").status_code == 404
