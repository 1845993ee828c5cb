"""DESIGN.md: `assessments` may import `registry`, never the reverse; the pure engines import
neither the web layer nor the database. Only the composition roots (the app factory, the CLI and
the model registry) may name assessments modules, and only by string or inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMPOSITION_ROOTS = {"registry/app.py", "registry/cli.py", "registry/models.py"}
PURE_ENGINES = [
    "assessments/engine.py",
    "assessments/optimiser.py",
    "assessments/evaluations/scoring.py",
    "registry/tools/hygiene.py",
    "registry/inventory/renewals.py",
    "registry/jobs/periods.py",
    "assessments/reports/common.py",
    "assessments/reports/gap_report.py",
    "assessments/reports/procurement_report.py",
    "registry/search/engine.py",
    "registry/search/matching.py",
    "registry/search/text.py",
    "registry/search/dedupe.py",
    "registry/search/documents.py",
]


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_registry_never_imports_assessments() -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / "registry").rglob("*.py"))
        if str(path.relative_to(ROOT)) not in COMPOSITION_ROOTS
        for name in _imports(path)
        if name == "assessments" or name.startswith("assessments.")
    ]
    assert offenders == []


def test_pure_engines_import_no_web_or_database_code() -> None:
    banned = ("litestar", "sqlalchemy", "sqlmodel", "registry.web", "registry.db", "psycopg")
    offenders = [
        f"{rel} imports {name}"
        for rel in PURE_ENGINES
        for name in _imports(ROOT / rel)
        if any(name == b or name.startswith(b + ".") for b in banned) or name.endswith(".models")
    ]
    assert offenders == []
