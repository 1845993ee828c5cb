"""Tool history pages: the list of published versions and one version with its diff.

What each reader sees of a version is registry.changelog.diff's policy, the same one the record
history pages use (moderator feedback is for staff only).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from registry.changelog.diff import change_rows, display, label, shown
from registry.versions import services
from registry.web.context import page_context
from registry.web.deps import unit_of_work


@get("/tools/{tool_id:int}/versions", sync_to_thread=True, include_in_schema=False)
def tool_versions_page(request: Request[Any, Any, Any], tool_id: int) -> Template:
    with unit_of_work(request) as (session, actor):
        tool = services.visible_tool(session, actor, tool_id)
        staff = actor.is_staff
        rows = [
            (v, services.public_view(v, actor, with_snapshot=False), change_rows(v.diff, staff=staff))
            for v in services.tool_versions(session, actor, tool_id)
        ]
        ctx = page_context(
            request,
            page_title=f"History of {tool.name}",
            nav_active="search",
            tool=tool,
            rows=rows,
            label=label,
        )
    return Template("versions/list.html", context=ctx)


@get("/tools/{tool_id:int}/versions/{number:int}", sync_to_thread=True, include_in_schema=False)
def tool_version_page(request: Request[Any, Any, Any], tool_id: int, number: int) -> Template:
    with unit_of_work(request) as (session, actor):
        version = services.tool_version(session, actor, tool_id, number)
        tool = services.visible_tool(session, actor, tool_id)
        latest = services.latest(session, "tool", tool_id)
        staff = actor.is_staff
        snapshot = [(label(k), display(v)) for k, v in version.snapshot.items() if shown(k, staff=staff)]
        ctx = page_context(
            request,
            page_title=f"{tool.name}: version {number}",
            nav_active="search",
            tool=tool,
            version=version,
            view=services.public_view(version, actor, with_snapshot=False),
            snapshot=snapshot,
            diff_rows=change_rows(version.diff, staff=staff),
            latest_number=latest.number if latest else number,
        )
    return Template("versions/detail.html", context=ctx)


ROUTES = [tool_versions_page, tool_version_page]
