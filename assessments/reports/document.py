"""The report model: one plain, immutable description of a report, rendered to many formats.

Builders (assessment results, evaluations, project records) fill these dataclasses; the
renderers in this package turn them into HTML, PDF, XLSX, CSV and JSON. Nothing here imports
the web layer or the database.

Cell value conventions (per Column.kind):
    text    str
    int     int
    money   float or int, pounds sterling
    percent float 0..100 (not a 0..1 fraction)
    date    datetime.date / datetime.datetime (or an ISO string)
    score   float
None means "no value" in every kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from assessments.reports.cells import json_value

ReportKind = Literal["capability_gap", "procurement", "evaluation", "project_record"]
ColumnKind = Literal["text", "int", "money", "percent", "date", "score"]
ChartKind = Literal["heatmap", "bar", "line"]

REPORT_KINDS: tuple[str, ...] = ("capability_gap", "procurement", "evaluation", "project_record")
# What each kind of report is called, wherever people read it (library, status page, the report's
# own cover, CSV and XLSX headers).
REPORT_KIND_LABELS: dict[str, str] = {
    "capability_gap": "Capability gap report",
    "procurement": "Procurement report",
    "evaluation": "Evaluation report",
    "project_record": "Project record",
}
COLUMN_KINDS: tuple[str, ...] = ("text", "int", "money", "percent", "date", "score")
CHART_KINDS: tuple[str, ...] = ("heatmap", "bar", "line")
# Government Security Classifications as printed on a document.
MARKINGS: tuple[str, ...] = ("OFFICIAL", "OFFICIAL-SENSITIVE", "SECRET", "TOP SECRET")

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

CellValue = str | int | float | date | datetime | None


def _check_slug(kind: str, value: str) -> None:
    # Ids become HTML anchors, file names and sheet names, so keep them boring.
    if not _SLUG.match(value):
        raise ValueError(f"{kind} id must be a lowercase slug, got {value!r}")


@dataclass(frozen=True, slots=True)
class KeyFigure:
    label: str
    value: str
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "value": self.value, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    kind: ColumnKind = "text"

    def __post_init__(self) -> None:
        if self.kind not in COLUMN_KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "money", "percent", "score")

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "kind": self.kind}


@dataclass(frozen=True, slots=True)
class Table:
    id: str
    title: str
    columns: list[Column]
    rows: list[dict[str, CellValue]] = field(default_factory=list)
    caption: str = ""

    def __post_init__(self) -> None:
        _check_slug("table", self.id)
        keys = [c.key for c in self.columns]
        if len(set(keys)) != len(keys):
            raise ValueError(f"table {self.id!r} has duplicate column keys")

    def to_dict(self) -> dict[str, Any]:
        # Rows carry only the declared columns, in column order: builders may keep extra
        # (internal) keys in row dicts and those must not leak into exports.
        return {
            "id": self.id,
            "title": self.title,
            "caption": self.caption,
            "columns": [c.to_dict() for c in self.columns],
            "rows": [{c.key: json_value(row.get(c.key)) for c in self.columns} for row in self.rows],
        }


@dataclass(frozen=True, slots=True)
class HeatmapData:
    rows: list[str]
    cols: list[str]
    values: list[list[float | None]]  # values[row][col], 0..100 coverage, None = no data

    def __post_init__(self) -> None:
        if len(self.values) != len(self.rows) or any(len(r) != len(self.cols) for r in self.values):
            raise ValueError("heatmap values must be len(rows) x len(cols)")

    def to_dict(self) -> dict[str, Any]:
        return {"rows": list(self.rows), "cols": list(self.cols), "values": self.values}


@dataclass(frozen=True, slots=True)
class BarData:
    labels: list[str]
    values: list[float]
    unit: str = "%"
    max_value: float | None = None  # None: scale to the largest value

    def __post_init__(self) -> None:
        if len(self.labels) != len(self.values):
            raise ValueError("bar labels and values differ in length")

    def to_dict(self) -> dict[str, Any]:
        return {
            "labels": list(self.labels),
            "values": list(self.values),
            "unit": self.unit,
            "max_value": self.max_value,
        }


@dataclass(frozen=True, slots=True)
class LineData:
    points: list[tuple[str, float]]
    unit: str = "%"
    max_value: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "points": [{"label": label, "value": value} for label, value in self.points],
            "unit": self.unit,
            "max_value": self.max_value,
        }


_CHART_DATA = {"heatmap": HeatmapData, "bar": BarData, "line": LineData}


@dataclass(frozen=True, slots=True)
class Chart:
    id: str
    title: str
    kind: ChartKind
    data: HeatmapData | BarData | LineData
    alt_text: str
    table_alternative: Table

    def __post_init__(self) -> None:
        _check_slug("chart", self.id)
        expected = _CHART_DATA.get(self.kind)
        if expected is None or not isinstance(self.data, expected):
            raise ValueError(f"chart {self.id!r}: kind {self.kind!r} needs {expected}")
        if not self.alt_text.strip():
            raise ValueError(f"chart {self.id!r} needs alt_text")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "alt_text": self.alt_text,
            "data": self.data.to_dict(),
            "table_alternative": self.table_alternative.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    subsections: list[Section] = field(default_factory=list)

    def __post_init__(self) -> None:
        _check_slug("section", self.id)

    def walk(self) -> list[Section]:
        """This section and all its descendants, depth first (document order)."""
        out = [self]
        for sub in self.subsections:
            out.extend(sub.walk())
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "paragraphs": list(self.paragraphs),
            "tables": [t.to_dict() for t in self.tables],
            "charts": [c.to_dict() for c in self.charts],
            "subsections": [s.to_dict() for s in self.subsections],
        }


@dataclass(frozen=True, slots=True)
class Report:
    kind: ReportKind
    title: str
    organisation: str
    generated_at: datetime
    generated_by: str
    summary: list[KeyFigure] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    marking: str = "OFFICIAL"

    def __post_init__(self) -> None:
        if self.kind not in REPORT_KINDS:
            raise ValueError(f"unknown report kind {self.kind!r}")
        if self.marking not in MARKINGS:
            raise ValueError(f"unknown protective marking {self.marking!r}")
        ids = [s.id for s in self.all_sections()]
        if len(set(ids)) != len(ids):
            raise ValueError("section ids must be unique within a report")

    def all_sections(self) -> list[Section]:
        out: list[Section] = []
        for section in self.sections:
            out.extend(section.walk())
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": self.kind,
            "title": self.title,
            "organisation": self.organisation,
            "marking": self.marking,
            "generated_at": self.generated_at.isoformat(),
            "generated_by": self.generated_by,
            "summary": [k.to_dict() for k in self.summary],
            "sections": [s.to_dict() for s in self.sections],
        }


SCHEMA_VERSION = 1


def _text_len(text: str) -> float:
    """Approximate width in average lowercase characters (capitals and digits are wider)."""
    return sum(1.35 if c.isupper() else 1.1 if c.isdecimal() else 1.0 for c in text)


def column_widths(table: Table, budget: float | None = None, sample: int = 300) -> list[float]:
    """Column widths in characters, from the label and a sample of the content.

    Without a budget: each column's natural width (its longest content, capped), e.g. for
    XLSX. With a budget (characters across the page): every column gets at least its longest
    word so short codes never break mid-word, and the rest of the budget goes to the columns
    that wrap, in proportion to how much more they want. Used for PDF colgroups, since fixed
    table layout is far faster in WeasyPrint than automatic layout.
    """
    rows = table.rows[:sample]
    minimum: list[float] = []
    natural: list[float] = []
    for col in table.columns:
        texts = [str(r.get(col.key) or "") for r in rows]
        if col.kind == "money":
            texts = [f"£{t}," for t in texts]  # thousands separators and pound sign
        words = [w for t in [*texts, col.label] for w in t.split()]
        if col.kind == "date":  # "30 September 2025" should not wrap
            texts = words = ["30 September 2025"]
        longest_word = max((_text_len(w) for w in words), default=1.0)
        longest = max((_text_len(t) for t in texts), default=0.0)
        minimum.append(min(longest_word, 22.0) + 2.2)  # + cell padding, bold header
        natural.append(min(max(longest, longest_word), 60.0) + 2.2)
    if budget is None:
        return natural
    if sum(natural) <= budget:
        scale = budget / sum(natural)
        return [w * scale for w in natural]
    spare = max(budget - sum(minimum), 0.0)
    wants = [n - m for n, m in zip(natural, minimum, strict=True)]
    total_want = sum(wants) or 1.0
    return [m + spare * w / total_want for m, w in zip(minimum, wants, strict=True)]


_ROW_VALUE = {"type": ["string", "number", "integer", "boolean", "null"]}

# JSON Schema (2020-12) of Report.to_dict(); recursion goes through $defs under an $id so
# the schema still resolves when embedded in an OpenAPI 3.1 document.
REPORT_JSON_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:soc-capability-registry:schema:report:1",
    "title": "Report",
    "type": "object",
    "additionalProperties": False,
    "required": [
        "schema_version",
        "kind",
        "title",
        "organisation",
        "marking",
        "generated_at",
        "generated_by",
        "summary",
        "sections",
    ],
    "properties": {
        "$schema": {"type": "string", "description": "Where this schema is served: /schema/report.json"},
        "schema_version": {"const": SCHEMA_VERSION},
        "kind": {"enum": list(REPORT_KINDS)},
        "title": {"type": "string"},
        "organisation": {"type": "string"},
        "marking": {"enum": list(MARKINGS)},
        "generated_at": {"type": "string", "format": "date-time"},
        "generated_by": {"type": "string"},
        "summary": {"type": "array", "items": {"$ref": "#/$defs/key_figure"}},
        "sections": {"type": "array", "items": {"$ref": "#/$defs/section"}},
    },
    "$defs": {
        "key_figure": {
            "type": "object",
            "additionalProperties": False,
            "required": ["label", "value", "detail"],
            "properties": {
                "label": {"type": "string"},
                "value": {"type": "string"},
                "detail": {"type": "string"},
            },
        },
        "column": {
            "type": "object",
            "additionalProperties": False,
            "required": ["key", "label", "kind"],
            "properties": {
                "key": {"type": "string"},
                "label": {"type": "string"},
                "kind": {"enum": list(COLUMN_KINDS)},
            },
        },
        "table": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "title", "caption", "columns", "rows"],
            "properties": {
                "id": {"type": "string", "pattern": _SLUG.pattern},
                "title": {"type": "string"},
                "caption": {"type": "string"},
                "columns": {"type": "array", "items": {"$ref": "#/$defs/column"}},
                "rows": {
                    "type": "array",
                    "items": {"type": "object", "additionalProperties": _ROW_VALUE},
                },
            },
        },
        "heatmap": {
            "type": "object",
            "additionalProperties": False,
            "required": ["rows", "cols", "values"],
            "properties": {
                "rows": {"type": "array", "items": {"type": "string"}},
                "cols": {"type": "array", "items": {"type": "string"}},
                "values": {
                    "type": "array",
                    "items": {"type": "array", "items": {"type": ["number", "null"]}},
                },
            },
        },
        "bar": {
            "type": "object",
            "additionalProperties": False,
            "required": ["labels", "values", "unit", "max_value"],
            "properties": {
                "labels": {"type": "array", "items": {"type": "string"}},
                "values": {"type": "array", "items": {"type": "number"}},
                "unit": {"type": "string"},
                "max_value": {"type": ["number", "null"]},
            },
        },
        "line": {
            "type": "object",
            "additionalProperties": False,
            "required": ["points", "unit", "max_value"],
            "properties": {
                "points": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["label", "value"],
                        "properties": {"label": {"type": "string"}, "value": {"type": "number"}},
                    },
                },
                "unit": {"type": "string"},
                "max_value": {"type": ["number", "null"]},
            },
        },
        "chart": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "title", "kind", "alt_text", "data", "table_alternative"],
            "properties": {
                "id": {"type": "string", "pattern": _SLUG.pattern},
                "title": {"type": "string"},
                "kind": {"enum": list(CHART_KINDS)},
                "alt_text": {"type": "string", "minLength": 1},
                "data": {"type": "object"},
                "table_alternative": {"$ref": "#/$defs/table"},
            },
            # Tie the data shape to the kind.
            "allOf": [
                {
                    "if": {"properties": {"kind": {"const": kind}}},
                    "then": {"properties": {"data": {"$ref": f"#/$defs/{kind}"}}},
                }
                for kind in CHART_KINDS
            ],
        },
        "section": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "title", "paragraphs", "tables", "charts", "subsections"],
            "properties": {
                "id": {"type": "string", "pattern": _SLUG.pattern},
                "title": {"type": "string"},
                "paragraphs": {"type": "array", "items": {"type": "string"}},
                "tables": {"type": "array", "items": {"$ref": "#/$defs/table"}},
                "charts": {"type": "array", "items": {"$ref": "#/$defs/chart"}},
                "subsections": {"type": "array", "items": {"$ref": "#/$defs/section"}},
            },
        },
    },
}
