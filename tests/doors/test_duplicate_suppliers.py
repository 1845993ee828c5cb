"""Rule 2: a new supplier that looks like a registered one is caught by the same duplicate rule
(registry/suppliers/registration.py over registry/search/dedupe.py) at every door: the
registration page, staff creation over the API, the API import and the CLI import. Each door
has its own explicit way to confirm it is a different organisation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.suppliers.models import Supplier
from tests.conftest import DBHandle
from tests.doors.conftest import api_errors, csrf

LOOKALIKE = {"name": "Kestrel Analytics Limited", "companies_house_number": "SC654321", "size_band": "small"}
KESTREL = {"id": 1, "name": "Kestrel Analytics Ltd"}


def _suppliers_named(db: DBHandle, prefix: str) -> list[str]:
    with Session(db.engine) as s:
        return sorted(s.execute(select(Supplier.name).where(Supplier.name.startswith(prefix))).scalars())  # type: ignore[attr-defined]


def _count(db: DBHandle) -> int:
    with Session(db.engine) as s:
        return int(s.execute(select(func.count()).select_from(Supplier)).scalar_one())


def _csv(*rows: dict[str, str]) -> str:
    return "name,companies_house_number,size_band\n" + "".join(
        f"{r['name']},{r['companies_house_number']},{r['size_band']}\n" for r in rows
    )


def test_a_lookalike_supplier_is_caught_at_every_door(
    client: Any, auth: Any, db: DBHandle, cli: Any, tmp_path: Path
) -> None:
    before = _count(db)
    staff = auth("moderator")
    # API, staff creation: 409 listing the likely duplicate and why.
    api = client.post("/api/v1/suppliers", json=LOOKALIKE, headers=staff)
    assert api.status_code == 409, api.text
    (dup,) = api.json()["duplicates"]
    assert {"id": dup["id"], "name": dup["name"]} == KESTREL and dup["why"]
    assert 'confirm_duplicate": true' in api.json()["detail"] and "name" in api_errors(api)
    # Page, self-registration: the same supplier and the same reasons, before anything is created.
    page = client.post(
        "/register",
        follow_redirects=False,
        data={
            **LOOKALIKE,
            "_csrf_token": csrf(client),
            "user_name": "Dee Door",
            "email": "dee@lookalike.example",
            "password": "a" * 12,
            "password_confirm": "a" * 12,
        },
    )
    assert page.status_code == 200 and "We may already have your organisation" in page.text
    assert KESTREL["name"] in page.text and all(reason in page.text for reason in dup["why"])
    # API import: the row is an error naming the look-alike; nothing is imported.
    imported = client.post(
        "/api/v1/import/suppliers", content=_csv(LOOKALIKE), headers={**staff, "content-type": "text/csv"}
    )
    assert imported.status_code == 422
    assert api_errors(imported)["row 1.name"].startswith("looks like Kestrel Analytics Ltd (id 1)")
    # CLI import: the same row error; nothing is imported.
    path = tmp_path / "suppliers.csv"
    path.write_text(_csv(LOOKALIKE), encoding="utf-8")
    result = cli("import", "suppliers", path)
    assert result.exit_code == 1 and "row 1: name: looks like Kestrel Analytics Ltd (id 1)" in result.output
    assert _count(db) == before
    # Each door's explicit confirmation creates it (and the next look-alike then matches both).
    created = client.post("/api/v1/suppliers", json={**LOOKALIKE, "confirm_duplicate": True}, headers=staff)
    assert created.status_code == 201, created.text
    path.write_text(_csv({**LOOKALIKE, "name": "Kestrel Analytics Co", "companies_house_number": "SC654322"}))
    result = cli("import", "suppliers", path, "--confirm-duplicates")
    assert result.exit_code == 0, result.output
    third = _csv({**LOOKALIKE, "name": "Kestrel Analytics Company", "companies_house_number": "SC654323"})
    refused = client.post("/api/v1/import/suppliers", content=third, headers={**staff, "content-type": "text/csv"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["message"].count("Kestrel Analytics") == 3
    confirmed = client.post(
        "/api/v1/import/suppliers?confirm_duplicates=true", content=third, headers={**staff, "content-type": "text/csv"}
    )
    assert confirmed.status_code == 201 and confirmed.json()["created"] == 1
    assert _suppliers_named(db, "Kestrel Analytics") == [
        "Kestrel Analytics Co",
        "Kestrel Analytics Company",
        "Kestrel Analytics Limited",
        "Kestrel Analytics Ltd",
    ]


def test_rows_of_one_import_that_look_alike_are_reported(db: DBHandle, cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "suppliers.csv"
    path.write_text(
        _csv(
            {"name": "Nimbus Forensics Ltd", "companies_house_number": "NI445566", "size_band": "micro"},
            {"name": "Nimbus Forensics Limited", "companies_house_number": "NI445567", "size_band": "micro"},
            {"name": "Quillon Data Ltd", "companies_house_number": "NI445568", "size_band": "micro"},
            {"name": "Badnumber Ltd", "companies_house_number": "XX1", "size_band": "micro"},
        ),
        encoding="utf-8",
    )
    result = cli("import", "suppliers", path)
    assert result.exit_code == 1, result.output
    assert "row 2: name: looks like row 1 (Nimbus Forensics Ltd)" in result.output
    assert "row 4: companies_house_number:" in result.output  # every problem in the one report
    assert "row 1:" not in result.output and "row 3:" not in result.output
    assert _suppliers_named(db, "Nimbus") == [] and _suppliers_named(db, "Quillon") == []


def test_the_confirmation_flag_is_declared_in_openapi(client: Any) -> None:
    spec = client.get("/schema/openapi.json").json()
    create = spec["paths"]["/api/v1/suppliers"]["post"]
    schema_ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    flag = spec["components"]["schemas"][schema_ref]["properties"]["confirm_duplicate"]
    assert flag["type"] == "boolean" and "duplicates" in flag["description"]
    imports = spec["paths"]["/api/v1/import/{kind}"]["post"]
    assert any(p["name"] == "confirm_duplicates" for p in imports["parameters"])
