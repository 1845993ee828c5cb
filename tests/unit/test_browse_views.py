from __future__ import annotations

from registry.search.query import parse_query
from registry.search.views import Option, active_filters, facet_view, query_pairs, search_url


def test_facet_counts_use_thousands_separators() -> None:
    assert Option("pursue", "Pursue", 4206, False).text == "Pursue (4,206)"
    assert Option("prevent", "Prevent", 12, True).text == "Prevent (12)"


def test_query_pairs_keep_the_visitors_order_and_repeats() -> None:
    pairs = query_pairs(b"q=network+analysis&workstream=CYBER&sme=true&workstream=ECON&page=")
    assert pairs == [
        ("q", "network analysis"),
        ("workstream", "CYBER"),
        ("sme", "true"),
        ("workstream", "ECON"),
        ("page", ""),
    ]
    assert search_url(pairs, page=2) == "/search?q=network+analysis&workstream=CYBER&sme=true&workstream=ECON&page=2"


TREE = [
    {
        "code": "INT",
        "name": "Intelligence analysis",
        "children": [{"code": "INT.NET", "name": "Network analysis"}, {"code": "INT.GEO", "name": "Geospatial"}],
    },
    {"code": "DATA", "name": "Data management", "children": []},
]


def test_an_area_narrowed_by_one_capability_stays_ticked_with_its_capabilities_shown() -> None:
    query = parse_query({"capability": ["INT", "INT.NET"], "workstream": ["ECON", "CYBER"], "trl_min": "4"})
    facets = {"capability": {"INT": 5, "INT.NET": 2}, "trl": {"3": 1, "4": 2, "9": 1}, "workstream": {"ECON": 7}}
    view = facet_view(facets, query, TREE)
    [area] = view.capability  # DATA has no results and is not chosen, so it is not offered
    assert (area.option.value, area.option.selected, area.option.count) == ("INT", True, 5)
    assert [(o.value, o.selected, o.count) for o in area.leaves] == [("INT.NET", True, 2), ("INT.GEO", False, 0)]
    assert [o.value for o in view.workstream if o.selected] == ["ECON", "CYBER"]  # in the list's order
    trl = {o.value: (o.count, o.selected) for o in view.trl}
    assert trl["4"] == (3, True) and trl["3"] == (4, False) and trl["9"] == (1, False)  # "n or higher"


def test_active_filters_count_each_chosen_value() -> None:
    assert active_filters(parse_query({})) == 0
    assert active_filters(parse_query({"q": "anpr", "sort": "price", "page": "2"})) == 0  # not filters
    chosen = {"capability": ["INT", "INT.NET"], "hosting": ["uk", "eea"], "sme": "true", "max_price": "0"}
    assert active_filters(parse_query(chosen)) == 2 + 2 + 1 + 1
