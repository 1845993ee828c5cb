"""JSON API: list/filter/sort/paginate, get, create, update with concurrency, retire, errors."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from registry.changelog.models import AuditEvent
from registry.tools.models import Tool


def _count(db: Any, model: Any) -> int:
    from sqlalchemy.orm import Session

    with Session(db.engine) as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def test_openapi_documents_every_resource(client: Any) -> None:
    spec = client.get("/schema/openapi.json").json()
    for name in ("suppliers", "tools", "taxonomy", "requirements", "skills", "organisations"):
        assert f"/api/v1/{name}" in spec["paths"], name
        item = spec["paths"][f"/api/v1/{name}/{{item_id}}"]
        assert {"get", "patch", "delete"} <= set(item)
        assert "412" in item["patch"]["responses"] and "409" in item["patch"]["responses"]
    assert "ToolCreate" in str(spec["components"]["schemas"])


def test_list_paginates_filters_and_sorts(client: Any) -> None:
    first = client.get("/api/v1/tools", params={"per_page": 5}).json()
    assert len(first["items"]) == 5 and first["total"] >= 80
    second = client.get("/api/v1/tools", params={"per_page": 5, "page": 2}).json()
    assert {t["id"] for t in first["items"]}.isdisjoint({t["id"] for t in second["items"]})
    assert all(t["status"] == "published" for t in first["items"])  # anonymous sees published only
    econ = client.get("/api/v1/tools", params={"workstream": "ECON", "per_page": 200}).json()
    assert econ["total"] > 0 and all("ECON" in t["workstreams"] for t in econ["items"])
    cheap = client.get("/api/v1/tools", params={"sort": "-price_annual", "per_page": 200}).json()["items"]
    prices = [t["price_annual"] for t in cheap]
    assert prices == sorted(prices, reverse=True)
    trl = client.get("/api/v1/tools", params={"trl_min": 8, "per_page": 200}).json()["items"]
    assert trl and all(t["trl"] >= 8 for t in trl)


def test_bad_query_parameters_are_400_problems(client: Any) -> None:
    for params in ({"sort": "password"}, {"nonsense": "1"}, {"trl_min": "high"}, {"per_page": 0}, {"page": -1}):
        resp = client.get("/api/v1/tools", params=params)
        assert resp.status_code in (400, 422), (params, resp.status_code)
        assert resp.headers["content-type"].startswith("application/problem+json")
        assert resp.json()["status"] == resp.status_code


def test_create_update_and_retire_tool_as_supplier(client: Any, auth: Any, db: Any) -> None:
    h = auth("supplier_a")
    body = {
        "name": "Kestrel Harbour Watch",
        "summary": "Maritime AIS anomaly detection",
        "trl": 6,
        "classification": "OFFICIAL_SENSITIVE",
        "hosting": "uk",
        "deployments": ["saas"],
        "workstreams": ["BLUEGREEN"],
        "four_ps": ["pursue"],
        "five_ds": ["detect"],
        "capabilities": [{"node_code": "INT.NET", "state": "evidenced", "evidence": "pilot report"}],
        "accreditations": [{"name": "Cyber Essentials Plus", "expires_on": "2030-01-01", "mandatory": True}],
        "skills_needed": [{"skill_code": "SK-NETAN", "level": 3}],
        "training_offered": ["SK-NETAN"],
        "price_annual": 15000,
    }
    created = client.post("/api/v1/tools", json=body, headers=h)
    assert created.status_code == 201, created.text
    tool = created.json()
    assert tool["status"] == "draft" and tool["supplier_name"] == "Kestrel Analytics Ltd"
    assert tool["capabilities"][0]["node_code"] == "INT.NET"
    assert created.headers["etag"] == '"1"'
    # Drafts are invisible to the public and to other suppliers.
    assert client.get(f"/api/v1/tools/{tool['id']}").status_code == 404
    assert client.get(f"/api/v1/tools/{tool['id']}", headers=auth("supplier_b")).status_code == 404
    assert client.get(f"/api/v1/tools/{tool['id']}", headers=h).status_code == 200
    # Update with If-Match, then a stale If-Match is 412 and a stale body version is 409.
    ok = client.patch(f"/api/v1/tools/{tool['id']}", json={"summary": "New"}, headers={**h, "If-Match": '"1"'})
    assert ok.status_code == 200 and ok.json()["version"] == 2 and ok.headers["etag"] == '"2"'
    stale = client.patch(f"/api/v1/tools/{tool['id']}", json={"summary": "X"}, headers={**h, "If-Match": '"1"'})
    assert stale.status_code == 412
    conflict = client.patch(f"/api/v1/tools/{tool['id']}", json={"summary": "X", "version": 1}, headers=h)
    assert conflict.status_code == 409
    missing = client.patch(f"/api/v1/tools/{tool['id']}", json={"summary": "X"}, headers=h)
    assert missing.status_code == 428
    assert client.get(f"/api/v1/tools/{tool['id']}", headers=h).json()["summary"] == "New"
    # Status changes go through the workflow endpoints (tests/doors covers every door of each rule).
    refused = client.patch(f"/api/v1/tools/{tool['id']}", json={"status": "submitted", "version": 2}, headers=h)
    assert refused.status_code == 409 and f"/api/v1/tools/{tool['id']}/submit" in refused.json()["detail"]
    described = client.patch(
        f"/api/v1/tools/{tool['id']}", json={"description": "Flags vessels that go dark.", "version": 2}, headers=h
    )
    assert described.status_code == 200
    assert client.post(f"/api/v1/tools/{tool['id']}/approve", headers=h).status_code == 403
    assert client.post(f"/api/v1/tools/{tool['id']}/submit", json={"version": 3}, headers=h).status_code == 200
    published = client.post(f"/api/v1/tools/{tool['id']}/approve", json={"version": 4}, headers=auth("moderator"))
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert client.get(f"/api/v1/tools/{tool['id']}").status_code == 200  # now public
    assert client.delete(f"/api/v1/tools/{tool['id']}", headers=h).status_code == 204
    assert client.get(f"/api/v1/tools/{tool['id']}", headers=auth("moderator")).json()["status"] == "retired"
    with __import__("sqlalchemy.orm", fromlist=["Session"]).Session(db.engine) as s:
        actions = [
            e.action
            for e in s.execute(
                select(AuditEvent).where(AuditEvent.entity_type == "tool", AuditEvent.entity_id == str(tool["id"]))
            ).scalars()
        ]
    assert actions.count("update") == 2 and "create" in actions and "retire" in actions
    assert "submit" in actions and "approve" in actions


def test_bad_bodies_give_problem_details_and_change_nothing(client: Any, auth: Any, db: Any) -> None:
    h = auth("supplier_a")
    before_tools, before_audit = _count(db, Tool), _count(db, AuditEvent)
    cases = [
        {"name": 123},  # wrong type
        {"summary": "no name"},  # missing field
        {"name": "x" * 201},  # oversized
        {"name": "ok", "classification": "CONFIDENTIAL"},  # bad enum
        {"name": "ok", "trl": 10},
        {"name": "ok", "price_annual": -5},
        {"name": "ok", "capabilities": [{"node_code": "NOPE.X"}]},  # unknown reference
        {"name": "ok", "skills_needed": [{"skill_code": "SK-NOPE", "level": 3}]},
        {"name": "ok", "capabilities": [{"node_code": "INT.NET", "state": "evidenced"}]},  # no evidence
    ]
    for body in cases:
        resp = client.post("/api/v1/tools", json=body, headers=h)
        assert resp.status_code in (400, 422), (body, resp.status_code, resp.text)
        problem = resp.json()
        assert problem["status"] == resp.status_code and problem["title"] and problem["detail"]
        assert problem.get("errors"), body  # each bad field is named
    malformed = client.post("/api/v1/tools", content=b"{not json", headers={**h, "content-type": "application/json"})
    assert malformed.status_code == 400
    assert _count(db, Tool) == before_tools
    # Only sign-in audit rows, no half-written tool.
    assert _count(db, AuditEvent) - before_audit <= 1


def test_unknown_ids_are_404_everywhere(client: Any, auth: Any) -> None:
    h = auth("admin")
    for name in ("suppliers", "tools", "taxonomy", "requirements", "skills", "organisations"):
        assert client.get(f"/api/v1/{name}/999999", headers=h).status_code == 404
        assert client.patch(f"/api/v1/{name}/999999", json={"version": 1}, headers=h).status_code == 404
        assert client.delete(f"/api/v1/{name}/999999", headers=h).status_code == 404


def test_taxonomy_skill_and_supplier_crud_by_staff(client: Any, auth: Any) -> None:
    h = auth("moderator")
    root = client.post("/api/v1/taxonomy", json={"code": "TST", "name": "Test area"}, headers=h)
    assert root.status_code == 201, root.text
    leaf = client.post(
        "/api/v1/taxonomy", json={"code": "TST.A", "name": "Leaf", "parent_id": root.json()["id"]}, headers=h
    ).json()
    assert leaf["path"] == "Test area › Leaf"
    cycle = client.patch(
        f"/api/v1/taxonomy/{root.json()['id']}", json={"parent_id": leaf["id"], "version": 1}, headers=h
    )
    assert cycle.status_code == 422
    dup = client.post("/api/v1/skills", json={"code": "SK-NETAN", "name": "Again"}, headers=h)
    assert dup.status_code == 422
    sk = client.post("/api/v1/skills", json={"code": "SK-TEST", "name": "Testing"}, headers=h)
    assert sk.status_code == 201
    sup = client.post(
        "/api/v1/suppliers",
        json={"name": "Test Supplies Ltd", "companies_house_number": "sc123456", "size_band": "micro"},
        headers=h,
    )
    assert sup.status_code == 201, sup.text
    assert sup.json()["companies_house_number"] == "SC123456" and sup.json()["sme"] is True
    bad = client.post(
        "/api/v1/suppliers", json={"name": "Bad", "companies_house_number": "AB12345", "size_band": "micro"}, headers=h
    )
    assert bad.status_code == 400 and "companies_house_number" in bad.text
    again = client.post(
        "/api/v1/suppliers",
        json={"name": "Other", "companies_house_number": "SC123456", "size_band": "small"},
        headers=h,
    )
    assert again.status_code == 422
    verified = client.post(f"/api/v1/suppliers/{sup.json()['id']}/verify", json={"version": 1}, headers=h)
    assert verified.json()["verified"] is True


def test_requirements_are_scoped_to_the_organisation(client: Any, auth: Any) -> None:
    mine = client.get("/api/v1/requirements", params={"per_page": 200}, headers=auth("lead_a")).json()
    theirs = client.get("/api/v1/requirements", params={"per_page": 200}, headers=auth("lead_b")).json()
    assert mine["total"] >= 40 and theirs["total"] >= 40
    org_a = {r["organisation_id"] for r in mine["items"]}
    org_b = {r["organisation_id"] for r in theirs["items"]}
    assert len(org_a) == 1 and org_a.isdisjoint(org_b)
    other_id = theirs["items"][0]["id"]
    assert client.get(f"/api/v1/requirements/{other_id}", headers=auth("lead_a")).status_code == 404
    assert (
        client.patch(
            f"/api/v1/requirements/{other_id}", json={"title": "pwned", "version": 1}, headers=auth("lead_a")
        ).status_code
        == 404
    )
    assert client.get("/api/v1/requirements").json()["total"] == 0  # anonymous sees none
    created = client.post(
        "/api/v1/requirements",
        headers=auth("lead_a"),
        json={
            "code": "IM-900",
            "title": "Share with partners",
            "capability_code": "INT.NET",
            "priority": "must",
            "skills": [{"skill_code": "SK-NETAN", "level": 3, "people": 2}],
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["skills"][0]["people"] == 2
    assert (
        client.post(
            "/api/v1/requirements",
            headers=auth("buyer_a"),
            json={"code": "IM-901", "title": "x", "capability_code": "INT.NET"},
        ).status_code
        == 403
    )
