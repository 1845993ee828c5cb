"""A procurement project record -> an OCDS 1.1 release package (a plain dict, ready for JSON).

Pure: stdlib only. The services build an `OcdsProject` from the database; this module decides
how it maps onto the Open Contracting Data Standard:

* ocid: ``ocds-socreg-<project id>`` (``ocds-socreg`` is this registry's demo prefix).
* tender: the project's name, need statement, budget (GBP) and one item per linked requirement.
* parties: the buyer (roles buyer, procuringEntity) and, once awarded, the supplier (role
  supplier) identified by its Companies House number (scheme GB-COH), with ``details.scale``
  "sme" or "large" from its size band (micro, small and medium are SMEs).
* awards: for an awarded project, one active award with value, supplier, date, contract period
  and the tool (with the listing version that was chosen) as its item.
* tag / tender.status: open -> tender/active; awarded -> tender+award/complete;
  cancelled -> tenderCancellation/cancelled; none suitable -> tenderUpdate/unsuccessful.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

OCID_PREFIX = "ocds-socreg"
OCDS_VERSION = "1.1"
CURRENCY = "GBP"
PUBLISHER = "SOC Capability Registry (demo)"
SME_BANDS = frozenset({"micro", "small", "medium"})

_STATUS = {  # project status -> (release tags, tender.status)
    "open": (["tender"], "active"),
    "awarded": (["tender", "award"], "complete"),
    "cancelled": (["tenderCancellation"], "cancelled"),
    "none_suitable": (["tenderUpdate"], "unsuccessful"),
}


@dataclass(frozen=True, slots=True)
class OcdsParty:
    id: str
    name: str
    roles: tuple[str, ...]
    scheme: str | None = None  # e.g. GB-COH (Companies House)
    identifier: str | None = None
    region: str = ""
    street_address: str = ""
    size_band: str | None = None  # registry SizeBand value, suppliers only
    website: str = ""


@dataclass(frozen=True, slots=True)
class OcdsItem:
    id: str
    description: str
    classification_scheme: str = ""
    classification_id: str = ""
    classification_description: str = ""


# OcdsAward has a field named `date` (the OCDS name), which hides the type inside the class body.
CalendarDate = date


@dataclass(frozen=True, slots=True)
class OcdsAward:
    id: str
    title: str
    date: datetime
    value: float | None
    supplier: OcdsParty
    items: tuple[OcdsItem, ...] = ()
    start_date: CalendarDate | None = None
    end_date: CalendarDate | None = None


@dataclass(frozen=True, slots=True)
class OcdsProject:
    project_id: str
    title: str
    description: str
    status: str  # open|awarded|cancelled|none_suitable
    created_at: datetime
    updated_at: datetime
    buyer: OcdsParty
    budget: float | None = None
    items: tuple[OcdsItem, ...] = ()
    award: OcdsAward | None = None
    status_reason: str = ""
    extra_parties: tuple[OcdsParty, ...] = field(default_factory=tuple)


def ocid(project_id: str) -> str:
    return f"{OCID_PREFIX}-{project_id}"


def timestamp(value: datetime | date) -> str:
    """OCDS date-time: RFC 3339 with a UTC offset (a plain date becomes midnight UTC)."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _value(amount: float | None) -> dict[str, Any] | None:
    return None if amount is None else {"amount": round(float(amount), 2), "currency": CURRENCY}


def party(p: OcdsParty) -> dict[str, Any]:
    out: dict[str, Any] = {"id": p.id, "name": p.name, "roles": list(p.roles)}
    if p.scheme and p.identifier:
        out["identifier"] = {"scheme": p.scheme, "id": p.identifier, "legalName": p.name}
    address = {k: v for k, v in (("streetAddress", p.street_address), ("region", p.region)) if v}
    if address:
        out["address"] = {**address, "countryName": "United Kingdom"}
    if p.website:
        out["contactPoint"] = {"url": p.website}
    if p.size_band:
        out["details"] = {"scale": "sme" if p.size_band in SME_BANDS else "large"}
    return out


def item(i: OcdsItem) -> dict[str, Any]:
    out: dict[str, Any] = {"id": i.id, "description": i.description}
    if i.classification_scheme and i.classification_id:
        out["classification"] = {
            "scheme": i.classification_scheme,
            "id": i.classification_id,
            "description": i.classification_description or i.classification_id,
        }
    return out


def _award(a: OcdsAward) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": a.id,
        "title": a.title,
        "status": "active",
        "date": timestamp(a.date),
        "suppliers": [{"id": a.supplier.id, "name": a.supplier.name}],
        "items": [item(i) for i in a.items],
    }
    value = _value(a.value)
    if value:
        out["value"] = value
    period = {k: timestamp(v) for k, v in (("startDate", a.start_date), ("endDate", a.end_date)) if v}
    if period:
        out["contractPeriod"] = period
    return out


def release(project: OcdsProject) -> dict[str, Any]:
    tags, tender_status = _STATUS[project.status]
    parties = [project.buyer, *project.extra_parties]
    if project.award is not None:
        parties.append(project.award.supplier)
    tender: dict[str, Any] = {
        "id": project.project_id,
        "title": project.title,
        "description": project.description,
        "status": tender_status,
        "items": [item(i) for i in project.items],
        "procuringEntity": {"id": project.buyer.id, "name": project.buyer.name},
        "tenderPeriod": {"startDate": timestamp(project.created_at)},
    }
    value = _value(project.budget)
    if value:
        tender["value"] = value
    if project.status_reason:
        tender["statusDetails"] = project.status_reason
    out: dict[str, Any] = {
        "ocid": ocid(project.project_id),
        "id": f"{ocid(project.project_id)}-{project.status}",
        "date": timestamp(project.updated_at),
        "tag": tags,
        "initiationType": "tender",
        "language": "en",
        "parties": [party(p) for p in parties],
        "buyer": {"id": project.buyer.id, "name": project.buyer.name},
        "tender": tender,
    }
    if project.award is not None:
        out["awards"] = [_award(project.award)]
    return out


def release_package(project: OcdsProject, *, published_at: datetime, base_url: str) -> dict[str, Any]:
    """One release in a release package; `base_url` makes the package URI dereferenceable."""
    return {
        "uri": f"{base_url.rstrip('/')}/projects/{project.project_id}/ocds.json",
        "version": OCDS_VERSION,
        "publishedDate": timestamp(published_at),
        "publisher": {"name": PUBLISHER},
        "releases": [release(project)],
    }
