"""axe-core accessibility checks for Playwright pages (via axe-playwright-python)."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

# Impacts that fail a test. "moderate"/"minor" findings are reported by axe but tolerated here.
FAILING_IMPACTS: frozenset[str] = frozenset({"serious", "critical"})

# All stable WCAG 2.x A/AA rules plus axe's best practices (landmarks, headings, ...), and WCAG
# 2.2's target size (2.5.8: every target at least 24 by 24 CSS px), which axe leaves off by default.
DEFAULT_OPTIONS: dict[str, Any] = {
    "resultTypes": ["violations"],
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "rules": {"target-size": {"enabled": True}},
}

_axe = Axe()


def run_axe(page: Page, options: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Return axe's violation records for the whole document."""
    results = _axe.run(page, options=options or DEFAULT_OPTIONS)
    return list(results.response["violations"])


def serious_violations(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in violations if v.get("impact") in FAILING_IMPACTS]


def format_violations(violations: list[dict[str, Any]], max_nodes: int = 5) -> str:
    """One block per rule: id, impact, help text and link, then the offending elements."""
    lines: list[str] = []
    for v in violations:
        lines.append(f"[{v.get('impact')}] {v['id']}: {v.get('help')} ({v.get('helpUrl')})")
        nodes = v.get("nodes", [])
        for node in nodes[:max_nodes]:
            target = " ".join(str(t) for t in node.get("target", []))
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    at {target}: {summary}")
            lines.append(f"       {node.get('html', '')[:200]}")
        if len(nodes) > max_nodes:
            lines.append(f"    ... and {len(nodes) - max_nodes} more elements")
    return "\n".join(lines)


def assert_accessible(page: Page, options: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Fail on serious/critical axe violations; return the tolerated (lesser) ones."""
    violations = run_axe(page, options)
    bad = serious_violations(violations)
    assert not bad, f"axe found {len(bad)} serious/critical issue(s) on {page.url}:\n" + (format_violations(bad))
    return violations
