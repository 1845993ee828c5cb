"""SVG charts: well-formed XML, accessible, escaped, readable colours."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from assessments.reports.charts import (
    RAMP,
    bar_svg,
    chart_svg,
    contrast_ratio,
    coverage_colour,
    heatmap_svg,
    line_svg,
    relative_luminance,
    text_colour_on,
)
from assessments.reports.document import BarData, Chart, Column, HeatmapData, LineData, Table

NS = {"svg": "http://www.w3.org/2000/svg"}
EVIL = '<script>alert("x")</script> & "quotes"'


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


def assert_accessible(root: ET.Element, title: str) -> None:
    assert root.get("role") == "img"
    title_el = root.find("svg:title", NS)
    desc_el = root.find("svg:desc", NS)
    assert title_el is not None and title_el.text == title
    assert desc_el is not None and (desc_el.text or "").strip()
    # aria-labelledby must point at the title and desc ids.
    assert root.get("aria-labelledby", "").split() == [title_el.get("id"), desc_el.get("id")]


def test_heatmap_is_valid_accessible_svg_with_values_and_na_cells() -> None:
    svg = heatmap_svg(
        ["Economic & Financial Crime", "Cyber"],
        ["Pursue", "Prevent", "Protect"],
        [[10.0, 55.4, None], [100.0, 0.0, 73.0]],
        title="Coverage by workstream",
        desc="Two workstreams by three functions.",
    )
    root = parse(svg)
    assert_accessible(root, "Coverage by workstream")
    labels = texts(root)
    for expected in ("Economic & Financial Crime", "Pursue", "10%", "55%", "100%", "0%", "73%"):
        assert expected in labels
    assert labels.count("n/a") == 2  # the None cell and its legend entry
    rects = root.findall("svg:rect", NS)
    hatched = [r for r in rects if r.get("fill", "").startswith("url(#")]
    assert len(hatched) == 2  # None cell + legend swatch
    pattern = root.find("svg:defs/svg:pattern", NS)
    assert pattern is not None and hatched[0].get("fill") == f"url(#{pattern.get('id')})"


def test_heatmap_rejects_nothing_but_escapes_everything() -> None:
    svg = heatmap_svg([EVIL], [EVIL], [[50.0]], title=EVIL, desc=EVIL)
    assert "<script>" not in svg
    root = parse(svg)
    assert root.find(".//svg:script", NS) is None
    assert root.find("svg:title", NS).text == EVIL  # type: ignore[union-attr]
    assert EVIL in texts(root)


def test_control_characters_are_dropped_so_xml_stays_valid() -> None:
    root = parse(bar_svg(["bad\x00label\x1f"], [5.0], title="t\x08"))
    assert "badlabel" in texts(root)


def test_long_labels_are_truncated_with_full_text_in_a_tooltip() -> None:
    long = "Victims & Harms (including Child Sexual Exploitation) and more words"
    root = parse(heatmap_svg([long], ["Pursue"], [[20.0]], max_label_chars=20))
    label = next(t for t in root.iter("{http://www.w3.org/2000/svg}text") if t.text and t.text.startswith("Victims"))
    assert label.text.endswith("…") and len(label.text) <= 20  # type: ignore[union-attr]
    assert label.find("svg:title", NS).text == long  # type: ignore[union-attr]


@pytest.mark.parametrize("value", [v / 2 for v in range(0, 201)])
def test_heatmap_cell_text_meets_wcag_aa_contrast(value: float) -> None:
    fill = coverage_colour(value)
    assert contrast_ratio(fill, text_colour_on(fill)) >= 4.5


def test_ramp_varies_in_lightness_so_it_survives_colour_blindness() -> None:
    # A single-hue ramp that only darkens stays ordered for every colour vision deficiency.
    lum = [relative_luminance(coverage_colour(v)) for v in range(0, 101, 5)]
    assert all(a > b for a, b in zip(lum, lum[1:], strict=False))
    assert coverage_colour(-20) == RAMP[0] and coverage_colour(250) == RAMP[-1]


def test_contrast_ratio_matches_wcag_reference_values() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def _bar_widths(root: ET.Element) -> list[float]:
    bars = [r for r in root.findall("svg:rect", NS) if r.get("fill") == "#1d70b8"]
    return [float(r.get("width", "0")) for r in bars]


def test_bar_lengths_are_proportional_to_values_and_values_printed() -> None:
    root = parse(bar_svg(["Must", "Should", "Could"], [80.0, 40.0, 0.0], unit="%", max_value=100, title="By priority"))
    assert_accessible(root, "By priority")
    w = _bar_widths(root)
    assert w[0] == pytest.approx(2 * w[1]) and w[2] == 0
    assert {"80%", "40%", "0%"} <= set(texts(root))
    # With max_value, each bar sits on a track showing the distance to 100 %.
    assert sum(1 for r in root.findall("svg:rect", NS) if r.get("fill") == "#f3f2f1") == 3


def test_bar_without_max_scales_to_largest_and_prints_units() -> None:
    root = parse(bar_svg(["A", "B"], [12.0, 3.0], unit="people"))
    w = _bar_widths(root)
    assert w[0] == pytest.approx(4 * w[1])
    assert "12 people" in texts(root)


def test_bar_handles_empty_and_all_zero_input() -> None:
    parse(bar_svg([], []))
    assert _bar_widths(parse(bar_svg(["A"], [0.0]))) == [0.0]


def test_line_chart_plots_every_point_in_order() -> None:
    points = [("Q1", 40.0), ("Q2", 55.0), ("Q3", 70.0)]
    root = parse(line_svg(points, title="Trend"))
    assert_accessible(root, "Trend")
    poly = root.find("svg:polyline", NS)
    assert poly is not None
    coords = [tuple(map(float, p.split(","))) for p in poly.get("points", "").split()]
    assert len(coords) == 3
    xs, ys = zip(*coords, strict=True)
    assert list(xs) == sorted(xs) and ys[0] > ys[1] > ys[2]  # SVG y grows downwards
    assert {"Q1", "Q2", "Q3", "40%", "55%", "70%"} <= set(texts(root))


def test_same_input_gives_identical_svg_and_prefix_controls_ids() -> None:
    a = heatmap_svg(["r"], ["c"], [[1.0]])
    assert a == heatmap_svg(["r"], ["c"], [[1.0]])
    b = heatmap_svg(["r"], ["c"], [[1.0]], id_prefix="chart-x")
    assert 'id="chart-x-title"' in b and "url(#chart-x-na)" in b


def _table() -> Table:
    return Table("data", "Data", [Column("label", "Label"), Column("value", "Value", "percent")], [])


def test_chart_svg_dispatches_on_model_data_and_uses_alt_text() -> None:
    charts = [
        Chart("h", "Heat", "heatmap", HeatmapData(["a"], ["b"], [[1.0]]), "Alt heat", _table()),
        Chart("b", "Bars", "bar", BarData(["a"], [1.0]), "Alt bars", _table()),
        Chart("l", "Line", "line", LineData([("a", 1.0)]), "Alt line", _table()),
    ]
    for chart in charts:
        root = parse(chart_svg(chart))
        assert root.find("svg:desc", NS).text == chart.alt_text  # type: ignore[union-attr]
        assert root.find("svg:title", NS).get("id") == f"chart-{chart.id}-title"  # type: ignore[union-attr]


def test_chart_kind_must_match_its_data() -> None:
    with pytest.raises(ValueError):
        Chart("x", "X", "heatmap", BarData(["a"], [1.0]), "alt", _table())
    with pytest.raises(ValueError):
        Chart("x", "X", "bar", BarData(["a"], [1.0]), "  ", _table())
    with pytest.raises(ValueError):
        HeatmapData(["a", "b"], ["c"], [[1.0]])
