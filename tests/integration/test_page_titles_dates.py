"""Everyday page quality across the main pages: one title rule ("Page – SOC Capability Registry",
the home page just the service name, never doubled), one date style (GOV.UK: "4 December 2026",
"4 December 2026 at 6:30pm"), and the header's "Name, Organisation" without doubled brackets."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape
from typing import Any

from sqlalchemy import select

from assessments.reports import services as reports
from registry.accounts.models import Organisation, User
from registry.db import session_scope
from registry.formatting import date_time, long_date, time_of_day
from tests.conftest import USERS
from tests.integration.test_evaluations import actor, login
from tests.integration.test_procurement import new_project
from tests.integration.test_reports import _gap_run

SERVICE = "SOC Capability Registry"
TITLE = re.compile(rf"^(Error: )?(?:(?P<page>.+) – )?{SERVICE}$")
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
SHORT_MONTH = re.compile(r"\b\d{1,2} (Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec) \d{4}\b")
GOVUK_DATE_TIME = re.compile(rf"\b\d{{1,2}} ({MONTHS}) \d{{4}} at (\d{{1,2}}(:\d{{2}})?(am|pm)|midday|midnight)\b")
CLOCK_24 = re.compile(rf"({MONTHS}) \d{{4}},? \d{{2}}:\d{{2}}")
ISO_DAY = re.compile(r"\b20\d\d-\d\d-\d\d\b")

PUBLIC = ["/", "/search", "/login", "/register", "/help", "/accessibility", "/cookies", "/no-such-page"]
BY_ROLE = {
    "lead_a": ["/requirements", "/inventory", "/workforce", "/assessments", "/reports", "/notifications"],
    "buyer_a": ["/shortlists", "/evaluations", "/reports"],
    "admin": ["/admin/jobs", "/admin/outbox", "/moderation"],
    "supplier_a": ["/supplier/dashboard"],
}


def _title(html: str) -> str:
    match = re.search(r"<title>([^<]*)</title>", html)
    assert match, "no <title>"
    return unescape(match.group(1))


def _visible_text(html: str) -> str:
    """Text a person reads: no tags, attributes (datetime="...", hrefs), scripts or head."""
    body = html[max(html.find("<body"), 0) :]
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body)))


def assert_title(path: str, html: str) -> str:
    title = _title(html)
    match = TITLE.match(title)
    assert match, (path, title)
    assert title.count(SERVICE) == 1, (path, title)  # never doubled
    page = match.group("page")
    assert page is None or page.strip() and not page.endswith("–"), (path, title)
    return title


def assert_one_date_style(path: str, html: str) -> None:
    text = _visible_text(html)
    assert not SHORT_MONTH.search(text), (path, SHORT_MONTH.search(text))
    assert not CLOCK_24.search(text), (path, CLOCK_24.search(text))
    assert not ISO_DAY.search(text), (path, ISO_DAY.search(text))


def test_the_one_date_rule() -> None:
    winter = datetime(2026, 12, 4, 18, 30, tzinfo=UTC)
    assert date_time(winter) == "4 December 2026 at 6:30pm"
    assert date_time(datetime(2026, 7, 4, 8, 0, tzinfo=UTC)) == "4 July 2026 at 9am"  # BST
    assert time_of_day(datetime(2026, 12, 4, 12, 0, tzinfo=UTC)) == "midday"
    assert time_of_day(datetime(2026, 12, 4, 0, 0, tzinfo=UTC)) == "midnight"
    assert time_of_day(datetime(2026, 12, 4, 0, 5, tzinfo=UTC)) == "12:05am"
    assert time_of_day(datetime(2026, 12, 4, 12, 45, tzinfo=UTC)) == "12:45pm"
    assert long_date(winter) == "4 December 2026"


def test_public_pages_follow_the_title_rule_and_the_home_title_is_not_doubled(client: Any) -> None:
    assert _title(client.get("/").text) == SERVICE
    for path in PUBLIC:
        page = client.get(path)
        title = assert_title(path, page.text)
        if path == "/no-such-page":
            assert page.status_code == 404 and title == f"Page not found – {SERVICE}"
        assert_one_date_style(path, page.text)
    tool = client.get("/api/v1/tools", params={"per_page": 1}).json()["items"][0]
    for path in (f"/tools/{tool['id']}", f"/tools/{tool['id']}/history"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert_title(path, page.text)
        assert_one_date_style(path, page.text)


def test_signed_in_pages_follow_the_rules_and_the_header_names_person_and_organisation(
    client: Any, auth: Any, db: Any
) -> None:
    project = new_project(client, auth("buyer_a"), name="Dated project")
    with session_scope(db.engine) as s:
        assessment_id, _run = _gap_run(s)
        lead = actor(s, "lead_a")
        row = reports.generate(s, lead, kind="capability_gap", source_id=assessment_id, fmt="html")
        report_id = row.id
        people = {}
        for who in BY_ROLE:
            user = s.execute(select(User).where(User.email == USERS[who])).scalar_one()
            org = s.get(Organisation, user.organisation_id)
            assert org is not None
            people[who] = (user.name, org.name)
    extra = {
        "lead_a": [f"/assessments/{assessment_id}", f"/reports/{report_id}"],
        "buyer_a": [f"/projects/{project['id']}"],
    }
    seen_date_time = False
    for who, paths in BY_ROLE.items():
        login(client, who)
        for path in [*paths, *extra.get(who, [])]:
            page = client.get(path)
            assert page.status_code == 200, (who, path, page.status_code)
            title = assert_title(path, page.text)
            assert title != SERVICE, (path, "a signed-in page has its own title")
            assert_one_date_style(path, page.text)
            seen_date_time = seen_date_time or bool(GOVUK_DATE_TIME.search(_visible_text(page.text)))
            name, organisation = people[who]
            header = page.text[page.text.index('<ul class="app-header-account">') :]
            header = _visible_text(header[: header.index("</li>")])
            assert f"Signed in as {name}, {organisation}" in header, (path, header)
            assert "((" not in header and "))" not in header and f"({organisation}" not in header
        client.cookies.clear()
    assert seen_date_time, "some page shows a date and time in the GOV.UK style"


def test_an_assessment_page_shows_its_run_in_the_govuk_style(client: Any, db: Any) -> None:
    with session_scope(db.engine) as s:
        assessment_id, run = _gap_run(s)
        expected = date_time(run.run_at)
    login(client, "lead_a")
    text = _visible_text(client.get(f"/assessments/{assessment_id}").text)
    assert f"Run on {expected}" in text
    assert GOVUK_DATE_TIME.fullmatch(expected)
