"""The page templates' Jinja environment: the one place filters and globals are registered.

Templates write ``{{ tool.price_annual|money }}``, ``{{ run.run_at|date_time }}`` and
``{{ tool.hosting|label("Hosting") }}``; every helper comes from ``registry.formatting`` or
``registry.enums``, so a page says exactly what the reports and e-mails say.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import Environment
from litestar.plugins.jinja import JinjaTemplateEngine

from registry import formatting
from registry.enums import VOCABULARY, workstream_label

FILTERS: dict[str, Callable[..., str]] = {
    "money": formatting.money,
    "number": formatting.number,
    "pct": formatting.pct,
    "signed": formatting.signed,
    "date": formatting.long_date,
    "short_date": formatting.short_date,
    "date_time": formatting.date_time,
    "short_date_time": formatting.short_date_time,
    "datetime_attr": formatting.machine_datetime,  # <time datetime="{{ x|datetime_attr }}">
    "workstream": workstream_label,
    "upper_first": formatting.upper_first,  # unlike Jinja's capitalize, keeps "SME" and names as written
}


def label(value: Any, kind: str) -> str:
    """``{{ code|label("Deployment") }}``: the enum's label for a stored code. An unknown ``kind``
    is a template bug, so it fails loudly rather than showing the raw code."""
    return VOCABULARY[kind].label_of(value)


def labels(values: Any, kind: str, sep: str = ", ") -> str:
    """``{{ tool.deployments|labels("Deployment") }}``: labels of a list of codes, joined."""
    return sep.join(label(v, kind) for v in values or ())


def install(env: Environment) -> None:
    """Add the filters to any Jinja environment (the site's, and the report renderer's own)."""
    env.filters.update(FILTERS)
    env.filters["label"] = label
    env.filters["labels"] = labels
    env.globals["vocabulary"] = VOCABULARY  # e.g. vocabulary.Deployment.choices()


def configure(engine: JinjaTemplateEngine) -> None:
    """TemplateConfig's engine_callback for the site."""
    engine.engine.auto_reload = False  # templates ship with the code: no file-time check on every render
    install(engine.engine)
