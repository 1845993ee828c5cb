"""The requirements register downloads as CSV (the import format, so it imports again) and XLSX
(labels), from the register page and the API, formula-safe, for the lead's own organisation only."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.requirements.csv_import import COLUMNS
from registry.requirements.models import Requirement
from tests.integration.test_lead_pages import org_of, sign_in

EVIL = '=HYPERLINK("http://evil.example","x")'


def _rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith("\ufeff".encode())  # Excel reads UTF-8 with a BOM
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def _current(db: Any, org_id: int) -> list[str]:
    with Session(db.engine) as s:
        return sorted(
            s.execute(
                select(Requirement.code).where(Requirement.organisation_id == org_id, Requirement.retired.is_(False))
            ).scalars()
        )


def test_page_exports_csv_and_xlsx_and_the_csv_imports_again(client: Any, db: Any, auth: Any) -> None:
    lead = auth("lead_a")
    made = client.post(
        "/api/v1/requirements",
        json={"code": "IM-EVIL", "title": EVIL, "capability_code": "INT.NET", "priority": "must", "weight": 2.5},
        headers=lead,
    )
    assert made.status_code == 201, made.text
    token = sign_in(client, "lead_a")
    page = client.get("/requirements")
    assert 'href="/requirements/export.csv"' in page.text and 'href="/requirements/export.xlsx"' in page.text

    resp = client.get("/requirements/export.csv")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    assert "attachment" in resp.headers["content-disposition"] and ".csv" in resp.headers["content-disposition"]
    rows = _rows(resp.content)
    assert list(rows[0]) == list(COLUMNS)
    assert sorted(r["code"] for r in rows) == _current(db, org_of(db, "lead_a"))
    evil = next(r for r in rows if r["code"] == "IM-EVIL")
    assert evil["title"] == "'" + EVIL and evil["priority"] == "must" and evil["weight"] == "2.5"

    book = load_workbook(io.BytesIO(client.get("/requirements/export.xlsx").content))
    sheet = book.active
    assert sheet is not None and sheet.title == "Requirements"
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Code", "Title", "Description"]
    line = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "IM-EVIL")
    assert line[1] == "'" + EVIL and line[6] == "Must have" and line[7] == 2.5
    assert sheet.max_row == len(rows) + 1

    # The CSV is the import format: another organisation imports it and gets the same register.
    client.post("/logout", data={"_csrf_token": token})
    token_b = sign_in(client, "lead_b")
    before_b = _current(db, org_of(db, "lead_b"))
    clashing = {r["code"] for r in rows} & set(before_b)
    fresh = [r for r in rows if r["code"] not in clashing]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS))
    writer.writeheader()
    writer.writerows(fresh)
    upload = client.post(
        "/requirements/import",
        data={"_csrf_token": token_b},
        files={"file": ("register.csv", buffer.getvalue().encode(), "text/csv")},
        follow_redirects=False,
    )
    assert upload.status_code in (302, 303), upload.text[:2000]
    assert _current(db, org_of(db, "lead_b")) == sorted(before_b + [r["code"] for r in fresh])
    with Session(db.engine) as s:
        title = s.execute(
            select(Requirement.title).where(
                Requirement.organisation_id == org_of(db, "lead_b"), Requirement.code == "IM-EVIL"
            )
        ).scalar_one()
    assert title == EVIL  # the escape is undone on the way back in


def test_api_exports_for_the_callers_organisation_only(client: Any, db: Any, auth: Any) -> None:
    resp = client.get("/api/v1/requirements/export.csv", headers=auth("lead_b"))
    assert resp.status_code == 200
    assert sorted(r["code"] for r in _rows(resp.content)) == _current(db, org_of(db, "lead_b"))
    xlsx = client.get("/api/v1/requirements/export.xlsx", headers=auth("lead_a"))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert xlsx.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    # A lead cannot ask for another organisation's register; an admin can.
    other = client.get(
        "/api/v1/requirements/export.csv", params={"organisation_id": org_of(db, "lead_a")}, headers=auth("lead_b")
    )
    assert sorted(r["code"] for r in _rows(other.content)) == _current(db, org_of(db, "lead_b"))
    admin = client.get(
        "/api/v1/requirements/export.csv", params={"organisation_id": org_of(db, "lead_a")}, headers=auth("admin")
    )
    assert admin.status_code == 200
    assert sorted(r["code"] for r in _rows(admin.content)) == _current(db, org_of(db, "lead_a"))
    assert client.get("/api/v1/requirements/export.csv").status_code == 401
    assert client.get("/api/v1/requirements/export.csv", headers=auth("supplier_a")).status_code == 403
    assert client.get("/requirements/export.csv", follow_redirects=False).status_code in (302, 303)
    with Session(db.engine) as s:
        assert s.execute(select(func.count()).select_from(Requirement)).scalar_one() > 0


def test_export_is_in_the_openapi_description(client: Any, db: Any) -> None:
    paths = client.get("/schema/openapi.json").json()["paths"]
    assert "text/csv; charset=utf-8" in str(paths["/api/v1/requirements/export.csv"]["get"]["responses"])
    assert "/requirements/export.csv" not in paths  # the page URL is not part of the API
