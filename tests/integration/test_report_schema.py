"""The JSON report's schema is served at a stable URL, each JSON report names it as its "$schema",
and the OpenAPI description carries it as the components the report download's JSON references."""

from __future__ import annotations

import json
import time
from typing import Any

import jsonschema

from tests.conftest import USERS, token_for


def test_a_json_report_validates_against_the_served_schema(client: Any) -> None:
    served = client.get("/schema/report.json")
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("application/schema+json")
    schema = served.json()
    jsonschema.Draft202012Validator.check_schema(schema)

    headers = token_for(client, USERS["lead_a"])
    created = client.post(
        "/api/v1/assessments", json={"name": "Schema check", "budget_annual": 100000}, headers=headers
    )
    assert created.status_code == 201, created.text
    assessment = created.json()["id"]
    assert client.post(f"/api/v1/assessments/{assessment}/runs", headers=headers).status_code == 201
    job = client.post(
        "/api/v1/reports", json={"kind": "capability_gap", "source_id": assessment, "format": "json"}, headers=headers
    )
    assert job.status_code == 202, job.text
    status = job.json()
    deadline = time.monotonic() + 30
    while status["status"] not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.2)
        status = client.get(f"/api/v1/reports/{status['id']}", headers=headers).json()
    assert status["status"] == "done", status
    download = client.get(f"/api/v1/reports/{status['id']}/download", headers=headers)
    assert download.status_code == 200
    report = json.loads(download.content)
    assert report["$schema"] == "/schema/report.json"
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(report)
    # The served schema is a real constraint: a report with an unknown key or marking fails it.
    validator = jsonschema.Draft202012Validator(schema)
    assert not validator.is_valid({**report, "surprise": 1})
    assert not validator.is_valid({**report, "marking": "RESTRICTED"})


def test_the_report_schema_is_an_openapi_component_of_the_download(client: Any) -> None:
    doc = client.get("/schema/openapi.json").json()
    schemas = doc["components"]["schemas"]
    root = schemas["ReportDocument"]
    assert root["title"] == "Report" and "$defs" not in root
    assert root["properties"]["sections"]["items"] == {"$ref": "#/components/schemas/ReportDocumentSection"}
    # Every reference inside the report components resolves inside the document.
    text = json.dumps({k: v for k, v in schemas.items() if k.startswith("ReportDocument")})
    for ref in set(part.split('"')[0] for part in text.split('"$ref": "')[1:]):
        assert ref.removeprefix("#/components/schemas/") in schemas, ref
    download = doc["paths"]["/api/v1/reports/{report_id}/download"]["get"]
    assert download["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ReportDocument"
    }
