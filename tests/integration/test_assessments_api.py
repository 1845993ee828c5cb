"""Assessments API: set-up CRUD with concurrency, runs with inputs snapshots, history and diffs,
organisation isolation and the "buy a tool, re-run, see the gap close" loop (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

BASE = "/api/v1/assessments"
SCOPE = {"name": "Quarterly review", "budget_capital": 200_000, "budget_annual": 100_000}


def _create(client: Any, headers: dict[str, str], **extra: Any) -> dict[str, Any]:
    resp = client.post(BASE, json={**SCOPE, **extra}, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()


def _run(client: Any, headers: dict[str, str], assessment_id: str) -> dict[str, Any]:
    resp = client.post(f"{BASE}/{assessment_id}/runs", headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_create_list_get_and_update_with_if_match(client: Any, auth: Any) -> None:
    lead = auth("lead_a")
    created = _create(
        client,
        lead,
        workstreams=["ECON", "CYBER"],
        max_suppliers=3,
        min_sme_share=0.3,
        min_classification="OFFICIAL_SENSITIVE",
        schedule="monthly",
    )
    assert created["workstreams"] == ["ECON", "CYBER"] and created["latest_run"] is None
    assert created["version"] == 1 and len(created["id"]) == 32  # unguessable id

    listed = client.get(BASE, headers=lead).json()
    assert created["id"] in [a["id"] for a in listed["items"]]

    got = client.get(f"{BASE}/{created['id']}", headers=lead)
    assert got.status_code == 200 and got.headers["etag"] == '"1"'
    assert got.json()["min_classification"] == "OFFICIAL_SENSITIVE"

    ok = client.patch(f"{BASE}/{created['id']}", json={"budget_annual": 50_000}, headers={**lead, "If-Match": '"1"'})
    assert ok.status_code == 200, ok.text
    assert ok.json()["budget_annual"] == 50_000 and ok.headers["etag"] == '"2"'
    stale = client.patch(f"{BASE}/{created['id']}", json={"name": "Lost update"}, headers={**lead, "If-Match": '"1"'})
    assert stale.status_code == 412
    missing = client.patch(f"{BASE}/{created['id']}", json={"name": "No precondition"}, headers=lead)
    assert missing.status_code == 428
    assert client.get(f"{BASE}/{created['id']}", headers=lead).json()["name"] == SCOPE["name"]


def test_invalid_scope_is_rejected_with_named_fields(client: Any, auth: Any) -> None:
    resp = client.post(BASE, json={**SCOPE, "workstreams": ["NOPE"], "min_sme_share": 1.5}, headers=auth("lead_a"))
    assert resp.status_code == 400
    fields = " ".join(e["field"] for e in resp.json().get("errors", []))
    assert "workstreams" in fields and "min_sme_share" in fields


def test_run_stores_inputs_snapshot_results_and_recommendation(client: Any, auth: Any) -> None:
    lead = auth("lead_a")
    a = _create(client, lead)
    run = _run(client, lead, a["id"])
    inputs = run["inputs"]
    assert inputs["scope"]["budget_capital"] == SCOPE["budget_capital"]
    assert inputs["scope"]["budget_annual"] == SCOPE["budget_annual"]
    assert len(inputs["requirements"]) == len(run["result"]["coverage"]) > 0
    assert {r["code"] for r in inputs["requirements"]} == {c["requirement_code"] for c in run["result"]["coverage"]}
    inventory = client.get("/api/v1/inventory", params={"per_page": 100}, headers=lead).json()["items"]
    assert {i["tool_id"] for i in inputs["inventory"]} == {i["tool_id"] for i in inventory}
    assert inputs["workforce"], "the demo organisation has workforce records"
    counts = run["result"]["status_counts"]
    assert (run["full_count"], run["partial_count"], run["none_count"]) == (
        counts["full"],
        counts["partial"],
        counts["none"],
    )
    assert run["overall_score"] == run["result"]["overall_score"]
    rec = run["recommendation"]
    assert rec["method"] in ("exact", "greedy", "greedy (solver time limit)")
    assert rec["total_capital"] <= SCOPE["budget_capital"] and rec["total_annual"] <= SCOPE["budget_annual"]

    # The latest run shows up in the list and on the record.
    got = client.get(f"{BASE}/{a['id']}", headers=lead).json()
    assert got["latest_run"]["id"] == run["id"]
    one = client.get(f"{BASE}/{a['id']}/runs/{run['id']}", headers=lead)
    assert one.status_code == 200 and one.json()["inputs"] == inputs


def _closable_gap(run: dict[str, Any]) -> tuple[str, int]:
    """A requirement not fully covered with a candidate that would cover it fully (found, not hard-coded)."""
    for cov in run["result"]["coverage"]:
        if cov["status"] != "full" and cov["priority"] != "wont":
            for cand in cov["candidates"]:
                if cand["coverage"] >= 1.0:
                    return cov["requirement_code"], cand["tool_id"]
    raise AssertionError("the demo data should have a gap that one published tool closes fully")


def test_buying_a_tool_closes_its_gap_and_the_diff_says_so(client: Any, auth: Any) -> None:
    lead = auth("lead_a")
    a = _create(client, lead)
    first = _run(client, lead, a["id"])
    code, tool_id = _closable_gap(first)

    added = client.post("/api/v1/inventory", json={"tool_id": tool_id, "seats": 5}, headers=lead)
    assert added.status_code == 201, added.text
    second = _run(client, lead, a["id"])
    after = next(c for c in second["result"]["coverage"] if c["requirement_code"] == code)
    assert after["status"] == "full" and tool_id in after["covered_by"]
    assert second["overall_score"] > first["overall_score"]
    assert second["full_count"] > first["full_count"]

    history = client.get(f"{BASE}/{a['id']}/runs", headers=lead)
    assert history.status_code == 200
    assert [r["id"] for r in history.json()] == [second["id"], first["id"]]  # newest first

    diff = client.get(f"{BASE}/{a['id']}/diff", params={"from": first["id"], "to": second["id"]}, headers=lead)
    assert diff.status_code == 200, diff.text
    body = diff.json()["diff"]
    assert abs(body["score_change"] - (second["overall_score"] - first["overall_score"])) < 1e-9
    closed = {c["requirement_code"]: c for c in body["gaps_closed"]}
    assert code in closed and closed[code]["after"] == "full"
    assert not body["gaps_opened"]


def test_other_organisation_cannot_see_or_touch_runs(client: Any, auth: Any) -> None:
    lead_a, lead_b = auth("lead_a"), auth("lead_b")
    a = _create(client, lead_a)
    run = _run(client, lead_a, a["id"])
    other = _create(client, lead_b, name="B's own")
    other_run = _run(client, lead_b, other["id"])

    assert a["id"] not in [x["id"] for x in client.get(BASE, headers=lead_b).json()["items"]]
    assert client.get(f"{BASE}/{a['id']}", headers=lead_b).status_code == 404
    assert client.post(f"{BASE}/{a['id']}/runs", headers=lead_b).status_code == 404
    assert (
        client.patch(f"{BASE}/{a['id']}", json={"name": "hijack"}, headers={**lead_b, "If-Match": '"1"'}).status_code
        == 404
    )
    assert client.get(f"{BASE}/{a['id']}/runs", headers=lead_b).status_code == 404
    assert client.get(f"{BASE}/{a['id']}/runs/{run['id']}", headers=lead_b).status_code == 404
    diff = client.get(f"{BASE}/{a['id']}/diff", params={"from": run["id"], "to": run["id"]}, headers=lead_b)
    assert diff.status_code == 404
    # Nor by routing A's run through B's own assessment.
    assert client.get(f"{BASE}/{other['id']}/runs/{run['id']}", headers=lead_b).status_code == 404
    mixed = client.get(f"{BASE}/{other['id']}/diff", params={"from": other_run["id"], "to": run["id"]}, headers=lead_b)
    assert mixed.status_code == 404
    # Nothing changed for A.
    assert client.get(f"{BASE}/{a['id']}", headers=lead_a).json()["name"] == SCOPE["name"]
    assert len(client.get(f"{BASE}/{a['id']}/runs", headers=lead_a).json()) == 1


def test_procurement_officer_reads_but_cannot_run_or_change(client: Any, auth: Any) -> None:
    lead, buyer = auth("lead_a"), auth("buyer_a")
    a = _create(client, lead)
    run = _run(client, lead, a["id"])
    assert a["id"] in [x["id"] for x in client.get(BASE, headers=buyer).json()["items"]]
    assert client.get(f"{BASE}/{a['id']}", headers=buyer).status_code == 200
    assert client.get(f"{BASE}/{a['id']}/runs/{run['id']}", headers=buyer).status_code == 200
    assert client.get(f"{BASE}/{a['id']}/runs", headers=buyer).status_code == 200
    assert client.post(f"{BASE}/{a['id']}/runs", headers=buyer).status_code == 403
    assert (
        client.patch(f"{BASE}/{a['id']}", json={"name": "x"}, headers={**buyer, "If-Match": '"1"'}).status_code == 403
    )
    assert client.post(BASE, json=SCOPE, headers=buyer).status_code == 403
    assert len(client.get(f"{BASE}/{a['id']}/runs", headers=lead).json()) == 1


def test_anonymous_and_other_roles_see_nothing(client: Any, auth: Any) -> None:
    a = _create(client, auth("lead_a"))
    run = _run(client, auth("lead_a"), a["id"])
    anonymous = client.get(BASE)
    assert anonymous.status_code == 200 and anonymous.json()["items"] == []
    assert client.get(f"{BASE}/{a['id']}").status_code == 404
    assert client.post(f"{BASE}/{a['id']}/runs").status_code == 401
    assert client.post(BASE, json=SCOPE).status_code == 401
    for who in ("supplier_a", "moderator"):
        h = auth(who)
        assert client.get(BASE, headers=h).json()["items"] == [], who
        assert client.get(f"{BASE}/{a['id']}", headers=h).status_code == 404, who
        assert client.get(f"{BASE}/{a['id']}/runs/{run['id']}", headers=h).status_code == 404, who
    # Admins see every organisation's assessments.
    assert client.get(f"{BASE}/{a['id']}", headers=auth("admin")).status_code == 200
