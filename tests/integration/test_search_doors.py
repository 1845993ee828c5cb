"""One search, every door: the search page, GET /api/v1/search and a procurement project's search
(API, page, saved and ended searches) parse the same parameters the same way and give the same
hits and facet counts; a bad parameter is named, never a 500; the OpenAPI declares every
parameter the parser reads."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

import pytest

from registry.search.query import BY_NAME, PARAMS, Kind
from tests.integration.test_browse_pages import found
from tests.integration.test_procurement import new_project, sign_in

PROBLEM = "application/problem+json"
CHECKBOX_RE = re.compile(
    r'<input class="govuk-checkboxes__input" id="[^"]*" name="(?P<name>\w+)" type="checkbox" '
    r'value="(?P<value>[^"]*)"[^>]*>\s*<label class="govuk-label govuk-checkboxes__label" for="[^"]*">'
    r"[^<]*? \((?P<count>[\d,]+)\)</label>"
)
TRL_RE = re.compile(r'<option value="(\d)"[^>]*>TRL \d or higher \(([\d,]+)\)</option>')
RESULT_RE = re.compile(r'app-result__title"><a class="govuk-link" href="/tools/(\d+)">')

# Query strings as a visitor's browser or an API client sends them.
QUERIES = [
    "",
    "capability=INT&capability=INT.NET",
    "workstream=ECON&workstream=CYBER",
    "workstream=CYBER&workstream=ECON&sme=true",
    "q=network+analysis&sort=price",
    "sort=name&per_page=5&page=2",
    "q=kestrel&hosting=uk&trl_min=5&verified=true",
    "classification=OFFICIAL&classification=SECRET&deployment=saas&four_p=pursue&five_d=detect&accredited=true",
    "trl_min=&max_price=&sort=-last_reviewed&q=",  # what a form sends with nothing chosen
]


def page_view(html: str) -> tuple[int, list[int], dict[tuple[str, str], int]]:
    """Total, tool ids in order and every facet count the search page shows."""
    counts = {(m["name"], m["value"]): int(m["count"].replace(",", "")) for m in CHECKBOX_RE.finditer(html)}
    counts |= {("trl_min", level): int(n.replace(",", "")) for level, n in TRL_RE.findall(html)}
    return found(html), [int(i) for i in RESULT_RE.findall(html)], counts


def api_count(facets: dict[str, dict[str, int]], name: str, value: str) -> int:
    """The API's count for what the page shows as option `value` of parameter `name`."""
    param = BY_NAME[name]
    assert param.facet
    counts = facets[param.facet]
    if name == "trl_min":  # the page offers "TRL n or higher": the levels from n up
        return sum(counts.get(str(level), 0) for level in range(int(value), 10))
    return counts.get(value, 0)


def api_search(client: Any, query_string: str) -> dict[str, Any]:
    resp = client.get("/api/v1/search?" + query_string)
    assert resp.status_code == 200, resp.text
    return resp.json()  # type: ignore[no-any-return]


# --- page and API -----------------------------------------------------------------------------


def test_the_page_and_the_api_give_the_same_hits_and_facet_counts(client: Any) -> None:
    groups_seen: set[str] = set()
    for query_string in QUERIES:
        resp = client.get("/search?" + query_string)
        assert resp.status_code == 200, (query_string, resp.text[:300])
        total, ids, counts = page_view(resp.text)
        api = api_search(client, query_string)
        assert total == api["total"], query_string
        assert ids == [h["tool_id"] for h in api["hits"]], query_string
        assert counts, query_string
        for (name, value), count in counts.items():
            assert count == api_count(api["facets"], name, value), (query_string, name, value)
        groups_seen |= {name for name, _ in counts}
    # every facet group the page offers was compared
    assert groups_seen == {p.name for p in PARAMS if p.facet}


def test_a_capability_with_its_area_means_the_capability_on_every_door(client: Any) -> None:
    both = api_search(client, "capability=INT&capability=INT.NET&per_page=100")
    leaf = api_search(client, "capability=INT.NET&per_page=100")
    area = api_search(client, "capability=INT&per_page=100")
    assert 0 < both["total"] == leaf["total"] < area["total"]
    assert [h["tool_id"] for h in both["hits"]] == [h["tool_id"] for h in leaf["hits"]]
    page = client.get("/search?capability=INT&capability=INT.NET").text
    assert found(page) == leaf["total"]
    assert 'value="INT" checked' in page and 'value="INT.NET" checked' in page  # both stay ticked


def test_facet_counts_of_a_chosen_group_ignore_its_own_choice(client: Any) -> None:
    econ = api_search(client, "workstream=ECON")
    cyber = api_search(client, "workstream=CYBER")
    # choosing CYBER as well would add exactly the CYBER tools the other filters allow
    assert econ["facets"]["workstream"]["CYBER"] == cyber["total"] > 0
    assert econ["facets"]["workstream"]["ECON"] == econ["total"]
    # ... while the other groups count within the chosen workstream
    assert sum(econ["facets"]["hosting"].values()) == econ["total"]
    sme = api_search(client, "workstream=ECON&sme=true")
    assert sme["facets"]["sme"]["true"] == econ["facets"]["sme"]["true"]
    assert sme["facets"]["workstream"]["ECON"] == sme["total"] < econ["total"]


def test_the_same_choice_in_another_order_is_the_same_search(client: Any) -> None:
    one = api_search(client, "workstream=ECON&workstream=CYBER&sort=price&per_page=50")
    other = api_search(client, "sort=price&workstream=CYBER&workstream=ECON&per_page=50")
    assert [h["tool_id"] for h in one["hits"]] == [h["tool_id"] for h in other["hits"]]
    assert one["facets"] == other["facets"]


# --- procurement ------------------------------------------------------------------------------


def test_a_project_search_finds_saves_and_freezes_what_the_public_search_finds(client: Any, auth: Any) -> None:
    buyer = auth("buyer_a")
    pid = new_project(client, buyer)["id"]
    query_string = "q=network+analysis&capability=INT&capability=INT.NET&hosting=uk&sort=name"
    public = api_search(client, query_string + "&per_page=100")
    assert 0 < public["total"] <= 30  # narrow enough to end the search
    public_ids = [h["tool_id"] for h in public["hits"]]

    project = client.get(f"/api/v1/projects/{pid}/search?{query_string}&per_page=100", headers=buyer)
    assert project.status_code == 200, project.text
    assert project.json()["facets"] == public["facets"]
    assert [h["tool_id"] for h in project.json()["hits"]] == public_ids  # sorted by name: no ties here

    pairs = parse_qsl(query_string)
    body = {"q": "network analysis", "filters": {k: [v for kk, v in pairs if kk == k] for k, _ in pairs if k != "q"}}
    saved = client.post(f"/api/v1/projects/{pid}/searches", json=body, headers=buyer)
    assert saved.status_code == 201, saved.text
    assert saved.json()["result_count"] == public["total"]

    # The project page with the same query string shows the same number of tools.
    sign_in(client, "buyer_a")
    page = client.get(f"/projects/{pid}/search?{query_string}")
    assert page.status_code == 200 and found(page.text) == public["total"]

    ended = client.post(f"/api/v1/projects/{pid}/end-search", json=body, headers=buyer)
    assert ended.status_code == 201, ended.text
    frozen = [r["tool_id"] for r in ended.json()["results"]]
    assert frozen == public_ids


def test_a_saved_search_in_the_stored_format_replays_on_the_project_page(client: Any, auth: Any) -> None:
    buyer = auth("buyer_a")
    pid = new_project(client, buyer)["id"]
    filters = {"workstream": ["ECON", "CYBER"], "sme": ["true"], "trl_min": ["3"], "sort": ["price"]}
    saved = client.post(f"/api/v1/projects/{pid}/searches", json={"q": "", "filters": filters}, headers=buyer)
    assert saved.status_code == 201, saved.text
    expected = api_search(client, "workstream=ECON&workstream=CYBER&sme=true&trl_min=3&sort=price")["total"]
    assert saved.json()["result_count"] == expected > 0
    sign_in(client, "buyer_a")
    overview = client.get(f"/projects/{pid}").text
    link = re.search(rf'href="(/projects/{pid}/search\?[^"]*)"', overview)
    assert link, "the saved search has no link to run it again"
    replay = client.get(link.group(1).replace("&amp;", "&"))
    assert replay.status_code == 200 and found(replay.text) == expected


def test_unknown_saved_filters_are_refused_by_name(client: Any, auth: Any) -> None:
    buyer = auth("buyer_a")
    pid = new_project(client, buyer)["id"]
    resp = client.post(
        f"/api/v1/projects/{pid}/searches", json={"q": "", "filters": {"colour": ["red"]}}, headers=buyer
    )
    assert resp.status_code == 422 and resp.headers["content-type"].startswith(PROBLEM)
    assert [e["field"] for e in resp.json()["errors"]] == ["filters"]


# --- bad parameters ---------------------------------------------------------------------------

BAD = [
    ("trl_min=0", ["trl_min"]),
    ("sort=password", ["sort"]),
    ("workstream=ECON&workstream=NOPE", ["workstream"]),
    ("sme=maybe", ["sme"]),
    ("page=x", ["page"]),
    ("per_page=101", ["per_page"]),
    ("classification=PUBLIC", ["classification"]),
    ("capability=not%20a%20code", ["capability"]),
    ("max_price=cheap", ["max_price"]),
    ("q=" + "x" * 201, ["q"]),
    ("sort=price&sort=name", ["sort"]),
    ("trl_min=99&hosting=mars", ["trl_min", "hosting"]),
]


@pytest.mark.parametrize(("query_string", "fields"), BAD)
def test_a_bad_parameter_is_named_by_every_door(client: Any, auth: Any, query_string: str, fields: list[str]) -> None:
    api = client.get("/api/v1/search?" + query_string)
    assert api.status_code == 422 and api.headers["content-type"].startswith(PROBLEM), api.text
    assert [e["field"] for e in api.json()["errors"]] == fields

    page = client.get("/search?" + query_string)
    assert page.status_code == 400 and "There is a problem with your search" in page.text
    assert re.findall(r'<li data-field="(\w+)">', page.text) == fields

    buyer = auth("buyer_a")
    pid = new_project(client, buyer)["id"]
    project_api = client.get(f"/api/v1/projects/{pid}/search?{query_string}", headers=buyer)
    assert project_api.status_code == 422 and [e["field"] for e in project_api.json()["errors"]] == fields

    csrf = sign_in(client, "buyer_a")
    project_page = client.get(f"/projects/{pid}/search?{query_string}")
    assert project_page.status_code == 400 and "govuk-error-summary" in project_page.text
    for field in fields:
        assert BY_NAME[field].label in project_page.text
    form: dict[str, Any] = {"_csrf_token": csrf}
    for key, value in parse_qsl(query_string):
        form.setdefault(key, []).append(value)
    for action in ("searches", "end-search"):
        posted = client.post(f"/projects/{pid}/{action}", data=form, follow_redirects=False)
        assert posted.status_code == 400 and "govuk-error-summary" in posted.text, action


# --- OpenAPI ----------------------------------------------------------------------------------

OPENAPI_TYPES = {
    Kind.TEXT: "string",
    Kind.CHOICE: "string",
    Kind.CODE: "string",
    Kind.INT: "integer",
    Kind.NUMBER: "number",
    Kind.FLAG: "boolean",
}
SEARCH_PATHS = ["/api/v1/search", "/api/v1/projects/{project_id}/search"]


@pytest.mark.parametrize("path", SEARCH_PATHS)
def test_openapi_declares_every_search_parameter(client: Any, path: str) -> None:
    spec = client.get("/schema/openapi.json").json()
    declared = {p["name"]: p for p in spec["paths"][path]["get"]["parameters"] if p["in"] == "query"}
    assert list(declared) == [p.name for p in PARAMS]
    for param in PARAMS:
        got = declared[param.name]
        assert got["required"] is False and got["allowEmptyValue"] is True
        assert got["description"] == param.help
        schema = got["schema"]
        if param.multi:
            assert schema["type"] == "array" and got["explode"] is True, param.name
            assert schema.get("maxItems") == param.max_items
            schema = schema["items"]
        else:
            assert schema.get("default") == param.default, param.name
        assert schema["type"] == OPENAPI_TYPES[param.kind], param.name
        assert schema.get("enum") == (list(param.choices) or None), param.name
        assert schema.get("minimum") == param.minimum and schema.get("maximum") == param.maximum, param.name
        assert schema.get("maxLength") == param.max_length and schema.get("pattern") == param.pattern, param.name


def test_openapi_spot_checks(client: Any) -> None:
    """Independent of the declaration: what a generated client relies on."""
    spec = client.get("/schema/openapi.json").json()
    params = {p["name"]: p["schema"] for p in spec["paths"]["/api/v1/search"]["get"]["parameters"]}
    assert params["workstream"] == {
        "type": "array",
        "items": {"type": "string", "enum": ["MSHT", "ECON", "BLUEGREEN", "GANGS", "VICTIMS", "CYBER", "CONFLICT"]},
    }
    assert params["trl_min"] == {"type": "integer", "minimum": 1, "maximum": 9}
    assert params["per_page"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}
    assert params["sme"] == {"type": "boolean", "default": False}
    assert params["max_price"]["type"] == "number" and params["max_price"]["minimum"] == 0
    assert {"relevance", "name", "-name", "price", "-price", "-last_reviewed"} <= set(params["sort"]["enum"])
    assert params["capability"]["items"]["pattern"] and params["q"]["maxLength"] == 200


def test_the_api_accepts_what_its_openapi_allows_and_refuses_what_it_does_not(client: Any) -> None:
    """Read from the served document, not the declaration: every enum value and both bounds pass,
    a value outside them is refused naming the parameter."""
    spec = client.get("/schema/openapi.json").json()
    for p in spec["paths"]["/api/v1/search"]["get"]["parameters"]:
        name, schema = p["name"], p["schema"]
        value_schema = schema["items"] if schema["type"] == "array" else schema
        good: list[str] = []
        bad: list[str] = []
        if "enum" in value_schema:
            good += value_schema["enum"]
            bad.append("not-a-" + name)
        if "minimum" in value_schema:
            low, high = value_schema["minimum"], value_schema["maximum"]
            good += [str(low), str(high)]
            bad += [str(low - 1), str(high + 1)]
        if value_schema["type"] == "boolean":
            good += ["true", "false"]
            bad.append("maybe")
        if "maxLength" in value_schema:
            good.append("A" * value_schema["maxLength"])
            bad.append("A" * (value_schema["maxLength"] + 1))
        assert good and bad, name
        for value in good:
            resp = client.get("/api/v1/search", params={name: value, "per_page": 1})
            assert resp.status_code == 200, (name, value, resp.text[:200])
        for value in bad:
            resp = client.get("/api/v1/search", params={name: value})
            assert resp.status_code == 422, (name, value)
            assert [e["field"] for e in resp.json()["errors"]] == [name]


def test_the_search_error_page_names_parameters_as_people_write_them(client: Any) -> None:
    # Jinja's capitalize would print "Sme filter"; the label is written "SME filter".
    page = client.get("/search?sme=maybe&trl_min=abc")
    assert page.status_code == 400
    assert "SME filter:</span>" in page.text and "Sme filter" not in page.text
    assert "Lowest technology readiness level:</span>" in page.text
