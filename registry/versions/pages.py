"""Tool history pages: the list of published versions and one version with its diff."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from registry.resources import get_visible
from registry.tools.services import SPEC as TOOL_SPEC
from registry.versions import services
from registry.web.context import page_context
from registry.web.deps import unit_of_work

# Rows of the diff table that are bookkeeping, not listing content.
QUIET_FIELDS = frozenset({"version", "updated_at", "created_at", "id"})


def _diff_rows(diff: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (services.label(k), services.display(v.get("before")), services.display(v.get("after")))
        for k, v in diff.items()
        if k not in services.HIDDEN and k not in QUIET_FIELDS
    ]


@get("/tools/{tool_id:int}/versions", sync_to_thread=True, include_in_schema=False)
def tool_versions_page(request: Request[Any, Any, Any], tool_id: int) -> Template:
    with unit_of_work(request) as (session, actor):
        tool = get_visible(session, TOOL_SPEC, actor, tool_id)
        rows = [
            (v, services.public_view(v, actor, with_snapshot=False), _diff_rows(v.diff))
            for v in services.tool_versions(session, actor, tool_id)
        ]
        ctx = page_context(
            request,
            page_title=f"History of {tool.name}",
            nav_active="search",
            tool=tool,
            rows=rows,
            label=services.label,
        )
    return Template("versions/list.html", context=ctx)


@get("/tools/{tool_id:int}/versions/{number:int}", sync_to_thread=True, include_in_schema=False)
def tool_version_page(request: Request[Any, Any, Any], tool_id: int, number: int) -> Template:
    with unit_of_work(request) as (session, actor):
        tool = get_visible(session, TOOL_SPEC, actor, tool_id)
        version = services.tool_version(session, actor, tool_id, number)
        latest = services.latest(session, "tool", tool_id)
        view = services.public_view(version, actor)
        snapshot = [
            (services.label(k), services.display(v))
            for k, v in view["snapshot"].items()
            if k not in QUIET_FIELDS and k not in {"supplier_id", "moderator_feedback", "stale"}
        ]
        ctx = page_context(
            request,
            page_title=f"{tool.name}: version {number}",
            nav_active="search",
            tool=tool,
            version=version,
            view=view,
            snapshot=snapshot,
            diff_rows=_diff_rows(version.diff),
            latest_number=latest.number if latest else number,
        )
    return Template("versions/detail.html", context=ctx)


ROUTES = [tool_versions_page, tool_version_page]
