"""Hand-built, accessible SVG charts (no JavaScript) shared by the HTML and PDF reports.

Every chart is a single ``<svg role="img">`` with a ``<title>`` and ``<desc>``; values are
printed on the chart so colour is never the only carrier of meaning. Colours come from a
single-hue (lightness-only) blue ramp, which stays distinguishable under every common colour
vision deficiency, and cell text is black or white, whichever passes WCAG AA (>= 4.5:1).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from assessments.reports.document import BarData, Chart, HeatmapData, LineData
from registry.formatting import number, pounds

FONT = "Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif"
FONT_SIZE = 12
CHAR_W = 0.6  # average glyph width in em for Arial-like fonts, rounded up
CAPS_W = 0.75  # capitals (Arial's are 0.61-0.78 em)
WIDE_W = 0.95  # M and W
COMPACT_BARS = 15  # bar charts with more bars than this use thinner bars
TEXT = "#0b0c0c"  # GOV.UK text colour
MUTED = "#505a5f"  # GOV.UK secondary text, 7:1 on white
BAR = "#1d70b8"  # GOV.UK blue
TRACK = "#f3f2f1"
NA_FILL = "#f3f2f1"
NA_HATCH = "#b1b4b6"
# ColorBrewer "Blues" stops for 0, 25, 50, 75, 100 % coverage.
RAMP: tuple[str, ...] = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def esc(text: object) -> str:
    """Escape text for XML content and attribute values; drop characters XML forbids."""
    s = _XML_INVALID.sub("", str(text))
    return (
        s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;").replace("'", "&#39;")
    )


def _hex_rgb(colour: str) -> tuple[int, int, int]:
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of a #rrggbb colour."""

    def channel(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in _hex_rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_colour_on(fill: str) -> str:
    """Text colour for ``fill``: GOV.UK black if it passes AA (4.5:1), else black or white.

    Pure black or white always reaches at least 4.58:1 against any colour; #0b0c0c does not.
    """
    if contrast_ratio(fill, TEXT) >= 4.5:
        return TEXT
    return max(("#ffffff", "#000000"), key=lambda ink: contrast_ratio(fill, ink))


def coverage_colour(value: float) -> str:
    """Interpolate the ramp for a 0..100 value (clamped)."""
    v = min(max(value, 0.0), 100.0) / 100 * (len(RAMP) - 1)
    i = min(int(v), len(RAMP) - 2)
    t = v - i
    lo, hi = _hex_rgb(RAMP[i]), _hex_rgb(RAMP[i + 1])
    r, g, b = (round(a + (b - a) * t) for a, b in zip(lo, hi, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def _text_width(text: str, size: float = FONT_SIZE) -> float:
    # Capitals are wider than the average glyph: all-caps labels (skill codes) must not be clipped.
    ems = sum(WIDE_W if c in "MWmw" else CAPS_W if c.isupper() else CHAR_W for c in text)
    return ems * size


def _truncate(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[: max_chars - 1].rstrip() + "…"


def _fmt(value: float, unit: str) -> str:
    if unit == "£":
        return pounds(value)
    text = number(value, digits=0 if abs(value - round(value)) < 0.05 else 1)
    return f"{text}{unit}" if unit in ("%", "") else f"{text} {unit}"


def _prefix(id_prefix: str | None, *parts: object) -> str:
    if id_prefix:
        return re.sub(r"[^A-Za-z0-9_-]", "-", id_prefix)
    # Deterministic id from content so repeated renders are byte-identical.
    digest = hashlib.sha1(repr(parts).encode()).hexdigest()[:10]
    return f"chart-{digest}"


def _open_svg(pid: str, width: float, height: float, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" role="img" '
        f'aria-labelledby="{pid}-title {pid}-desc" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" font-family="{FONT}" '
        f'font-size="{FONT_SIZE}">',
        f'<title id="{pid}-title">{esc(title)}</title>',
        f'<desc id="{pid}-desc">{esc(desc)}</desc>',
    ]


def _text(x: float, y: float, s: str, *, anchor: str = "start", fill: str = TEXT, **kw: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in kw.items())
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}"{extra}>{esc(s)}</text>'


def heatmap_svg(
    rows: Sequence[str],
    cols: Sequence[str],
    values: Sequence[Sequence[float | None]],
    *,
    title: str = "Coverage heatmap",
    desc: str = "",
    id_prefix: str | None = None,
    max_label_chars: int = 44,
) -> str:
    """A rows x cols grid of 0..100 coverage; None cells are hatched grey and say "n/a"."""
    pid = _prefix(id_prefix, "heatmap", rows, cols, values, title)
    labels = [_truncate(r, max_label_chars) for r in rows]
    label_w = max((_text_width(s) for s in labels), default=0) + 12
    cell_w = max(64.0, max((_text_width(c) for c in cols), default=0) + 12)
    cell_h, head_h, legend_h = 30.0, 26.0, 40.0
    legend_w = 6 * 44.0 + 8 + _text_width("no requirements") + 8
    width = label_w + max(cell_w * len(cols), legend_w) + 4
    height = head_h + cell_h * len(rows) + legend_h
    if not desc:
        desc = f"Heatmap of {len(rows)} rows by {len(cols)} columns, coverage 0 to 100 per cent."
    out = _open_svg(pid, width, height, title, desc)
    out.append(
        f'<defs><pattern id="{pid}-na" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{NA_FILL}"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{NA_HATCH}" stroke-width="2"/>'
        f"</pattern></defs>"
    )
    for j, col in enumerate(cols):
        cx = label_w + cell_w * (j + 0.5)
        out.append(_text(cx, head_h - 9, col, anchor="middle", font_weight="bold"))
    for i, row in enumerate(rows):
        y = head_h + cell_h * i
        out.append(_text(label_w - 8, y + cell_h / 2 + 4, labels[i], anchor="end"))
        if labels[i] != row:
            out[-1] = out[-1].replace("</text>", f"<title>{esc(row)}</title></text>")
        for j in range(len(cols)):
            x = label_w + cell_w * j
            value = values[i][j]
            if value is None:
                fill, label, ink = f"url(#{pid}-na)", "n/a", TEXT
            else:
                fill = coverage_colour(value)
                label, ink = f"{value:.0f}%", text_colour_on(fill)
            out.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{cell_w:.1f}" height="{cell_h:.1f}" '
                f'fill="{fill}" stroke="#ffffff" stroke-width="2"/>'
            )
            out.append(_text(x + cell_w / 2, y + cell_h / 2 + 4, label, anchor="middle", fill=ink))
    out.extend(_heatmap_legend(pid, label_w, head_h + cell_h * len(rows) + 12))
    out.append("</svg>")
    return "".join(out)


def _heatmap_legend(pid: str, x0: float, y: float) -> list[str]:
    out = [_text(x0 - 8, y + 13, "Coverage", anchor="end", fill=MUTED)]
    sw = 44.0
    for k, stop in enumerate((0, 25, 50, 75, 100)):
        fill = coverage_colour(stop)
        x = x0 + k * sw
        out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{sw:.1f}" height="18" fill="{fill}"/>')
        out.append(_text(x + sw / 2, y + 13, f"{stop}%", anchor="middle", fill=text_colour_on(fill)))
    x = x0 + 5 * sw + 8
    out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{sw:.1f}" height="18" fill="url(#{pid}-na)"/>')
    out.append(_text(x + sw / 2, y + 13, "n/a", anchor="middle"))
    out.append(_text(x + sw + 6, y + 13, "no requirements", fill=MUTED))
    return out


def bar_svg(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    unit: str = "%",
    max_value: float | None = None,
    title: str = "Bar chart",
    desc: str = "",
    id_prefix: str | None = None,
    max_label_chars: int = 40,
) -> str:
    """Horizontal bars with the value printed at the end of each bar."""
    pid = _prefix(id_prefix, "bar", labels, values, unit, max_value, title)
    shown = [_truncate(s, max_label_chars) for s in labels]
    top = max_value if max_value else max((abs(v) for v in values), default=0) or 1.0
    label_w = max((_text_width(s) for s in shown), default=0) + 12
    plot_w, value_w, bar_h, gap = 360.0, 70.0, 20.0, 10.0
    if len(labels) > COMPACT_BARS:  # tighter bars so a long chart still fits one printed page
        bar_h, gap = 15.0, 5.0
    width = label_w + plot_w + value_w
    height = len(labels) * (bar_h + gap) + gap
    if not desc:
        pairs = "; ".join(f"{s}: {_fmt(v, unit)}" for s, v in zip(labels, values, strict=True))
        desc = f"Bar chart. {pairs}."
    out = _open_svg(pid, width, height, title, desc)
    for i, (label, value) in enumerate(zip(shown, values, strict=True)):
        y = gap + i * (bar_h + gap)
        length = plot_w * min(max(value, 0.0), top) / top
        out.append(_text(label_w - 8, y + bar_h / 2 + 4, label, anchor="end"))
        if max_value:  # a track shows how far from the maximum each bar is
            out.append(
                f'<rect x="{label_w:.1f}" y="{y:.1f}" width="{plot_w:.1f}" height="{bar_h:.1f}" fill="{TRACK}"/>'
            )
        out.append(f'<rect x="{label_w:.1f}" y="{y:.1f}" width="{length:.1f}" height="{bar_h:.1f}" fill="{BAR}"/>')
        out.append(_text(label_w + plot_w + 6, y + bar_h / 2 + 4, _fmt(value, unit)))
    out.append(
        f'<line x1="{label_w:.1f}" y1="{gap / 2:.1f}" x2="{label_w:.1f}" '
        f'y2="{height - gap / 2:.1f}" stroke="{TEXT}" stroke-width="1"/>'
    )
    out.append("</svg>")
    return "".join(out)


def line_svg(
    points: Sequence[tuple[str, float]],
    *,
    unit: str = "%",
    max_value: float | None = 100.0,
    title: str = "Trend",
    desc: str = "",
    id_prefix: str | None = None,
) -> str:
    """A line through (label, value) points, each point labelled with its value."""
    pid = _prefix(id_prefix, "line", points, unit, max_value, title)
    values = [v for _, v in points]
    top = max_value if max_value else max(values, default=0) or 1.0
    left, right, top_pad, bottom = 52.0, 24.0, 24.0, 34.0
    step = max(72.0, max((_text_width(lbl) for lbl, _ in points), default=0) + 12)
    plot_h = 180.0
    width = left + step * max(len(points), 1) + right
    height = top_pad + plot_h + bottom
    if not desc:
        pairs = "; ".join(f"{lbl}: {_fmt(v, unit)}" for lbl, v in points)
        desc = f"Line chart. {pairs}."
    out = _open_svg(pid, width, height, title, desc)

    def y_of(v: float) -> float:
        return top_pad + plot_h * (1 - min(max(v, 0.0), top) / top)

    for k in range(5):  # gridlines at 0, 25, 50, 75, 100 % of the scale
        v = top * k / 4
        y = y_of(v)
        out.append(
            f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{width - right:.1f}" y2="{y:.1f}" '
            f'stroke="#b1b4b6" stroke-width="{1.5 if k == 0 else 0.5}"/>'
        )
        out.append(_text(left - 6, y + 4, _fmt(v, unit), anchor="end", fill=MUTED))
    xy = [(left + step * (i + 0.5), y_of(v)) for i, v in enumerate(values)]
    if len(xy) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
        out.append(f'<polyline points="{path}" fill="none" stroke="{BAR}" stroke-width="3"/>')
    for (x, y), (label, value) in zip(xy, points, strict=True):
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{BAR}"/>')
        out.append(_text(x, y - 9, _fmt(value, unit), anchor="middle", font_weight="bold"))
        out.append(_text(x, top_pad + plot_h + 20, label, anchor="middle"))
    out.append("</svg>")
    return "".join(out)


def chart_svg(chart: Chart) -> str:
    """Render a model Chart with its own id, title and alt text."""
    data = chart.data
    title, desc, prefix = chart.title, chart.alt_text, f"chart-{chart.id}"
    if isinstance(data, HeatmapData):
        return heatmap_svg(data.rows, data.cols, data.values, title=title, desc=desc, id_prefix=prefix)
    if isinstance(data, BarData):
        return bar_svg(
            data.labels, data.values, unit=data.unit, max_value=data.max_value, title=title, desc=desc, id_prefix=prefix
        )
    if isinstance(data, LineData):
        return line_svg(data.points, unit=data.unit, max_value=data.max_value, title=title, desc=desc, id_prefix=prefix)
    raise TypeError(f"unsupported chart data {type(data).__name__}")
