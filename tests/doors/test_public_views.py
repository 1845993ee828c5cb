"""Rule 4: public reads show only what the public pages show. One supplier view
(registry/suppliers/services.py::supplier_view) serves the supplier page, the API reads and the
export; one tool view keeps moderator feedback between the moderators and the supplier."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from registry.suppliers.models import Supplier
from tests.conftest import DBHandle
from tests.doors.conftest import sign_in, tool_named

CONTACT = ("contact_name", "contact_email")
PRIVATE = ("address", "employees", "turnover_gbp")
# reader -> which of the hidden-from-the-public fields of Kestrel Analytics (supplier 1) they see
SEES = {
    "anon": (),
    "buyer_a": CONTACT,
    "supplier_b": CONTACT,  # another supplier: signed in, not its own record
    "supplier_a": CONTACT + PRIVATE,  # its own record
    "moderator": CONTACT + PRIVATE,
}


def _kestrel(db: DBHandle) -> dict[str, Any]:
    with Session(db.engine) as s:
        sup = s.get(Supplier, 1)
        assert sup is not None and sup.name == "Kestrel Analytics Ltd"
        values = {f: getattr(sup, f) for f in CONTACT + PRIVATE}
    assert all(values.values()), "the demo supplier must hold every field for this test to mean anything"
    return values


def _shown(record: dict[str, Any], values: dict[str, Any]) -> set[str]:
    return {f for f in values if record.get(f) not in (None, "")}


@pytest.mark.parametrize("reader", sorted(SEES))
def test_every_door_shows_a_reader_the_same_supplier_fields(client: Any, auth: Any, db: DBHandle, reader: str) -> None:
    values, expected = _kestrel(db), set(SEES[reader])
    headers = auth(reader)
    one = client.get("/api/v1/suppliers/1", headers=headers)
    assert one.status_code == 200 and _shown(one.json(), values) == expected
    hidden = set(values) - expected
    assert all(one.json()[f] is None for f in hidden)  # null, not a guess
    listed = client.get("/api/v1/suppliers", params={"q": "Kestrel"}, headers=headers).json()["items"]
    assert [_shown(r, values) for r in listed if r["id"] == 1] == [expected]
    exported = client.get("/api/v1/export/suppliers", headers=headers)
    (row,) = [r for r in json.loads(exported.text)["rows"] if r["name"] == "Kestrel Analytics Ltd"]
    assert _shown(row, values) == expected
    as_csv = client.get("/api/v1/export/suppliers/csv", headers=headers)
    (row,) = [r for r in csv.DictReader(io.StringIO(as_csv.text)) if r["name"] == "Kestrel Analytics Ltd"]
    assert _shown(row, values) == expected
    # The public page: its contact line appears exactly when the API gives the contact fields.
    if reader == "anon":
        client.cookies.clear()
    else:
        sign_in(client, reader)
    page = client.get("/suppliers/1")
    assert page.status_code == 200
    assert (values["contact_email"] in page.text) == ("contact_email" in expected)
    assert values["address"] not in page.text  # the page never shows the address


def test_the_admin_cli_export_is_the_whole_record(db: DBHandle, cli: Any, tmp_path: Path) -> None:
    values = _kestrel(db)
    out = tmp_path / "suppliers.json"
    result = cli("export", "suppliers", "--output", out)
    assert result.exit_code == 0, result.output
    (row,) = [r for r in json.loads(out.read_text())["rows"] if r["name"] == "Kestrel Analytics Ltd"]
    assert {f: row[f] for f in values} == values


def test_moderator_feedback_is_seen_only_by_moderators_and_the_supplier(client: Any, auth: Any, db: DBHandle) -> None:
    tool = tool_named(db, "Kestrel Link")  # published, supplier_a's
    note = "Internal: check the evidence for the claimed network analysis."
    staff = auth("moderator")
    resp = client.patch(
        f"/api/v1/tools/{tool.id}", json={"moderator_feedback": note, "version": tool.version}, headers=staff
    )
    assert resp.status_code == 200, resp.text
    for reader, sees in (
        ("anon", False),
        ("buyer_a", False),
        ("supplier_b", False),
        ("supplier_a", True),
        ("moderator", True),
    ):
        one = client.get(f"/api/v1/tools/{tool.id}", headers=auth(reader)).json()
        listed = client.get("/api/v1/tools", params={"q": "Kestrel Link"}, headers=auth(reader)).json()["items"]
        assert [one["moderator_feedback"]] + [t["moderator_feedback"] for t in listed if t["id"] == tool.id] == [
            note if sees else ""
        ] * 2, reader
    client.cookies.clear()
    assert note not in client.get(f"/tools/{tool.id}").text


def test_public_reads_hold_only_published_listings(client: Any) -> None:
    listed = client.get("/api/v1/tools", params={"per_page": 200}).json()
    assert listed["total"] >= 80 and {t["status"] for t in listed["items"]} == {"published"}
    exported = json.loads(client.get("/api/v1/export/tools").text)["rows"]
    assert len(exported) == listed["total"] and {r["status"] for r in exported} == {"published"}
    for status in ("draft", "submitted", "retired"):
        assert client.get("/api/v1/tools", params={"status": status}).json()["total"] == 0
