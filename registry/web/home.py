"""The home page. The footer's information pages (accessibility statement, privacy, ...) are in
registry/web/info_pages.py."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template
from sqlalchemy import func, select
from sqlmodel import col

from registry.enums import (
    ToolStatus,
)
from registry.search.service import service_for
from registry.search.views import capability_browse
from registry.suppliers.models import Supplier
from registry.tools.models import Tool
from registry.web.context import page_context
from registry.web.deps import engine_of, unit_of_work


@get("/", sync_to_thread=True, include_in_schema=False)
def home(request: Request[Any, Any, Any]) -> Template:
    with unit_of_work(request) as (session, _actor):
        tools = session.execute(
            select(func.count()).select_from(Tool).where(col(Tool.status) == ToolStatus.PUBLISHED.value)
        ).scalar_one()
        suppliers = session.execute(
            select(func.count()).select_from(Supplier).where(col(Supplier.status) == "active")
        ).scalar_one()
        smes = session.execute(
            select(func.count())
            .select_from(Supplier)
            .where(col(Supplier.status) == "active", col(Supplier.size_band) != "large")
        ).scalar_one()
        # Counted by the search every door runs, so each count is what its link will find.
        service = service_for(engine_of(request))
        areas = capability_browse(service.capability_counts(session), service.taxonomy_tree(session))
        return Template(
            "home.html",
            context=page_context(
                request,
                tool_count=tools,
                supplier_count=suppliers,
                sme_count=smes,
                capability_areas=areas,
            ),
        )


ROUTES: list[Any] = [home]
