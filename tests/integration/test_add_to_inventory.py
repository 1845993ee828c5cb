"""The "Add to inventory" button on a tool page: shown to capability leads (the inventory form's rule),
opens the inventory form for that tool, and once added the page links to the item instead."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.inventory.models import InventoryItem
from registry.tools.models import Tool
from tests.integration.test_lead_pages import org_of, sign_in

BUTTON = "Add to inventory</a>"


def _not_held(db: Any, org_id: int) -> int:
    """A published tool the organisation does not hold yet."""
    with Session(db.engine) as s:
        held = set(s.execute(select(InventoryItem.tool_id).where(InventoryItem.organisation_id == org_id)).scalars())
        ids = s.execute(select(Tool.id).where(Tool.status == "published").order_by(Tool.id)).scalars()
        return next(i for i in ids if i not in held)


def test_a_lead_adds_a_tool_from_its_page(client: Any, db: Any) -> None:
    org = org_of(db, "lead_a")
    tool_id = _not_held(db, org)
    token = sign_in(client, "lead_a")
    page = client.get(f"/tools/{tool_id}").text
    assert BUTTON in page and f'href="/inventory/add/{tool_id}"' in page
    form = client.get(f"/inventory/add/{tool_id}")
    assert form.status_code == 200
    name = re.search(r'<h1 class="govuk-heading-l">Add ([^<]+)</h1>', form.text)
    assert name and name.group(1) in page  # the form is for this tool
    resp = client.post(f"/inventory/add/{tool_id}", data={"_csrf_token": token, "seats": "4"}, follow_redirects=False)
    assert resp.status_code in (302, 303)
    with Session(db.engine) as s:
        item = s.execute(
            select(InventoryItem).where(InventoryItem.organisation_id == org, InventoryItem.tool_id == tool_id)
        ).scalar_one()
    after = client.get(f"/tools/{tool_id}").text
    assert BUTTON not in after and f'href="/inventory/{item.id}/edit"' in after
    assert "already has this tool" in after


def test_others_do_not_see_the_button(client: Any, db: Any) -> None:
    tool_id = _not_held(db, org_of(db, "lead_a"))
    assert BUTTON not in client.get(f"/tools/{tool_id}").text  # anonymous
    for who in ("buyer_a", "supplier_a", "moderator"):
        sign_in(client, who)
        page = client.get(f"/tools/{tool_id}")
        assert page.status_code == 200 and BUTTON not in page.text, who
        # ... and the form refuses them too: the button follows the form's rule.
        assert client.get(f"/inventory/add/{tool_id}", follow_redirects=False).status_code in (403, 404), who
