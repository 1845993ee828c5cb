"""SME self-registration: validate the form, warn about likely duplicates, then create the
organisation, its (pending) supplier record and the first user in one transaction, audited."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.accounts.models import Organisation, User
from registry.accounts.services import add_user
from registry.actor import Actor
from registry.changelog import services as changelog
from registry.enums import Clearance, OrgKind, Role
from registry.errors import InvalidInput
from registry.search.dedupe import SupplierKey, domain_of, find_duplicate_suppliers
from registry.suppliers.models import Supplier
from registry.suppliers.schemas import SupplierCreate
from registry.suppliers.services import new_supplier
from registry.suppliers.validation import check_ch_number

MIN_PASSWORD = 12
ORG_FIELDS = (
    "name",
    "companies_house_number",
    "address",
    "region",
    "website",
    "size_band",
    "employees",
    "contact_name",
    "contact_email",
)
ACCOUNT_FIELDS = ("user_name", "email")
# Messages for Pydantic error types, so people read plain English rather than library jargon.
_FIELD_MESSAGES = {
    "name": "Enter your organisation's name",
    "size_band": "Select your organisation's size",
    "website": "Enter a website address in the format https://www.example.co.uk",
    "contact_email": "Enter a contact email address in the format name@example.com",
    "employees": "Number of employees must be a whole number, 0 or more",
}


@dataclass(frozen=True, slots=True)
class Registration:
    supplier: SupplierCreate
    user_name: str
    email: str
    password: str


@dataclass(frozen=True, slots=True)
class PossibleDuplicate:
    supplier_id: int
    name: str
    website: str
    companies_house_number: str
    reasons: tuple[str, ...]


class PossibleDuplicates(Exception):
    """Raised instead of creating when existing suppliers look like the applicant."""

    def __init__(self, matches: Sequence[PossibleDuplicate]) -> None:
        super().__init__(f"{len(matches)} possible duplicate(s)")
        self.matches = list(matches)


def _text(form: Mapping[str, Any], key: str) -> str:
    return str(form.get(key) or "").strip()


def _validate_ch(raw: str, errors: dict[str, str]) -> str:
    if not raw:
        errors["companies_house_number"] = "Enter your Companies House number"
        return raw
    try:
        return check_ch_number(raw)
    except ValueError as exc:
        errors["companies_house_number"] = str(exc)
        return raw


def _validate_account(form: Mapping[str, Any], errors: dict[str, str]) -> tuple[str, str, str]:
    user_name, email = _text(form, "user_name"), _text(form, "email").lower()
    password, confirm = str(form.get("password") or ""), str(form.get("password_confirm") or "")
    if not user_name:
        errors["user_name"] = "Enter your full name"
    if not email or "@" not in email or "." not in email.rsplit("@", 1)[-1]:
        errors["email"] = "Enter an email address in the format name@example.com"
    if len(password) < MIN_PASSWORD:
        errors["password"] = f"Password must be {MIN_PASSWORD} characters or more"
    elif password != confirm:
        errors["password_confirm"] = "The passwords do not match"
    return user_name, email, password


def parse_registration(form: Mapping[str, Any]) -> Registration:
    """Check the whole form at once; InvalidInput carries every field's message."""
    errors: dict[str, str] = {}
    number = _validate_ch(_text(form, "companies_house_number"), errors)
    clearances = form.get("clearances") or []
    if isinstance(clearances, str):
        clearances = [clearances]
    employees_raw = _text(form, "employees")
    data: dict[str, Any] = {
        "name": _text(form, "name"),
        "companies_house_number": number,
        "address": _text(form, "address"),
        "region": _text(form, "region"),
        "website": _text(form, "website") or None,
        "size_band": _text(form, "size_band"),
        "employees": employees_raw or None,
        "clearances": [c for c in clearances if c in {x.value for x in Clearance}],
        "contact_name": _text(form, "contact_name"),
        "contact_email": _text(form, "contact_email") or None,
    }
    if data["website"] and "://" not in data["website"]:
        data["website"] = "https://" + data["website"]  # people type "www.acme.co.uk"
    supplier: SupplierCreate | None = None
    try:
        supplier = SupplierCreate.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            key = str(err["loc"][0]) if err["loc"] else "name"
            if key not in errors:
                errors[key] = _FIELD_MESSAGES.get(key, str(err["msg"]).removeprefix("Value error, "))
    user_name, email, password = _validate_account(form, errors)
    if errors or supplier is None:
        raise InvalidInput("Check the registration details.", fields=errors)
    return Registration(supplier, user_name, email, password)


def _reasons(same_number: bool, same_domain: bool, name_score: float, domain: str) -> tuple[str, ...]:
    out = []
    if same_number:
        out.append("The same Companies House number")
    if same_domain:
        out.append(f"The same website domain ({domain})")
    if name_score >= 80:
        out.append(f"A very similar name ({name_score:.0f}% alike)")
    return tuple(out)


def find_duplicates(session: Session, supplier: SupplierCreate) -> list[PossibleDuplicate]:
    """Existing suppliers (any status) that look like this applicant, strongest first."""
    rows = list(session.execute(select(Supplier).where(Supplier.status != "rejected")).scalars())
    website = str(supplier.website) if supplier.website else None
    candidate = SupplierKey(0, supplier.name, supplier.companies_house_number, website)
    existing = [SupplierKey(s.id, s.name, s.companies_house_number, s.website) for s in rows]  # type: ignore[arg-type]
    by_id = {s.id: s for s in rows}
    domain = domain_of(website)
    return [
        PossibleDuplicate(
            m.id,
            by_id[m.id].name,
            by_id[m.id].website,
            by_id[m.id].companies_house_number,
            _reasons(m.same_number, m.same_domain, m.name_score, domain),
        )
        for m in find_duplicate_suppliers(candidate, existing)
    ]


def _check_unique(session: Session, reg: Registration) -> None:
    errors: dict[str, str] = {}
    number = reg.supplier.companies_house_number
    if session.execute(select(Supplier.id).where(Supplier.companies_house_number == number)).first():
        errors["companies_house_number"] = (
            f"Companies House number {number} is already registered. If this is your organisation, "
            "ask a colleague with an account to add you, or contact the registry team"
        )
    if session.execute(select(User.id).where(User.email == reg.email)).first():
        errors["email"] = "An account with this email address already exists. Sign in instead"
    if errors:
        raise InvalidInput("Check the registration details.", fields=errors)


def register(session: Session, reg: Registration, *, confirmed_distinct: bool = False) -> tuple[Supplier, User]:
    """Create organisation + pending supplier + supplier user. Raises PossibleDuplicates unless
    the applicant has confirmed they are a different organisation."""
    _check_unique(session, reg)
    if not confirmed_distinct:
        matches = find_duplicates(session, reg.supplier)
        if matches:
            raise PossibleDuplicates(matches)
    org = Organisation(name=reg.supplier.name, kind=OrgKind.SUPPLIER.value)
    session.add(org)
    session.flush()
    applicant = Actor(email=reg.email, name=reg.user_name)  # not yet a user: audited by email
    supplier = new_supplier(session, reg.supplier, organisation_id=org.id, status="pending")  # type: ignore[arg-type]
    session.flush()
    summary = f"Self-registered {supplier.name} (pending moderation)"
    if confirmed_distinct:
        summary += "; applicant confirmed it is not a listed look-alike"
    changelog.record(
        session,
        applicant,
        "register",
        "supplier",
        supplier.id,
        after=changelog.snapshot(supplier),
        organisation_id=org.id,
        summary=summary,
    )
    user = add_user(
        session,
        applicant,
        email=reg.email,
        name=reg.user_name,
        role=Role.SUPPLIER,
        organisation_id=org.id,
        password=reg.password,
    )
    changelog.bump_generation(session)
    return supplier, user


def record_claim(session: Session, supplier_id: int, form: Mapping[str, Any]) -> Supplier:
    """Someone says an existing supplier is theirs: leave an audited request for moderators."""
    supplier = session.get(Supplier, supplier_id)
    if supplier is None:
        raise InvalidInput("That organisation is no longer listed.", fields={"claim": "unknown supplier"})
    name, email = _text(form, "user_name"), _text(form, "email").lower()
    claimant = Actor(email=email or "anonymous", name=name or "anonymous")
    changelog.record(
        session,
        claimant,
        "claim_request",
        "supplier",
        supplier.id,
        organisation_id=supplier.organisation_id,
        after={
            "claimant_name": name,
            "claimant_email": email,
            "contact_name": _text(form, "contact_name"),
            "contact_email": _text(form, "contact_email"),
            "companies_house_number": _text(form, "companies_house_number").upper(),
        },
        summary=f"{name or 'Someone'} ({email or 'no email'}) asked to manage {supplier.name}",
    )
    return supplier


def form_values(form: Mapping[str, Any]) -> dict[str, Any]:
    """The typed values to show again (never the passwords)."""
    values: dict[str, Any] = {k: _text(form, k) for k in (*ORG_FIELDS, *ACCOUNT_FIELDS)}
    clearances = form.get("clearances") or []
    values["clearances"] = [clearances] if isinstance(clearances, str) else list(clearances)
    return values
