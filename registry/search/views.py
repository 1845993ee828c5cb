"""View models for the search page: URLs, facets with counts, result cards."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

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
from registry.search.query import PARAMS, SearchQuery

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


# --- facets -----------------------------------------------------------------------------------


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


def facet_view(facets: Mapping[str, dict[str, int]], query: SearchQuery, tree: list[dict[str, Any]]) -> FacetView:
    """The facet groups of the search page. Capabilities are ticked as given (an area stays
    ticked, and its capabilities shown, while one of them narrows it)."""
    f = query.filters
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
        capability=_capability_areas(tree, facets.get("capability", {}), query.capabilities_chosen),
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
            ((d.value, d.label) for d in Deployment),
            facets.get("deployment", {}),
            (d.value for d in f.deployments),
        ),
        hosting=_options(
            ((h.value, h.label) for h in Hosting),
            facets.get("hosting", {}),
            (h.value for h in f.hostings),
        ),
        flags=[
            (name, hint, Option("true", labels[name], int(facets.get(key, {}).get("true", 0)), bool(on)))
            for name, hint, on, key in flags
        ],
        active=0,
    )
    view.active = active_filters(query)
    return view


def active_filters(query: SearchQuery) -> int:
    """How many filter values are chosen (each repeatable value counts)."""
    count = 0
    for param in PARAMS:
        if not param.filter_field:
            continue
        value = query.chosen(param)
        count += len(value) if param.multi else int(value != param.empty)
    return count


# --- selected filters (GOV.UK "filter summary": each a link that removes it) ---------------------

FILTER_GROUPS = {
    "workstream": "Workstream",
    "capability": "Capability",
    "four_p": "4P function",
    "five_d": "5D function",
    "classification": "Highest classification",
    "trl_min": "Technology readiness",
    "deployment": "Deployment",
    "hosting": "Data hosted in",
    "sme": "Supplier and assurance",
    "verified": "Supplier and assurance",
    "accredited": "Supplier and assurance",
    "max_price": "Annual price",
}
FLAG_LABELS = {
    "sme": "SME suppliers only",
    "verified": "Verified suppliers only",
    "accredited": "Current accreditations only",
}


@dataclass(frozen=True, slots=True)
class FilterTag:
    label: str
    remove_url: str  # this search without this one value (back to the first page)


@dataclass
class FilterTagGroup:
    heading: str
    tags: list[FilterTag] = field(default_factory=list)


def _names(tree: list[dict[str, Any]]) -> dict[str, str]:
    out: dict[str, str] = {}
    stack = list(tree)
    while stack:
        node = stack.pop()
        out[node["code"]] = node["name"]
        stack.extend(node.get("children") or [])
    return out


def _tag_label(name: str, value: str, capability_names: Mapping[str, str]) -> str:
    if name == "workstream":
        return WORKSTREAMS.get(value, value)
    if name == "capability":
        return capability_names.get(value, value)
    if name in ("four_p", "five_d"):
        return value.capitalize()
    if name == "classification":
        return Classification[value].label if value in Classification.__members__ else value
    if name == "trl_min":
        return f"TRL {value} or higher"
    if name == "deployment":
        return Deployment.label_of(value)
    if name == "hosting":
        return Hosting.label_of(value)
    if name in FLAG_LABELS:
        return FLAG_LABELS[name]
    if name == "max_price":
        return f"Up to £{float(value):,.0f} a year"
    return value


def selected_filters(
    pairs: Sequence[tuple[str, str]], query: SearchQuery, tree: list[dict[str, Any]]
) -> list[FilterTagGroup]:
    """The filters chosen in this search, grouped as the filter panel groups them, each with the
    URL of the same search without it. Values are taken from the parsed query (so only valid,
    effective values are shown, in canonical order) and removed from the URL as given."""
    names = _names(tree)
    groups: dict[str, FilterTagGroup] = {}
    for param in PARAMS:
        if not param.filter_field:
            continue
        chosen = query.chosen(param)
        if param.multi:
            values = [_as_given(v) for v in chosen]
        elif chosen == param.empty or chosen is None:
            continue
        else:
            values = ["true" if chosen is True else _number(chosen)]
        for value in values:
            kept = [(k, v) for k, v in pairs if not (k == param.name and _same(param.name, v, value))]
            heading = FILTER_GROUPS.get(param.name, param.label)
            group = groups.setdefault(heading, FilterTagGroup(heading))
            group.tags.append(FilterTag(_tag_label(param.name, value, names), search_url(kept, page=None)))
    return list(groups.values())


def _as_given(value: Any) -> str:
    """A parsed value as written in a query string (Classification members by name)."""
    if isinstance(value, Classification):
        return value.name
    return str(value.value) if hasattr(value, "value") else str(value)


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _same(name: str, given: str, value: str) -> bool:
    if name == "max_price":
        try:
            return float(given) == float(value)
        except ValueError:
            return False
    return given == value


@dataclass(frozen=True, slots=True)
class BrowseArea:
    code: str
    name: str
    count: int  # published tools claiming a capability in the area
    url: str  # the search filtered by the area


def capability_browse(counts: Mapping[str, int], tree: list[dict[str, Any]]) -> list[BrowseArea]:
    """The top-level capability areas with their published tool counts (from the search's own
    capability facet), each linking to the search filtered by it; empty areas are left out."""
    areas = [
        BrowseArea(
            node["code"], node["name"], int(counts.get(node["code"], 0)), search_url([("capability", node["code"])])
        )
        for node in tree
    ]
    return [a for a in areas if a.count]


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
