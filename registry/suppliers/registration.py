"""How suppliers join the registry, and the one home of the duplicate rule.

Self-registration validates the form, warns about likely duplicates, then creates the
organisation, its (pending) supplier record and the first (unverified) user in one transaction,
audited, and e-mails a verification link. It never says whether the e-mail address already has
an account: the owner is told by e-mail, and the applicant sees the same "check your email" page.
Staff creation (POST /api/v1/suppliers) and the bulk import get the same duplicate check
(find_duplicates / find_batch_duplicates over registry/search/dedupe.py): likely duplicates
are refused unless the caller confirms they are different organisations.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.accounts import email_verification, mail, throttle
from registry.accounts.models import Organisation, User
from registry.accounts.security import hash_password
from registry.accounts.services import add_user
from registry.actor import Actor
from registry.changelog import services as changelog
from registry.db_types import require_id
from registry.enums import Clearance, OrgKind, Role
from registry.errors import Conflict, Forbidden, InvalidInput
from registry.search.dedupe import (
    DuplicateMatch,
    SupplierKey,
    domain_of,
    duplicate_report,
    find_duplicate_suppliers,
)
from registry.settings import Settings
from registry.suppliers.models import Supplier
from registry.suppliers.schemas import StaffSupplierCreate, SupplierCreate
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
    supplier_id: int  # 0 for an earlier row of the same import
    name: str
    website: str
    companies_house_number: str
    reasons: tuple[str, ...]
    row: int | None = None  # the earlier row of the same import it looks like

    @property
    def label(self) -> str:
        return f"row {self.row} ({self.name})" if self.row is not None else f"{self.name} (id {self.supplier_id})"


class PossibleDuplicates(Conflict):
    """Raised instead of creating when existing suppliers look like the new one: a 409 problem
    whose ``duplicates`` member lists them (the registration page shows its own page instead)."""

    title = "Possible duplicate"

    def __init__(self, matches: Sequence[PossibleDuplicate], confirm: str = "confirm it is a different one") -> None:
        self.matches = list(matches)
        names = ", ".join(m.label for m in self.matches)
        super().__init__(
            f"This looks like {len(self.matches)} supplier(s) already registered: {names}. "
            f"Check them; to create it anyway, {confirm}.",
            fields={"name": f"Looks like {names}"},
        )
        self.extensions = {
            "duplicates": [
                {
                    "id": m.supplier_id,
                    "name": m.name,
                    "companies_house_number": m.companies_house_number,
                    "website": m.website,
                    "why": list(m.reasons),
                }
                for m in self.matches
            ]
        }


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


def _comparable(session: Session) -> list[Supplier]:
    """Suppliers a newcomer may duplicate: any status but rejected."""
    return list(session.execute(select(Supplier).where(col(Supplier.status) != "rejected")).scalars())


def _candidate_key(key_id: int, supplier: SupplierCreate) -> SupplierKey:
    website = str(supplier.website) if supplier.website else None
    return SupplierKey(key_id, supplier.name, supplier.companies_house_number, website)


def _stored_key(s: Supplier) -> SupplierKey:
    return SupplierKey(require_id(s), s.name, s.companies_house_number, s.website)


def _existing(s: Supplier, match: DuplicateMatch, domain: str) -> PossibleDuplicate:
    reasons = _reasons(match.same_number, match.same_domain, match.name_score, domain)
    return PossibleDuplicate(require_id(s), s.name, s.website, s.companies_house_number, reasons)


def find_duplicates(session: Session, supplier: SupplierCreate) -> list[PossibleDuplicate]:
    """Existing suppliers (any status) that look like this applicant, strongest first."""
    rows = _comparable(session)
    candidate = _candidate_key(0, supplier)
    existing = [_stored_key(s) for s in rows]
    by_id = {s.id: s for s in rows}
    domain = domain_of(candidate.website)
    return [_existing(by_id[m.id], m, domain) for m in find_duplicate_suppliers(candidate, existing)]


def find_batch_duplicates(
    session: Session, candidates: Mapping[int, SupplierCreate]
) -> dict[int, list[PossibleDuplicate]]:
    """For an import: each row (keyed by its row number, 1 or more) that looks like an existing
    supplier or an earlier row of the same batch, with what it looks like, strongest first.

    One blocked pass of the registry-wide duplicate report over the registry and the batch
    together, so a large import does not compare every row with every supplier."""
    rows = _comparable(session)
    by_id = {s.id: s for s in rows}
    # Batch rows get negative ids so they never collide with real supplier ids.
    keys = [_stored_key(s) for s in rows]
    keys += [_candidate_key(-row, c) for row, c in candidates.items()]
    found: dict[int, list[tuple[float, PossibleDuplicate]]] = defaultdict(list)
    for group in duplicate_report(keys):
        for a, match in group.pairs:
            b = match.id
            if a > 0 and b > 0:
                continue  # two existing suppliers: the moderators' duplicates report, not this import
            if a < 0 and b < 0:  # two rows of the batch: the later row is the duplicate
                row, other = max(-a, -b), min(-a, -b)
                earlier = candidates[other]
                website = str(earlier.website) if earlier.website else ""
                domain = domain_of(str(candidates[row].website or ""))
                reasons = _reasons(match.same_number, match.same_domain, match.name_score, domain)
                dup = PossibleDuplicate(0, earlier.name, website, earlier.companies_house_number, reasons, other)
            else:
                row, existing_id = (-a, b) if a < 0 else (-b, a)
                dup = _existing(by_id[existing_id], match, domain_of(str(candidates[row].website or "")))
            found[row].append((match.score, dup))
    return {row: [d for _s, d in sorted(pairs, key=lambda p: -p[0])] for row, pairs in sorted(found.items())}


def require_distinct(
    session: Session, supplier: SupplierCreate, *, confirmed: bool, confirm: str = "confirm it is a different one"
) -> None:
    """Raise PossibleDuplicates when the supplier looks like one already registered, unless the
    caller has confirmed it is a different organisation."""
    if confirmed:
        return
    matches = find_duplicates(session, supplier)
    if matches:
        raise PossibleDuplicates(matches, confirm)


def _check_unique_number(session: Session, number: str, exclude_id: int | None = None) -> None:
    stmt = select(col(Supplier.id)).where(col(Supplier.companies_house_number) == number)
    if exclude_id is not None:
        stmt = stmt.where(col(Supplier.id) != exclude_id)
    if session.execute(stmt).first():
        raise InvalidInput(
            f"A supplier with Companies House number {number} is already registered.",
            fields={"companies_house_number": "already registered"},
        )


def new_supplier(session: Session, data: SupplierCreate, *, organisation_id: int, status: str) -> Supplier:
    """The supplier row itself (callers have made the duplicate check their door needs)."""
    _check_unique_number(session, data.companies_house_number)
    values = data.model_dump(include=set(SupplierCreate.model_fields) - {"organisation_id"})
    values["website"] = str(data.website) if data.website else ""
    values["contact_email"] = str(data.contact_email or "")
    supplier = Supplier(**values, organisation_id=organisation_id, status=status)
    session.add(supplier)
    return supplier


def create_by_staff(session: Session, actor: Actor, data: StaffSupplierCreate) -> Supplier:
    """POST /api/v1/suppliers: staff add an (active) supplier, with the registration's duplicate
    check (self-registration has its own flow that also makes the first user)."""
    if not actor.is_staff:
        raise Forbidden("Suppliers register through the registration page; staff create them here.")
    _check_unique_number(session, data.companies_house_number)
    require_distinct(session, data, confirmed=data.confirm_duplicate, confirm='send "confirm_duplicate": true')
    org_id = data.organisation_id
    if org_id is None:
        org = Organisation(name=data.name, kind=OrgKind.SUPPLIER.value)
        session.add(org)
        session.flush()
        org_id = require_id(org)
    elif session.get(Organisation, org_id) is None:
        raise InvalidInput("Unknown organisation.", fields={"organisation_id": "unknown organisation"})
    return new_supplier(session, data, organisation_id=org_id, status="active")


def _check_unique(session: Session, reg: Registration) -> None:
    """Companies House numbers are public, so a taken one is said plainly. Whether the e-mail
    address has an account is never said (register() tells the owner by e-mail instead)."""
    number = reg.supplier.companies_house_number
    if session.execute(select(col(Supplier.id)).where(col(Supplier.companies_house_number) == number)).first():
        raise InvalidInput(
            "Check the registration details.",
            fields={
                "companies_house_number": (
                    f"Companies House number {number} is already registered. If this is your organisation, "
                    "ask a colleague with an account to add you, or contact the registry team"
                )
            },
        )


def _tell_existing_owner(session: Session, user: User, settings: Settings | None) -> None:
    hash_password("not-used")  # as much work as creating the account, so timing does not tell
    mail.send(
        session,
        user.email,
        "Someone tried to register with your email address",
        "Someone tried to register a supplier organisation with this email address, which already has "
        "an account on the SOC Capability Registry. If it was you, sign in instead, or reset your "
        f"password: {mail.link(settings, '/forgot-password')}\n\nIf it was not you, you can ignore this message.",
    )


def register(
    session: Session,
    reg: Registration,
    *,
    confirmed_distinct: bool = False,
    client: str = "",
    settings: Settings | None = None,
) -> tuple[Supplier, User] | None:
    """Create organisation + pending supplier + unverified supplier user and e-mail the
    verification link; raises PossibleDuplicates unless the applicant has confirmed they are a
    different organisation. Rate-limited per client address (registry/accounts/throttle.py).

    When the address already has an account, nothing is created and its owner is told by
    e-mail; the result is None and the caller answers exactly as for a new account."""
    throttle.limit_registration(session, client, throttle.Policy.from_settings(settings))
    _check_unique(session, reg)
    require_distinct(session, reg.supplier, confirmed=confirmed_distinct)
    existing = session.execute(select(User).where(col(User.email) == reg.email)).scalar_one_or_none()
    if existing is not None:
        _tell_existing_owner(session, existing, settings)
        return None
    org = Organisation(name=reg.supplier.name, kind=OrgKind.SUPPLIER.value)
    session.add(org)
    session.flush()
    applicant = Actor(email=reg.email, name=reg.user_name)  # not yet a user: audited by email
    supplier = new_supplier(session, reg.supplier, organisation_id=require_id(org), status="pending")
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
        organisation_id=require_id(org),
        password=reg.password,
    )
    user.email_verified_at = None  # until the link in the e-mail is followed
    email_verification.send_link(session, user, settings)
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
