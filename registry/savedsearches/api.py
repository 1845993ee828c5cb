"""Saved searches over the API (bearer token): the same services, rules and audit as the pages
(registry/savedsearches/services.py): list one's own, save a search given as its query string,
switch e-mail alerts on or off, delete."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, delete, get, patch, post
from multidict import MultiDict
from pydantic import BaseModel, Field

from registry.db_types import require_id
from registry.savedsearches import services
from registry.savedsearches.models import UserSavedSearch
from registry.search.service import service_for
from registry.search.views import query_pairs
from registry.web.crud import ERRORS_READ, ERRORS_WRITE
from registry.web.deps import engine_of, unit_of_work

QUERY_MAX = 2000  # the query string of one search: far beyond any real one


class SavedSearchIn(BaseModel):
    name: str = Field(max_length=services.NAME_MAX, description="What to call the search")
    query: str = Field(
        default="",
        max_length=QUERY_MAX,
        description="The search as the search page's query string, e.g. `q=vessel+tracking&hosting=uk`",
    )
    alerts: bool = Field(default=False, description="E-mail me when new published tools match (opt-in)")


class AlertsIn(BaseModel):
    alerts: bool = Field(description="On: e-mail when new published tools match; off: no e-mails")


class SavedSearchRead(BaseModel):
    id: int
    name: str
    q: str = Field(description="The search words")
    filters: dict[str, list[str]] = Field(description="The chosen filters, as query-string values")
    alerts: bool
    run_url: str = Field(description="The search page showing this search's results now")
    created_at: datetime


def _read(saved: UserSavedSearch) -> SavedSearchRead:
    return SavedSearchRead(
        id=require_id(saved),
        name=saved.name,
        q=saved.query,
        filters={k: list(v) for k, v in saved.filters.items()},
        alerts=saved.alerts,
        run_url=services.run_url(saved),
        created_at=saved.created_at,
    )


class SavedSearchController(Controller):
    path = "/api/v1/saved-searches"
    tags = ["saved searches"]

    @get(
        "/", summary="Your saved searches", operation_id="listSavedSearches", responses=ERRORS_READ, sync_to_thread=True
    )
    def list_saved(self, request: Request[Any, Any, Any]) -> list[SavedSearchRead]:
        with unit_of_work(request) as (session, actor):
            return [_read(s) for s in services.list_mine(session, actor)]

    @post(
        "/",
        summary="Save a search (procurement officers and capability leads)",
        operation_id="createSavedSearch",
        responses=ERRORS_WRITE,
        sync_to_thread=True,
    )
    def create(self, request: Request[Any, Any, Any], data: SavedSearchIn) -> SavedSearchRead:
        source = MultiDict(query_pairs(data.query))
        with unit_of_work(request) as (session, actor):
            saved = services.create(
                session, actor, service_for(engine_of(request)), services.SaveRequest(data.name, source, data.alerts)
            )
            return _read(saved)

    @patch(
        "/{saved_id:int}",
        summary="Switch a saved search's e-mail alerts on or off",
        operation_id="setSavedSearchAlerts",
        responses=ERRORS_WRITE,
        sync_to_thread=True,
    )
    def set_alerts(self, request: Request[Any, Any, Any], saved_id: int, data: AlertsIn) -> SavedSearchRead:
        with unit_of_work(request) as (session, actor):
            saved = services.set_alerts(session, actor, service_for(engine_of(request)), saved_id, data.alerts)
            return _read(saved)

    @delete(
        "/{saved_id:int}",
        summary="Delete a saved search",
        operation_id="deleteSavedSearch",
        responses=ERRORS_WRITE,
        sync_to_thread=True,
    )
    def remove(self, request: Request[Any, Any, Any], saved_id: int) -> None:
        with unit_of_work(request) as (session, actor):
            services.delete_mine(session, actor, saved_id)


ROUTES: list[Any] = [SavedSearchController]
