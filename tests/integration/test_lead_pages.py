"""Capability lead pages: requirements (with CSV import), inventory, workforce; org isolation."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.accounts.models import User
from registry.inventory.models import InventoryItem
from registry.requirements.csv_import import COLUMNS, template_csv
from registry.requirements.models import Requirement
from registry.skills.models import SkillHolding
from tests.conftest import DEMO_PASSWORD, USERS


def token(client: Any) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', client.get("/register").text)
    assert match
    return match.group(1)


def sign_in(client: Any, who: str) -> str:
    client.cookies.clear()
    t = token(client)
    resp = client.post(
        "/login", data={"email": USERS[who], "password": DEMO_PASSWORD, "_csrf_token": t}, follow_redirects=False
    )
    assert resp.status_code in (302, 303)
    return token(client)


def org_of(db: Any, who: str) -> int:
    with Session(db.engine) as s:
        return s.execute(select(User.organisation_id).where(User.email == USERS[who])).scalar_one()


def count(db: Any, model: Any, org_id: int) -> int:
    with Session(db.engine) as s:
        return s.execute(select(func.count()).select_from(model).where(model.organisation_id == org_id)).scalar_one()


def upload(client: Any, t: str, body: str | bytes, name: str = "reqs.csv", ctype: str = "text/csv") -> Any:
    raw = body.encode() if isinstance(body, str) else body
    return client.post(
        "/requirements/import", data={"_csrf_token": t}, files={"file": (name, raw, ctype)}, follow_redirects=False
    )


def csv_of(*rows: str) -> str:
    return ",".join(COLUMNS) + "\n" + "\n".join(rows) + "\n"


GOOD_ROW = "NEW-{n},Title {n},,,INT.NET,must,2,ECON;GANGS,pursue,,,,uk,POLE,5,,SK-NETAN:3:2"


def test_requirements_page_lists_own_org_with_filters(client: Any) -> None:
    sign_in(client, "lead_a")
    page = client.get("/requirements")
    assert page.status_code == 200 and "IM-001" in page.text
    must = client.get("/requirements?priority=must").text
    could = client.get("/requirements?priority=could").text
    assert must.count("Must have</strong>") > 0 and "Could have</strong>" not in must
    assert "Must have</strong>" not in could


def test_csv_import_good_file_imports_all(client: Any, db: Any) -> None:
    t = sign_in(client, "lead_a")
    org = org_of(db, "lead_a")
    before = count(db, Requirement, org)
    resp = upload(client, t, csv_of(*(GOOD_ROW.format(n=i) for i in range(3))))
    assert resp.status_code in (302, 303), resp.text[-3000:]
    assert count(db, Requirement, org) == before + 3
    with Session(db.engine) as s:
        req = s.execute(
            select(Requirement).where(Requirement.organisation_id == org, Requirement.code == "NEW-1")
        ).scalar_one()
        assert (req.priority, req.workstreams, req.min_trl, req.weight) == ("must", ["ECON", "GANGS"], 5, 2.0)
    # The template file itself imports cleanly into a fresh organisation's register.
    t = sign_in(client, "lead_b")
    assert upload(client, t, template_csv()).status_code in (302, 303)


def test_csv_import_one_bad_row_imports_nothing_and_names_the_row(client: Any, db: Any) -> None:
    t = sign_in(client, "lead_a")
    org = org_of(db, "lead_a")
    before = count(db, Requirement, org)
    body = csv_of(GOOD_ROW.format(n=1), GOOD_ROW.format(n=2).replace("INT.NET", "NOPE.NODE"), GOOD_ROW.format(n=3))
    resp = upload(client, t, body)
    assert resp.status_code == 400
    assert count(db, Requirement, org) == before
    rows = re.findall(r'govuk-table__cell--numeric">(\d+)</td>\s*<td class="govuk-table__cell">([^<]*)</td>', resp.text)
    assert rows == [("3", "NEW-2")]
    assert "Unknown capability code NOPE.NODE" in resp.text and "Nothing was imported" in resp.text
    resp = upload(client, t, csv_of(GOOD_ROW.format(n=1), GOOD_ROW.format(n=1)))  # duplicate code in file
    assert resp.status_code == 400 and "NEW-1 is also on row 2" in resp.text
    resp = upload(client, t, csv_of(GOOD_ROW.format(n=1).replace(",must,", ",maybe,")))
    assert resp.status_code == 400 and "priority" in resp.text
    assert count(db, Requirement, org) == before


def test_csv_upload_type_and_size_limits(client: Any) -> None:
    t = sign_in(client, "lead_a")
    resp = upload(client, t, b"%PDF-1.4", name="reqs.pdf", ctype="application/pdf")
    assert resp.status_code == 400 and "The selected file must be a CSV" in resp.text
    big = csv_of(GOOD_ROW.format(n=1)) + ("#" * (1024 * 1024))
    resp = upload(client, t, big)
    assert resp.status_code in (400, 413)
    if resp.status_code == 400:
        assert "smaller than 1 MB" in resp.text
    template = client.get("/requirements/import/template.csv")
    assert template.status_code == 200 and template.headers["content-type"].startswith("text/csv")
    assert template.text.splitlines()[0] == ",".join(COLUMNS)


def test_add_edit_and_retire_a_requirement(client: Any, db: Any) -> None:
    t = sign_in(client, "lead_a")
    bad = client.post(
        "/requirements/new",
        data={
            "_csrf_token": t,
            "code": "X-1",
            "title": "",
            "capability_code": "",
            "priority": "must",
            "weight": "1",
            "workstreams": ["CYBER"],
        },
    )
    assert bad.status_code == 400 and "Enter a title" in bad.text and re.search(r'value="CYBER"\s+checked', bad.text)
    ok = client.post(
        "/requirements/new",
        follow_redirects=False,
        data={
            "_csrf_token": t,
            "code": "X-1",
            "title": "Cyber triage",
            "capability_code": "INT.NET",
            "priority": "must",
            "weight": "2",
            "workstreams": ["CYBER"],
            "skills": "SK-NETAN:3:1",
        },
    )
    assert ok.status_code in (302, 303), ok.text[-2000:]
    with Session(db.engine) as s:
        req = s.execute(select(Requirement).where(Requirement.code == "X-1")).scalar_one()
    form = client.get(f"/requirements/{req.id}/edit").text
    version = re.search(r'name="version" value="(\d+)"', form).group(1)  # type: ignore[union-attr]
    resp = client.post(
        f"/requirements/{req.id}/edit",
        follow_redirects=False,
        data={
            "_csrf_token": t,
            "version": version,
            "title": "Cyber triage v2",
            "capability_code": "INT.NET",
            "priority": "should",
            "weight": "1",
        },
    )
    assert resp.status_code in (302, 303)
    assert client.post(
        f"/requirements/{req.id}/retire", data={"_csrf_token": t}, follow_redirects=False
    ).status_code in (302, 303)
    with Session(db.engine) as s:
        req = s.get(Requirement, req.id)
        assert (req.title, req.priority, req.retired) == ("Cyber triage v2", "should", True)


def test_inventory_and_workforce_round_trip(client: Any, db: Any) -> None:
    t = sign_in(client, "lead_a")
    org = org_of(db, "lead_a")
    page = client.get("/inventory")
    assert page.status_code == 200 and "Ended" in page.text and "Ends soon" in page.text
    found = client.get("/inventory/add?q=halwyn")
    tool_ids = re.findall(r'href="/inventory/add/(\d+)"', found.text)
    assert tool_ids
    before = count(db, InventoryItem, org)
    resp = client.post(f"/inventory/add/{tool_ids[0]}", data={"_csrf_token": t, "seats": "many"})
    assert resp.status_code == 400 and "whole number" in resp.text
    resp = client.post(
        f"/inventory/add/{tool_ids[0]}",
        follow_redirects=False,
        data={
            "_csrf_token": t,
            "seats": "4",
            "licence_end-day": "1",
            "licence_end-month": "6",
            "licence_end-year": "2030",
        },
    )
    assert resp.status_code in (302, 303)
    assert count(db, InventoryItem, org) == before + 1
    holdings = count(db, SkillHolding, org)
    resp = client.post(
        "/workforce",
        follow_redirects=False,
        data={"_csrf_token": t, "skill_code": "SK-NETAN", "level": "7", "people": "2"},
    )
    assert resp.status_code in (302, 303)
    assert count(db, SkillHolding, org) == holdings + 1
    resp = client.post("/workforce", data={"_csrf_token": t, "skill_code": "", "level": "9", "people": "x"})
    assert resp.status_code == 400 and "Select a skill" in resp.text


def test_other_org_lead_cannot_see_or_change_rows(client: Any, db: Any) -> None:
    org_a = org_of(db, "lead_a")
    with Session(db.engine) as s:
        req_id = s.execute(select(Requirement.id).where(Requirement.organisation_id == org_a)).scalars().first()
        item_id = s.execute(select(InventoryItem.id).where(InventoryItem.organisation_id == org_a)).scalars().first()
        hold_id = s.execute(select(SkillHolding.id).where(SkillHolding.organisation_id == org_a)).scalars().first()
    t = sign_in(client, "lead_b")
    assert f"/requirements/{req_id}/edit" not in client.get("/requirements").text
    for path in (f"/requirements/{req_id}/edit", f"/inventory/{item_id}/edit", f"/workforce/{hold_id}/edit"):
        assert client.get(path).status_code == 404, path
    assert (
        client.post(
            f"/requirements/{req_id}/edit",
            data={"_csrf_token": t, "version": "1", "title": "x", "capability_code": "INT.NET"},
        ).status_code
        == 404
    )
    assert client.post(f"/requirements/{req_id}/retire", data={"_csrf_token": t}).status_code == 404
    assert client.post(f"/inventory/{item_id}/remove", data={"_csrf_token": t}).status_code == 404
    assert client.post(f"/workforce/{hold_id}/remove", data={"_csrf_token": t}).status_code == 404
    assert client.get("/requirements?org=" + str(org_a)).status_code == 200  # ?org is ignored for non-admins
    with Session(db.engine) as s:
        assert s.get(Requirement, req_id).retired is False
        assert s.get(InventoryItem, item_id) is not None and s.get(SkillHolding, hold_id) is not None
    sign_in(client, "supplier_a")
    for path in ("/requirements", "/inventory", "/workforce", "/requirements/import"):
        assert client.get(path).status_code == 403, path


def test_an_edit_over_a_newer_change_is_refused_on_every_lead_form(client: Any, db: Any) -> None:
    # Each form was opened at version N; someone saved N+1 since. Saving the old form must not
    # overwrite it: a 400 with the edit-conflict message, nothing saved, and the form re-shown
    # carrying the current version (so saving again knowingly replaces the other change).
    t = sign_in(client, "lead_a")
    org = org_of(db, "lead_a")
    with Session(db.engine) as s:
        req = s.execute(select(Requirement).where(Requirement.organisation_id == org).limit(1)).scalar_one()
        item = s.execute(select(InventoryItem).where(InventoryItem.organisation_id == org).limit(1)).scalar_one()
        hold = s.execute(select(SkillHolding).where(SkillHolding.organisation_id == org).limit(1)).scalar_one()
        for row in (req, item, hold):
            row.version += 1  # the other person's save
        s.commit()
        current = {"req": req.version, "item": item.version, "hold": hold.version}
        before = (req.title, item.seats, hold.people)
    stale = {k: str(v - 1) for k, v in current.items()}
    forms = {
        "req": (
            f"/requirements/{req.id}/edit",
            {"title": "Overwritten?", "capability_code": "INT.NET", "priority": "should", "weight": "1"},
        ),
        "item": (f"/inventory/{item.id}/edit", {"seats": "999"}),
        "hold": (f"/workforce/{hold.id}/edit", {"level": "3", "people": "999"}),
    }
    for key, (path, fields) in forms.items():
        resp = client.post(path, data={"_csrf_token": t, "version": stale[key], **fields}, follow_redirects=False)
        assert resp.status_code == 400, (path, resp.status_code)
        assert "Someone else changed this record while you were editing it" in resp.text, path
        assert f'name="version" value="{current[key]}"' in resp.text, path
    with Session(db.engine) as s:
        after = (
            s.get(Requirement, req.id).title,
            s.get(InventoryItem, item.id).seats,
            s.get(SkillHolding, hold.id).people,
        )  # type: ignore[union-attr]
    assert after == before
