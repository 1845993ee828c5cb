"""A client generated from our own OpenAPI description works: openapi-python-client builds one
from the served /schema/openapi.json inside the test run (no network), and the test uses it, as an
outside developer would, against a live server: get a token, search with a term and facets, page
through tools, read an assessment, download a report PDF as bytes and create a project.

What went wrong before this test existed: the generator skipped endpoints whose body models shared
a name, and the PDF download decoded bytes as text (BytesIO(str)), so it crashed."""

from __future__ import annotations

import importlib
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.conftest import DEMO_PASSWORD, USERS, DBHandle, make_settings
from tests.integration.live_server import serve

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
# The generator decodes only JSON, text and octet-stream bodies; its documented setting maps the
# other binary media types we declare (correctly) onto octet-stream, i.e. "give me the bytes".
CONFIG = """\
content_type_overrides:
  application/pdf: application/octet-stream
  application/zip: application/octet-stream
  application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: application/octet-stream
"""


@pytest.fixture
def live(db: DBHandle, tmp_path: Path) -> Iterator[str]:
    from registry.app import create_app

    with serve(create_app(make_settings(db.url, tmp_path), engine=db.engine)) as url:
        yield url


def generate_client(base_url: str, out: Path) -> ModuleType:
    schema = out / "openapi.json"
    schema.write_bytes(httpx.get(f"{base_url}/schema/openapi.json").raise_for_status().content)
    config = out / "config.yaml"
    config.write_text(CONFIG)
    package = out / "socreg_client"
    done = subprocess.run(
        [str(GENERATOR), "generate", "--path", str(schema), "--meta", "none"]
        + ["--output-path", str(package), "--config", str(config)],
        cwd=out,
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = done.stdout + done.stderr
    assert done.returncode == 0, report
    # Every endpoint and model generated: the generator names what it had to leave out.
    for sign in ("will not be generated", "Unable to parse", "response will be omitted"):
        assert sign not in report, report
    sys.path.insert(0, str(out))
    importlib.invalidate_caches()
    return importlib.import_module("socreg_client")


def api(name: str) -> Any:
    return importlib.import_module(f"socreg_client.api.{name}")


def models() -> Any:
    return importlib.import_module("socreg_client.models")


def test_a_generated_client_does_the_everyday_things(live: str, tmp_path: Path) -> None:
    client_pkg = generate_client(live, tmp_path)
    try:
        m = models()
        anonymous = client_pkg.Client(base_url=live, raise_on_unexpected_status=True)

        # A token for a capability lead.
        token = api("auth.get_token").sync(
            client=anonymous, body=m.TokenRequest(email=USERS["lead_a"], password=DEMO_PASSWORD)
        )
        assert isinstance(token, m.TokenResponse), token
        lead = client_pkg.AuthenticatedClient(base_url=live, token=token.token, raise_on_unexpected_status=True)

        # Search with a term and a facet: q and repeatable filters are typed arguments.
        everything = api("search.search_tools").sync(client=lead, q="")
        found = api("search.search_tools").sync(
            client=lead, q="network analysis", hosting=[m.SearchToolsHostingItem("uk")]
        )
        assert isinstance(found, m.SearchOut), found
        assert 0 < found.total < everything.total
        assert found.query_terms and all(hit.hosting == "uk" for hit in found.hits)
        assert "hosting" in found.facets.additional_properties

        # Page through the tools, two at a time, until every one has been seen once.
        seen: list[int] = []
        page = 1
        while True:
            batch = api("tools.list_tools").sync(client=lead, page=page, per_page=10)
            seen += [t.id for t in batch.items]
            if page * 10 >= batch.total:
                break
            page += 1
        assert len(seen) == batch.total == len(set(seen)) and page > 1

        # Set up an assessment, run it, and read both back (the record comes with its ETag).
        created_assessment = api("assessments.create_assessment").sync_detailed(
            client=lead, body=m.AssessmentCreate(name="Generated-client assessment", budget_annual=250000)
        )
        assert created_assessment.status_code == 201
        assessment_id = created_assessment.parsed.id
        etag = created_assessment.headers["etag"]
        run = api("assessments.run_assessment").sync(client=lead, assessment_id=assessment_id)
        one = api("assessments.get_assessment").sync_detailed(client=lead, item_id=assessment_id)
        assert one.status_code == 200 and one.parsed.name == "Generated-client assessment"
        assert one.headers["etag"] == etag
        again = api("assessments.get_assessment_run").sync(client=lead, assessment_id=assessment_id, run_id=run.id)
        assert again.id == run.id
        first = one.parsed

        # Request a capability-gap report as PDF, wait for it, download the bytes.
        job = api("reports.create_report").sync(
            client=lead,
            body=m.ReportRequest(
                kind=m.ReportRequestKind.CAPABILITY_GAP, source_id=first.id, format_=m.ReportRequestFormat.PDF
            ),
        )
        deadline = time.monotonic() + 60
        status = api("reports.get_report").sync(client=lead, report_id=job.id)
        while status.status.value not in ("done", "failed") and time.monotonic() < deadline:
            time.sleep(0.3)
            status = api("reports.get_report").sync(client=lead, report_id=job.id)
        assert status.status.value == "done", status.error
        pdf = api("reports.download_report").sync(client=lead, report_id=job.id)
        content = pdf.payload.read()
        assert content.startswith(b"%PDF") and len(content) > 1000

        # Create a procurement project as a buyer; the Location header names it.
        buyer_token = api("auth.get_token").sync(
            client=anonymous, body=m.TokenRequest(email=USERS["buyer_a"], password=DEMO_PASSWORD)
        )
        buyer = client_pkg.AuthenticatedClient(base_url=live, token=buyer_token.token, raise_on_unexpected_status=True)
        created = api("procurement_projects.create_project").sync_detailed(
            client=buyer, body=m.ProjectCreate(name="Generated-client project", need_statement="Triage", budget=50000)
        )
        assert created.status_code == 201
        project_id = created.parsed.additional_properties["id"]
        assert created.headers["location"].endswith(f"/api/v1/projects/{project_id}")
        listed = api("procurement_projects.list_projects").sync(client=buyer)
        assert project_id in [p.additional_properties["id"] for p in listed]
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == "socreg_client" or n.startswith("socreg_client.")]:
            del sys.modules[name]
