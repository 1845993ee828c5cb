"""The nightly job, the tool page, compare, the supplier dashboard and the procurement report
apply one listing-hygiene rule (registry/tools/hygiene.py), so they agree on the same tools:

- "reviewed": last reviewed 400 days ago, an accreditation expiring in 75 days
  -> stale, accreditation not expiring (75 > 60);
- "fresh": never reviewed, first published 10 days ago, an accreditation expiring in 60 days
  -> not stale (counted from first publication), accreditation expiring (the 60th day is warned);
- "old": never reviewed, first published 400 days ago, no accreditation -> stale.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from assessments.reports import services as reports
from registry.db import session_scope
from registry.db_types import today
from registry.formatting import long_date
from registry.jobs.runner import run_job
from registry.shortlists import services as shortlists
from registry.shortlists.schemas import ShortlistCreate, ShortlistItemAdd
from registry.suppliers.models import Supplier
from registry.tools.models import Accreditation, Tool, ToolFlag
from registry.versions.models import ListingVersion
from tests.integration.test_assessment_pages import sign_in
from tests.integration.test_evaluations import actor
from tests.integration.test_reports import _section


def _first_published(session: Any, tool: Tool, days_ago: int) -> None:
    """A listing version as registry.versions writes it when a moderator publishes the tool."""
    number = (
        session.execute(
            select(ListingVersion.number)
            .where(ListingVersion.entity_id == tool.id)
            .order_by(ListingVersion.number.desc())
        )
        .scalars()
        .first()
        or 0
    )
    when = datetime.now(UTC) - timedelta(days=days_ago)
    session.execute(
        update(ListingVersion)
        .where(ListingVersion.entity_type == "tool", ListingVersion.entity_id == tool.id)
        .values(created_at=when)
    )
    session.add(
        ListingVersion(
            entity_type="tool",
            entity_id=tool.id,
            number=number + 1,
            created_at=when,
            actor_label="moderator@registry.example",
            snapshot={"name": tool.name, "status": "published"},
        )
    )


def _fixture(db: Any) -> dict[str, int]:
    now = today()
    with session_scope(db.engine) as s:
        sid = s.execute(select(Supplier.id).where(Supplier.name == "Kestrel Analytics Ltd")).scalar_one()
        tools = list(
            s.execute(
                select(Tool).where(Tool.supplier_id == sid, Tool.status == "published").order_by(Tool.id)
            ).scalars()
        )
        reviewed, fresh, old = tools[:3]
        s.execute(delete(Accreditation).where(Accreditation.tool_id.in_([reviewed.id, fresh.id, old.id])))  # type: ignore[attr-defined]
        reviewed.last_reviewed = now - timedelta(days=400)
        s.add(Accreditation(tool_id=reviewed.id, name="ISO/IEC 27001", expires_on=now + timedelta(days=75)))
        fresh.last_reviewed = None
        _first_published(s, fresh, 10)
        s.add(Accreditation(tool_id=fresh.id, name="Cyber Essentials Plus", expires_on=now + timedelta(days=60)))
        old.last_reviewed = None
        _first_published(s, old, 400)
        return {"reviewed": reviewed.id, "fresh": fresh.id, "old": old.id}


def test_job_pages_dashboard_and_report_agree(client: Any, db: Any) -> None:
    ids = _fixture(db)
    stale = {"reviewed": True, "fresh": False, "old": True}
    expiring = {"reviewed": False, "fresh": True, "old": False}

    # The nightly job.
    result = run_job(db.engine, "listing_hygiene")
    assert result.outcome == "ok", result.error
    with session_scope(db.engine) as s:
        flags = {(f.tool_id, f.flag) for f in s.execute(select(ToolFlag)).scalars()}
        for key, tool_id in ids.items():
            assert s.get(Tool, tool_id).stale is stale[key], key  # type: ignore[union-attr]
            assert ((tool_id, "stale") in flags) is stale[key], key
            assert ((tool_id, "accreditation_expiring") in flags) is expiring[key], key

    # The tool page.
    for key, tool_id in ids.items():
        html = client.get(f"/tools/{tool_id}").text
        assert ("more than 12 months ago" in html) is stale[key], key
        assert ('govuk-tag--orange">Expires soon' in html) is expiring[key], key
    assert "never reviewed since it was first published on" in client.get(f"/tools/{ids['old']}").text

    # Compare: an expiring accreditation carries its date.
    compare = client.get("/compare?" + "&".join(f"ids={i}" for i in ids.values())).text
    assert "Cyber Essentials Plus (expires " in compare and "ISO/IEC 27001 (expires" not in compare

    # The supplier dashboard.
    sign_in(client, "supplier_a")
    page = client.get("/supplier/dashboard").text
    attention = page[page.index("Needs your attention") : page.index("All listings")]
    for key, tool_id in ids.items():
        assert (f'/supplier/tools/{tool_id}/edit/review"' in attention) is stale[key], key
        assert (f'/supplier/tools/{tool_id}/edit/accreditations"' in attention) is expiring[key], key
    assert f"Last reviewed on {long_date(today() - timedelta(days=400))}: check and save it" in attention

    # The procurement report of a shortlist of the three.
    with session_scope(db.engine) as s:
        buyer = actor(s, "buyer_a")
        sl = shortlists.create(s, buyer, ShortlistCreate(name="Hygiene check"))
        shortlists.add_tools(s, buyer, sl.id, [ShortlistItemAdd(tool_id=i) for i in ids.values()])  # type: ignore[arg-type,misc]
        names = {key: s.get(Tool, tool_id).name for key, tool_id in ids.items()}  # type: ignore[union-attr]
        doc = json.loads(reports.generate(s, buyer, kind="procurement", source_id=str(sl.id), fmt="json").content)  # type: ignore[arg-type]
    risks = {(r["tool"], r["risk"]) for r in _section(doc, "risks")["tables"][0]["rows"]}
    for key, name in names.items():
        assert ((name, "Stale listing") in risks) is stale[key], key
        assert ((name, "Accreditation expiring") in risks) is expiring[key], key
    method = " ".join(_section(doc, "method")["paragraphs"])
    assert re.search(r"Accreditations expiring within 60 days", method)
