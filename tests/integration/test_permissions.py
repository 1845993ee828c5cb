"""Permissions matrix: each role x each action on each resource, enforced by the services."""

from __future__ import annotations

from typing import Any

import pytest

ROLES = ["anon", "supplier_a", "buyer_a", "lead_a", "moderator", "admin"]

# resource -> body for create
CREATE_BODIES: dict[str, dict[str, Any]] = {
    "taxonomy": {"code": "PERM.X", "name": "Perm test"},
    "skills": {"code": "SK-PERM", "name": "Perm test"},
    "organisations": {"name": "Perm Org", "kind": "buyer"},
    "suppliers": {"name": "Perm Supplies Ltd", "companies_house_number": "NI765432", "size_band": "small"},
    "tools": {"name": "Perm Tool", "supplier_id": 1},
    "requirements": {"code": "IM-PERM", "title": "Perm", "capability_code": "INT.NET"},
    "inventory": {"tool_id": 2},
    "workforce": {"skill_code": "SK-NETAN", "level": 7, "people": 1},
}

# Expected create status per role (201 allowed; 401 anonymous; 403 forbidden).
EXPECT_CREATE: dict[str, dict[str, int]] = {
    "taxonomy": {"anon": 401, "supplier_a": 403, "buyer_a": 403, "lead_a": 403, "moderator": 201, "admin": 201},
    "skills": {"anon": 401, "supplier_a": 403, "buyer_a": 403, "lead_a": 403, "moderator": 201, "admin": 201},
    "organisations": {"anon": 401, "supplier_a": 403, "buyer_a": 403, "lead_a": 403, "moderator": 403, "admin": 201},
    "suppliers": {"anon": 401, "supplier_a": 403, "buyer_a": 403, "lead_a": 403, "moderator": 201, "admin": 201},
    # supplier_a's own supplier id is 1 (Kestrel Analytics), so the supplier may add it.
    "tools": {"anon": 401, "supplier_a": 201, "buyer_a": 403, "lead_a": 403, "moderator": 201, "admin": 201},
    "requirements": {
        "anon": 401,
        "supplier_a": 403,
        "buyer_a": 403,
        "lead_a": 201,
        "moderator": 403,
        "admin": 422,
    },  # admin has no buyer organisation of its own: must say which
    "inventory": {"anon": 401, "supplier_a": 403, "buyer_a": 403, "lead_a": 201, "moderator": 403, "admin": 422},
    "workforce": {"anon": 401, "supplier_a": 403, "buyer_a": 403, "lead_a": 201, "moderator": 403, "admin": 422},
}


@pytest.mark.parametrize("resource", sorted(CREATE_BODIES))
def test_create_matrix(client: Any, auth: Any, resource: str) -> None:
    for role in ROLES:
        body = dict(CREATE_BODIES[resource])
        if resource in ("taxonomy", "skills"):
            body["code"] = f"{body['code']}-{role.upper().replace('_', '')}"
        if resource == "suppliers":
            body["companies_house_number"] = f"NI76{ROLES.index(role):04d}"
            body["name"] = f"Perm {role.title()} Supplies Ltd"  # one name twice would be a likely duplicate (409)
        if resource == "requirements":
            body["code"] = f"IM-P{ROLES.index(role)}"
        if resource == "workforce":
            body["level"] = 1 + ROLES.index(role)
        if resource == "inventory":
            body["tool_id"] = 10 + ROLES.index(role)
        resp = client.post(f"/api/v1/{resource}", json=body, headers=auth(role))
        assert resp.status_code == EXPECT_CREATE[resource][role], (resource, role, resp.text)


def _first_id(client: Any, resource: str, headers: dict[str, str], **params: Any) -> int:
    items = client.get(f"/api/v1/{resource}", params={"per_page": 1, **params}, headers=headers).json()["items"]
    return int(items[0]["id"])


def test_update_matrix_for_tools(client: Any, auth: Any) -> None:
    own = _first_id(client, "tools", auth("supplier_a"), supplier_id=1)
    other = _first_id(client, "tools", auth("supplier_a"), supplier_id=2)
    expect = {"anon": 401, "supplier_a": 200, "buyer_a": 403, "lead_a": 403, "moderator": 200, "admin": 200}
    for role in ROLES:
        current = client.get(f"/api/v1/tools/{own}", headers=auth("admin")).json()["version"]
        resp = client.patch(
            f"/api/v1/tools/{own}", json={"summary": f"by {role}", "version": current}, headers=auth(role)
        )
        assert resp.status_code == expect[role], (role, resp.text)
    # A supplier can never edit another supplier's tool.
    version = client.get(f"/api/v1/tools/{other}").json()["version"]
    assert (
        client.patch(
            f"/api/v1/tools/{other}", json={"summary": "x", "version": version}, headers=auth("supplier_a")
        ).status_code
        == 403
    )


def test_delete_matrix_for_skills_and_orgs(client: Any, auth: Any) -> None:
    skill = _first_id(client, "skills", {})
    expect = {"anon": 401, "supplier_a": 403, "buyer_a": 403, "lead_a": 403}
    for role, status in expect.items():
        assert client.delete(f"/api/v1/skills/{skill}", headers=auth(role)).status_code == status, role
    assert client.delete(f"/api/v1/skills/{skill}", headers=auth("moderator")).status_code == 204
    assert client.get(f"/api/v1/skills/{skill}").json()["retired"] is True
    # An organisation with users cannot be closed (409), even by an admin.
    org = client.get("/api/v1/auth/me", headers=auth("lead_a")).json()["organisation_id"]
    assert client.delete(f"/api/v1/organisations/{org}", headers=auth("admin")).status_code == 409


def test_organisations_visible_only_to_members_and_staff(client: Any, auth: Any) -> None:
    mine = client.get("/api/v1/organisations", headers=auth("lead_a")).json()
    assert mine["total"] == 1
    assert client.get("/api/v1/organisations", headers=auth("admin")).json()["total"] > 3
    assert client.get("/api/v1/organisations").json()["total"] == 0
    other = client.get("/api/v1/auth/me", headers=auth("lead_b")).json()["organisation_id"]
    assert client.get(f"/api/v1/organisations/{other}", headers=auth("lead_a")).status_code == 404


def test_supplier_cannot_verify_itself(client: Any, auth: Any) -> None:
    me = client.get("/api/v1/auth/me", headers=auth("supplier_a")).json()
    sup = client.get(f"/api/v1/suppliers/{me['supplier_id']}").json()
    resp = client.patch(
        f"/api/v1/suppliers/{sup['id']}", json={"verified": True, "version": sup["version"]}, headers=auth("supplier_a")
    )
    assert resp.status_code == 409 and f"/api/v1/suppliers/{sup['id']}/verify" in resp.json()["detail"]
    assert client.post(f"/api/v1/suppliers/{sup['id']}/verify", headers=auth("supplier_a")).status_code == 403
    ok = client.patch(
        f"/api/v1/suppliers/{sup['id']}",
        json={"region": "Wales", "version": sup["version"]},
        headers=auth("supplier_a"),
    )
    assert ok.status_code == 200 and ok.json()["region"] == "Wales"


def test_login_throttling_and_bad_tokens(client: Any) -> None:
    for _ in range(5):
        r = client.post("/api/v1/auth/token", json={"email": "lead@nwrocu.example", "password": "wrong-password"})
        assert r.status_code == 401
    locked = client.post("/api/v1/auth/token", json={"email": "lead@nwrocu.example", "password": "demo-password-2026"})
    assert locked.status_code == 429
    assert client.get("/api/v1/requirements", headers={"Authorization": "Bearer nope"}).json()["total"] == 0
    assert client.post("/api/v1/tools", json={"name": "x"}, headers={"Authorization": "Bearer nope"}).status_code == 401
