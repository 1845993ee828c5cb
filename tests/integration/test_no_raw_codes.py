"""No stored code reaches a person: the main pages and the people-facing report downloads, on
the demo data, show labels ("Software as a service (SaaS)", "Must have", "OFFICIAL-SENSITIVE")
and never the codes behind them ("saas", "must", "OFFICIAL_SENSITIVE").

Only visible text is checked: attribute values (form values, URLs, data-* hooks) may and do
keep codes. Machine formats (JSON API, bulk export, OCDS) are not checked: they keep codes.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable
from html.parser import HTMLParser
from typing import Any

from sqlalchemy import select

from assessments import services as assessments
from assessments.reports import services as reports
from assessments.schemas import AssessmentCreate
from registry.db import session_scope
from registry.enums import WORKSTREAMS, Classification, Deployment, PricingModel, Role
from registry.tools.models import Tool
from tests.integration.test_assessment_pages import sign_in
from tests.integration.test_evaluations import actor, make_shortlist
from tests.integration.test_procurement import new_project

# Codes that are never English: wrong anywhere in visible text ("on-premises" and "air-gapped"
# are English too, so descriptions may use them).
WORD_CODES = sorted(
    {Deployment.SAAS.value}
    | {p.value for p in PricingModel if "-" in p.value}
    | {c.name for c in Classification if "_" in c.name}
    | {r.value for r in Role if "_" in r.value}
)
CODE_RE = re.compile(r"(?<![\w-])(" + "|".join(re.escape(c) for c in WORD_CODES) + r")(?![\w-])")
SNAKE_RE = re.compile(r"(?<![\w@./-])[a-z]+(?:_[a-z]+)+(?![\w@-])")  # no_capability, claim_only, ...
# Codes that are also words ("must", "other") or abbreviations suppliers use in their own prose
# ("MSHT victims"): wrong when they alone make up the text of an element (a table cell, a
# summary-list value), or a list of them does ("ECON, MSHT").
CELL_CODES = set(WORKSTREAMS) | {
    "must",
    "should",
    "could",
    "wont",
    "uk",
    "eea",
    "other",
    "hybrid",
    "perpetual",
    "bespoke",
    "pursue",
    "prevent",
    "protect",
    "prepare",
    "divert",
    "deter",
    "detect",
    "disrupt",
    "develop",
    "claimed",
    "evidenced",
    "verified",
    "draft",
    "submitted",
    "published",
    "retired",
    "micro",
    "small",
    "medium",
    "large",
    "MUST",
    "EEA",
    "OTHER",
}


class _VisibleText(HTMLParser):
    """Text nodes a reader sees (not scripts, styles or attribute values)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.nodes: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.nodes.append(" ".join(data.split()))


def visible_text(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    return parser.nodes


def raw_codes(texts: Iterable[str]) -> list[str]:
    found = []
    for text in texts:
        if all(part in CELL_CODES for part in re.split(r"\s*[,;]\s*", text)):
            found.append(f"{text!r} shown on its own")
        found += [f"{m!r} in {text[:120]!r}" for m in CODE_RE.findall(text)]
        found += [f"{m!r} in {text[:120]!r}" for m in SNAKE_RE.findall(text)]
    return found


def assert_no_raw_codes(where: str, texts: Iterable[str]) -> None:
    found = raw_codes(texts)
    assert not found, f"{where} shows raw codes: " + "; ".join(sorted(set(found))[:15])


def _page(client: Any, url: str) -> list[str]:
    resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code, resp.text[:300])
    return visible_text(resp.text)


# --- the checker itself -------------------------------------------------------------------------


def test_the_checker_catches_codes_in_text_and_ignores_attributes() -> None:
    html = (
        '<p data-x="saas"><a href="/search?deployment=on-premises&amp;workstream=ECON">Search</a></p>'
        "<td>must</td><td>You must review it</td><p>Deployable as saas</p><li>hosting_not_allowed</li>"
        "<script>var x = 'OFFICIAL_SENSITIVE';</script><dd>Software as a service (SaaS)</dd>"
        "<p>Contact priya_k@kestrel.example</p>"
    )
    found = raw_codes(visible_text(html))
    assert len(found) == 3, found
    assert any("'must' shown on its own" in f for f in found)
    assert any("'saas'" in f for f in found) and any("'hosting_not_allowed'" in f for f in found)


# --- pages --------------------------------------------------------------------------------------


def test_public_pages_show_labels_not_codes(client: Any, db: Any) -> None:
    with session_scope(db.engine) as s:
        tools = list(s.execute(select(Tool.id, Tool.supplier_id).where(Tool.status == "published")).all())
    assert len(tools) > 10
    for tool_id, _ in tools:  # every demo listing: between them they use every code
        assert_no_raw_codes(f"/tools/{tool_id}", _page(client, f"/tools/{tool_id}"))
    for supplier_id in sorted({sid for _, sid in tools}):
        assert_no_raw_codes(f"/suppliers/{supplier_id}", _page(client, f"/suppliers/{supplier_id}"))
    ids = "&".join(f"ids={tool_id}" for tool_id, _ in tools[:6])
    assert_no_raw_codes("/compare", _page(client, f"/compare?{ids}"))
    assert_no_raw_codes("/search", _page(client, "/search"))
    assert_no_raw_codes("/search?q=", _page(client, "/search?q=network+analysis&hosting=uk&deployment=saas"))


def test_signed_in_pages_show_labels_not_codes(client: Any, db: Any) -> None:
    sign_in(client, "supplier_a")
    assert_no_raw_codes("/supplier/dashboard", _page(client, "/supplier/dashboard"))

    sign_in(client, "lead_a")
    for url in ("/requirements", "/inventory", "/workforce"):
        assert_no_raw_codes(url, _page(client, url))

    sign_in(client, "moderator")
    assert_no_raw_codes("/moderation", _page(client, "/moderation"))
    with session_scope(db.engine) as s:
        first = s.execute(select(Tool.id).where(Tool.status == "published").order_by(Tool.id)).scalars().first()
    assert_no_raw_codes("moderation tool page", _page(client, f"/moderation/tools/{first}"))

    sign_in(client, "admin")
    assert_no_raw_codes("/admin/jobs", _page(client, "/admin/jobs"))


def test_procurement_project_and_its_record_show_labels_not_codes(client: Any, auth: Any) -> None:
    buyer = auth("buyer_a")
    project = new_project(client, buyer)
    pid = project["id"]
    search = {"q": "network analysis", "filters": {"hosting": ["uk"], "deployment": ["saas"], "sme": ["true"]}}
    assert client.post(f"/api/v1/projects/{pid}/searches", json=search, headers=buyer).status_code == 201
    narrow = {"q": "network analysis", "filters": {"hosting": ["uk"]}}
    assert client.post(f"/api/v1/projects/{pid}/end-search", json=narrow, headers=buyer).status_code == 201
    sign_in(client, "buyer_a")
    page = _page(client, f"/projects/{pid}")
    assert "Hosting: UK; Deployment: Software as a service (SaaS); SME suppliers only" in page
    assert_no_raw_codes("project page", page)
    assert_no_raw_codes("project search page", _page(client, f"/projects/{pid}/search?q=network+analysis"))
    assert_no_raw_codes("project record (HTML)", _page(client, f"/projects/{pid}/record.html"))


def test_assessment_page_and_gap_report_show_labels_not_codes(client: Any, db: Any) -> None:
    with session_scope(db.engine) as s:
        lead = actor(s, "lead_a")
        a = assessments.create(
            s,
            lead,
            AssessmentCreate(
                name="Codes check",
                budget_capital=200_000,
                budget_annual=100_000,
                min_classification="OFFICIAL_SENSITIVE",
            ),
        )
        s.flush()
        assessments.run(s, lead, a, period_key="first")
        run = assessments.run(s, lead, a, period_key="second")
        assessment_id, run_id = a.id, run.id
        html = reports.generate(s, lead, kind="capability_gap", source_id=run_id, fmt="html").content
        zipped = reports.generate(s, lead, kind="capability_gap", source_id=run_id, fmt="csv").content
    sign_in(client, "lead_a")
    assert_no_raw_codes("assessment page", _page(client, f"/assessments/{assessment_id}"))
    assert_no_raw_codes("assessment run page", _page(client, f"/assessments/{assessment_id}/runs/{run_id}"))
    assert_no_raw_codes("gap report (HTML)", visible_text(bytes(html or b"").decode("utf-8")))
    assert_no_raw_codes("gap report (CSV)", _zipped_csv_cells(bytes(zipped or b"")))


def test_shortlist_and_procurement_report_show_labels_not_codes(client: Any, db: Any) -> None:
    with session_scope(db.engine) as s:
        shortlist_id, _ids = make_shortlist(s, "buyer_a", 6)
        buyer = actor(s, "buyer_a")
        html = reports.generate(s, buyer, kind="procurement", source_id=str(shortlist_id), fmt="html").content
        zipped = reports.generate(s, buyer, kind="procurement", source_id=str(shortlist_id), fmt="csv").content
    assert_no_raw_codes("procurement report (HTML)", visible_text(bytes(html or b"").decode("utf-8")))
    assert_no_raw_codes("procurement report (CSV)", _zipped_csv_cells(bytes(zipped or b"")))
    sign_in(client, "buyer_a")
    assert_no_raw_codes("shortlist page", _page(client, f"/shortlists/{shortlist_id}"))
    exported = client.get(f"/shortlists/{shortlist_id}/export.csv")
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert len(rows) == 7  # the header and the six tools
    assert_no_raw_codes("shortlist export (CSV)", [c.strip() for row in rows for c in row if c.strip()])


def _zipped_csv_cells(content: bytes) -> list[str]:
    cells: list[str] = []
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        for name in zf.namelist():
            if name.endswith(".csv"):
                rows = csv.reader(io.StringIO(zf.read(name).decode("utf-8-sig")))
                cells += [c.strip() for row in rows for c in row if c.strip()]
    assert cells
    return cells
