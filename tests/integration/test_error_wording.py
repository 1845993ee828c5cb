"""Error messages say what is wrong in words: which score of which tool, which requirement
already has a code; never an internal id. A batch of scores with one bad entry comes back with
every typed value kept and every problem named at once."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from tests.integration.test_browse_pages import csrf_of, sign_in

SCORE_FIELD = re.compile(r'name="score-(\d+)-([a-z0-9-]+)"')


def _evaluation(client: Any) -> tuple[str, str, dict[int, str], list[str]]:
    """A draft evaluation of two tools made through the pages: (url, token, names, criteria keys)."""
    sign_in(client, "buyer_a")
    token = csrf_of(client.get("/shortlists").text)
    tools = [h for h in client.get("/api/v1/search", params={"per_page": 2}).json()["hits"]]
    made = client.post("/shortlists", data={"name": "Wording", "_csrf_token": token}, follow_redirects=False)
    sid = made.headers["location"].rsplit("/", 1)[1]
    client.post(
        "/shortlists/add",
        data={"shortlist_id": sid, "tool_id": [str(t["tool_id"]) for t in tools], "_csrf_token": token},
    )
    created = client.post(
        "/evaluations",
        data={"name": "Wording", "shortlist_id": sid, "price_years": "3", "_csrf_token": token},
        follow_redirects=False,
    )
    assert created.status_code in (302, 303), created.text[:300]
    url = created.headers["location"]
    page = client.get(url).text
    keys = list(dict.fromkeys(k for _t, k in SCORE_FIELD.findall(page)))
    assert keys, "no score fields"
    return url, token, {int(t["tool_id"]): t["name"] for t in tools}, keys


def _labels(page: str) -> dict[str, str]:
    """Criterion key -> its label, read from the score legends."""
    out: dict[str, str] = {}
    for key in set(k for _t, k in SCORE_FIELD.findall(page)):
        legend = re.search(
            r'<legend[^>]*>([^<]+?) <span[^>]*>[^<]*</span><span class="govuk-visually-hidden"> for [^<]+</span></legend>\s*'
            r'<div class="govuk-form-group[^"]*">\s*<label class="govuk-label" for="score-\d+-' + re.escape(key),
            page,
        )
        assert legend, key
        out[key] = unescape(legend.group(1)).strip()
    return out


def test_one_bad_score_keeps_every_typed_value_and_names_each_problem(client: Any, db: Any) -> None:
    url, token, names, keys = _evaluation(client)
    labels = _labels(client.get(url).text)
    (a, name_a), (b, name_b) = list(names.items())
    form: dict[str, str] = {"_csrf_token": token}
    for tid in (a, b):
        for i, key in enumerate(keys):
            form[f"score-{tid}-{key}"] = str(61 + i)
            form[f"reason-{tid}-{key}"] = f"Reason {tid} {key}"
    first, second = keys[0], keys[-1]
    form[f"score-{a}-{first}"] = "eighty"  # not a number
    form[f"reason-{b}-{second}"] = ""  # a score without a reason
    refused = client.post(f"{url}/scores", data=form)
    assert refused.status_code == 400
    text = unescape(refused.text)
    assert f"Enter the {labels[first]} score of {name_a} as a number from 0 to 100" in text
    assert f"Give a reason for the {labels[second]} score of {name_b}" in text
    assert "Give a reason for this score" not in text
    # Every value typed comes back, the bad one included.
    for field, value in form.items():
        if field.startswith("score-"):
            assert re.search(rf'name="{re.escape(field)}"[^>]*value="{re.escape(value)}"', refused.text), field
        elif field.startswith("reason-") and value:
            assert f">{value}</textarea>" in text, field
    assert "Not scored" not in text
    # Nothing was saved from the refused batch.
    assert client.get(url).text.count("Reason ") == 0


def test_incomplete_scores_are_named_without_ids(client: Any, db: Any) -> None:
    url, _token, names, _keys = _evaluation(client)
    page = unescape(client.get(url).text)
    assert not re.search(r"\b\d+: missing scores", page)
    for name in names.values():
        assert re.search(re.escape(name) + r" still needs scores for \w", page), name


def test_duplicate_requirement_code_names_the_requirement_that_has_it(client: Any, db: Any, auth: Any) -> None:
    lead = auth("lead_a")
    existing = client.get("/api/v1/requirements", params={"per_page": 1, "sort": "code"}, headers=lead).json()["items"][
        0
    ]
    body = {
        "code": existing["code"],
        "title": "Another",
        "capability_code": existing["capability_code"],
        "priority": "must",
    }
    api = client.post("/api/v1/requirements", json=body, headers=lead)
    assert api.status_code in (409, 422), api.text
    message = f"{existing['code']} is already used by the requirement “{existing['title']}”: choose another code"
    assert message in api.text
    sign_in(client, "lead_a")
    token = csrf_of(client.get("/requirements/new").text)
    page = client.post(
        "/requirements/new",
        data={
            "_csrf_token": token,
            "code": existing["code"],
            "title": "Another",
            "capability_code": existing["capability_code"],
            "priority": "must",
            "weight": "1",
        },
    )
    assert page.status_code == 400
    assert message in unescape(page.text)
    assert 'href="#code"' in page.text


def test_a_bad_price_names_the_tool_and_keeps_what_was_typed(client: Any, db: Any) -> None:
    url, token, names, _keys = _evaluation(client)
    (a, name_a), (b, _name_b) = list(names.items())
    refused = client.post(f"{url}/prices", data={"_csrf_token": token, f"price-{a}": "lots", f"price-{b}": "1200"})
    assert refused.status_code == 400
    assert f"Enter the whole-life price of {name_a} as £0 or more" in unescape(refused.text)
    assert re.search(rf'name="price-{a}"[^>]*value="lots"', refused.text)
    assert re.search(rf'name="price-{b}"[^>]*value="1200"', refused.text)
