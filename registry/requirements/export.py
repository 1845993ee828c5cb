"""Export of an organisation's requirements register as CSV or XLSX.

The CSV is written in the import format (`csv_import.COLUMNS`, codes, `;` between list items),
so a register exported from one organisation imports into another unchanged. The XLSX is for
people: the same requirements with labels ("Must have", "OFFICIAL-SENSITIVE") and a capability
path. Both go through the one formula-escaping writer (`registry.exports`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.accounts.scope import lead_org, org_name
from registry.actor import Actor
from registry.db_types import today
from registry.enums import Classification, Deployment, FiveC, FiveD, FourP, Hosting, MoSCoW, workstream_label
from registry.errors import InvalidInput
from registry.exports import Column, to_csv, to_xlsx
from registry.requirements.csv_import import COLUMNS, LIST_COLUMNS
from registry.requirements.models import Requirement
from registry.requirements.services import SPEC

Format = Literal["csv", "xlsx"]
FORMATS: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
XLSX_COLUMNS = (
    Column("Code", width=12),
    Column("Title", width=40),
    Column("Description", width=50),
    Column("Source", width=30),
    Column("Capability", width=40),
    Column("Capability code", width=14),
    Column("Priority", width=14),
    Column("Weight", "int", width=8),
    Column("Workstreams", width=30),
    Column("4P functions", width=20),
    Column("5D functions", width=20),
    Column("5C", width=20),
    Column("Lowest classification", width=20),
    Column("Hosting allowed", width=20),
    Column("Data standards", width=20),
    Column("Lowest TRL", "int", width=10),
    Column("Deployments allowed", width=30),
    Column("Skills needed", width=30),
)


def register(session: Session, actor: Actor, organisation_id: int | None = None) -> list[dict[str, Any]]:
    """The organisation's current (not retired) requirements, by code, as the register shows
    them: the same rule (`lead_org`) and scope as the register page."""
    org_id = lead_org(actor, str(organisation_id) if organisation_id is not None else None)
    stmt = SPEC.scope(actor, select(Requirement)).where(
        col(Requirement.organisation_id) == org_id, col(Requirement.retired).is_(False)
    )
    return SPEC.to_read(session, list(session.execute(stmt.order_by(col(Requirement.code))).scalars()))


def _skills(r: dict[str, Any]) -> str:
    return ";".join(f"{s['skill_code']}:{s['level']}:{s['people']}" for s in r["skills"])


def csv_row(r: dict[str, Any]) -> list[Any]:
    """One requirement in the import format."""
    cells: dict[str, Any] = {k: r.get(k) for k in COLUMNS}
    for key in LIST_COLUMNS:
        cells[key] = ";".join(r[key])
    cells["weight"] = f"{r['weight']:g}"
    cells["min_trl"] = "" if r["min_trl"] is None else str(r["min_trl"])
    cells["min_classification"] = r["min_classification"] or ""
    cells["skills"] = _skills(r)
    return [cells[k] for k in COLUMNS]


def _labels(enum: Any, values: Sequence[str]) -> str:
    return "; ".join(enum.label_of(v) for v in values)


def xlsx_row(r: dict[str, Any]) -> list[Any]:
    """One requirement in words."""
    weight = r["weight"]
    return [
        r["code"],
        r["title"],
        r["description"],
        r["source"],
        r["capability_path"],
        r["capability_code"],
        MoSCoW.label_of(r["priority"]),
        int(weight) if float(weight).is_integer() else weight,
        "; ".join(workstream_label(w) for w in r["workstreams"]),
        _labels(FourP, r["four_ps"]),
        _labels(FiveD, r["five_ds"]),
        _labels(FiveC, r["five_cs"]),
        Classification[r["min_classification"]].label if r["min_classification"] else "",
        _labels(Hosting, r["allowed_hosting"]),
        ", ".join(r["data_standards"]),
        r["min_trl"],
        _labels(Deployment, r["allowed_deployments"]),
        "; ".join(f"{s['skill_name']} (level {s['level']}, {s['people']} people)" for s in r["skills"]),
    ]


def export(session: Session, actor: Actor, fmt: str, organisation_id: int | None = None) -> tuple[str, bytes]:
    """(file name, content) of the register as "csv" or "xlsx"."""
    if fmt not in FORMATS:
        raise InvalidInput(f"Choose csv or xlsx, not “{fmt[:20]}”.", fields={"format": "choose csv or xlsx"})
    rows = register(session, actor, organisation_id)
    org_id = lead_org(actor, str(organisation_id) if organisation_id is not None else None)
    stem = f"requirements-{_slug(org_name(session, org_id))}-{today().isoformat()}"
    if fmt == "csv":
        return f"{stem}.csv", to_csv([Column(c) for c in COLUMNS], [csv_row(r) for r in rows])
    return f"{stem}.xlsx", to_xlsx(XLSX_COLUMNS, [xlsx_row(r) for r in rows], sheet_title="Requirements")


def _slug(name: str) -> str:
    """ASCII file name part (safe in a Content-Disposition header on every browser)."""
    stem = "".join(ch.lower() if ch.isascii() and ch.isalnum() else "-" for ch in name)
    return "-".join(p for p in stem.split("-") if p)[:60] or "organisation"
