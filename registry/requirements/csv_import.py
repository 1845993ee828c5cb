"""Import IM requirements from CSV: all rows or none, with a message for every bad row.

Lists inside a cell are separated by semicolons (`ECON;GANGS`); skills are `CODE:level[:people]`
(`SK-DATAENG:4:2;SK-NETAN:3`). Rows are checked completely (schema, capability and skill codes,
duplicate codes in the file and in the register) before anything is written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.actor import Actor
from registry.errors import DomainError, InvalidInput
from registry.exports import unescape_cell
from registry.requirements.models import Requirement
from registry.requirements.schemas import RequirementCreate
from registry.requirements.services import SPEC
from registry.resources import create_resource
from registry.skills.models import Skill
from registry.skills.services import target_org
from registry.taxonomy.models import CapabilityNode

MAX_BYTES = 1024 * 1024
MAX_ROWS = 2000
COLUMNS = (
    "code",
    "title",
    "description",
    "source",
    "capability_code",
    "priority",
    "weight",
    "workstreams",
    "four_ps",
    "five_ds",
    "five_cs",
    "min_classification",
    "allowed_hosting",
    "data_standards",
    "min_trl",
    "allowed_deployments",
    "skills",
)
REQUIRED = ("code", "title", "capability_code")
LIST_COLUMNS = (
    "workstreams",
    "four_ps",
    "five_ds",
    "five_cs",
    "allowed_hosting",
    "data_standards",
    "allowed_deployments",
)
TEMPLATE_ROWS = (
    (
        "IM-101",
        "Link financial intelligence to the POLE store",
        "SARs and bank returns joined to nominals.",
        "IM strategy §1 data collection and storage",
        "DATA.INT",
        "must",
        "3",
        "ECON;GANGS",
        "pursue",
        "detect;disrupt",
        "capabilities",
        "OFFICIAL_SENSITIVE",
        "uk",
        "POLE;CSV",
        "6",
        "",
        "SK-DATAENG:4:2",
    ),
    (
        "IM-102",
        "Share harm indicators with partners",
        "",
        "IM strategy §2 breaking silos",
        "INT",
        "should",
        "1",
        "VICTIMS",
        "protect;prevent",
        "",
        "communication",
        "",
        "",
        "",
        "",
        "saas;hybrid",
        "",
    ),
)


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # 1-based line number in the file, header = 1
    code: str
    field: str
    message: str


class ImportRejected(DomainError):
    """Nothing was imported; `rows` says what is wrong and where."""

    status = 422
    title = "Import rejected"

    def __init__(self, detail: str, rows: Sequence[RowError]) -> None:
        super().__init__(detail)
        self.rows = list(rows)


def template_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(TEMPLATE_ROWS)
    return out.getvalue()


def check_upload(filename: str, content_type: str, size: int) -> None:
    """Refuse anything that is not a CSV of at most 1 MB before reading it."""
    name_ok = filename.lower().endswith(".csv")
    type_ok = content_type.split(";")[0].strip().lower() in {"text/csv", "application/csv"}
    if not (name_ok or type_ok):
        raise InvalidInput("The selected file must be a CSV", fields={"file": "The selected file must be a CSV"})
    if size == 0:
        raise InvalidInput("The selected file is empty", fields={"file": "The selected file is empty"})
    if size > MAX_BYTES:
        raise InvalidInput(
            "The selected file must be smaller than 1 MB",
            fields={"file": "The selected file must be smaller than 1 MB"},
        )


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            "The file must be saved as CSV UTF-8",
            fields={"file": "The file must be saved as CSV UTF-8 (Excel: Save as › CSV UTF-8)"},
        ) from exc


def _split(cell: str) -> list[str]:
    return [p.strip() for p in cell.split(";") if p.strip()]


def parse_skills(cell: str) -> list[dict[str, Any]]:
    out = []
    for part in _split(cell):
        bits = [b.strip() for b in part.split(":")]
        if len(bits) not in (2, 3) or not all(b.isdecimal() for b in bits[1:]):
            raise ValueError(f"'{part}' should look like SK-CODE:level or SK-CODE:level:people")
        out.append({"skill_code": bits[0], "level": int(bits[1]), "people": int(bits[2]) if len(bits) == 3 else 1})
    return out


def _row_payload(row: dict[str, str]) -> dict[str, Any]:
    # A cell the export escaped against formula injection ("'=x") reads back as written ("=x").
    data: dict[str, Any] = {k: unescape_cell((row.get(k) or "").strip()) for k in COLUMNS if k not in LIST_COLUMNS}
    for key in LIST_COLUMNS:
        data[key] = _split(row.get(key) or "")
    data["four_ps"] = [v.lower() for v in data["four_ps"]]
    data["five_ds"] = [v.lower() for v in data["five_ds"]]
    data["five_cs"] = [v.lower() for v in data["five_cs"]]
    data["allowed_hosting"] = [v.lower() for v in data["allowed_hosting"]]
    data["workstreams"] = [v.upper() for v in data["workstreams"]]
    data["priority"] = data["priority"].lower() or "should"
    data["min_classification"] = data["min_classification"].upper().replace("-", "_").replace(" ", "_") or None
    data["weight"] = data["weight"] or 1.0
    data["min_trl"] = data["min_trl"] or None
    data["skills"] = parse_skills(data["skills"])
    return data


def parse_rows(text: str) -> tuple[list[tuple[int, RequirementCreate]], list[RowError]]:
    """Schema-check every row. Returns (line, validated) pairs and the errors found."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return [], [RowError(1, "", "header", f"Missing column(s): {', '.join(missing)}. Use the template.")]
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        return [], [RowError(1, "", "header", f"Unknown column(s): {', '.join(unknown)}. Use the template.")]
    reader.fieldnames = header
    good: list[tuple[int, RequirementCreate]] = []
    errors: list[RowError] = []
    for n, row in enumerate(reader, start=2):
        if n - 1 > MAX_ROWS:
            errors.append(RowError(n, "", "file", f"Import at most {MAX_ROWS} requirements at a time"))
            break
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue  # blank line
        code = (row.get("code") or "").strip()
        if None in row:
            errors.append(RowError(n, code, "row", "This row has more cells than the header"))
            continue
        try:
            good.append((n, RequirementCreate.model_validate(_row_payload(row))))
        except ValueError as exc:
            if isinstance(exc, ValidationError):
                for err in exc.errors():
                    field = str(err["loc"][0]) if err["loc"] else "row"
                    errors.append(RowError(n, code, field, str(err["msg"]).removeprefix("Value error, ")))
            else:
                errors.append(RowError(n, code, "skills", str(exc)))
    if not good and not errors:
        errors.append(RowError(1, "", "file", "The file has no requirement rows"))
    return good, errors


def _reference_errors(session: Session, org_id: int, rows: list[tuple[int, RequirementCreate]]) -> list[RowError]:
    """Checks that need the database: codes known, requirement codes new and unique."""
    nodes = set(
        session.execute(select(col(CapabilityNode.code)).where(col(CapabilityNode.retired).is_(False))).scalars()
    )
    skills = set(session.execute(select(col(Skill.code))).scalars())
    existing = set(
        session.execute(select(col(Requirement.code)).where(col(Requirement.organisation_id) == org_id)).scalars()
    )
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for n, req in rows:
        if req.capability_code not in nodes:
            errors.append(RowError(n, req.code, "capability_code", f"Unknown capability code {req.capability_code}"))
        for s in req.skills:
            if s.skill_code not in skills:
                errors.append(RowError(n, req.code, "skills", f"Unknown skill code {s.skill_code}"))
        if req.code in existing:
            errors.append(RowError(n, req.code, "code", f"{req.code} is already in your register; edit it there"))
        elif req.code in seen:
            errors.append(RowError(n, req.code, "code", f"{req.code} is also on row {seen[req.code]}"))
        seen.setdefault(req.code, n)
    return errors


def import_requirements(session: Session, actor: Actor, raw: bytes, *, organisation_id: int | None = None) -> int:
    """Create every requirement in the file, or raise ImportRejected having written nothing.

    Run inside the caller's transaction: if a write still fails, the caller's rollback undoes
    the rows already added.
    """
    org_id = target_org(actor, organisation_id, session)
    rows, errors = parse_rows(_decode(raw))
    if not errors:
        errors = _reference_errors(session, org_id, rows)
    if errors:
        raise ImportRejected(f"Nothing was imported: {len(errors)} problem(s) found.", errors)
    for n, req in rows:
        if actor.is_admin:
            req = req.model_copy(update={"organisation_id": org_id})
        try:
            create_resource(session, SPEC, actor, req)
        except InvalidInput as exc:
            raise ImportRejected(
                "Nothing was imported.", [RowError(n, req.code, next(iter(exc.fields), "row"), exc.detail)]
            ) from exc
    return len(rows)
