"""SME self-registration: Companies House checks, duplicate warning, claim, creation."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.accounts.models import User
from registry.changelog.models import AuditEvent
from registry.suppliers.models import Supplier

PASSWORD = "a long enough passphrase"


def csrf(client: Any, path: str = "/register") -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def form(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Wrenfield Data Labs Ltd",
        "companies_house_number": "sc123456",
        "address": "1 High St, Leeds",
        "region": "Yorkshire and the Humber",
        "website": "https://wrenfield.example",
        "size_band": "micro",
        "employees": "6",
        "clearances": ["BPSS", "SC"],
        "contact_name": "Ann",
        "contact_email": "ann@wrenfield.example",
        "user_name": "Ann Example",
        "email": "ann@wrenfield.example",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    }
    data.update(overrides)
    return data


def errors_of(html: str) -> list[str]:
    return [m.strip() for m in re.findall(r'govuk-error-message">.*?</span>(.*?)</p>', html, re.S)]


def post(client: Any, **overrides: Any) -> Any:
    data = form(**overrides)
    data["_csrf_token"] = csrf(client)
    return client.post("/register", data=data, follow_redirects=False)


def test_companies_house_number_is_validated(client: Any) -> None:
    for bad in ("AB123456", "1234567"):
        resp = post(client, companies_house_number=bad)
        assert resp.status_code == 400
        assert any("Companies House number must be 8 characters" in e for e in errors_of(resp.text)), bad
        assert "Wrenfield Data Labs Ltd" in resp.text  # typed values kept
        assert PASSWORD not in resp.text  # passwords never echoed


def test_lower_case_scottish_number_is_accepted_and_user_can_sign_in(client: Any, db: Any) -> None:
    resp = post(client)
    # Registration answers "check your email" (the same for an address that has an account).
    assert resp.status_code == 200 and "Check your email" in resp.text, errors_of(resp.text)
    token = csrf(client, "/login")
    client.post("/login", data={"email": "ann@wrenfield.example", "password": PASSWORD, "_csrf_token": token})
    dash = client.get("/supplier/dashboard")
    assert dash.status_code == 200 and "Waiting for approval" in dash.text
    with Session(db.engine) as s:
        sup = s.execute(select(Supplier).where(Supplier.name == "Wrenfield Data Labs Ltd")).scalar_one()
        assert sup.companies_house_number == "SC123456"
        assert (sup.status, sup.verified, sup.clearances) == ("pending", False, ["BPSS", "SC"])
        user = s.execute(select(User).where(User.email == "ann@wrenfield.example")).scalar_one()
        assert user.role == "supplier" and user.organisation_id == sup.organisation_id
        actions = set(
            s.execute(
                select(AuditEvent.action).where(
                    AuditEvent.entity_type == "supplier", AuditEvent.entity_id == str(sup.id)
                )
            ).scalars()
        )
        assert "register" in actions


def test_near_identical_name_warns_then_confirm_creates_pending(client: Any, db: Any) -> None:
    resp = post(client, name="Kestrel Analytics Limited")
    assert resp.status_code == 200
    assert "We may already have your organisation" in resp.text
    assert "Kestrel Analytics Ltd" in resp.text and "very similar name" in resp.text
    with Session(db.engine) as s:  # nothing created yet
        assert s.execute(select(Supplier).where(Supplier.name == "Kestrel Analytics Limited")).first() is None
    resp = post(client, name="Kestrel Analytics Limited", confirmed_distinct="yes")
    assert resp.status_code == 200 and "Check your email" in resp.text
    with Session(db.engine) as s:
        sup = s.execute(select(Supplier).where(Supplier.name == "Kestrel Analytics Limited")).scalar_one()
        assert sup.status == "pending"


def test_same_website_domain_warns(client: Any) -> None:
    resp = post(client, name="Totally Different Name Ltd", website="https://www.kestrel-analytics.example/about")
    assert resp.status_code == 200
    assert "The same website domain (kestrel-analytics.example)" in resp.text


def test_confirm_page_keeps_values_but_asks_for_password_again(client: Any) -> None:
    resp = post(client, name="Kestrel Analytics Limited")
    assert 'name="confirmed_distinct" value="yes"' in resp.text
    assert 'value="ann@wrenfield.example"' in resp.text
    assert PASSWORD not in resp.text
    # Re-posting without re-entering the password is an error on the password, not a duplicate page.
    data = form(name="Kestrel Analytics Limited", confirmed_distinct="yes", password="", password_confirm="")
    data["_csrf_token"] = csrf(client)
    resp = client.post("/register", data=data)
    assert resp.status_code == 400 and "Password must be 12 characters or more" in errors_of(resp.text)


def test_same_number_is_a_field_error(client: Any) -> None:
    resp = post(client, companies_house_number="11482736")
    assert resp.status_code == 400
    assert any("11482736 is already registered" in e for e in errors_of(resp.text))


def test_claim_records_an_audit_event_and_creates_no_account(client: Any, db: Any) -> None:
    page = post(client, name="Kestrel Analytics Limited")
    supplier_id = re.search(r'name="supplier_id" value="(\d+)"', page.text).group(1)  # type: ignore[union-attr]
    data = form(name="Kestrel Analytics Limited", supplier_id=supplier_id)
    data["_csrf_token"] = csrf(client)
    resp = client.post("/register/claim", data=data)
    assert resp.status_code == 200 and "We have your request" in resp.text
    with Session(db.engine) as s:
        event = s.execute(select(AuditEvent).where(AuditEvent.action == "claim_request")).scalar_one()
        assert event.entity_id == supplier_id and "ann@wrenfield.example" in event.summary
        assert s.execute(select(User).where(User.email == "ann@wrenfield.example")).first() is None


def test_password_rules(client: Any) -> None:
    resp = post(client, password="short", password_confirm="short")
    assert "Password must be 12 characters or more" in errors_of(resp.text)
    resp = post(client, password_confirm=PASSWORD + "x")
    assert "The passwords do not match" in errors_of(resp.text)
