"""Chosen search filters are shown above the results as tags, each a link to the same search
without it, with "Clear filters"; the home page browses by capability area into that search."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

TAG = re.compile(
    r'<a class="app-filter-tag" href="([^"]+)"><span class="govuk-visually-hidden">Remove this filter: </span>([^<]+)</a>'
)


def _tags(page: str) -> dict[str, str]:
    return {html.unescape(label): html.unescape(href) for href, label in TAG.findall(page)}


def _found(page: str) -> int:
    match = re.search(r'id="results-heading"[^>]*>([\d,]+) tools? found', page)
    assert match, "no results heading"
    return int(match.group(1).replace(",", ""))


def test_no_tags_without_filters(client: Any, db: Any) -> None:
    page = client.get("/search", params={"q": "network"}).text
    assert "Selected filters" not in page and not _tags(page)


def test_each_tag_removes_its_own_filter(client: Any, db: Any) -> None:
    params = [
        ("q", "analysis"),
        ("workstream", "ECON"),
        ("hosting", "uk"),
        ("classification", "OFFICIAL_SENSITIVE"),
        ("trl_min", "5"),
        ("sme", "true"),
        ("page", "1"),
    ]
    page = client.get("/search", params=params).text
    assert "Selected filters" in page
    tags = _tags(page)
    assert set(tags) == {
        "Economic & Financial Crime",
        "UK",
        "OFFICIAL-SENSITIVE",
        "TRL 5 or higher",
        "SME suppliers only",
    }
    filtered = _found(page)
    for label, href in tags.items():
        kept = parse_qsl(urlsplit(href).query)
        assert urlsplit(href).path == "/search"
        assert ("q", "analysis") in kept and ("page", "1") not in kept, label
        assert len(kept) == len(params) - 2, (label, kept)  # exactly this one value (and the page) gone
        wider = client.get(href).text
        assert label not in _tags(wider) and len(_tags(wider)) == len(tags) - 1
        assert _found(wider) >= filtered
    summary = page.split('class="app-filter-summary"', 1)[1].split("</ul>", 1)[0]
    clear = re.search(r'<a class="govuk-link[^"]*" href="([^"]+)">Clear filters</a>', summary)
    assert clear and html.unescape(clear.group(1)) == "/search?q=analysis"


def test_capability_tags_name_the_capability(client: Any, db: Any) -> None:
    page = client.get("/search", params=[("capability", "INT"), ("capability", "INT.NET")]).text
    tags = _tags(page)
    assert len(tags) == 2 and "INT" not in tags and "INT.NET" not in tags  # names, not codes
    narrower = [label for label, href in tags.items() if "INT.NET" not in href]
    assert len(narrower) == 1  # removing the capability keeps the area, and the other way round


def test_home_browses_by_capability_area(client: Any, db: Any) -> None:
    home = client.get("/").text
    assert "Browse by capability" in home
    links = re.findall(
        r'<a class="govuk-link govuk-link--no-visited-state" href="(/search\?capability=[^"]+)">([^<]+)</a>'
        r' <span class="govuk-body-s app-browse-list__count">([\d,]+) tools?</span>',
        home,
    )
    assert len(links) >= 3
    api_total = 0
    for href, name, count in links:
        code = dict(parse_qsl(urlsplit(html.unescape(href)).query))["capability"]
        assert "." not in code  # top-level areas only
        page = client.get(html.unescape(href)).text
        assert _found(page) == int(count.replace(",", "")), name
        assert html.unescape(name) in _tags(page)  # the search shows the area as a chosen filter
        api_total += client.get("/api/v1/search", params={"capability": code}).json()["total"]
    assert api_total >= client.get("/api/v1/search").json()["total"] > 0
