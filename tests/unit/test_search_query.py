"""The one search parameter declaration and parser (registry.search.query): pure unit tests."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.enums import WORKSTREAMS, Classification, FourP, Hosting, VerificationState
from registry.errors import InvalidInput
from registry.search.documents import CapabilityClaimDoc, ToolDoc
from registry.search.engine import Filters, SearchIndex
from registry.search.query import (
    BY_NAME,
    FACETED,
    PARAMS,
    SAVED_FILTERS,
    Kind,
    SearchQuery,
    parse_query,
    parse_saved,
    refine_capabilities,
    saved_filters,
)


class MultiDict(dict[str, list[str]]):
    """What a query string or form looks like to the parser: `getall` for repeated keys."""

    @classmethod
    def of(cls, pairs: list[tuple[str, str]]) -> MultiDict:
        out = cls()
        for key, value in pairs:
            out.setdefault(key, []).append(value)
        return out

    def getall(self, key: str, default: list[str]) -> list[str]:
        return self.get(key, default)


def errors_of(source: dict[str, object]) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        parse_query(source)
    return caught.value.fields


# --- capability refinement --------------------------------------------------------------------


def test_a_capability_chosen_with_its_area_means_the_capability() -> None:
    assert refine_capabilities(["INT", "INT.NET"]) == ("INT.NET",)
    assert refine_capabilities(["DFOR", "DFOR.MOB", "DFOR.MOB.LOG"]) == ("DFOR.MOB.LOG",)
    # siblings and unrelated areas stay ORed; a shared prefix without a dot is not a parent
    assert refine_capabilities(["INT.NET", "INT.GEO", "DATA"]) == ("INT.NET", "INT.GEO", "DATA")
    assert refine_capabilities(["INT", "INTEL.X"]) == ("INT", "INTEL.X")


def test_every_door_gets_refined_capabilities_and_the_page_keeps_what_was_ticked() -> None:
    query = parse_query({"capability": ["INT", "INT.NET"]})
    assert query.filters.capability_codes == ("INT.NET",)
    assert query.capabilities_chosen == ("INT", "INT.NET")
    assert parse_query({"capability": ["INT.NET"]}).filters == query.filters


# --- reading values ---------------------------------------------------------------------------


def test_a_query_string_a_form_and_a_saved_search_read_the_same() -> None:
    pairs = [("q", "network"), ("workstream", "ECON"), ("workstream", "CYBER"), ("trl_min", "5"), ("sme", "true")]
    from_query_string = parse_query(MultiDict.of(pairs))
    from_saved = parse_saved("network", {"workstream": ["ECON", "CYBER"], "trl_min": ["5"], "sme": ["true"]})
    from_plain = parse_query({"q": "network", "workstream": ["ECON", "CYBER"], "trl_min": "5", "sme": "true"})
    assert from_query_string == from_saved == from_plain
    assert from_saved.filters.workstreams == ("CYBER", "ECON")
    assert from_saved.filters.trl_min == 5 and from_saved.filters.sme_only is True


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(list(WORKSTREAMS)), min_size=1, max_size=7), st.randoms())
def test_the_order_and_repeats_of_values_do_not_change_the_search(chosen: list[str], rnd: object) -> None:
    shuffled = list(chosen)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    a, b = parse_query({"workstream": chosen}), parse_query({"workstream": shuffled + shuffled[:1]})
    assert a == b and a.shuffle_seed() == b.shuffle_seed()
    assert a.filters.workstreams == tuple(sorted(set(chosen)))


def test_blank_values_mean_not_given_and_other_parameters_are_ignored() -> None:
    form = {"q": "", "trl_min": "", "max_price": " ", "sort": "", "workstream": ["", "ECON"], "_csrf_token": "x"}
    query = parse_query(form)
    assert query == parse_query({"workstream": "ECON"})
    assert query.sort == "relevance" and query.page == 1 and query.per_page == 20
    assert query.filters.trl_min is None and query.filters.max_price_annual is None


def test_typed_values() -> None:
    query = parse_query(
        {
            "classification": ["SECRET", "OFFICIAL"],
            "four_p": "pursue",
            "hosting": ["uk", "eea"],
            "max_price": "50000.50",
            "accredited": "true",
            "verified": "false",
            "sort": "-price",
            "page": "3",
            "per_page": "100",
        }
    )
    f = query.filters
    assert f.classifications == (Classification.OFFICIAL, Classification.SECRET)
    assert f.four_ps == (FourP.PURSUE,) and f.hostings == (Hosting.EEA, Hosting.UK)
    assert f.max_price_annual == 50000.5 and f.accreditations_current_only and not f.verified_only
    assert (query.sort, query.page, query.per_page) == ("-price", 3, 100)


@pytest.mark.parametrize(
    ("source", "field"),
    [
        ({"q": "x" * 201}, "q"),
        ({"workstream": "NOPE"}, "workstream"),
        ({"capability": "not a code!"}, "capability"),
        ({"capability": [f"C{i}" for i in range(101)]}, "capability"),
        ({"four_p": "PURSUE"}, "four_p"),  # values are case-sensitive, as the OpenAPI enum says
        ({"classification": "PUBLIC"}, "classification"),
        ({"trl_min": "0"}, "trl_min"),
        ({"trl_min": "10"}, "trl_min"),
        ({"trl_min": "5.5"}, "trl_min"),
        ({"trl_min": "0_5"}, "trl_min"),  # int() would take it; a query string should not
        ({"sme": "maybe"}, "sme"),
        ({"sme": "1"}, "sme"),
        ({"max_price": "cheap"}, "max_price"),
        ({"max_price": "-1"}, "max_price"),
        ({"max_price": "nan"}, "max_price"),
        ({"sort": "password"}, "sort"),
        ({"sort": ["price", "name"]}, "sort"),
        ({"page": "x"}, "page"),
        ({"page": "0"}, "page"),
        ({"per_page": "101"}, "per_page"),
    ],
)
def test_each_bad_value_is_named(source: dict[str, object], field: str) -> None:
    errors = errors_of(source)
    assert list(errors) == [field]
    assert errors[field].endswith(".") and len(errors[field]) < 200


def test_every_bad_parameter_is_named_at_once_in_declaration_order() -> None:
    errors = errors_of({"sort": "x", "trl_min": "99", "workstream": "NOPE", "page": "-1"})
    assert list(errors) == ["workstream", "trl_min", "sort", "page"]
    assert "MSHT" in errors["workstream"]  # says what is allowed
    assert "1 to 9" in errors["trl_min"]


def test_a_long_refused_value_is_shortened_in_the_message() -> None:
    message = errors_of({"workstream": "Z" * 500})["workstream"]
    assert "Z" * 39 + "…" in message and "Z" * 41 not in message


# --- saved searches ---------------------------------------------------------------------------


def test_saved_filters_keep_values_as_given_without_defaults_blanks_or_paging() -> None:
    form = MultiDict.of(
        [("q", "anpr"), ("capability", "INT"), ("capability", "INT.NET"), ("sort", "relevance")]
        + [("trl_min", ""), ("page", "2"), ("per_page", "5"), ("_csrf_token", "t")]
    )
    assert saved_filters(form) == {"capability": ["INT", "INT.NET"]}
    assert saved_filters({"sort": "price"}) == {"sort": ["price"]}


def test_a_saved_search_in_the_stored_format_replays() -> None:
    """The format saved searches have always had: words plus {parameter: [values]}."""
    stored = {
        "workstream": ["ECON"],
        "capability": ["INT", "INT.NET"],
        "hosting": ["uk"],
        "sme": ["true"],
        "trl_min": ["6"],
        "max_price": ["60000"],
        "sort": ["price"],
    }
    query = parse_saved("network analysis", stored)
    assert query.q == "network analysis" and query.sort == "price"
    assert query.filters.capability_codes == ("INT.NET",) and query.filters.max_price_annual == 60000


def test_a_saved_search_refuses_filters_that_are_not_search_parameters() -> None:
    for key in ("colour", "page", "q"):
        with pytest.raises(InvalidInput) as caught:
            parse_saved("", {key: ["1"]})
        assert "filters" in caught.value.fields


# --- the declaration against the engine -------------------------------------------------------


def test_the_declaration_reaches_every_engine_filter_but_the_requirement_only_one() -> None:
    declared = {p.filter_field for p in PARAMS if p.filter_field}
    engine = {f.name for f in dataclasses.fields(Filters)}
    assert declared <= engine
    assert engine - declared == {"min_classification"}  # set by requirement matching, not a search
    query_fields = {f.name for f in dataclasses.fields(SearchQuery)}
    assert {p.name for p in PARAMS if not p.filter_field} <= query_fields


def test_facet_keys_are_the_engines_and_each_relaxes_only_its_own_filter() -> None:
    claim = CapabilityClaimDoc(1, "INT.NET", "Intelligence › Network", VerificationState.CLAIMED)
    index = SearchIndex.build([ToolDoc(1, "Tool", 1, "S", capabilities=(claim,))], today=date(2025, 1, 1))
    engine_facets = set(index.search("").facets)
    assert {p.facet for p in FACETED} <= engine_facets
    chosen = parse_query({"workstream": "ECON", "trl_min": "4", "sme": "true", "capability": "INT"})
    for param in FACETED:
        relaxed = chosen.without(param)
        assert getattr(relaxed.filters, param.filter_field or "") == param.empty
        others = [p for p in FACETED if p is not param and p.filter_field]
        assert all(getattr(relaxed.filters, p.filter_field) == getattr(chosen.filters, p.filter_field) for p in others)
        assert (relaxed.page, relaxed.per_page) == (1, 1)


def test_every_declared_choice_parses() -> None:
    for param in PARAMS:
        for choice in param.choices:
            assert parse_query({param.name: choice}).chosen(param) in ((param.convert(choice),), param.convert(choice))
    assert set(SAVED_FILTERS) == {p.name for p in PARAMS} - {"q", "page", "per_page"}
    assert BY_NAME["sort"].kind is Kind.CHOICE and "-last_reviewed" in BY_NAME["sort"].choices
