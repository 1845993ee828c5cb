"""Public browse pages: search with facets, tool page, supplier page, compare and its basket."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.tools.models import Tool
from tests.conftest import DEMO_PASSWORD, USERS

CSRF_RE = re.compile(r'name="_csrf_token" value="([^"]+)"|<meta name="csrf-token" content="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match and (match.group(1) or match.group(2)), "page has no CSRF token"
    return match.group(1) or match.group(2)


def sign_in(client: Any, who: str) -> None:
    page = client.get("/")  # any page carries the CSRF token the sign-in form uses
    resp = client.post(
        "/login",
        data={"email": USERS[who], "password": DEMO_PASSWORD, "_csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert resp.status_code in (302, 303), resp.text[:500]


def tool_id(db: Any, name: str) -> int:
    with Session(db.engine) as s:
        return int(s.execute(select(Tool.id).where(Tool.name == name)).scalar_one())


def found(html: str) -> int:
    match = re.search(r'id="results-heading"[^>]*>([\d,]+) tools? found', html)
    assert match, "no results heading"
    return int(match.group(1).replace(",", ""))


def result_names(html: str) -> list[str]:
    return [
        unescape(n) for n in re.findall(r'app-result__title"><a class="govuk-link" href="/tools/\d+">([^<]+)</a>', html)
    ]


def facet_count(html: str, label: str) -> int:
    match = re.search(re.escape(label) + r" \(([\d,]+)\)</label>", html)
    assert match, f"no facet option {label!r}"
    return int(match.group(1).replace(",", ""))


# --- search -----------------------------------------------------------------------------------


def test_search_renders_results_and_facet_counts(client: Any) -> None:
    resp = client.get("/search", params={"q": "kestrel"})
    assert resp.status_code == 200
    html = resp.text
    assert {"Kestrel Link", "Kestrel Timeline", "Kestrel Assess"} <= set(result_names(html))
    assert "Why this matched:" in html and "in name" in html
    api = client.get("/api/v1/search", params={"q": "kestrel"}).json()
    assert found(html) == api["total"]
    # facet counts agree with the engine's (no facet selected, so no relaxation applies)
    assert facet_count(html, "Pursue") == api["facets"]["four_p"]["pursue"]
    assert facet_count(html, "Economic &amp; Financial Crime") == api["facets"]["workstream"]["ECON"]
    assert facet_count(html, "SME suppliers only") == api["facets"]["sme"]["true"]


def test_misspelt_query_still_finds_the_tool(client: Any) -> None:
    html = client.get("/search", params={"q": "kestral timline"}).text
    assert result_names(html)[0] == "Kestrel Timeline"
    assert "“kestral” matched “kestrel” in name" in unescape(html)


def test_filters_narrow_the_results(client: Any) -> None:
    everything = found(client.get("/search").text)
    sme = client.get("/search", params={"sme": "true"}).text
    assert 0 < found(sme) < everything
    api = client.get("/api/v1/search", params={"sme": "true", "per_page": 100}).json()
    assert all(h["sme"] for h in api["hits"]) and found(sme) == api["total"]
    both = client.get("/search", params=[("sme", "true"), ("workstream", "ECON")]).text
    assert 0 < found(both) <= found(sme)
    assert 'value="ECON" checked' in both and 'id="sme" name="sme" type="checkbox" value="true"' in both


def test_facet_counts_ignore_their_own_group(client: Any) -> None:
    """Choosing one workstream must not zero the others: values in a group are ORed."""
    one = client.get("/search", params={"workstream": "ECON"}).text
    econ_only = found(one)
    cyber = facet_count(one, "Cyber-Crime &amp; Online Criminal Markets")
    both = found(client.get("/search", params=[("workstream", "ECON"), ("workstream", "CYBER")]).text)
    assert cyber > 0 and both > econ_only
    assert facet_count(one, "Economic &amp; Financial Crime") == econ_only


def test_capability_leaf_narrows_its_area(client: Any) -> None:
    area = client.get("/search", params={"capability": "INT"}).text
    assert 'value="INT.NET"' in area  # leaves of a chosen area are offered
    leaf = client.get("/search", params=[("capability", "INT"), ("capability", "INT.NET")]).text
    assert 0 < found(leaf) < found(area)


def test_sort_and_pagination_keep_the_query(client: Any) -> None:
    html = client.get("/search", params={"sort": "price", "per_page": "5"}).text
    assert len(result_names(html)) == 5
    nxt = re.search(r'href="(/search\?[^"]*)" rel="next"', html)
    assert nxt and sorted(unescape(nxt.group(1)).split("?")[1].split("&")) == ["page=2", "per_page=5", "sort=price"]
    api = client.get("/api/v1/search", params={"sort": "price", "per_page": 5}).json()
    assert result_names(html) == [h["name"] for h in api["hits"]]


def test_bad_parameters_give_a_styled_400_page(client: Any) -> None:
    for params in (
        {"trl_min": "99"},
        {"sort": "password"},
        {"workstream": "NOPE"},
        {"sme": "maybe"},
        {"page": "x"},
        {"classification": "PUBLIC"},
    ):
        resp = client.get("/search", params=params)
        assert resp.status_code == 400, params
        assert "There is a problem with your search" in resp.text
        assert 'class="govuk-template"' in resp.text  # the full styled layout, not a bare error


def test_htmx_request_gets_the_results_fragment(client: Any) -> None:
    resp = client.get("/search", params={"q": "anpr"}, headers={"HX-Request": "true"})
    assert resp.status_code == 200
    assert "<html" not in resp.text and 'id="results-heading"' in resp.text
    assert 'data-hx-swap-oob="true"' in resp.text  # the live status line is updated too
    assert "HX-Request" in resp.headers["vary"]
    full = client.get("/search", params={"q": "anpr"})
    assert "<html" in full.text and 'data-hx-get="/search"' in full.text and 'data-hx-push-url="true"' in full.text


# --- tool and supplier pages ------------------------------------------------------------------


def test_tool_page_shows_everything_and_expired_accreditation(client: Any, db: Any) -> None:
    tid = tool_id(db, "Kestrel Timeline")
    resp = client.get(f"/tools/{tid}")
    assert resp.status_code == 200
    html = resp.text
    assert "Kestrel Analytics Ltd" in html and "Temporal analysis at level 4" in html
    expired = re.search(r"Cyber Essentials Plus</span>.*?govuk-tag--(\w+)\">(\w+)", html, re.S)
    assert expired and expired.groups() == ("red", "Expired")
    assert re.search(r"ISO/IEC 27001</span>.*?govuk-tag--green\">Current", html, re.S)
    for text in ("OFFICIAL-SENSITIVE", "TRL 9 of 9", "£16,000 a year", "Pursue", "Intelligence analysis ›"):
        assert text in unescape(html), text


def test_tool_page_warns_when_expiring_soon_and_stale(client: Any, db: Any) -> None:
    soon = client.get(f"/tools/{tool_id(db, 'Signalyard Cellsite')}").text
    assert 'govuk-tag--orange">Expires soon' in soon
    stale = client.get(f"/tools/{tool_id(db, 'Ferrous Persona')}").text
    assert "more than 12 months ago" in stale
    fresh = client.get(f"/tools/{tool_id(db, 'Kestrel Link')}").text
    assert "more than 12 months ago" not in fresh


def test_drafts_are_not_visible_to_anonymous_visitors(client: Any, db: Any) -> None:
    draft = tool_id(db, "Stonechat Prototype Graph")
    resp = client.get(f"/tools/{draft}")
    assert resp.status_code == 404 and "Tool not found" in resp.text
    assert client.get("/tools/999999").status_code == 404
    assert "Stonechat Prototype Graph" not in client.get("/search", params={"q": "stonechat"}).text
    sign_in(client, "moderator")
    shown = client.get(f"/tools/{draft}")
    assert shown.status_code == 200 and "This listing is not published" in shown.text


def test_supplier_page_lists_published_tools_only(client: Any, db: Any) -> None:
    with Session(db.engine) as s:
        supplier_id = s.get(Tool, tool_id(db, "Stonechat Sift")).supplier_id  # type: ignore[union-attr]
    html = client.get(f"/suppliers/{supplier_id}").text
    assert "Stonechat Sift" in html and "Stonechat Prototype Graph" not in html


# --- compare ----------------------------------------------------------------------------------


def test_compare_highlights_rows_that_differ(client: Any, db: Any) -> None:
    ids = [tool_id(db, n) for n in ("Kestrel Link", "Kestrel Timeline", "Kestrel Assess")]
    resp = client.get("/compare", params=[("ids", i) for i in ids])
    assert resp.status_code == 200
    rows = dict(
        re.findall(r'<th scope="row" class="govuk-table__header">([^<]+?)(?: <strong|</th>)(.*?)</tr>', resp.text, re.S)
    )
    # same supplier for all three: not highlighted; TRL 8/9/8 differs: highlighted and announced
    assert "app-diff" not in rows["Supplier"] and "(differs)" not in rows["Supplier"]
    assert rows["Technology readiness (TRL)"].count('app-diff"') == 3
    assert rows["Technology readiness (TRL)"].count("(differs)") == 3


def test_compare_needs_two_to_six_tools(client: Any, db: Any) -> None:
    one = client.get("/compare", params={"ids": tool_id(db, "Kestrel Link")})
    assert one.status_code == 400 and "Choose at least 2 tools to compare. You chose 1." in one.text
    seven = client.get("/compare", params=[("ids", i) for i in range(1, 8)])
    assert seven.status_code == 400 and "You can compare up to 6 tools at once. You chose 7." in seven.text
    junk = client.get("/compare", params={"ids": "abc"})
    assert junk.status_code == 400 and "is not a tool id" in unescape(junk.text)
    empty = client.get("/compare")
    assert empty.status_code == 200 and "Choose between 2 and 6 tools" in empty.text


def test_compare_basket_in_the_session(client: Any, db: Any) -> None:
    names = ["Kestrel Link", "Halwyn Extract", "Roadmark ANPR Insight"]
    token = csrf_of(client.get("/search").text)
    for name in names:
        resp = client.post(
            "/compare/basket",
            data={"add": tool_id(db, name), "next": "/search?q=x", "_csrf_token": token},
            follow_redirects=False,
        )
        assert resp.status_code in (302, 303) and resp.headers["location"] == "/search?q=x"
    page = client.get("/compare").text
    assert all(n in page for n in names) and "Comparing 3 tools" in page
    client.post("/compare/basket", data={"remove": tool_id(db, "Halwyn Extract"), "_csrf_token": token})
    page = client.get("/compare").text
    assert "Halwyn Extract" not in page and "Comparing 2 tools" in page
    # an external "next" is never followed
    resp = client.post(
        "/compare/basket",
        data={"clear": "1", "next": "https://evil.example/", "_csrf_token": token},
        follow_redirects=False,
    )
    assert resp.headers["location"] == "/"
    assert "Choose between 2 and 6 tools" in client.get("/compare").text


def test_basket_holds_at_most_six(client: Any) -> None:
    api = client.get("/api/v1/search", params={"per_page": 7}).json()
    token = csrf_of(client.get("/search").text)
    for hit in api["hits"]:
        client.post("/compare/basket", data={"add": hit["tool_id"], "_csrf_token": token})
    page = client.get("/compare").text
    assert "Comparing 6 tools" in page
    assert api["hits"][6]["name"] not in page
