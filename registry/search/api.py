"""GET /api/v1/search: the same entry point as the search page (`parse_query`, then
`SearchService.run`), so the same query string gives the same hits and facet counts."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, get
from pydantic import BaseModel

from registry.search.openapi import PublicSearchOperation
from registry.search.query import parse_query
from registry.search.service import service_for
from registry.suppliers import directory
from registry.web.crud import ERRORS_READ
from registry.web.deps import engine_of, unit_of_work


class MatchOut(BaseModel):
    field: str
    term: str
    matched_text: str
    score: float


class HitOut(BaseModel):
    tool_id: int
    name: str
    supplier_id: int
    supplier_name: str
    summary: str
    score: float
    classification: str
    trl: int
    hosting: str
    sme: bool
    verified: bool
    price_annual: float
    last_reviewed: date | None
    explain: list[MatchOut]


class SupplierMatchOut(BaseModel):
    """An approved supplier whose name matches the search words (its public directory entry)."""

    supplier_id: int
    name: str
    size_band: str
    sme: bool
    region: str
    verified: bool
    published_tools: int


class SearchOut(BaseModel):
    total: int
    page: int
    per_page: int
    query_terms: list[str]
    hits: list[HitOut]
    facets: dict[str, dict[str, int]]
    suppliers: list[SupplierMatchOut] = []  # best name matches (at most SUPPLIERS_SHOWN); none without words


SUPPLIERS_SHOWN = 5


@get(
    "/api/v1/search",
    tags=["search"],
    summary="Fuzzy search of published tools with facets",
    description="Repeatable parameters are ORed, different parameters ANDed; a blank value means not given. "
    "Facet counts of a chosen group ignore that group's own selection. Ties are ordered by a stable "
    "per-search shuffle, never alphabetically. An invalid parameter gives a 422 problem naming it. "
    "`suppliers` lists approved suppliers whose name matches the words (the /suppliers directory's matching).",
    responses=ERRORS_READ,
    operation_class=PublicSearchOperation,  # the parameters, from registry.search.query.PARAMS; a token is optional
    operation_id="searchTools",
    sync_to_thread=False,  # event loop: see the search page
)
def search_api(request: Request[Any, Any, Any]) -> SearchOut:
    query = parse_query(request.query_params)
    with unit_of_work(request) as (session, _actor):
        service = service_for(engine_of(request))
        result = service.run(query, session)
        index = service.current(session)
        matched = directory.search(directory.entries(session), query.q)[:SUPPLIERS_SHOWN] if query.q.strip() else []
        suppliers = [
            SupplierMatchOut(
                supplier_id=e.id,
                name=e.name,
                size_band=e.size_band,
                sme=e.sme,
                region=e.region,
                verified=e.verified,
                published_tools=e.listings,
            )
            for e in matched
        ]
        hits = []
        for hit in result.hits:
            doc = index.get(hit.tool_id)
            if doc is None:
                continue
            hits.append(
                HitOut(
                    tool_id=doc.id,
                    name=doc.name,
                    supplier_id=doc.supplier_id,
                    supplier_name=doc.supplier_name,
                    summary=doc.summary,
                    score=round(hit.score, 2),
                    classification=doc.classification.name,
                    trl=doc.trl,
                    hosting=doc.hosting.value,
                    sme=doc.sme,
                    verified=doc.verified,
                    price_annual=doc.price_annual,
                    last_reviewed=doc.last_reviewed,
                    explain=[
                        MatchOut(field=m.field, term=m.term, matched_text=m.matched_text, score=round(m.score, 2))
                        for m in hit.explain
                    ],
                )
            )
    return SearchOut(
        total=result.total,
        page=result.page,
        per_page=result.per_page,
        query_terms=list(result.query_terms),
        hits=hits,
        facets=result.facets,
        suppliers=suppliers,
    )


ROUTES = [search_api]
