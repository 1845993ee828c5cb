"""The search parameters, declared once, and the one parser every way into a search uses.

The search page, GET /api/v1/search, a procurement project's search (page and API) and the
replay of a saved procurement search all turn what they were given into a `SearchQuery` with
`parse_query`, and the OpenAPI parameters of the search endpoints are generated from `PARAMS`
(`registry.search.openapi`). So the parameter list, the allowed values, the bounds, the help
text and the error messages live here only.

Rules every door shares:
- a blank value means "not given" (HTML forms send empty fields, e.g. "Any" in a select);
- a parameter that takes one value may be given once;
- repeatable values are ORed, deduplicated and put in a canonical order, so the same choice in
  another order is the same search (same cache entry, same tie shuffle);
- a capability area chosen together with one of its descendants means the descendant.

Pure: no web framework, no database.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, get_args

from pydantic import StringConstraints

from registry.enums import WORKSTREAMS, Classification, Deployment, FiveD, FourP, Hosting
from registry.errors import InvalidInput
from registry.schema_types import Code
from registry.search.engine import SORTS, Filters

PER_PAGE_MAX = 100
PAGE_MAX = 100_000
Q_MAX_LENGTH = 200
MAX_CAPABILITIES = 100
MAX_PRICE = 1_000_000_000  # the highest price a listing may state (registry.schema_types.Money)
SORT_CHOICES = tuple(prefix + key for key in SORTS for prefix in ("", "-"))
# Taxonomy codes are checked as the taxonomy API checks them when a node is created.
_CODE = next(m for m in get_args(Code)[1:] if isinstance(m, StringConstraints))
_INTEGER = re.compile(r"-?[0-9]{1,12}")
_NUMBER = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,15})?")
_FLAGS = {"true": True, "false": False}
_SHOWN = 40  # characters of a refused value repeated in its error message


class Kind(StrEnum):
    TEXT = "text"  # free text
    CHOICE = "choice"  # one of `choices`
    CODE = "code"  # a taxonomy code, e.g. "INT.NET"
    INT = "int"
    NUMBER = "number"
    FLAG = "flag"  # true or false


@dataclass(frozen=True, slots=True)
class SearchParam:
    """One query parameter of a search: how it is written, checked and documented."""

    name: str
    kind: Kind
    label: str  # what it is, in words, for error messages ("workstream", "results per page")
    help: str  # the OpenAPI description
    multi: bool = False  # repeatable (`workstream=ECON&workstream=CYBER`), values ORed
    choices: tuple[str, ...] = ()  # CHOICE: the allowed values, as written in a query string
    convert: Callable[[str], Any] = str  # CHOICE: an allowed value -> what the engine takes
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None  # TEXT, CODE: longest value
    pattern: str | None = None  # CODE: what a value looks like
    max_items: int | None = None  # multi: most values (only where values are not a fixed list)
    default: str | int | bool | None = None
    filter_field: str | None = None  # the engine `Filters` field this sets (None: a query field)
    facet: str | None = None  # its key in `SearchResult.facets`, if the engine counts its values
    saved: bool = True  # kept in a saved procurement search (paging is not)

    @property
    def empty(self) -> Any:
        """The value that means "no constraint"."""
        if self.multi:
            return ()
        return False if self.kind is Kind.FLAG else self.default

    def read(self, given: Sequence[str]) -> Any:
        """The typed value of this parameter from its non-blank values; ValueError says why not."""
        if not given:
            return self.empty
        if not self.multi:
            if len(given) > 1:
                raise ValueError(f"Give the {self.label} only once.")
            return self._one(given[0])
        if self.max_items is not None and len(set(given)) > self.max_items:
            raise ValueError(f"Choose {self.max_items} values or fewer for {self.label}.")
        return tuple(self._one(v) for v in sorted(set(given)))

    def _one(self, raw: str) -> Any:
        shown = raw if len(raw) <= _SHOWN else raw[: _SHOWN - 1] + "…"
        if self.kind is Kind.TEXT:
            if self.max_length is not None and len(raw) > self.max_length:
                raise ValueError(f"The {self.label} must be {self.max_length} characters or fewer.")
            return raw
        if self.kind is Kind.CHOICE:
            if raw not in self.choices:
                raise ValueError(f"“{shown}” is not a {self.label}. Choose from: {', '.join(self.choices)}.")
            return self.convert(raw)
        if self.kind is Kind.CODE:
            if (self.max_length is not None and len(raw) > self.max_length) or not re.fullmatch(
                self.pattern or ".*", raw
            ):
                raise ValueError(
                    f"“{shown}” is not a {self.label}: use letters, digits, dots, dashes and underscores, "
                    f"up to {self.max_length} characters, for example INT.NET."
                )
            return raw
        if self.kind is Kind.FLAG:
            if raw not in _FLAGS:
                raise ValueError(f"The {self.label} must be true or false, not “{shown}”.")
            return _FLAGS[raw]
        integer = self.kind is Kind.INT
        if not (_INTEGER if integer else _NUMBER).fullmatch(raw):
            raise ValueError(f"Enter the {self.label} as a {'whole number' if integer else 'number'}, not “{shown}”.")
        value = int(raw) if integer else float(raw)
        if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            raise ValueError(f"The {self.label} must be from {self.minimum:,} to {self.maximum:,}.")
        return value


def _choice(
    name: str, label: str, help: str, values: Sequence[str], convert: Callable[[str], Any], **kw: Any
) -> SearchParam:
    return SearchParam(name, Kind.CHOICE, label, help, choices=tuple(values), convert=convert, **kw)


def _multi(
    name: str, label: str, help: str, values: Sequence[str], convert: Callable[[str], Any], field_: str
) -> SearchParam:
    return _choice(name, label, help, values, convert, multi=True, filter_field=field_, facet=name)


def _flag(name: str, label: str, help: str, field_: str, facet: str) -> SearchParam:
    return SearchParam(name, Kind.FLAG, label, help, default=False, filter_field=field_, facet=facet)


PARAMS: tuple[SearchParam, ...] = (
    SearchParam(
        "q",
        Kind.TEXT,
        "search words",
        "Words to search for: names, capabilities, suppliers, data standards. Misspellings are allowed. "
        "Blank lists every tool the filters allow.",
        max_length=Q_MAX_LENGTH,
        default="",
    ),
    _multi(
        "workstream",
        "workstream",
        "Serious and organised crime workstream codes (any of).",
        list(WORKSTREAMS),
        str,
        "workstreams",
    ),
    SearchParam(
        "capability",
        Kind.CODE,
        "capability code",
        "Capability taxonomy codes (any of); a code also matches the capabilities under it. An area given "
        "with one of its own capabilities (INT and INT.NET) means that capability.",
        multi=True,
        max_length=_CODE.max_length,
        pattern=str(_CODE.pattern),
        max_items=MAX_CAPABILITIES,
        filter_field="capability_codes",
        facet="capability",
    ),
    _multi("four_p", "4P function", "4P functions (any of).", [p.value for p in FourP], FourP, "four_ps"),
    _multi("five_d", "5D function", "5D functions (any of).", [d.value for d in FiveD], FiveD, "five_ds"),
    _multi(
        "classification",
        "classification",
        "Highest security classification the tool may hold (any of).",
        [c.name for c in Classification],
        Classification.__getitem__,
        "classifications",
    ),
    SearchParam(
        "trl_min",
        Kind.INT,
        "lowest technology readiness level",
        "Lowest technology readiness level (TRL) accepted.",
        minimum=1,
        maximum=9,
        filter_field="trl_min",
        facet="trl",
    ),
    _multi(
        "deployment",
        "deployment",
        "Deployment models (any of).",
        [d.value for d in Deployment],
        Deployment,
        "deployments",
    ),
    _multi(
        "hosting", "hosting location", "Where data is hosted (any of).", [h.value for h in Hosting], Hosting, "hostings"
    ),
    _flag("sme", "SME filter", "Only tools from small and medium-sized enterprises.", "sme_only", "sme"),
    _flag(
        "verified", "verified filter", "Only tools from suppliers checked by the registry.", "verified_only", "verified"
    ),
    _flag(
        "accredited",
        "accreditation filter",
        "Only tools whose accreditations are all in date.",
        "accreditations_current_only",
        "accreditations_current",
    ),
    SearchParam(
        "max_price",
        Kind.NUMBER,
        "highest annual price",
        "Highest annual price in pounds.",
        minimum=0,
        maximum=MAX_PRICE,
        filter_field="max_price_annual",
    ),
    _choice(
        "sort",
        "sort order",
        "Order of the results; '-' reverses. Equal keys are in a stable per-search shuffle, never by name.",
        SORT_CHOICES,
        str,
        default="relevance",
    ),
    SearchParam(
        "page", Kind.INT, "page number", "Page of results.", minimum=1, maximum=PAGE_MAX, default=1, saved=False
    ),
    SearchParam(
        "per_page",
        Kind.INT,
        "number of results per page",
        "Results per page.",
        minimum=1,
        maximum=PER_PAGE_MAX,
        default=20,
        saved=False,
    ),
)
BY_NAME: dict[str, SearchParam] = {p.name: p for p in PARAMS}
# What a saved procurement search stores next to its words: {name: [values as given]}.
SAVED_FILTERS: tuple[str, ...] = tuple(p.name for p in PARAMS if p.saved and p.name != "q")
FACETED: tuple[SearchParam, ...] = tuple(p for p in PARAMS if p.facet)


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A checked search: what the engine runs, plus what the page needs to show the choice."""

    q: str = ""
    filters: Filters = Filters()
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    # The capability codes as given, before refinement: the page keeps an area ticked (and its
    # capabilities shown) while one of them narrows it.
    capabilities_chosen: tuple[str, ...] = ()

    def shuffle_seed(self, salt: str = "") -> str:
        """Stable per search: the same query and filters always give the same tie order."""
        key = repr((self.q.strip().lower(), self.filters, self.sort, salt))
        return hashlib.sha256(key.encode()).hexdigest()[:16]

    def chosen(self, param: SearchParam) -> Any:
        """The parameter's value in this query (capabilities as given)."""
        if param.name == "capability":
            return self.capabilities_chosen
        if param.filter_field:
            return getattr(self.filters, param.filter_field)
        return getattr(self, param.name)

    def without(self, param: SearchParam) -> SearchQuery:
        """This search with no constraint from `param`, first page of one result: what the
        counts for `param`'s own values are taken from."""
        assert param.filter_field
        filters = replace(self.filters, **{param.filter_field: param.empty})
        return replace(self, filters=filters, page=1, per_page=1, capabilities_chosen=())


def refine_capabilities(codes: Sequence[str]) -> tuple[str, ...]:
    """A capability chosen under a chosen area narrows it: drop codes another chosen code refines.

    The engine ORs capability codes, so "INT" plus "INT.NET" would still mean all of INT.
    """
    chosen = list(dict.fromkeys(codes))
    return tuple(c for c in chosen if not any(o != c and o.startswith(c + ".") for o in chosen))


def given(source: Mapping[str, Any], name: str) -> list[str]:
    """The non-blank values of `name` in a query mapping: a multidict (query string, form), or a
    plain mapping of a value or a list of values (a saved search)."""
    getall = getattr(source, "getall", None)
    raw = getall(name, []) if callable(getall) else source.get(name)
    if raw is None:
        return []
    items = raw if isinstance(raw, list | tuple) else [raw]
    return [text for text in (str(v) for v in items) if text.strip()]


def parse_query(source: Mapping[str, Any]) -> SearchQuery:
    """Query-string style values -> a SearchQuery, or InvalidInput naming every bad parameter.

    Parameters that are not search parameters are ignored (links may carry others).
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for param in PARAMS:
        try:
            values[param.name] = param.read(given(source, param.name))
        except ValueError as exc:
            errors[param.name] = str(exc)
    if errors:
        detail = next(iter(errors.values())) if len(errors) == 1 else f"{len(errors)} search parameters are not valid."
        raise InvalidInput(detail, fields=errors)
    chosen = values["capability"]
    filters = Filters(**{p.filter_field: values[p.name] for p in PARAMS if p.filter_field})
    return SearchQuery(
        q=values["q"],
        filters=replace(filters, capability_codes=refine_capabilities(chosen)),
        sort=values["sort"],
        page=values["page"],
        per_page=values["per_page"],
        capabilities_chosen=chosen,
    )


def parse_saved(q: str, filters: Mapping[str, Sequence[str]]) -> SearchQuery:
    """A saved procurement search (its words and {parameter: [values]}, the stored format) ->
    a SearchQuery. Filters that are not saved search parameters are refused."""
    unknown = sorted(set(filters) - set(SAVED_FILTERS))
    if unknown:
        raise InvalidInput(
            f"Unknown search filter '{unknown[0]}'. Allowed: {', '.join(SAVED_FILTERS)}.",
            fields={"filters": f"unknown filter {unknown[0]}"},
        )
    return parse_query({**filters, "q": q})


def saved_filters(source: Mapping[str, Any]) -> dict[str, list[str]]:
    """The filters of a search as a saved search stores them: each saved parameter's non-blank
    values as given, leaving out a single value that is the default (sort=relevance)."""
    out: dict[str, list[str]] = {}
    for name in SAVED_FILTERS:
        param, values = BY_NAME[name], given(source, name)
        if values and not (param.kind is Kind.CHOICE and values == [param.default]):
            out[name] = values
    return out
