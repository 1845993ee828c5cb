"""CSV rendering: one CSV per table (UTF-8 with BOM so Excel reads it), zipped with a README."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC

from assessments.reports.cells import json_value
from assessments.reports.document import REPORT_KIND_LABELS, Report, Table
from registry.exports import safe_cell

BOM = "\ufeff"


def _csv_bytes(table: Table) -> bytes:
    buf = io.StringIO()
    buf.write(BOM)
    writer = csv.writer(buf, lineterminator="\r\n")  # RFC 4180 line endings
    writer.writerow([safe_cell(c.label) for c in table.columns])
    keys = [c.key for c in table.columns]
    for row in table.rows:
        # Raw values (percent as 0..100, ISO dates) so the data stays machine-readable;
        # text is escaped against formula injection.
        writer.writerow(["" if (v := json_value(row.get(k))) is None else safe_cell(v) for k in keys])
    return buf.getvalue().encode("utf-8")


def _tables(report: Report) -> list[tuple[str, Table]]:
    """(file name, table) for every table, chart data included, with unique names."""
    out: list[tuple[str, Table]] = []
    seen: set[str] = set()
    for section in report.all_sections():
        for table in [*section.tables, *(c.table_alternative for c in section.charts)]:
            base = f"{section.id}-{table.id}"
            name, n = f"{base}.csv", 2
            while name in seen:
                name, n = f"{base}-{n}.csv", n + 1
            seen.add(name)
            out.append((name, table))
    return out


def _readme(report: Report, files: list[tuple[str, Table]]) -> str:
    lines = [
        f"{report.marking}",
        "",
        f"{report.title}",
        f"{REPORT_KIND_LABELS.get(report.kind, report.kind)} for {report.organisation}",
        f"Generated {report.generated_at.isoformat(timespec='minutes')} by {report.generated_by}",
        f"Protective marking: {report.marking}. Handle every file in this archive accordingly.",
        "",
        "Files (UTF-8 with byte order mark; percentages are 0-100; dates are ISO 8601;",
        "text cells that start with = + - @ tab, CR or ' are prefixed with ' so spreadsheets do not run them):",
    ]
    lines += [f"  {name}  {table.title} ({len(table.rows)} rows)" for name, table in files]
    lines += ["", f"{report.marking}", ""]
    return "\r\n".join(lines)


def render_csv_zip(report: Report) -> bytes:
    """A zip of one CSV per table plus README.txt with title and marking."""
    files = _tables(report)
    # Entry timestamps from the report keep the archive byte-identical across renders.
    stamp = report.generated_at
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(UTC)
    when = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("README.txt", when), _readme(report, files).encode("utf-8"), zipfile.ZIP_DEFLATED)
        for name, table in files:
            zf.writestr(zipfile.ZipInfo(name, when), _csv_bytes(table), zipfile.ZIP_DEFLATED)
        zf.comment = f"{report.marking} - {report.title}"[:1000].encode("utf-8")
    return out.getvalue()
