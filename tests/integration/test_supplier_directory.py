"""The supplier directory (/suppliers): approved suppliers only, as the public sees them, with
SME size, region and published listing counts, paged, found by name with typos allowed; and the
search page lists matching suppliers above the tools."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from registry.accounts.models import Organisation
from registry.changelog.services import bump_generation
from registry.db import session_scope
from registry.search.text import name_scores, normalise
from registry.suppliers import directory
from registry.suppliers.models import Supplier
from registry.tools.models import Tool

ROW = re.compile(
    r'<tr class="govuk-table__row app-directory-row">\s*<td class="govuk-table__cell"><a class="govuk-link" href="/suppliers/(\d+)">([^<]+)</a>'
)


def _ids(page: str) -> list[int]:
    return [int(i) for i, _ in ROW.findall(page)]


def _active(db: Any) -> dict[int, str]:
    with Session(db.engine) as s:
        return dict(s.execute(select(Supplier.id, Supplier.name).where(Supplier.status == "active")).all())


def test_lists_every_approved_supplier_once_across_pages(client: Any, db: Any) -> None:
    with session_scope(db.engine) as s:  # enough suppliers for two pages, one of them not approved
        for n in range(directory.PER_PAGE + 4):
            org = Organisation(name=f"Padding {n}", kind="supplier")
            s.add(org)
            s.flush()
            pending = n == 0
            s.add(
                Supplier(
                    organisation_id=org.id,
                    name="Pending Hopeful Ltd" if pending else f"Padding Supplier {n:02d}",
                    companies_house_number=f"PD{n:06d}",
                    size_band="small",
                    region="Wales",
                    status="pending" if pending else "active",
                )
            )
        bump_generation(s)
    first = client.get("/suppliers")
    assert first.status_code == 200
    seen = _ids(first.text)
    assert len(seen) == directory.PER_PAGE
    page = 2
    while f'href="/suppliers?page={page}"' in client.get(f"/suppliers?page={page - 1}").text:
        seen += _ids(client.get(f"/suppliers?page={page}").text)
        page += 1
    assert sorted(seen) == sorted(_active(db)) and len(seen) == len(set(seen))
    assert "Pending Hopeful" not in first.text
    heading = re.search(r'id="directory-results">([\d,]+) suppliers', first.text)
    assert heading and int(heading.group(1).replace(",", "")) == len(_active(db))


def test_rows_show_size_region_and_published_counts(client: Any, db: Any) -> None:
    with Session(db.engine) as s:
        counts = dict(
            s.execute(
                select(Tool.supplier_id, func.count()).where(Tool.status == "published").group_by(Tool.supplier_id)
            ).all()
        )
        kestrel = s.execute(select(Supplier).where(Supplier.name.like("Kestrel%"))).scalars().first()
        assert kestrel is not None
    page = client.get("/suppliers", params={"q": kestrel.name}).text
    row = page.split(f'href="/suppliers/{kestrel.id}"', 1)[1].split("</tr>", 1)[0]
    cells = re.findall(r'<td class="govuk-table__cell[^"]*">(.*?)</td>', row, re.S)
    assert kestrel.size_band.capitalize() in cells[0]
    assert cells[1] == (kestrel.region or "Not given")
    assert int(cells[2]) == counts.get(kestrel.id, 0)  # published only
    # Nothing beyond the public supplier page: no contact e-mail, even when signed in.
    assert kestrel.contact_email and kestrel.contact_email not in page


def test_search_by_name_allows_typos_and_filters(client: Any, db: Any) -> None:
    names = _active(db)
    target_id, target = next((i, n) for i, n in names.items() if n.startswith("Kestrel"))
    typo = target.split()[0].replace("rel", "ral")  # "Kestral"
    found = _ids(client.get("/suppliers", params={"q": typo}).text)
    assert target_id in found
    expected = {i for i, score in name_scores(typo, [normalise(n) for n in names.values()]) for i in [list(names)[i]]}
    assert set(found) == expected  # the search engine's name matching, not a second rule
    assert _ids(client.get("/suppliers", params={"q": "zzzzqqq"}).text) == []
    sme = _ids(client.get("/suppliers", params={"sme": "true"}).text)
    with Session(db.engine) as s:
        large = set(s.execute(select(Supplier.id).where(Supplier.size_band == "large")).scalars())
    assert sme and not set(sme) & large
    with Session(db.engine) as s:
        region = (
            s.execute(select(Supplier.region).where(Supplier.status == "active", Supplier.region != ""))
            .scalars()
            .first()
        )
    regional = _ids(client.get("/suppliers", params={"region": region}).text)
    with Session(db.engine) as s:
        there = set(
            s.execute(select(Supplier.id).where(Supplier.region == region, Supplier.status == "active")).scalars()
        )
    assert regional and set(regional) <= there


def test_bad_parameters_are_named(client: Any, db: Any) -> None:
    for params, words in (
        ({"page": "x"}, "page number"),
        ({"region": "Atlantis"}, "not a region"),
        ({"q": "x" * 201}, "200 characters"),
    ):
        resp = client.get("/suppliers", params=params)
        assert 400 <= resp.status_code < 500 and words in resp.text, params


def test_search_page_lists_matching_suppliers(client: Any, db: Any) -> None:
    names = _active(db)
    target_id, target = next((i, n) for i, n in names.items() if n.startswith("Kestrel"))
    page = client.get("/search", params={"q": target.split()[0]}).text
    assert "Suppliers matching" in page
    section = page.split('id="supplier-matches-heading"', 1)[1].split("</section>", 1)[0]
    assert f'href="/suppliers/{target_id}"' in section
    assert page.index("supplier-matches-heading") < page.index('id="results-heading"')  # above the tools
    assert "Suppliers matching" not in client.get("/search", params={"q": "zzzzqqq"}).text
    assert "Suppliers matching" not in client.get("/search").text


def test_a_renamed_supplier_is_found_by_its_new_name(client: Any, db: Any, auth: Any) -> None:
    sid = next(i for i, n in _active(db).items() if n.startswith("Kestrel"))
    assert client.get("/suppliers", params={"q": "Quillfeather"}).text.count("app-directory-row") == 0
    current = client.get(f"/api/v1/suppliers/{sid}", headers=auth("moderator")).json()
    resp = client.patch(
        f"/api/v1/suppliers/{sid}",
        json={"name": "Quillfeather Analytics Ltd", "version": current["version"]},
        headers=auth("moderator"),
    )
    assert resp.status_code == 200, resp.text
    assert _ids(client.get("/suppliers", params={"q": "Quillfeather"}).text) == [sid]
    with Session(db.engine) as s:
        s.execute(update(Supplier).where(Supplier.id == sid).values(status="pending"))
        bump_generation(s)
        s.commit()
    assert _ids(client.get("/suppliers", params={"q": "Quillfeather"}).text) == []


def test_search_api_lists_matching_suppliers_like_the_page(client: Any, db: Any) -> None:
    names = _active(db)
    target_id, target = next((i, n) for i, n in names.items() if n.startswith("Kestrel"))
    word = target.split()[0]
    body = client.get("/api/v1/search", params={"q": word}).json()
    assert target_id in [s["supplier_id"] for s in body["suppliers"]]
    page = client.get("/search", params={"q": word}).text
    section = page.split('id="supplier-matches-heading"', 1)[1].split("</section>", 1)[0]
    shown = [int(i) for i in re.findall(r'href="/suppliers/(\d+)"', section)]
    assert [s["supplier_id"] for s in body["suppliers"]][: len(shown)] == shown  # same matching, same order
    assert client.get("/api/v1/search").json()["suppliers"] == []
