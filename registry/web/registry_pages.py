"""Collects the registry's page routes from the modules that exist (they are built in parallel)."""

from importlib import import_module
from typing import Any

ROUTES: list[Any] = []
for _name in ("registry.web.browse_pages", "registry.shortlists.pages", "registry.web.supplier_pages",
              "registry.web.moderation_pages", "registry.web.lead_pages"):
    try:
        ROUTES += import_module(_name).ROUTES
    except ModuleNotFoundError as exc:
        if exc.name != _name:
            raise
