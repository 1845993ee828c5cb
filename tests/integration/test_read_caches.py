"""The public read caches (tool page read models, rendered search regions) never serve a page
that a viewer should not see, and follow listing changes: at once for the people who edit
listings, within the freshness interval (forced to 0 here) for everyone else."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from registry.search.engine import SearchIndex
from registry.search.service import service_for
from registry.tools import read_cache
from tests.integration.test_browse_pages import csrf_of, result_names, sign_in, tool_id

NEW_TOOL = {
    "name": "Cachewing Draft Analyser",
    "summary": "Draft listing used to test the read caches",
    "classification": "OFFICIAL",
    "trl": 6,
    "hosting": "uk",
    "deployments": ["saas"],
    "workstreams": ["BLUEGREEN"],
    "four_ps": ["pursue"],
    "five_ds": ["detect"],
    "capabilities": [{"node_code": "INT.NET", "state": "claimed", "evidence": ""}],
    "price_annual": 1000,
}


@pytest.fixture
def second(app: Any) -> Iterator[Any]:
    """Another browser on the same server (its own cookies)."""
    with TestClient(app=app) as c:
        yield c


def _edit(client: Any, tid: int, body: dict[str, Any], headers: dict[str, str]) -> None:
    version = client.get(f"/api/v1/tools/{tid}", headers=headers).json()["version"]
    resp = client.patch(f"/api/v1/tools/{tid}", json=body, headers={**headers, "If-Match": f'"{version}"'})
    assert resp.status_code == 200, resp.text


def test_a_draft_its_supplier_viewed_is_never_served_to_others(client: Any, second: Any, auth: Any) -> None:
    created = client.post("/api/v1/tools", json=NEW_TOOL, headers=auth("supplier_a"))
    assert created.status_code == 201, created.text
    draft = created.json()["id"]
    sign_in(client, "supplier_a")
    assert "Cachewing Draft Analyser" in client.get(f"/tools/{draft}").text
    assert second.get(f"/tools/{draft}").status_code == 404
    sign_in(second, "supplier_b")
    assert second.get(f"/tools/{draft}").status_code == 404


def test_supplier_sees_own_edit_at_once_and_the_public_after_the_check(
    client: Any, second: Any, auth: Any, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    tid = tool_id(db, "Kestrel Link")
    assert second.get(f"/tools/{tid}").status_code == 200  # the public copy is now cached
    sign_in(client, "supplier_a")
    assert client.get(f"/tools/{tid}").status_code == 200
    _edit(client, tid, {"summary": "Freshly edited summary"}, auth("supplier_a"))
    assert "Freshly edited summary" in client.get(f"/tools/{tid}").text  # the editor: no wait
    monkeypatch.setattr(read_cache, "CHECK_INTERVAL_S", 0.0)
    assert "Freshly edited summary" in second.get(f"/tools/{tid}").text


def test_a_retired_tool_leaves_the_public_page(
    client: Any, auth: Any, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(read_cache, "CHECK_INTERVAL_S", 0.0)
    tid = tool_id(db, "Kestrel Link")
    assert client.get(f"/tools/{tid}").status_code == 200
    retired = client.delete(f"/api/v1/tools/{tid}", headers=auth("admin"))
    assert retired.status_code in (200, 204), retired.text
    assert client.get(f"/tools/{tid}").status_code == 404


def test_search_region_follows_each_visitors_basket(client: Any, second: Any, db: Any) -> None:
    tid = tool_id(db, "Kestrel Link")
    token = csrf_of(client.get("/search").text)
    client.post("/compare/basket", data={"add": tid, "next": "/search", "_csrf_token": token})
    mine = client.get("/search", params={"q": "kestrel"}).text
    theirs = second.get("/search", params={"q": "kestrel"}).text
    assert 'Remove from compare<span class="govuk-visually-hidden"> Kestrel Link' in mine
    assert 'Add to compare<span class="govuk-visually-hidden"> Kestrel Link' in theirs
    assert "Compare 1 selected tool" in mine and "Compare 1 selected tool" not in theirs
    # htmx gets the region alone, the same results
    fragment = second.get("/search", params={"q": "kestrel"}, headers={"HX-Request": "true"}).text
    assert "<html" not in fragment and result_names(fragment) == result_names(theirs)


def test_search_region_shows_a_renamed_tool_after_the_check(
    client: Any, auth: Any, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    tid = tool_id(db, "Kestrel Link")
    assert "Kestrel Link" in result_names(client.get("/search", params={"q": "kestrel"}).text)
    _edit(client, tid, {"name": "Kestrel Linkage"}, auth("supplier_a"))
    monkeypatch.setattr("registry.search.service.CHECK_INTERVAL_S", 0.0)
    names = result_names(client.get("/search", params={"q": "kestrel"}).text)
    assert "Kestrel Linkage" in names and "Kestrel Link" not in names


def test_a_large_index_rebuilds_in_the_background_and_keeps_answering(
    client: Any, auth: Any, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = service_for(db.engine)
    monkeypatch.setattr("registry.search.service.CHECK_INTERVAL_S", 0.0)
    monkeypatch.setattr("registry.search.service.BACKGROUND_REBUILD_FROM", 0)  # treat the demo as large
    assert client.get("/api/v1/search", params={"q": "zanzibar"}).json()["total"] == 0
    old = service.index
    built_on: list[str] = []
    real_build = SearchIndex.build.__func__  # type: ignore[attr-defined]

    def recording_build(cls: Any, *args: Any, **kwargs: Any) -> Any:
        built_on.append(threading.current_thread().name)
        return real_build(cls, *args, **kwargs)

    monkeypatch.setattr(SearchIndex, "build", classmethod(recording_build))
    h = auth("moderator")
    nodes = client.get("/api/v1/taxonomy", params={"per_page": 200}, headers=h).json()["items"]
    net = next(n for n in nodes if n["code"] == "INT.NET")
    renamed = client.patch(
        f"/api/v1/taxonomy/{net['id']}", json={"name": "Zanzibar link charting", "version": net["version"]}, headers=h
    )
    assert renamed.status_code == 200, renamed.text
    # A taxonomy change needs a full rebuild: it starts in the background, the old index answers.
    assert client.get("/api/v1/search", params={"q": "network"}).status_code == 200
    deadline = time.monotonic() + 30
    while (service.index is old or service._rebuilding) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert service.index is not old and not service._rebuilding
    assert built_on == ["search-rebuild"]  # not on the request's thread
    assert client.get("/api/v1/search", params={"q": "zanzibar"}).json()["total"] > 0
