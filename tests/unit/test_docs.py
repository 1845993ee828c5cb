"""The docs are checked against the code, so they cannot drift silently: README.md's
configuration table lists exactly the settings the code reads, its CLI block exactly the socreg
commands, and every path, module and name docs/architecture.md mentions exists."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from registry.cli import app as cli_app

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
ARCHITECTURE_PATH = ROOT / "docs" / "architecture.md"
ARCHITECTURE = ARCHITECTURE_PATH.read_text(encoding="utf-8")
PACKAGES = ("registry", "assessments")

# Homes that docs/architecture.md names before their branch has landed. Remove an entry when its
# file exists (test_planned_homes_are_still_to_come says so).
PLANNED: dict[str, str] = {}  # homes a doc may name before they exist: path -> what is coming
# References to a design note that is not in the repo, in files this change may not edit.
# Remove an entry once its file says docs/architecture.md (the last test says so).
KNOWN_STALE_REFERENCES: set[tuple[str, str]] = set()


def section(markdown: str, title: str) -> str:
    """The text under a `## title` heading, up to the next heading of any level."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^#)", markdown + "\n#", re.S | re.M)
    assert match, f"no '## {title}' section"
    return match.group(1)


def first_code_block(text: str) -> str:
    match = re.search(r"^```[a-z]*\n(.*?)^```", text, re.S | re.M)
    assert match, "no code block"
    return match.group(1)


# --- settings -----------------------------------------------------------------------------------


def _is_environ(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ"
    )


def env_reads(source: str) -> tuple[set[str], list[int]]:
    """Names of the environment variables a module reads, and the lines of any read whose name is
    not a literal (which this check could not follow)."""
    names: set[str] = set()
    unknown: list[int] = []

    def take(arg: ast.AST | None, line: int) -> None:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            names.add(arg.value)
        else:
            unknown.append(line)

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            reads_environ = _is_environ(node.func.value) and node.func.attr in {"get", "pop", "setdefault"}
            if reads_environ or node.func.attr == "getenv":
                take(node.args[0] if node.args else None, node.lineno)
        elif isinstance(node, ast.Subscript) and _is_environ(node.value):
            take(node.slice, node.lineno)
        elif isinstance(node, ast.Compare) and any(_is_environ(c) for c in node.comparators):
            take(node.left, node.lineno)
    return names, unknown


def _modules() -> Iterator[Path]:
    for package in PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))


def test_env_reads_finds_every_way_of_reading_the_environment() -> None:
    source = (
        "import os\nfrom os import environ\n"
        "a = os.environ.get('ALPHA', '1')\nb = os.environ['BRAVO']\nc = os.getenv('CHARLIE')\n"
        "d = 'DELTA' in os.environ\ne = environ.get('ECHO')\nf = os.environ.get(name)\n"
        "g = config.get('NOT_ENV')\n"
    )
    names, unknown = env_reads(source)
    assert names == {"ALPHA", "BRAVO", "CHARLIE", "DELTA", "ECHO"}
    assert unknown == [8]


def test_only_the_settings_module_reads_the_environment() -> None:
    offenders = {}
    for path in _modules():
        if path == ROOT / "registry" / "settings.py":
            continue
        names, unknown = env_reads(path.read_text(encoding="utf-8"))
        if names or unknown:
            offenders[str(path.relative_to(ROOT))] = sorted(names) or unknown
    assert offenders == {}, "read settings through registry/settings.py, and list them in README.md"


def configuration_table_names() -> set[str]:
    rows = [line for line in section(README, "Configuration").splitlines() if line.startswith("|")]
    names: set[str] = set()
    for row in rows[2:]:  # after the header and its |---| line
        first_cell = row.split("|")[1]
        found = re.findall(r"`([A-Z][A-Z0-9_]*)`", first_cell)
        assert found, f"a configuration row names no variable: {row}"
        names.update(found)
    return names


def test_readme_configuration_table_lists_exactly_the_settings_the_code_reads() -> None:
    names, unknown = env_reads((ROOT / "registry" / "settings.py").read_text(encoding="utf-8"))
    assert unknown == [], "registry/settings.py reads a variable by a computed name"
    table = configuration_table_names()
    assert sorted(names - table) == [], "settings missing from README.md's configuration table"
    assert sorted(table - names) == [], "README.md's configuration table lists settings the code never reads"


# --- CLI ----------------------------------------------------------------------------------------

CLI_ROOT = typer.main.get_command(cli_app)


def _subcommands(command: Any) -> dict[str, Any]:
    return dict(getattr(command, "commands", None) or {})  # click groups have .commands


def cli_commands(command: Any = CLI_ROOT, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every runnable command path, e.g. ('jobs', 'send-mail')."""
    subs = _subcommands(command)
    if not subs:
        yield path
    for name, sub in sorted(subs.items()):
        yield from cli_commands(sub, (*path, name))


def resolve(words: list[str]) -> tuple[tuple[str, ...], Any, list[str]]:
    """Walk `words` down the command tree: (the command path, its command, the words left)."""
    command, path = CLI_ROOT, ()
    while words and words[0] in _subcommands(command):
        command, path = _subcommands(command)[words[0]], (*path, words[0])
        words = words[1:]
    return path, command, words


def _options(command: Any) -> set[str]:
    return {opt for param in command.params for opt in (*param.opts, *param.secondary_opts) if opt.startswith("-")}


def test_cli_tree_is_walked() -> None:
    commands = set(cli_commands())
    assert len(commands) > 5 and all(commands)  # the walk reached leaves, not just the root
    assert all(not _subcommands(resolve(list(c))[1]) for c in commands)


def test_readme_cli_block_lists_exactly_the_commands_that_exist() -> None:
    documented: set[tuple[str, ...]] = set()
    problems: list[str] = []
    for line in first_code_block(section(README, "CLI")).splitlines():
        usage = line.split("#", 1)[0].split()
        if not usage:
            continue
        if usage[0] != "socreg":
            problems.append(f"not a socreg command: {line}")
            continue
        path, command, rest = resolve(usage[1:])
        if not path or _subcommands(command):
            problems.append(f"names no command: {line}")
            continue
        documented.add(path)
        options = {word.strip("[]").split("=")[0] for word in rest if word.strip("[]").startswith("-")}
        problems += [f"{' '.join(path)} has no option {opt}" for opt in sorted(options - _options(command))]
    assert problems == []
    existing = set(cli_commands())
    assert sorted(" ".join(c) for c in existing - documented) == [], "commands missing from README.md's CLI block"
    assert sorted(" ".join(c) for c in documented - existing) == []


@pytest.mark.parametrize("name", ["README.md", "docs/architecture.md"])
def test_every_socreg_command_mentioned_in_the_docs_exists(name: str) -> None:
    text = (ROOT / name).read_text(encoding="utf-8")
    mentions = re.findall(r"\bsocreg((?: [a-z][a-z-]*)+)", text)
    assert mentions or name != "README.md"
    wrong = []
    for mention in mentions:
        path, command, _rest = resolve(mention.split())
        if not path or _subcommands(command):
            wrong.append(f"socreg{mention}")
    assert wrong == []


# --- docs/architecture.md -----------------------------------------------------------------------


def top_level_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def module_file(dotted: str) -> Path | None:
    base = ROOT / dotted.replace(".", "/")
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def broken_reference(ref: str) -> str | None:
    """Why a backticked reference in the architecture doc does not resolve (None if it does)."""
    if ref in PLANNED:
        return None
    if "::" in ref:
        file, name = ref.split("::", 1)
        path = ROOT / file
        if not path.is_file():
            return f"{file} does not exist"
        return None if name in top_level_names(path) else f"{file} defines no {name}"
    if "/" in ref:
        return None if (ROOT / ref.rstrip("/")).exists() else f"{ref} does not exist"
    if ref.split(".")[0] in PACKAGES:
        if module_file(ref):
            return None
        parent, _, name = ref.rpartition(".")
        path = module_file(parent)
        if path and name in top_level_names(path):
            return None
        return f"no module or name {ref}"
    return None  # an identifier, a value or a URL, not a path


def architecture_references() -> list[str]:
    """Backticked words, less URL paths (`/api/...`) and patterns (`templates/<domain>/`)."""
    refs = re.findall(r"`([^`\s]+)`", ARCHITECTURE)
    media_types = ("application/", "text/")
    return [r for r in refs if not r.startswith(("/", "http", *media_types)) and not any(c in r for c in "<*{")]


def test_architecture_doc_references_are_recognised() -> None:
    refs = architecture_references()
    assert "registry/tools/hygiene.py" in refs and "registry/exports.py::safe_cell" in refs
    assert broken_reference("registry/no_such_module.py") is not None
    assert broken_reference("registry/exports.py::no_such_name") is not None
    assert broken_reference("registry.app.no_such_name") is not None
    assert broken_reference("registry.app.wire") is None


def test_every_path_and_name_in_the_architecture_doc_exists() -> None:
    assert [why for ref in architecture_references() if (why := broken_reference(ref))] == []


def test_planned_homes_are_still_to_come() -> None:
    arrived = [path for path in PLANNED if (ROOT / path).exists()]
    assert arrived == [], "these exist now: remove them from PLANNED so the doc is checked against them"


def registry_children() -> set[str]:
    root = ROOT / "registry"
    modules = {p.stem for p in root.glob("*.py") if p.stem != "__init__"}
    packages = {p.name for p in root.iterdir() if (p / "__init__.py").exists()}
    return modules | packages


def test_the_intended_package_order_names_every_registry_package_once() -> None:
    """The import contracts' ignore list is reasoned from this order; a new package must take a place."""
    block = first_code_block(section(ARCHITECTURE, "Import contracts"))
    names = [re.sub(r"\(.*?\)", "", item).strip() for item in re.split(r"[,\n]", block)]
    names = [n for n in names if n]
    assert len(names) == len(set(names)), "a package is listed twice"
    assert sorted(registry_children() - set(names)) == [], "give these a place in the order"
    assert sorted(set(names) - registry_children()) == [], "these are not registry modules or packages"


def markdown_references() -> Iterator[tuple[str, str]]:
    """(file, referenced .md path) for every Markdown file named in the code and docs."""
    suffixes = {".py", ".md", ".html", ".toml", ".ini", ".cfg"}
    skip = {".venv", "node_modules", "vendor", ".git", "var", "artifacts"}
    for path in sorted(ROOT.rglob("*")):
        if path.suffix not in suffixes or skip & set(path.relative_to(ROOT).parts) or not path.is_file():
            continue
        if path == Path(__file__).resolve():
            continue  # this file names a missing note on purpose
        for ref in re.findall(r"[\w./-]*\w\.md\b", path.read_text(encoding="utf-8", errors="replace")):
            yield str(path.relative_to(ROOT)), ref


def test_every_markdown_file_the_repo_refers_to_exists() -> None:
    missing = {
        (file, ref)
        for file, ref in markdown_references()
        if not (ROOT / ref).exists() and not (ROOT / file).parent.joinpath(ref).exists()
    }
    assert sorted(missing - KNOWN_STALE_REFERENCES) == []
    assert sorted(KNOWN_STALE_REFERENCES - missing) == [], "fixed: remove it from KNOWN_STALE_REFERENCES"
