"""Named shortlists: create, add, remove, rename, export (CSV and XLSX), privacy and audit."""

from __future__ import annotations

import csv
import io
import re
from html import unescape
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from registry.changelog.models import AuditEvent
from registry.shortlists.models import Shortlist, ShortlistItem
from registry.suppliers.models import Supplier
from registry.tools.models import Tool
from tests.integration.test_browse_pages import csrf_of, sign_in, tool_id

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _token(client: Any) -> str:
    return csrf_of(client.get("/shortlists").text)


def _create(client: Any, name: str) -> int:
    resp = client.post("/shortlists", data={"name": name, "_csrf_token": _token(client)}, follow_redirects=False)
    assert resp.status_code in (302, 303), resp.text[:800]
    match = re.fullmatch(r"/shortlists/(\d+)", resp.headers["location"])
    assert match
    return int(match.group(1))


def _add(client: Any, shortlist: int | str, *tool_ids: int, note: str = "", new_name: str = "") -> Any:
    data: dict[str, Any] = {
        "tool_id": [str(t) for t in tool_ids],
        "shortlist_id": str(shortlist),
        "new_name": new_name,
        "note": note,
        "_csrf_token": _token(client),
    }
    return client.post("/shortlists/add", data=data, follow_redirects=False)


def test_create_add_remove_and_rename(client: Any, db: Any) -> None:
    sign_in(client, "buyer_a")
    sid = _create(client, "ANPR replacement 2026")
    a, b = tool_id(db, "Roadmark ANPR Insight"), tool_id(db, "Roadmark Mobile ANPR")
    resp = _add(client, sid, a, b, note="Strong UK hosting")
    assert resp.status_code in (302, 303) and resp.headers["location"] == f"/shortlists/{sid}"
    page = client.get(f"/shortlists/{sid}").text
    assert "Roadmark ANPR Insight" in page and "Roadmark Mobile ANPR" in page and "Strong UK hosting" in page
    again = _add(client, sid, a)  # already there: kept once
    assert again.status_code in (302, 303)
    assert "0 tools to the shortlist. 1 was already on it." in unescape(client.get(f"/shortlists/{sid}").text)
    with Session(db.engine) as s:
        items = s.execute(select(ShortlistItem).where(ShortlistItem.shortlist_id == sid)).scalars().all()
        assert sorted(i.tool_id for i in items) == sorted([a, b])
        assert all(i.tool_version == s.get(Tool, i.tool_id).version for i in items)  # type: ignore[union-attr]
    client.post(f"/shortlists/{sid}/items/{b}/remove", data={"_csrf_token": _token(client)})
    page = client.get(f"/shortlists/{sid}").text
    assert "Roadmark Mobile ANPR" not in page and "Roadmark ANPR Insight" in page
    client.post(f"/shortlists/{sid}/rename", data={"name": "ANPR 2027", "_csrf_token": _token(client)})
    assert "ANPR 2027" in client.get("/shortlists").text
    with Session(db.engine) as s:
        events = (
            s.execute(select(AuditEvent).where(AuditEvent.entity_type == "shortlist", AuditEvent.entity_id == str(sid)))
            .scalars()
            .all()
        )
        assert [e.action for e in events] == ["create", "update", "update", "update"]
        assert events[-1].before["name"] == "ANPR replacement 2026" and events[-1].after["name"] == "ANPR 2027"


def test_add_to_a_new_shortlist_from_compare(client: Any, db: Any) -> None:
    sign_in(client, "lead_a")
    ids = [tool_id(db, n) for n in ("Kestrel Link", "Kestrel Timeline", "Kestrel Assess")]
    compare = client.get("/compare", params=[("ids", i) for i in ids]).text
    assert 'action="/shortlists/add"' in compare and compare.count('name="tool_id"') == 3
    resp = _add(client, "new", *ids, new_name="Network analysis")
    assert resp.status_code in (302, 303)
    page = client.get(resp.headers["location"]).text
    assert "Network analysis" in page and all(n in page for n in ("Kestrel Link", "Kestrel Timeline", "Kestrel Assess"))


def test_form_errors_rerender_with_400(client: Any, db: Any) -> None:
    sign_in(client, "buyer_a")
    blank = client.post("/shortlists", data={"name": "  ", "_csrf_token": _token(client)})
    assert blank.status_code == 400 and "Enter a name for the shortlist" in blank.text
    assert "govuk-error-summary" in blank.text and "<title>Error:" in blank.text
    _create(client, "Forensics")
    dup = client.post("/shortlists", data={"name": "forensics", "_csrf_token": _token(client)})
    assert dup.status_code == 400 and "already have a shortlist with this name" in dup.text
    assert 'value="forensics"' in dup.text  # what was typed is kept
    no_name = _add(client, "new", tool_id(db, "Kestrel Link"))
    assert no_name.status_code == 400 and "Enter a name for the shortlist" in no_name.text
    assert "Kestrel Link" in no_name.text  # the tool being added is still shown


def test_exports_escape_formulas_and_format_the_sheet(client: Any, db: Any) -> None:
    evil_tool, evil_supplier = '=HYPERLINK("http://evil.example","x")', "+SUM(1,2)"
    tid = tool_id(db, "Kestrel Link")
    with Session(db.engine) as s:
        tool = s.get(Tool, tid)
        assert tool is not None
        s.execute(update(Tool).where(Tool.id == tid).values(name=evil_tool))
        s.execute(update(Supplier).where(Supplier.id == tool.supplier_id).values(name=evil_supplier))
        s.commit()
    sign_in(client, "buyer_a")
    sid = _create(client, "Exports")
    assert _add(client, sid, tid, tool_id(db, "Halwyn Extract"), note="@risk check").status_code in (302, 303)

    resp = client.get(f"/shortlists/{sid}/export.xlsx")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith(XLSX)
    assert "attachment" in resp.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(resp.content)).active
    header = [c.value for c in ws[1]]
    assert header[:2] == ["Tool", "Supplier"] and all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:{ws.cell(1, len(header)).column_letter}3"
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    evil = rows["'" + evil_tool]
    assert evil[0].data_type == "s" and evil[1].value == "'" + evil_supplier
    assert evil[header.index("Note")].value == "'@risk check"
    annual = evil[header.index("Annual price (GBP)")]
    assert annual.value == 11000 and "£" in annual.number_format
    assert rows["Halwyn Extract"][header.index("SME")].value in ("Yes", "No")

    resp = client.get(f"/shortlists/{sid}/export.csv")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert table[0][0] == "Tool" and len(table) == 3
    evil_row = next(r for r in table if r[0].endswith('HYPERLINK("http://evil.example","x")'))
    assert evil_row[0] == "'" + evil_tool and evil_row[1] == "'" + evil_supplier


def test_other_users_shortlists_are_not_found(client: Any, db: Any) -> None:
    sign_in(client, "buyer_a")
    sid = _create(client, "Private")
    assert _add(client, sid, tool_id(db, "Kestrel Link")).status_code in (302, 303)
    client.post("/logout", data={"_csrf_token": _token(client)})
    sign_in(client, "buyer_b")
    for url in (f"/shortlists/{sid}", f"/shortlists/{sid}/export.csv", f"/shortlists/{sid}/export.xlsx"):
        resp = client.get(url)
        assert resp.status_code == 404, url
        assert "Shortlist not found" in resp.text
    assert "Private" not in client.get("/shortlists").text
    token = _token(client)
    assert client.post(f"/shortlists/{sid}/rename", data={"name": "Mine", "_csrf_token": token}).status_code == 404
    assert client.post(f"/shortlists/{sid}/delete", data={"_csrf_token": token}).status_code == 404
    assert _add(client, sid, tool_id(db, "Halwyn Extract")).status_code == 404
    with Session(db.engine) as s:
        assert s.get(Shortlist, sid).name == "Private"  # type: ignore[union-attr]


def test_staff_cannot_read_someone_elses_shortlist(client: Any, db: Any) -> None:
    sign_in(client, "buyer_a")
    sid = _create(client, "Owner only")
    client.post("/logout", data={"_csrf_token": _token(client)})
    sign_in(client, "admin")
    assert client.get(f"/shortlists/{sid}").status_code == 404


def test_who_may_use_shortlists(client: Any, db: Any) -> None:
    anon = client.get("/shortlists", follow_redirects=False)
    assert anon.status_code in (302, 303) and anon.headers["location"].startswith("/login")
    sign_in(client, "supplier_a")
    assert client.get("/shortlists").status_code == 403


def test_drafts_of_others_cannot_be_shortlisted(client: Any, db: Any) -> None:
    sign_in(client, "buyer_a")
    sid = _create(client, "Drafts")
    resp = _add(client, sid, tool_id(db, "Stonechat Prototype Graph"))
    assert resp.status_code == 404
    with Session(db.engine) as s:
        assert s.execute(select(ShortlistItem).where(ShortlistItem.shortlist_id == sid)).first() is None


def test_delete_shortlist(client: Any, db: Any) -> None:
    sign_in(client, "buyer_a")
    sid = _create(client, "Temporary")
    _add(client, sid, tool_id(db, "Kestrel Link"))
    resp = client.post(f"/shortlists/{sid}/delete", data={"_csrf_token": _token(client)}, follow_redirects=False)
    assert resp.status_code in (302, 303) and resp.headers["location"] == "/shortlists"
    assert client.get(f"/shortlists/{sid}").status_code == 404
    with Session(db.engine) as s:
        assert s.get(Shortlist, sid) is None
        assert s.execute(select(ShortlistItem).where(ShortlistItem.shortlist_id == sid)).first() is None


def test_tool_page_offers_shortlists_to_buyers_only(client: Any, db: Any) -> None:
    tid = tool_id(db, "Kestrel Link")
    assert "Sign in</a> to keep this tool on a shortlist" in client.get(f"/tools/{tid}").text
    sign_in(client, "buyer_a")
    _create(client, "From tool page")
    page = client.get(f"/tools/{tid}").text
    assert 'action="/shortlists/add"' in page and "From tool page (0)" in page
