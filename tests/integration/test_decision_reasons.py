"""Exclusion reasons are checked against what the registry knows, through every door, and the
project log and record print the reason's words and the buyer's note.

- "Over budget" is refused for a tool whose first-year cost is within the project's budget (or
  when the project has no budget); accepted when the tool really costs more.
- "Does not meet a linked requirement" is refused when the project links no requirement.
- The log, the page and the PDF/HTML record say the reason in words, never "Other reason
  (explain in the text)"."""

from __future__ import annotations

import io
import re
from html import unescape
from typing import Any

import pypdf

from tests.integration.test_procurement import NARROW, new_project, sign_in


def _frozen(client: Any, headers: dict[str, str], **extra: Any) -> tuple[str, list[dict[str, Any]]]:
    project = new_project(client, headers, **extra)
    resp = client.post(f"/api/v1/projects/{project['id']}/end-search", json=NARROW, headers=headers)
    assert resp.status_code in (200, 201), resp.text
    return project["id"], resp.json()["results"]


def _decide(client: Any, headers: dict[str, str], pid: str, rid: int, **body: Any) -> Any:
    return client.post(f"/api/v1/projects/{pid}/results/{rid}/decision", json=body, headers=headers)


def _tool_name(client: Any, tool_id: int) -> str:
    return str(client.get(f"/api/v1/tools/{tool_id}").json()["name"])


def test_over_budget_is_refused_for_a_tool_within_budget(client: Any, auth: Any) -> None:
    buyer = auth("buyer_a")
    pid, results = _frozen(client, buyer, budget=10_000_000)
    r = results[0]
    refused = _decide(client, buyer, pid, r["id"], decision="exclude", reason_code="over_budget")
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    name = _tool_name(client, r["tool_id"])
    assert error["field"] == "reason_code"
    assert error["message"].startswith(f"{name} is not over budget: its indicative first-year cost £")
    assert "within the project budget of £10,000,000" in error["message"]
    after = client.get(f"/api/v1/projects/{pid}", headers=buyer).json()["results"]
    assert next(x for x in after if x["id"] == r["id"])["decision"] is None  # nothing was written


def test_over_budget_is_accepted_when_true_and_refused_without_a_budget(client: Any, auth: Any) -> None:
    buyer = auth("buyer_a")
    pid, results = _frozen(client, buyer, budget=1)
    ok = _decide(client, buyer, pid, results[0]["id"], decision="exclude", reason_code="over_budget")
    assert ok.status_code == 200, ok.text
    pid2, results2 = _frozen(client, buyer, name="No budget yet", budget=None)
    refused = _decide(client, buyer, pid2, results2[0]["id"], decision="exclude", reason_code="over_budget")
    assert refused.status_code == 422
    assert "this project has no budget set" in refused.json()["errors"][0]["message"]


def test_linked_requirement_reason_needs_a_linked_requirement(client: Any, auth: Any) -> None:
    buyer = auth("buyer_a")
    pid, results = _frozen(client, buyer, requirement_ids=[])
    refused = _decide(client, buyer, pid, results[0]["id"], decision="exclude", reason_code="does_not_meet_requirement")
    assert refused.status_code == 422
    message = refused.json()["errors"][0]["message"]
    assert "this project has no linked requirements" in message
    assert message.startswith(
        "“Does not meet a linked requirement” cannot apply to " + _tool_name(client, results[0]["tool_id"])
    )
    pid2, results2 = _frozen(client, buyer, name="With requirements")  # new_project links two
    ok = _decide(client, buyer, pid2, results2[0]["id"], decision="exclude", reason_code="does_not_meet_requirement")
    assert ok.status_code == 200, ok.text


def test_the_page_refuses_with_the_same_words(client: Any, auth: Any) -> None:
    buyer = auth("buyer_a")
    pid, results = _frozen(client, buyer, budget=10_000_000)
    csrf = sign_in(client, "buyer_a")
    rid = results[0]["id"]
    page = client.post(
        f"/projects/{pid}/results/{rid}/decision",
        data={"_csrf_token": csrf, "decision": "exclude", "reason_code": "over_budget", "reason_text": "kept note"},
    )
    assert page.status_code == 400
    text = unescape(page.text)
    assert f"{_tool_name(client, results[0]['tool_id'])} is not over budget" in text
    assert f'href="#r{rid}-reason-code"' in page.text and "kept note" in text


def test_log_and_record_print_the_reason_and_the_note(client: Any, auth: Any) -> None:
    buyer = auth("buyer_a")
    pid, results = _frozen(client, buyer, budget=1)
    other, priced = results[0], results[1]
    assert (
        _decide(
            client, buyer, pid, other["id"], decision="exclude", reason_code="other", reason_text="No POLE export"
        ).status_code
        == 200
    )
    assert (
        _decide(
            client,
            buyer,
            pid,
            priced["id"],
            decision="exclude",
            reason_code="over_budget",
            reason_text="Twice our money",
        ).status_code
        == 200
    )
    names = _tool_name(client, other["tool_id"]), _tool_name(client, priced["tool_id"])
    csrf = sign_in(client, "buyer_a")
    assert csrf
    page = unescape(client.get(f"/projects/{pid}").text)
    log = page[page.index('id="log"') :]
    assert f"Excluded: {names[0]} (version {other['tool_version_number']}) – No POLE export" in log
    assert f"Excluded: {names[1]} (version {priced['tool_version_number']}) – Over budget: Twice our money" in log
    assert "explain in the text" not in log
    record = unescape(client.get(f"/api/v1/projects/{pid}/record.html", headers=buyer).text)
    assert "No POLE export" in record and "Over budget: Twice our money" in record
    assert "explain in the text" not in record
    pdf = client.get(f"/api/v1/projects/{pid}/record.pdf", headers=buyer)
    assert pdf.status_code == 200
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages))
    assert "No POLE export" in text and "Twice our money" in text
    assert "explain in the text" not in text


def test_decision_updates_in_place_with_htmx_and_returns_to_the_result_without(client: Any, auth: Any) -> None:
    buyer = auth("buyer_a")
    pid, results = _frozen(client, buyer, budget=1)
    first, second = results[0]["id"], results[1]["id"]
    csrf = sign_in(client, "buyer_a")
    page = client.get(f"/projects/{pid}").text
    assert f'data-hx-post="/projects/{pid}/results/{first}/decision"' in page
    assert " hx-post=" not in page  # only the valid data-hx-* form
    plain = client.post(
        f"/projects/{pid}/results/{first}/decision",
        data={"_csrf_token": csrf, "decision": "keep"},
        follow_redirects=False,
    )
    assert plain.status_code in (302, 303) and plain.headers["location"] == f"/projects/{pid}#result-{first}"
    swapped = client.post(
        f"/projects/{pid}/results/{second}/decision",
        data={"_csrf_token": csrf, "decision": "exclude", "reason_code": "over_budget"},
        headers={"HX-Request": "true"},
    )
    assert swapped.status_code == 200 and "<html" not in swapped.text
    assert swapped.text.count('id="result-') == 1 and f'id="result-{second}"' in swapped.text
    assert "Decision saved for" in swapped.text
    assert 'id="results-summary" data-hx-swap-oob="true"' in swapped.text
    assert swapped.headers.get("vary", "").lower().count("hx-request") == 1
    bad = client.post(
        f"/projects/{pid}/results/{second}/decision",
        data={"_csrf_token": csrf, "decision": "exclude", "reason_text": "typed"},
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 400 and "<html" not in bad.text
    assert "Choose a reason for excluding this tool" in bad.text and "typed" in bad.text
