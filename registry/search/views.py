"""View models for the search page: URLs, facets with counts, result cards."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode

from sqlalchemy.orm import Session

from registry.enums import (
    WORKSTREAMS,
    Classification,
    Deployment,
    FiveD,
    FourP,
    Hosting,
)
from registry.search.documents import ToolDoc
from registry.search.engine import Hit, Match
from registry.search.service import SearchParams, SearchService
from registry.tools.views import DEPLOYMENT_LABELS, HOSTING_LABELS

MAX_EXPLAIN = 4
FIELD_LABELS = {
    "name": "name",
    "supplier": "supplier",
    "capability": "capability",
    "category": "category",
    "data_standard": "data standard",
    "summary": "summary",
    "capability_path": "capability area",
    "workstream": "workstream",
    "description": "description",
}
SORT_OPTIONS = (
    ("relevance", "Relevance"),
    ("name", "Name (A to Z)"),
    ("-name", "Name (Z to A)"),
    ("price", "Annual price (lowest first)"),
    ("-price", "Annual price (highest first)"),
    ("-last_reviewed", "Last reviewed (newest first)"),
)


# --- URLs -------------------------------------------------------------------------------------


def query_pairs(query_string: bytes | str) -> list[tuple[str, str]]:
    """Query parameters as (key, value) pairs in the order given, repeated keys kept."""
    raw = query_string.decode("utf-8", "replace") if isinstance(query_string, bytes) else query_string
    return parse_qsl(raw, keep_blank_values=True)


def search_url(pairs: Iterable[tuple[str, str]], **overrides: str | int | None) -> str:
    """/search with `pairs`, replacing the keys in `overrides` (None drops the key)."""
    kept = [(k, v) for k, v in pairs if k not in overrides and v != ""]
    kept += [(k, str(v)) for k, v in overrides.items() if v is not None]
    return "/search" + (f"?{urlencode(kept)}" if kept else "")


# --- search -----------------------------------------------------------------------------------

# facet key in SearchResult.facets -> (field of Filters, its "no constraint" value)
FACET_FILTERS: dict[str, tuple[str, Any]] = {
    "workstream": ("workstreams", ()),
    "capability": ("capability_codes", ()),
    "four_p": ("four_ps", ()),
    "five_d": ("five_ds", ()),
    "classification": ("classifications", ()),
    "trl": ("trl_min", None),
    "deployment": ("deployments", ()),
    "hosting": ("hostings", ()),
    "sme": ("sme_only", False),
    "verified": ("verified_only", False),
    "accreditations_current": ("accreditations_current_only", False),
}


def refine_capabilities(codes: Sequence[str]) -> tuple[str, ...]:
    """A leaf chosen under a chosen area narrows it: drop codes another chosen code refines.

    The engine ORs capability codes, so "INT" plus "INT.NET" would still mean all of INT.
    """
    chosen = list(dict.fromkeys(codes))
    return tuple(c for c in chosen if not any(o != c and o.startswith(c + ".") for o in chosen))


def page_params(params: SearchParams) -> SearchParams:
    return replace(
        params, filters=replace(params.filters, capability_codes=refine_capabilities(params.filters.capability_codes))
    )


def disjunctive_facets(
    service: SearchService, session: Session, params: SearchParams, facets: Mapping[str, dict[str, int]]
) -> dict[str, dict[str, int]]:
    """Counts for a group ignore that group's own selection (values within a group are ORed),
    so a count always says how many results choosing that value would add or leave."""
    out = dict(facets)
    for key, (attr, empty) in FACET_FILTERS.items():
        if getattr(params.filters, attr) == empty:
            continue
        relaxed = replace(params, filters=replace(params.filters, **{attr: empty}), page=1, per_page=1)
        out[key] = service.search(relaxed, session).facets.get(key, {})
    return out


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str
    count: int
    selected: bool

    @property
    def text(self) -> str:
        return f"{self.label} ({self.count:,})"


@dataclass
class CapabilityArea:
    option: Option
    leaves: list[Option] = field(default_factory=list)  # shown once the area is chosen


@dataclass
class FacetView:
    workstream: list[Option]
    capability: list[CapabilityArea]
    four_p: list[Option]
    five_d: list[Option]
    classification: list[Option]
    trl: list[Option]  # "TRL n or higher", cumulative counts
    deployment: list[Option]
    hosting: list[Option]
    flags: list[tuple[str, str, Option]]  # (param name, hint, option)
    active: int  # how many filter values are chosen


def _options(values: Iterable[tuple[str, str]], counts: Mapping[str, int], chosen: Iterable[str]) -> list[Option]:
    picked = {str(c) for c in chosen}
    return [Option(v, label, int(counts.get(v, 0)), v in picked) for v, label in values]


def _capability_areas(
    tree: list[dict[str, Any]], counts: Mapping[str, int], chosen: Sequence[str]
) -> list[CapabilityArea]:
    picked = set(chosen)
    areas = []
    for node in tree:
        code = node["code"]
        opt = Option(code, node["name"], int(counts.get(code, 0)), code in picked)
        if not opt.count and not opt.selected:
            continue
        area = CapabilityArea(opt)
        if opt.selected or any(c.startswith(code + ".") for c in picked):
            area.leaves = [
                Option(c["code"], c["name"], int(counts.get(c["code"], 0)), c["code"] in picked) for c in _leaves(node)
            ]
        areas.append(area)
    return areas


def _leaves(node: dict[str, Any]) -> list[dict[str, Any]]:
    kids = node.get("children") or []
    return [leaf for kid in kids for leaf in ([kid] if not kid.get("children") else _leaves(kid))]


def facet_view(
    facets: Mapping[str, dict[str, int]], params: SearchParams, raw: Mapping[str, list[str]], tree: list[dict[str, Any]]
) -> FacetView:
    """`raw` holds the values as typed in the URL (capabilities before refinement)."""
    f = params.filters
    trl_counts = facets.get("trl", {})
    cumulative = {str(n): sum(int(trl_counts.get(str(t), 0)) for t in range(n, 10)) for n in range(1, 10)}
    flags = [
        ("sme", "Small and medium-sized enterprises", f.sme_only, "sme"),
        ("verified", "Suppliers checked by the registry", f.verified_only, "verified"),
        ("accredited", "All accreditations in date", f.accreditations_current_only, "accreditations_current"),
    ]
    labels = {
        "sme": "SME suppliers only",
        "verified": "Verified suppliers only",
        "accredited": "Current accreditations only",
    }
    view = FacetView(
        workstream=_options(WORKSTREAMS.items(), facets.get("workstream", {}), f.workstreams),
        capability=_capability_areas(tree, facets.get("capability", {}), raw.get("capability", [])),
        four_p=_options(
            ((p.value, p.value.capitalize()) for p in FourP), facets.get("four_p", {}), (p.value for p in f.four_ps)
        ),
        five_d=_options(
            ((d.value, d.value.capitalize()) for d in FiveD), facets.get("five_d", {}), (d.value for d in f.five_ds)
        ),
        classification=_options(
            ((c.name, c.label) for c in Classification),
            facets.get("classification", {}),
            (c.name for c in f.classifications),
        ),
        trl=_options(
            ((str(n), f"TRL {n} or higher") for n in range(1, 10)), cumulative, [str(f.trl_min)] if f.trl_min else []
        ),
        deployment=_options(
            ((d.value, DEPLOYMENT_LABELS[d.value]) for d in Deployment),
            facets.get("deployment", {}),
            (d.value for d in f.deployments),
        ),
        hosting=_options(
            ((h.value, HOSTING_LABELS[h.value]) for h in Hosting),
            facets.get("hosting", {}),
            (h.value for h in f.hostings),
        ),
        flags=[
            (name, hint, Option("true", labels[name], int(facets.get(key, {}).get("true", 0)), bool(on)))
            for name, hint, on, key in flags
        ],
        active=0,
    )
    view.active = (
        sum(
            len(raw.get(k, []))
            for k in ("workstream", "capability", "four_p", "five_d", "classification", "deployment", "hosting")
        )
        + (1 if f.trl_min else 0)
        + sum(1 for _n, _h, o in view.flags if o.selected)
    )
    return view


@dataclass(frozen=True, slots=True)
class ResultCard:
    doc: ToolDoc
    score: float
    why: list[str]


def explain_text(match: Match) -> str:
    where = FIELD_LABELS.get(match.field, match.field.replace("_", " "))
    if match.term == match.matched_text:
        return f"“{match.term}” in {where}"
    return f"“{match.term}” matched “{match.matched_text}” in {where}"


def result_cards(hits: Sequence[Hit], docs: Mapping[int, ToolDoc]) -> list[ResultCard]:
    cards = []
    for hit in hits:
        doc = docs.get(hit.tool_id)
        if doc is None:
            continue
        seen: list[str] = []
        for m in hit.explain:
            text = explain_text(m)
            if text not in seen:
                seen.append(text)
        cards.append(ResultCard(doc, hit.score, seen[:MAX_EXPLAIN]))
    return cards
