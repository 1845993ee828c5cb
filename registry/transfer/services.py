"""Import and export of suppliers and tools as JSON or CSV.

Imports are all-or-nothing: every row is validated first, and if any row is bad nothing is
written and the caller gets a per-row error report.

CSV cells are escaped against formula injection with `registry.exports.safe_cell` on export and
unescaped on import, so export -> import gives back exactly the same values. JSON is not opened
by spreadsheets and is written as it is.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from registry.actor import Actor
from registry.changelog import services as changelog
from registry.db_types import require_id
from registry.errors import DomainError, InvalidInput
from registry.exports import safe_cell, unescape_cell
from registry.progress import NULL_PROGRESS, Progress
from registry.suppliers.models import Supplier
from registry.suppliers.registration import find_batch_duplicates, new_supplier
from registry.suppliers.schemas import SupplierCreate
from registry.suppliers.services import hidden_fields as hidden_supplier_fields
from registry.tools import services as tool_services
from registry.tools.models import Tool
from registry.tools.schemas import ToolCreate

Kind = Literal["suppliers", "tools"]
Format = Literal["json", "csv"]
# Typed as the Literals, so `value in KINDS` narrows a str to a Kind (and likewise for formats).
KINDS: tuple[Kind, ...] = ("suppliers", "tools")
FORMATS: tuple[Format, ...] = ("json", "csv")

SUPPLIER_FIELDS = [
    "name",
    "companies_house_number",
    "address",
    "region",
    "website",
    "size_band",
    "employees",
    "turnover_gbp",
    "clearances",
    "contact_name",
    "contact_email",
]
TOOL_FIELDS = [
    "supplier_number",
    "name",
    "summary",
    "description",
    "category",
    "trl",
    "deployments",
    "hosting",
    "classification",
    "data_standards",
    "pricing_model",
    "price_capital",
    "price_annual",
    "workstreams",
    "four_ps",
    "five_ds",
    "status",
    "last_reviewed",
    "capabilities",
    "accreditations",
    "skills_needed",
    "training_offered",
]
LIST_FIELDS = {"clearances", "deployments", "data_standards", "workstreams", "four_ps", "five_ds", "training_offered"}
JSON_FIELDS = {"capabilities", "accreditations", "skills_needed"}
MAX_ROWS = 200_000


@dataclass
class RowError:
    row: int  # 1-based data row (CSV: excluding the header)
    field: str
    message: str


@dataclass
class ImportReport:
    kind: str
    created: int = 0
    errors: list[RowError] = field(default_factory=list)


class ImportFailed(InvalidInput):
    def __init__(self, report: ImportReport) -> None:
        shown = "; ".join(f"row {e.row} {e.field}: {e.message}" for e in report.errors[:20])
        more = f" (and {len(report.errors) - 20} more)" if len(report.errors) > 20 else ""
        super().__init__(
            f"Nothing was imported. {len(report.errors)} problem(s): {shown}{more}",
            fields={f"row {e.row}.{e.field}": e.message for e in report.errors[:200]},
        )
        self.report = report


# --- export ------------------------------------------------------------------------------------


def export_rows(session: Session, actor: Actor, kind: Kind, progress: Progress = NULL_PROGRESS) -> list[dict[str, Any]]:
    if kind == "suppliers":
        stmt = select(Supplier).order_by(col(Supplier.id))
        if not actor.is_staff:
            stmt = stmt.where(col(Supplier.status) == "active")
        rows = []
        progress.start("Exporting suppliers", None)
        for s in session.execute(stmt).scalars():
            progress.advance()
            hidden = hidden_supplier_fields(actor, s.id)  # the same view as the supplier page and API
            rows.append({f: None if f in hidden else getattr(s, f) for f in SUPPLIER_FIELDS})
        return rows
    tool_stmt = tool_services.tool_scope(actor, select(Tool)).order_by(col(Tool.id))
    tools: list[Tool] = list(session.execute(tool_stmt).scalars())
    numbers = {s.id: s.companies_house_number for s in session.execute(select(Supplier)).scalars()}
    out = []
    progress.start("Exporting tools", len(tools))
    for read, tool in zip(tool_services.to_read(session, tools), tools, strict=True):
        progress.advance()
        row = {f: read.get(f) for f in TOOL_FIELDS if f in read}
        row["supplier_number"] = numbers[tool.supplier_id]
        row["last_reviewed"] = read["last_reviewed"].isoformat() if read["last_reviewed"] else None
        row["capabilities"] = [
            {"node_code": c["node_code"], "state": c["state"], "evidence": c["evidence"]} for c in read["capabilities"]
        ]
        row["accreditations"] = [
            {
                "name": a["name"],
                "mandatory": a["mandatory"],
                "expires_on": a["expires_on"].isoformat() if a["expires_on"] else None,
            }
            for a in read["accreditations"]
        ]
        row["skills_needed"] = [{"skill_code": s["skill_code"], "level": s["level"]} for s in read["skills_needed"]]
        row["training_offered"] = [t["skill_code"] for t in read["training_offered"]]
        out.append({f: row.get(f) for f in TOOL_FIELDS})
    return out


def dumps(rows: list[dict[str, Any]], kind: Kind, fmt: Format) -> str:
    if fmt == "json":
        return json.dumps({"kind": kind, "rows": rows}, indent=2, default=str, ensure_ascii=False)
    fields = SUPPLIER_FIELDS if kind == "suppliers" else TOOL_FIELDS
    buf = io.StringIO()
    # RFC 4180 line ends: the writer then quotes any cell holding a CR or LF, so text with line
    # breaks (or a leading CR) reads back as one cell.
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_cell(k, row.get(k)) for k in fields})
    return buf.getvalue()


def _csv_cell(key: str, value: Any) -> Any:
    if value is None:
        return ""
    if key in JSON_FIELDS:
        return safe_cell(json.dumps(value, ensure_ascii=False))
    if key in LIST_FIELDS:
        return safe_cell(";".join(str(v) for v in value))
    return safe_cell(value)  # text is escaped; numbers stay numbers


# --- import ------------------------------------------------------------------------------------


def parse(content: bytes | str, kind: Kind, fmt: Format) -> list[dict[str, Any]]:
    """Decode and parse a file; raises InvalidInput (file-level problems) with a clear message."""
    if isinstance(content, bytes):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                f"The file is not UTF-8 text (byte {exc.start} is not valid).", fields={"file": "not UTF-8"}
            ) from exc
    else:
        text = content.removeprefix("\ufeff")
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                f"The file is not valid JSON: {exc.msg} at line {exc.lineno}.", fields={"file": "invalid JSON"}
            ) from exc
        rows = data.get("rows") if isinstance(data, dict) else data
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise InvalidInput('JSON must be a list of objects, or {"rows": [...]}.', fields={"file": "wrong shape"})
        return rows[: MAX_ROWS + 1]
    fields = SUPPLIER_FIELDS if kind == "suppliers" else TOOL_FIELDS
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
        header = reader.fieldnames or []
        unknown = [h for h in header if h not in fields]
        if unknown:
            raise InvalidInput(
                f"Unknown column(s): {', '.join(unknown)}. Allowed: {', '.join(fields)}.",
                fields={"header": "unknown columns"},
            )
        if "name" not in header:
            raise InvalidInput("The header row must include 'name'.", fields={"header": "missing name"})
        rows = []
        for raw in reader:
            if None in raw:
                raise InvalidInput(
                    f"Row {reader.line_num - 1} has more cells than the header.",
                    fields={f"row {reader.line_num - 1}": "too many cells"},
                )
            rows.append(_from_csv(raw))
            if len(rows) > MAX_ROWS:
                break
        return rows
    except csv.Error as exc:
        raise InvalidInput(f"The CSV could not be read: {exc}.", fields={"file": "invalid CSV"}) from exc


def _from_csv(raw: dict[str, str]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for key, cell in raw.items():
        value = unescape_cell(cell if cell is not None else "")  # the export's formula escape
        if key in JSON_FIELDS:
            try:
                row[key] = json.loads(value) if value.strip() else []
            except json.JSONDecodeError:
                row[key] = value  # left as text: the row validator reports it
        elif key in LIST_FIELDS:
            row[key] = [v.strip() for v in value.split(";") if v.strip()]
        elif value == "":
            continue
        else:
            row[key] = value
    return row


def _validation_errors(row_no: int, exc: ValidationError) -> list[RowError]:
    return [RowError(row_no, ".".join(str(p) for p in err["loc"]) or "row", err["msg"]) for err in exc.errors()]


def import_rows(
    session: Session,
    actor: Actor,
    kind: Kind,
    rows: list[dict[str, Any]],
    *,
    confirm_duplicates: bool = False,
    progress: Progress = NULL_PROGRESS,
) -> ImportReport:
    """Validate every row, then write them all in the caller's transaction; or write nothing.

    Supplier rows that look like a registered supplier (or an earlier row) are errors unless
    ``confirm_duplicates``: the same duplicate rule as registration and staff creation."""
    if not actor.is_staff:
        from registry.errors import Forbidden

        raise Forbidden("Only moderators and admins can import.")
    report = ImportReport(kind=kind)
    if len(rows) > MAX_ROWS:
        report.errors.append(RowError(MAX_ROWS + 1, "file", f"more than {MAX_ROWS} rows"))
        raise ImportFailed(report)
    if kind == "suppliers":
        _import_suppliers(session, actor, rows, report, confirm_duplicates, progress)
    else:
        _import_tools(session, actor, rows, report, progress)
    if report.errors:
        raise ImportFailed(report)
    changelog.record(
        session,
        actor,
        "import",
        kind,
        "-",
        after={"created": report.created, "confirmed_duplicates": confirm_duplicates},
        summary=f"Imported {report.created} {kind}" + (" (likely duplicates confirmed)" if confirm_duplicates else ""),
    )
    return report


def _import_suppliers(
    session: Session,
    actor: Actor,
    rows: list[dict[str, Any]],
    report: ImportReport,
    confirm_duplicates: bool,
    progress: Progress = NULL_PROGRESS,
) -> None:
    from registry.accounts.models import Organisation

    seen: dict[str, int] = {}
    valid: list[tuple[int, SupplierCreate]] = []
    progress.start("Checking supplier rows", len(rows))
    for i, row in enumerate(rows, start=1):
        progress.advance()
        try:
            data = SupplierCreate.model_validate(row)
        except ValidationError as exc:
            report.errors += _validation_errors(i, exc)
            continue
        number = data.companies_house_number
        if number in seen:
            report.errors.append(RowError(i, "companies_house_number", f"duplicate of row {seen[number]}"))
            continue
        seen[number] = i
        valid.append((i, data))
    existing = set(session.execute(select(col(Supplier.companies_house_number))).scalars())
    for i, data in valid:
        if data.companies_house_number in existing:
            report.errors.append(RowError(i, "companies_house_number", "already registered"))
    if not confirm_duplicates:  # every problem in one report: rows already in error are left out
        in_error = {e.row for e in report.errors}
        for i, matches in find_batch_duplicates(session, {i: d for i, d in valid if i not in in_error}).items():
            names = "; ".join(f"{m.label}: {', '.join(m.reasons) or 'similar'}" for m in matches)
            report.errors.append(
                RowError(i, "name", f"looks like {names} (check, then import with duplicates confirmed)")
            )
    if report.errors:
        return
    progress.start("Writing suppliers", len(valid))
    for _i, data in valid:
        progress.advance()
        org = Organisation(name=data.name, kind="supplier")
        session.add(org)
        session.flush()
        new_supplier(session, data, organisation_id=require_id(org), status="active")
        report.created += 1
    session.flush()


def _import_tools(
    session: Session, actor: Actor, rows: list[dict[str, Any]], report: ImportReport, progress: Progress = NULL_PROGRESS
) -> None:
    suppliers = {s.companies_house_number: require_id(s) for s in session.execute(select(Supplier)).scalars()}
    valid: list[tuple[int, ToolCreate]] = []
    seen: dict[tuple[int, str], int] = {}
    progress.start("Checking tool rows", len(rows))
    for i, row in enumerate(rows, start=1):
        progress.advance()
        row = dict(row)
        number = str(row.pop("supplier_number", "") or "").strip().upper()
        if number not in suppliers:
            report.errors.append(RowError(i, "supplier_number", f"no supplier with number '{number}'"))
            continue
        row["supplier_id"] = suppliers[number]
        try:
            data = ToolCreate.model_validate(row)
        except ValidationError as exc:
            report.errors += _validation_errors(i, exc)
            continue
        key = (suppliers[number], data.name.lower())
        if key in seen:
            report.errors.append(RowError(i, "name", f"duplicate of row {seen[key]} for the same supplier"))
            continue
        seen[key] = i
        valid.append((i, data))
    if report.errors:
        return
    progress.start("Writing tools", len(valid))
    for i, data in valid:
        progress.advance()
        try:
            with session.begin_nested():
                tool_services.create_imported(session, actor, data)  # its status, if the workflow allows it
                session.flush()
        except DomainError as exc:
            if len(exc.fields) > 1:  # several named problems (a listing not ready for its status)
                report.errors += [RowError(i, f, m) for f, m in exc.fields.items()]
            else:
                report.errors.append(RowError(i, next(iter(exc.fields), "row"), exc.detail))
    report.created = len(valid) - len({e.row for e in report.errors})
    if not report.errors:
        changelog.bump_generation(session)
