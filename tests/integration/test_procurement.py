"""Procurement projects end to end: journey, locking, old listing versions, OCDS, fair ordering,
access control across organisations, exports and the supplier's anonymised feedback."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from litestar.testing import TestClient
from openpyxl import load_workbook
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests.conftest import DEMO_PASSWORD, USERS, make_settings

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas" / "ocds"
NARROW = {"q": "network analysis", "filters": {"hosting": ["uk"]}}


def ocds_validator() -> jsonschema.Draft4Validator:
    release = json.loads((SCHEMAS / "release-schema.json").read_text())
    package = json.loads((SCHEMAS / "release-package-schema.json").read_text())
    registry = Registry().with_resource(release["id"], Resource.from_contents(release, default_specification=DRAFT4))
    return jsonschema.Draft4Validator(
        package, registry=registry, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )


def token(html: str) -> str:
    found = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def sign_in(client: Any, who: str) -> str:
    client.cookies.clear()
    page = client.get("/login")
    resp = client.post(
        "/login",
        data={"email": USERS[who], "password": DEMO_PASSWORD, "_csrf_token": token(page.text)},
        follow_redirects=False,
    )
    assert resp.status_code in (302, 303), resp.text[:300]
    return (
        token(client.get("/projects").text)
        if who in ("buyer_a", "lead_a", "buyer_b", "lead_b")
        else token(client.get("/").text)
    )


def requirement_ids(client: Any, headers: dict[str, str], n: int = 2) -> list[int]:
    items = client.get("/api/v1/requirements", params={"per_page": n, "sort": "code"}, headers=headers).json()["items"]
    return [int(r["id"]) for r in items]


def new_project(
    client: Any, headers: dict[str, str], name: str = "Network analysis tool", **extra: Any
) -> dict[str, Any]:
    body = {
        "name": name,
        "need_statement": "Map OCG networks from POLE data.",
        "budget": 60000,
        "requirement_ids": requirement_ids(client, headers),
    } | extra
    resp = client.post("/api/v1/projects", json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()  # type: ignore[no-any-return]


def decide_all(client: Any, headers: dict[str, str], project: dict[str, Any], keep_tool: int) -> None:
    for r in project["results"]:
        if r["tool_id"] == keep_tool:
            body: dict[str, Any] = {"decision": "keep", "reason_text": "Meets the need"}
        else:
            code = r["suggestions"][0]["code"] if r["suggestions"] else "other"
            body = {"decision": "exclude", "reason_code": code, "reason_text": "" if r["suggestions"] else "Weaker fit"}
        resp = client.post(f"/api/v1/projects/{project['id']}/results/{r['id']}/decision", json=body, headers=headers)
        assert resp.status_code == 200, resp.text


def kestrel_link(client: Any) -> dict[str, Any]:
    items = client.get("/api/v1/tools", params={"q": "Kestrel Link", "status": "published"}).json()["items"]
    return next(t for t in items if t["name"] == "Kestrel Link")


# --- the journey ------------------------------------------------------------------------------


def test_journey_award_locks_and_keeps_the_old_version(client: Any, auth: Any) -> None:
    buyer = auth("buyer_a")
    project = new_project(client, buyer)
    pid = project["id"]
    assert project["status"] == "open" and len(project["requirements"]) == 2

    found = client.get(f"/api/v1/projects/{pid}/search", params={"q": "network analysis"}, headers=buyer).json()
    assert found["total"] > 0
    saved = client.post(f"/api/v1/projects/{pid}/searches", json={"q": "network analysis"}, headers=buyer)
    assert saved.status_code == 201 and saved.json()["result_count"] == found["total"]

    too_broad = client.post(f"/api/v1/projects/{pid}/end-search", json={"q": ""}, headers=buyer)
    assert too_broad.status_code == 422
    assert "Narrow it to 30 or fewer" in too_broad.json()["detail"]

    ended = client.post(f"/api/v1/projects/{pid}/end-search", json=NARROW, headers=buyer)
    assert ended.status_code == 201, ended.text
    project = ended.json()
    results = project["results"]
    assert 1 <= len(results) <= 30
    assert [r["position"] for r in results] == list(range(1, len(results) + 1))
    assert any(r["suggestions"] for r in results), "requirement matching should suggest some exclusions"
    tool = kestrel_link(client)
    chosen = next(r for r in results if r["tool_id"] == tool["id"])
    old_version, old_summary = chosen["tool_version_number"], tool["summary"]

    twice = client.post(f"/api/v1/projects/{pid}/end-search", json=NARROW, headers=buyer)
    assert twice.status_code == 409  # the search ends once

    # An exclusion without a reason is refused, naming the field.
    other = next(r for r in results if r["id"] != chosen["id"])
    refused = client.post(
        f"/api/v1/projects/{pid}/results/{other['id']}/decision", json={"decision": "exclude"}, headers=buyer
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": "reason_code", "message": "Choose a reason for excluding this tool"}]
    other_needs_text = client.post(
        f"/api/v1/projects/{pid}/results/{other['id']}/decision",
        json={"decision": "exclude", "reason_code": "other"},
        headers=buyer,
    )
    assert other_needs_text.status_code == 422

    # Awarding before every result is decided is refused (fairness: all get a decision).
    early = client.post(f"/api/v1/projects/{pid}/outcome", json={"kind": "none_suitable"}, headers=buyer)
    assert early.status_code == 422

    decide_all(client, buyer, project, keep_tool=tool["id"])
    excluded = next(
        r
        for r in client.get(f"/api/v1/projects/{pid}", headers=buyer).json()["results"]
        if r["suggestions"] and r["tool_id"] != tool["id"]
    )
    assert excluded["decision"]["suggested"] is True  # the buyer confirmed the suggested reason

    not_kept = client.post(
        f"/api/v1/projects/{pid}/outcome",
        headers=buyer,
        json={
            "kind": "awarded",
            "frozen_result_id": excluded["id"],
            "value": 1,
            "start_date": "2027-04-01",
            "end_date": "2029-03-31",
        },
    )
    assert not_kept.status_code == 422 and not_kept.json()["errors"][0]["field"] == "frozen_result_id"

    award = client.post(
        f"/api/v1/projects/{pid}/outcome",
        headers=buyer,
        json={
            "kind": "awarded",
            "frozen_result_id": chosen["id"],
            "value": 45000,
            "start_date": "2027-04-01",
            "end_date": "2029-03-31",
        },
    )
    assert award.status_code == 201, award.text
    record = award.json()
    assert record["locked"] is True and record["status"] == "awarded"
    assert record["outcome"]["tool_version_number"] == old_version

    # Locked: every write is refused with 423 and says why.
    for path, body in (
        ("searches", {"q": "x"}),
        ("end-search", NARROW),
        ("outcome", {"kind": "cancelled", "reason": "x"}),
        (f"results/{chosen['id']}/decision", {"decision": "keep"}),
    ):
        resp = client.post(f"/api/v1/projects/{pid}/{path}", json=body, headers=buyer)
        assert resp.status_code == 423, (path, resp.text)
        assert "locked" in resp.json()["detail"]

    # The supplier edits the awarded tool: the project still shows the version that was reviewed.
    supplier = auth("supplier_a")
    edit = client.patch(
        f"/api/v1/tools/{tool['id']}",
        headers=supplier,
        json={"summary": "Completely rewritten summary after the award", "version": tool["version"]},
    )
    assert edit.status_code == 200, edit.text
    versions = client.get(f"/api/v1/tools/{tool['id']}/versions").json()
    assert versions[0]["number"] == old_version + 1 and "summary" in versions[0]["changed_fields"]

    after = client.get(f"/api/v1/projects/{pid}", headers=buyer).json()
    pinned = next(r for r in after["results"] if r["tool_id"] == tool["id"])
    assert pinned["tool_version_number"] == old_version
    assert after["outcome"]["tool_version_number"] == old_version
    old = client.get(f"/api/v1/tools/{tool['id']}/versions/{old_version}").json()
    assert old["snapshot"]["summary"] == old_summary

    sign_in(client, "buyer_a")
    page = client.get(f"/projects/{pid}")
    assert page.status_code == 200
    assert f"/tools/{tool['id']}/versions/{old_version}" in page.text
    assert "Completely rewritten summary" not in page.text and old_summary in page.text

    log = client.get(f"/api/v1/projects/{pid}/log", headers=buyer).json()
    actions = [e["action"] for e in log]
    assert {"create", "save_search", "end_search", "decide", "outcome"} <= set(actions)
    assert actions[0] == "outcome"  # newest first

    # OCDS: valid against the vendored 1.1 schema; the award links to the right parties.
    package = client.get(f"/api/v1/projects/{pid}/ocds.json", headers=buyer).json()
    ocds_validator().validate(package)
    release = package["releases"][0]
    assert release["ocid"] == f"ocds-socreg-{pid}" and "award" in release["tag"]
    parties = {p["id"]: p for p in release["parties"]}
    award_out = release["awards"][0]
    supplier_ref = award_out["suppliers"][0]
    assert "supplier" in parties[supplier_ref["id"]]["roles"]
    assert parties[supplier_ref["id"]]["name"] == "Kestrel Analytics Ltd"
    assert parties[supplier_ref["id"]]["details"]["scale"] == "sme"  # Kestrel is a small company
    assert "buyer" in parties[release["buyer"]["id"]]["roles"]
    assert award_out["value"] == {"amount": 45000.0, "currency": "GBP"}
    assert award_out["contractPeriod"]["startDate"].startswith("2027-04-01")
    assert award_out["items"][0]["id"] == f"tool-{tool['id']}-v{old_version}"
    assert [i["id"] for i in release["tender"]["items"]] == [r["code"] for r in project["requirements"]]


def test_cancel_needs_reason_and_locks(client: Any, auth: Any) -> None:
    buyer = auth("lead_a")  # capability leads of the organisation may run projects too
    pid = new_project(client, buyer, name="Cancelled one")["id"]
    no_reason = client.post(f"/api/v1/projects/{pid}/outcome", json={"kind": "cancelled"}, headers=buyer)
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    done = client.post(
        f"/api/v1/projects/{pid}/outcome", json={"kind": "cancelled", "reason": "Need withdrawn"}, headers=buyer
    )
    assert done.status_code == 201 and done.json()["status"] == "cancelled"
    package = client.get(f"/api/v1/projects/{pid}/ocds.json", headers=buyer).json()
    ocds_validator().validate(package)
    assert package["releases"][0]["tender"]["status"] == "cancelled" and "awards" not in package["releases"][0]


def test_review_limit_is_configurable(db: Any, tmp_path: Path, auth: Any) -> None:
    from registry.app import create_app

    settings = make_settings(db.url, tmp_path)
    app = create_app(replace(settings, extra={**settings.extra, "procurement_review_limit": "3"}), engine=db.engine)
    with TestClient(app=app) as client:
        resp = client.post("/api/v1/auth/token", json={"email": USERS["buyer_a"], "password": DEMO_PASSWORD})
        buyer = {"Authorization": f"Bearer {resp.json()['token']}"}
        pid = new_project(client, buyer)["id"]
        refused = client.post(f"/api/v1/projects/{pid}/end-search", json=NARROW, headers=buyer)
        assert refused.status_code == 422 and "3 or fewer" in refused.json()["detail"]


# --- fairness ---------------------------------------------------------------------------------


def publish_tool(client: Any, moderator: dict[str, str], body: dict[str, Any]) -> int:
    """A new published listing, through the workflow as every door does (a draft, then submit, approve)."""
    complete = {"description": "Follows the money.", "capabilities": [{"node_code": "INT.NET"}], **body}
    resp = client.post("/api/v1/tools", json=complete, headers=moderator)
    assert resp.status_code == 201, resp.text
    tool_id = int(resp.json()["id"])
    for step in ("submit", "approve"):
        assert client.post(f"/api/v1/tools/{tool_id}/{step}", headers=moderator).status_code == 200
    return tool_id


def ten_identical_tools(client: Any, auth: Any, name: str = "Zephyrquill ledger tracer") -> list[int]:
    moderator = auth("moderator")
    suppliers = client.get("/api/v1/suppliers", params={"per_page": 10, "sort": "id"}, headers=moderator).json()[
        "items"
    ]
    ids = []
    for s in suppliers:
        body = {
            "name": name,
            "supplier_id": s["id"],
            "summary": "Follows ledgers.",
            "trl": 7,
            "workstreams": ["ECON"],
        }
        ids.append(publish_tool(client, moderator, body))
    assert len(ids) == 10
    return ids


def test_ties_are_shuffled_per_project_and_stable(client: Any, auth: Any) -> None:
    ids = ten_identical_tools(client, auth)
    buyer = auth("buyer_a")
    query = {"q": "zephyrquill", "filters": {}}
    orders = []
    for name in ("Project one", "Project two"):
        pid = new_project(client, buyer, name=name, requirement_ids=[])["id"]
        searched = [
            h["tool_id"]
            for h in client.get(f"/api/v1/projects/{pid}/search", params={"q": "zephyrquill"}, headers=buyer).json()[
                "hits"
            ]
        ]
        again = [
            h["tool_id"]
            for h in client.get(f"/api/v1/projects/{pid}/search", params={"q": "zephyrquill"}, headers=buyer).json()[
                "hits"
            ]
        ]
        assert searched == again  # identical on reload
        frozen = client.post(f"/api/v1/projects/{pid}/end-search", json=query, headers=buyer).json()["results"]
        assert sorted(r["tool_id"] for r in frozen) == sorted(ids)
        assert len({r["score"] for r in frozen}) == 1  # really a ten-way tie
        order = [r["tool_id"] for r in frozen]
        assert order == searched  # the frozen order is the order the buyer saw
        reloaded = [r["tool_id"] for r in client.get(f"/api/v1/projects/{pid}", headers=buyer).json()["results"]]
        assert reloaded == order
        orders.append(order)
    assert orders[0] != orders[1]
    assert orders[0] != sorted(orders[0]) or orders[1] != sorted(orders[1])  # not simply by id


# --- access control ---------------------------------------------------------------------------


def test_other_organisations_get_404_everywhere(client: Any, auth: Any) -> None:
    owner = auth("buyer_a")
    project = new_project(client, owner)
    pid = project["id"]
    ended = client.post(f"/api/v1/projects/{pid}/end-search", json=NARROW, headers=owner).json()
    rid = ended["results"][0]["id"]
    gets = [
        "",
        "/log",
        "/search?q=network",
        "/ocds.json",
        "/results.csv",
        "/results.xlsx",
        "/record.pdf",
        "/record.html",
    ]
    posts = [
        ("/searches", {"q": "x"}),
        ("/end-search", NARROW),
        (f"/results/{rid}/decision", {"decision": "keep"}),
        ("/outcome", {"kind": "cancelled", "reason": "x"}),
    ]
    for who in ("buyer_b", "lead_b", "supplier_a", "moderator"):
        headers = auth(who)
        for path in gets:
            resp = client.get(f"/api/v1/projects/{pid}{path}", headers=headers)
            assert resp.status_code == 404, (who, path, resp.status_code)
        for path, body in posts:
            resp = client.post(f"/api/v1/projects/{pid}{path}", json=body, headers=headers)
            assert resp.status_code == 404, (who, path, resp.status_code)
        listed = client.get("/api/v1/projects", headers=headers)
        assert listed.status_code == 403 or pid not in {p["id"] for p in listed.json()}
    assert client.get(f"/api/v1/projects/{pid}").status_code == 401
    assert client.get("/api/v1/projects/" + "0" * 32, headers=owner).status_code == 404

    # Pages and page exports, signed in as the other organisation's buyer.
    csrf = sign_in(client, "buyer_b")
    for path in gets[:1] + ["/search", "/outcome"] + gets[3:]:
        resp = client.get(f"/projects/{pid}{path}", follow_redirects=False)
        assert resp.status_code == 404, (path, resp.status_code)
    for path, _body in posts:
        resp = client.post(
            f"/projects/{pid}{path}",
            data={"_csrf_token": csrf, "decision": "keep", "kind": "cancelled", "reason": "x"},
            follow_redirects=False,
        )
        assert resp.status_code == 404, (path, resp.status_code)
    # Nothing was changed by the refused writes.
    assert client.get(f"/api/v1/projects/{pid}", headers=owner).json()["status"] == "open"
    assert all(r["decision"] is None for r in client.get(f"/api/v1/projects/{pid}", headers=owner).json()["results"])
    # The owning organisation's capability lead may see it.
    assert client.get(f"/api/v1/projects/{pid}", headers=auth("lead_a")).status_code == 200


# --- pages ------------------------------------------------------------------------------------


def test_page_journey_with_form_errors(client: Any, auth: Any) -> None:
    csrf = sign_in(client, "buyer_a")
    blank = client.post("/projects", data={"_csrf_token": csrf, "name": "", "budget": "lots"})
    assert blank.status_code == 400
    assert "Enter a name for the project" in blank.text and "Enter the budget as a number" in blank.text
    assert 'value="lots"' in blank.text  # what was typed is kept
    req_id = str(requirement_ids(client, auth("buyer_a"), 1)[0])
    made = client.post(
        "/projects",
        data={
            "_csrf_token": csrf,
            "name": "Form project",
            "budget": "£60,000",
            "need_statement": "Need",
            "requirement_ids": [req_id],
        },
        follow_redirects=False,
    )
    assert made.status_code in (302, 303)
    url = made.headers["location"]
    pid = url.rsplit("/", 1)[1]
    search = client.get(f"{url}/search", params={"q": "network analysis", "hosting": "uk"})
    assert search.status_code == 200 and "Save this search to the project" in search.text
    # What the filter form sends when nothing else is chosen (blank fields, a sort) is a valid search.
    blank = client.get(f"{url}/search", params={"q": "network", "trl_min": "", "max_price": "", "sort": "price"})
    assert blank.status_code == 200
    saved = client.post(
        f"{url}/searches", data={"_csrf_token": csrf, "q": "network analysis", "hosting": "uk"}, follow_redirects=False
    )
    assert saved.status_code in (302, 303)
    broad = client.post(f"{url}/end-search", data={"_csrf_token": csrf, "q": ""})
    assert broad.status_code == 400 and "Narrow it to 30 or fewer" in broad.text
    ended = client.post(
        f"{url}/end-search",
        data={"_csrf_token": csrf, "q": "network analysis", "hosting": "uk"},
        follow_redirects=False,
    )
    assert ended.status_code in (302, 303)
    page = client.get(url)
    rid = re.search(r'id="result-(\d+)"', page.text).group(1)  # type: ignore[union-attr]
    no_reason = client.post(
        f"{url}/results/{rid}/decision", data={"_csrf_token": csrf, "decision": "exclude", "reason_text": "typed note"}
    )
    assert no_reason.status_code == 400
    assert "Choose a reason for excluding this tool" in no_reason.text and "typed note" in no_reason.text
    assert f'href="#r{rid}-reason-code"' in no_reason.text  # the error summary links to the field
    ok = client.post(
        f"{url}/results/{rid}/decision",
        data={"_csrf_token": csrf, "decision": "exclude", "reason_code": "other", "reason_text": "Weaker fit"},
        follow_redirects=False,
    )
    assert ok.status_code in (302, 303)
    cancel = client.post(
        f"{url}/outcome",
        data={
            "_csrf_token": csrf,
            "kind": "cancelled",
            "reason": "",
            "start_date-day": "31",
            "start_date-month": "2",
            "start_date-year": "2027",
        },
    )
    assert cancel.status_code == 400 and "Enter a real date" in cancel.text
    done = client.post(
        f"{url}/outcome", data={"_csrf_token": csrf, "kind": "cancelled", "reason": "No money"}, follow_redirects=False
    )
    assert done.status_code in (302, 303)
    locked = client.get(url)
    assert "This project is <strong>locked</strong>" in locked.text and "Save decision" not in locked.text
    refused = client.post(f"{url}/results/{rid}/decision", data={"_csrf_token": csrf, "decision": "keep"})
    assert refused.status_code == 423
    assert client.get("/api/v1/projects/" + pid, headers=auth("buyer_a")).json()["status"] == "cancelled"


# --- exports and feedback ---------------------------------------------------------------------


def test_exports_escape_formulas(client: Any, auth: Any) -> None:
    moderator = auth("moderator")
    publish_tool(
        client,
        moderator,
        {"name": '=HYPERLINK("http://evil.example") quokkavault', "supplier_id": 2, "summary": "quokkavault"},
    )
    buyer = auth("buyer_a")
    pid = new_project(client, buyer, requirement_ids=[])["id"]
    frozen = client.post(f"/api/v1/projects/{pid}/end-search", json={"q": "quokkavault"}, headers=buyer).json()
    assert len(frozen["results"]) == 1
    rows = list(
        csv.reader(
            io.StringIO(client.get(f"/api/v1/projects/{pid}/results.csv", headers=buyer).content.decode("utf-8-sig"))
        )
    )
    assert rows[0][:2] == ["Position", "Tool"]
    assert rows[1][1].startswith("'=HYPERLINK")
    sheet = load_workbook(io.BytesIO(client.get(f"/api/v1/projects/{pid}/results.xlsx", headers=buyer).content)).active
    assert sheet is not None and str(sheet["B2"].value).startswith("'=HYPERLINK")
    assert sheet["G2"].value == "undecided"
    pdf = client.get(f"/api/v1/projects/{pid}/record.pdf", headers=buyer)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_supplier_feedback_is_anonymised(client: Any, auth: Any) -> None:
    buyer = auth("buyer_a")
    project = new_project(client, buyer, name="Secret Operation Nightjar", requirement_ids=[], budget=1)
    pid = project["id"]
    results = client.post(f"/api/v1/projects/{pid}/end-search", json=NARROW, headers=buyer).json()["results"]
    tool = kestrel_link(client)
    mine = next(r for r in results if r["tool_id"] == tool["id"])
    client.post(
        f"/api/v1/projects/{pid}/results/{mine['id']}/decision",
        headers=buyer,
        json={"decision": "exclude", "reason_code": "over_budget", "reason_text": "Nightjar budget cut"},
    )
    feedback = client.get("/api/v1/supplier/feedback", headers=auth("supplier_a"))
    assert feedback.status_code == 200
    entry = next(f for f in feedback.json() if f["tool_id"] == tool["id"])
    assert entry["appearances"] == 1 and entry["excluded"] == 1 and entry["kept"] == 0
    assert entry["exclusion_reasons"] == [{"code": "over_budget", "label": "Over budget", "count": 1}]
    text = feedback.text
    for secret in ("Nightjar", "North Western", "nwrocu", pid):
        assert secret not in text
    assert client.get("/api/v1/supplier/feedback", headers=buyer).status_code == 403
    sign_in(client, "supplier_a")
    page = client.get("/supplier/feedback")
    assert page.status_code == 200 and "Kestrel Link" in page.text and "Over budget: 1" in page.text
    for secret in ("Nightjar", "North Western"):
        assert secret not in page.text


@pytest.mark.parametrize("who", ["supplier_a", "moderator"])
def test_project_list_needs_a_buyer_role(client: Any, auth: Any, who: str) -> None:
    assert client.get("/api/v1/projects", headers=auth(who)).status_code == 403
    resp = client.post("/api/v1/projects", json={"name": "x"}, headers=auth(who))
    assert resp.status_code == 403
