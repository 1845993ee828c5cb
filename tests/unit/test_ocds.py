"""The OCDS mapping (pure): valid against the vendored OCDS 1.1 schemas, parties linked right."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from registry.procurement.ocds import (
    OcdsAward,
    OcdsItem,
    OcdsParty,
    OcdsProject,
    ocid,
    release_package,
    timestamp,
)

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas" / "ocds"
RFC3339 = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    release = json.loads((SCHEMAS / "release-schema.json").read_text())
    package = json.loads((SCHEMAS / "release-package-schema.json").read_text())
    registry = Registry().with_resource(release["id"], Resource.from_contents(release, default_specification=DRAFT4))
    return jsonschema.Draft4Validator(
        package, registry=registry, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )


BUYER = OcdsParty(id="socreg-org-1", name="North Western ROCU (demo)", roles=("buyer", "procuringEntity"))


def supplier(size_band: str) -> OcdsParty:
    return OcdsParty(
        id="GB-COH-11482736",
        name="Kestrel Analytics Ltd",
        roles=("supplier",),
        scheme="GB-COH",
        identifier="11482736",
        region="North West",
        street_address="Canal Side Works",
        size_band=size_band,
        website="https://kestrel-analytics.example",
    )


def project(status: str = "awarded", size_band: str = "small", **extra: object) -> OcdsProject:
    award = OcdsAward(
        id="p1-award-1",
        title="Kestrel Link (listing version 3)",
        date=datetime(2026, 11, 2, 10, 30, tzinfo=UTC),
        value=45000,
        supplier=supplier(size_band),
        items=(OcdsItem("tool-1-v3", "Kestrel Link, listing version 3"),),
        start_date=date(2027, 4, 1),
        end_date=date(2029, 3, 31),
    )
    base: dict[str, object] = dict(
        project_id="a" * 32,
        title="Network analysis",
        description="Map OCG networks.",
        status=status,
        created_at=datetime(2026, 10, 1, 9, 0, tzinfo=UTC),
        updated_at=datetime(2026, 11, 2, 10, 30, tzinfo=UTC),
        buyer=BUYER,
        budget=60000.0,
        items=(OcdsItem("IM-001", "Ingest partner data", "x_socregCapability", "DATA.INT", "Data integration"),),
        award=award if status == "awarded" else None,
        status_reason="" if status == "awarded" else "Need withdrawn",
    )
    base.update(extra)
    return OcdsProject(**base)  # type: ignore[arg-type]


def package(p: OcdsProject) -> dict:
    return release_package(p, published_at=datetime(2026, 11, 3, tzinfo=UTC), base_url="https://registry.example/")


@pytest.mark.parametrize("status", ["open", "awarded", "cancelled", "none_suitable"])
def test_every_status_validates(validator: jsonschema.Draft4Validator, status: str) -> None:
    out = package(project(status))
    validator.validate(out)
    assert out["version"] == "1.1"
    assert out["uri"] == f"https://registry.example/projects/{'a' * 32}/ocds.json"


def test_award_links_to_the_right_parties(validator: jsonschema.Draft4Validator) -> None:
    out = package(project())
    release = out["releases"][0]
    assert release["ocid"] == ocid("a" * 32) == "ocds-socreg-" + "a" * 32
    assert release["tag"] == ["tender", "award"] and release["tender"]["status"] == "complete"
    parties = {p["id"]: p for p in release["parties"]}
    assert parties[release["buyer"]["id"]]["roles"] == ["buyer", "procuringEntity"]
    award = release["awards"][0]
    (sup,) = award["suppliers"]
    assert parties[sup["id"]]["roles"] == ["supplier"] and parties[sup["id"]]["name"] == sup["name"]
    assert parties[sup["id"]]["identifier"] == {
        "scheme": "GB-COH",
        "id": "11482736",
        "legalName": "Kestrel Analytics Ltd",
    }
    assert award["value"] == {"amount": 45000.0, "currency": "GBP"}
    assert award["contractPeriod"] == {"startDate": "2027-04-01T00:00:00Z", "endDate": "2029-03-31T00:00:00Z"}
    assert release["tender"]["value"] == {"amount": 60000.0, "currency": "GBP"}
    assert release["tender"]["items"][0]["classification"]["id"] == "DATA.INT"


@pytest.mark.parametrize(("band", "scale"), [("micro", "sme"), ("small", "sme"), ("medium", "sme"), ("large", "large")])
def test_supplier_scale_follows_the_size_band(band: str, scale: str) -> None:
    release = package(project(size_band=band))["releases"][0]
    sup = next(p for p in release["parties"] if "supplier" in p["roles"])
    assert sup["details"] == {"scale": scale}


def test_not_awarded_has_no_award_or_supplier(validator: jsonschema.Draft4Validator) -> None:
    release = package(project("none_suitable"))["releases"][0]
    assert "awards" not in release and [p["roles"] for p in release["parties"]] == [["buyer", "procuringEntity"]]
    assert release["tender"]["status"] == "unsuccessful" and release["tender"]["statusDetails"] == "Need withdrawn"


def test_schema_rejects_a_broken_package(validator: jsonschema.Draft4Validator) -> None:
    """The vendored schema really constrains: a bad tag and a missing ocid are errors."""
    out = package(project())
    out["releases"][0]["tag"] = ["not-a-tag"]
    del out["releases"][0]["ocid"]
    messages = [e.message for e in validator.iter_errors(out)]
    assert any("'not-a-tag' is not one of" in m for m in messages), messages
    assert any("'ocid' is a required property" in m for m in messages), messages


def test_timestamps_are_rfc3339_utc() -> None:
    import re

    assert timestamp(date(2027, 4, 1)) == "2027-04-01T00:00:00Z"
    assert timestamp(datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05Z"  # naive is taken as UTC
    out = package(project())
    release = out["releases"][0]
    for value in (
        out["publishedDate"],
        release["date"],
        release["awards"][0]["date"],
        release["tender"]["tenderPeriod"]["startDate"],
    ):
        assert re.match(RFC3339, value), value
