from __future__ import annotations

from registry.search.views import Option, query_pairs, search_url


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
