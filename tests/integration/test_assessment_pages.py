"""Assessment pages (TestClient): list, create with validation, run, results (heatmap, tables, reasons,
recommendation, history), compare, scope edit with version check, and organisation isolation."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import DEMO_PASSWORD, USERS

HX = {"HX-Request": "true"}


def _token(html: str) -> str:
    found = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF field"
    return found.group(1)


def sign_in(client: Any, who: str) -> str:
    """Sign in through the login form; returns the CSRF token for later form posts."""
    form = client.get("/login")
    assert form.status_code == 200, form.text[:300]
    resp = client.post(
        "/login",
        data={"email": USERS[who], "password": DEMO_PASSWORD, "_csrf_token": _token(form.text)},
        follow_redirects=False,
    )
    assert resp.status_code in (301, 302, 303), resp.text[:300]
    return _token(form.text)  # the CSRF cookie outlives sign-in, so the form's token stays valid


def _create_via_form(client: Any, token: str, **fields: Any) -> str:
    data = {
        "_csrf_token": token,
        "name": "Page journey",
        "budget_capital": "£200,000",
        "budget_annual": "100000",
        "schedule": "none",
        **fields,
    }
    resp = client.post("/assessments", data=data, follow_redirects=False)
    assert resp.status_code in (302, 303), resp.text[:500]
    location = resp.headers["location"]
    assert re.fullmatch(r"/assessments/[0-9a-f]{32}", location)
    return location


def _run_via_form(client: Any, token: str, url: str) -> None:
    resp = client.post(f"{url}/runs", data={"_csrf_token": token}, follow_redirects=False)
    assert resp.status_code in (302, 303), resp.text[:500]
    assert resp.headers["location"] == url


def test_list_page_shows_form_and_own_assessments(client: Any) -> None:
    token = sign_in(client, "lead_a")
    url = _create_via_form(client, token, name="North West review")
    page = client.get("/assessments")
    assert page.status_code == 200
    assert "North West review" in page.text and f'href="{url}"' in page.text
    assert "Not run yet" in page.text
    assert 'action="/assessments"' in page.text and "Modern Slavery &amp; Human Trafficking" in page.text
    _run_via_form(client, token, url)
    listed = client.get("/assessments").text
    assert "Not run yet" not in listed and re.search(r"\d+\.\d%", listed)


def test_create_with_errors_keeps_values_and_names_fields(client: Any) -> None:
    token = sign_in(client, "lead_a")
    resp = client.post(
        "/assessments",
        data={
            "_csrf_token": token,
            "name": "",
            "workstreams": ["ECON", "CYBER"],
            "budget_capital": "lots",
            "budget_annual": "5000",
            "max_suppliers": "2.5",
            "min_sme_share": "150",
            "schedule": "weekly",
        },
    )
    assert resp.status_code == 400
    html = resp.text
    assert "govuk-error-summary" in html and html.count("govuk-error-message") == 4
    for anchor in ("#name", "#budget-capital", "#max-suppliers", "#min-sme-share"):
        assert f'href="{anchor}"' in html, anchor
    assert "<title>Error:" in html
    # Typed values are kept, including ticked boxes and the chosen radio.
    assert 'value="lots"' in html and 'value="5000"' in html and 'value="150"' in html
    assert re.search(r'value="ECON"\s+checked', html) and re.search(r'value="CYBER"\s+checked', html)
    assert not re.search(r'value="MSHT"\s+checked', html)
    assert re.search(r'value="weekly"\s+checked', html)
    # Nothing was created.
    assert "Your organisation has no assessments yet." in client.get("/assessments").text


def test_results_page_shows_heatmaps_tables_reasons_and_recommendation(client: Any) -> None:
    token = sign_in(client, "lead_a")
    url = _create_via_form(client, token)
    before = client.get(url).text
    assert "has not been run yet" in before and "Run assessment now" in before
    _run_via_form(client, token, url)
    page = client.get(url)
    assert page.status_code == 200 and page.headers.get("vary") == "HX-Request"
    html = page.text
    # Headline and priority chart.
    assert "Weighted coverage score" in html and 'id="by-priority-title"' in html
    # Both heatmaps as accessible SVG, each followed by its data table.
    for kind in ("4p", "5d"):
        assert f'id="heatmap-{kind}-title"' in html and 'role="img"' in html
        assert f'id="heatmap-table-{kind}"' in html
    assert "Pursue" in html and "Disrupt" in html
    # Gaps with status tags and the engine's reasons; candidate tools link to their pages.
    assert "govuk-tag--red" in html and "No coverage" in html
    assert 'data-reason="no_capability"' in html and "No inventory tool claims a capability" in html
    assert re.search(r'href="/tools/\d+"', html)
    # Skills gaps and the budgeted recommendation with method, gap and timing.
    assert 'id="skills-table"' in html and "Shortfall" in html
    assert 'id="chosen-table"' in html and "Exact optimum (HiGHS" in html
    assert "MIP gap" in html and "Solve time" in html and "of £200,000 budget" in html
    # History with the trend chart appears once there is a run.
    assert 'id="runs-table"' in html and 'id="trend-title"' in html


def test_rerun_shows_change_since_last_run_and_compare(client: Any) -> None:
    token = sign_in(client, "lead_a")
    url = _create_via_form(client, token)
    _run_via_form(client, token, url)
    # htmx run returns just the results fragment, with the "since the last run" summary.
    fragment = client.post(f"{url}/runs", data={"_csrf_token": token}, headers=HX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and 'id="results"' in fragment.text
    assert "Since the last run" in fragment.text and "Score unchanged" in fragment.text
    assert "0 gaps closed" in fragment.text
    links = re.findall(r'href="(/assessments/[0-9a-f]+/compare\?from=[0-9a-f]+&amp;to=[0-9a-f]+)"', fragment.text)
    assert links
    compare = client.get(links[0].replace("&amp;", "&"))
    assert compare.status_code == 200 and "What changed between two runs" in compare.text
    assert 'id="score-change"' in compare.text and "No gap was closed." in compare.text
    # Older runs have their own page.
    older = re.findall(r'href="(/assessments/[0-9a-f]+/runs/[0-9a-f]+)"', client.get(url).text)
    assert older
    old = client.get(older[0])
    assert old.status_code == 200 and "This is an earlier run." in old.text


def test_edit_checks_version(client: Any) -> None:
    token = sign_in(client, "lead_a")
    url = _create_via_form(client, token)
    form = client.get(f"{url}/edit")
    assert form.status_code == 200 and 'value="Page journey"' in form.text
    version = re.search(r'name="version" value="(\d+)"', form.text).group(1)  # type: ignore[union-attr]
    saved = client.post(
        f"{url}/edit",
        data={
            "_csrf_token": token,
            "name": "Renamed",
            "budget_capital": "1000",
            "budget_annual": "2000",
            "version": version,
        },
        follow_redirects=False,
    )
    assert saved.status_code in (302, 303)
    assert "Renamed" in client.get(url).text and "£1,000" in client.get(url).text
    stale = client.post(f"{url}/edit", data={"_csrf_token": token, "name": "Lost update", "version": version})
    assert stale.status_code == 409 and "Someone else changed this assessment" in stale.text
    assert 'value="Renamed"' in stale.text  # the form shows the current settings
    bad = client.post(f"{url}/edit", data={"_csrf_token": token, "name": "", "version": str(int(version) + 1)})
    assert bad.status_code == 400 and 'href="#name"' in bad.text
    assert "Lost update" not in client.get(url).text


@pytest.mark.parametrize("who", ["lead_b", "supplier_a"])
def test_other_organisations_get_404_everywhere(client: Any, app: Any, who: str) -> None:
    from litestar.testing import TestClient

    token = sign_in(client, "lead_a")
    url = _create_via_form(client, token)
    _run_via_form(client, token, url)
    _run_via_form(client, token, url)
    html = client.get(url).text
    run_url = re.findall(r'href="(/assessments/[0-9a-f]+/runs/[0-9a-f]+)"', html)[0]
    compare_url = re.findall(r'href="(/assessments/[0-9a-f]+/compare\?[^"]+)"', html)[0].replace("&amp;", "&")

    with TestClient(app=app) as other:
        other_token = sign_in(other, who)
        listing = other.get("/assessments")
        assert url not in listing.text
        for path in (url, f"{url}/edit", run_url, compare_url, f"{url}/compare"):
            assert other.get(path).status_code == 404, path
            assert other.get(path, headers=HX).status_code == 404, f"htmx {path}"
        assert other.post(f"{url}/runs", data={"_csrf_token": other_token}).status_code == 404
        assert other.post(f"{url}/runs", data={"_csrf_token": other_token}, headers=HX).status_code == 404
        assert (
            other.post(f"{url}/edit", data={"_csrf_token": other_token, "name": "x", "version": "1"}).status_code == 404
        )
    runs_after = re.findall(r'href="(/assessments/[0-9a-f]+/runs/[0-9a-f]+)"', client.get(url).text)
    assert len(runs_after) == 1  # two runs: the latest is shown, the older one linked; no new run was added


def test_procurement_officer_reads_but_cannot_run_or_edit(client: Any, app: Any) -> None:
    from litestar.testing import TestClient

    token = sign_in(client, "lead_a")
    url = _create_via_form(client, token)
    _run_via_form(client, token, url)
    with TestClient(app=app) as buyer:
        buyer_token = sign_in(buyer, "buyer_a")
        listing = buyer.get("/assessments")
        assert listing.status_code == 200 and url in listing.text and "Create assessment" not in listing.text
        page = buyer.get(url)
        assert page.status_code == 200 and "Weighted coverage score" in page.text
        assert "Run assessment now" not in page.text and f"{url}/edit" not in page.text
        assert buyer.post(f"{url}/runs", data={"_csrf_token": buyer_token}).status_code == 403
        assert buyer.get(f"{url}/edit").status_code == 403
        assert buyer.post("/assessments", data={"_csrf_token": buyer_token, "name": "x"}).status_code == 403


def test_anonymous_is_sent_to_sign_in(client: Any) -> None:
    resp = client.get("/assessments", follow_redirects=False)
    assert resp.status_code in (302, 303) and resp.headers["location"].startswith("/login")


def test_admin_creates_for_a_named_organisation(client: Any, app: Any) -> None:
    from litestar.testing import TestClient

    token = sign_in(client, "admin")
    form = client.get("/assessments")
    assert form.status_code == 200 and 'name="organisation_id"' in form.text
    missing = client.post("/assessments", data={"_csrf_token": token, "name": "Admin-made"})
    assert missing.status_code == 400 and 'href="#organisation-id"' in missing.text
    org = re.search(r'<option value="(\d+)"[^>]*>North Western Regional Organised Crime Unit', form.text)
    assert org, "buyer organisations are offered"
    url = _create_via_form(client, token, name="Admin-made", organisation_id=org.group(1))
    with TestClient(app=app) as lead:
        sign_in(lead, "lead_a")
        assert "Admin-made" in lead.get("/assessments").text
        assert lead.get(url).status_code == 200
    with TestClient(app=app) as other:
        sign_in(other, "lead_b")
        assert other.get(url).status_code == 404
