"""Collects the registry's page routes from the modules that exist (they are built in parallel).

They are handed to the app inside one Router: Litestar 2.25's `app.register` re-runs
`on_registration` for every handler already on a path when another method joins it, which
wraps a `sync_to_thread` handler twice (GET then POST on one path -> the GET returns a
coroutine and fails). Registering the group as one Router registers each route once.
"""

from importlib import import_module
from typing import Any

from litestar import Router

_handlers: list[Any] = []
for _name in (
    "registry.web.browse_pages",
    "registry.shortlists.pages",
    "registry.web.supplier_pages",
    "registry.web.moderation_pages",
    "registry.web.lead_pages",
):
    try:
        _handlers += import_module(_name).ROUTES
    except ModuleNotFoundError as exc:
        if exc.name != _name:
            raise

ROUTES: list[Any] = [Router(path="/", route_handlers=_handlers, include_in_schema=False)] if _handlers else []
