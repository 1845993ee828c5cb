"""The import contracts in pyproject.toml ([tool.importlinter], explained in docs/architecture.md):
they hold for the code as it is, each one fails when the rule it guards is broken, and the pure
engines stay free of web and database code at run time too (which a static import graph cannot
see: a package's __init__ runs whenever one of its modules is imported)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONTRACTS = {
    c["id"]: c for c in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
}


def lint_imports(root: Path, *contract_ids: str) -> subprocess.CompletedProcess[str]:
    """Run the linter the way `make lint` does, from `root` (it analyses the packages found there)."""
    limit = [arg for cid in contract_ids for arg in ("--contract", cid)]
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", *limit],
        cwd=root,
        env={**os.environ, "COLUMNS": "240"},  # rich wraps its report at the terminal width
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_contract_is_kept() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in result.stdout


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A scratch copy of the two packages and the contracts, to break on purpose."""
    for package in ("registry", "assessments"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text() + f"\n{line}\n")


def _assert_broken(result: subprocess.CompletedProcess[str], contract_id: str) -> None:
    assert result.returncode != 0, result.stdout
    assert f"{CONTRACTS[contract_id]['name']} BROKEN" in result.stdout


def test_a_registry_module_importing_assessments_breaks_the_contract(project_copy: Path) -> None:
    _append(project_copy / "registry/tools/services.py", "import assessments.engine")
    result = lint_imports(project_copy, "registry-never-imports-assessments")
    _assert_broken(result, "registry-never-imports-assessments")
    assert "registry.tools.services -> assessments.engine" in result.stdout


def test_reaching_assessments_through_a_composition_root_breaks_a_contract(project_copy: Path) -> None:
    # The roots' own imports of assessments are allowed, so importing a root is what must be caught.
    _append(project_copy / "registry/tools/services.py", "import registry.models")
    result = lint_imports(project_copy, "composition-roots-stay-at-the-top")
    _assert_broken(result, "composition-roots-stay-at-the-top")
    assert "registry.tools.services -> registry.models" in result.stdout


@pytest.mark.parametrize(
    "edits",
    [
        [("registry/tools/hygiene.py", "import sqlalchemy")],
        [("assessments/engine.py", "from registry.web import forms")],
        [("registry/search/documents.py", "from registry.tools import models")],
        # Indirect: a pure engine reaching the database through an innocent-looking helper.
        [("registry/actor.py", "import registry.db"), ("registry/jobs/periods.py", "from registry import actor")],
    ],
    ids=["third-party", "web-kit", "a-models-module", "indirect"],
)
def test_web_or_database_code_in_a_pure_engine_breaks_the_contract(
    project_copy: Path, edits: list[tuple[str, str]]
) -> None:
    for module, line in edits:
        _append(project_copy / module, line)
    _assert_broken(lint_imports(project_copy, "pure-engines"), "pure-engines")


def test_a_new_cycle_between_domain_packages_breaks_the_contract(project_copy: Path) -> None:
    # tools already builds on taxonomy (the capability tree); taxonomy must not build on tools.
    _append(project_copy / "registry/taxonomy/services.py", "from registry.tools import models as _tools")
    result = lint_imports(project_copy, "no-cycles")
    _assert_broken(result, "no-cycles")
    assert "No cycles are allowed in registry." in result.stdout


def test_a_new_cycle_between_modules_of_one_package_breaks_the_contract(project_copy: Path) -> None:
    _append(project_copy / "registry/search/text.py", "from registry.search import engine as _engine")
    _assert_broken(lint_imports(project_copy, "no-cycles"), "no-cycles")


def test_a_tolerated_cycle_that_no_longer_exists_must_leave_the_ignore_list(project_copy: Path) -> None:
    """The list of tolerated cycles can only shrink: an entry that matches no import fails the run."""
    config = project_copy / "pyproject.toml"
    first = CONTRACTS["no-cycles"]["ignore_imports"][0]
    stale = "registry.taxonomy.services -> registry.tools.models"
    config.write_text(config.read_text().replace(f'"{first}",', f'"{first}",\n  "{stale}",', 1))
    result = lint_imports(project_copy, "no-cycles")
    assert result.returncode != 0
    assert stale in result.stdout + result.stderr


def _forbidden(name: str, patterns: list[str]) -> bool:
    """Does a module name match one of the contract's module expressions (`**` = any depth)?"""
    for pattern in patterns:
        if "**" in pattern:
            head, tail = pattern.split(".**", 1)
            if name.startswith(head + ".") and (not tail or name.endswith(tail)):
                return True
        elif name == pattern or name.startswith(pattern + "."):
            return True
    return False


def test_importing_the_pure_engines_loads_no_web_or_database_code() -> None:
    contract = CONTRACTS["pure-engines"]
    program = "import importlib, sys\n"
    program += "".join(f"importlib.import_module({m!r})\n" for m in contract["source_modules"])
    program += "print('\\n'.join(sorted(sys.modules)))\n"
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    loaded = result.stdout.split()
    assert set(contract["source_modules"]) <= set(loaded)  # the engines really were imported here
    assert [m for m in loaded if _forbidden(m, contract["forbidden_modules"])] == []


def test_the_runtime_check_recognises_forbidden_names() -> None:
    patterns = CONTRACTS["pure-engines"]["forbidden_modules"]
    for name in ("sqlalchemy.orm", "litestar", "registry.web.forms", "registry.tools.models", "assessments.models"):
        assert _forbidden(name, patterns), name
    for name in ("registry.tools.hygiene", "registry.webhooks", "numpy", "registry.search.documents"):
        assert not _forbidden(name, patterns), name
