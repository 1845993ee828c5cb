"""PDF rendering with WeasyPrint from the print HTML document and ``static/print.css``.

WeasyPrint is single-threaded and CPU-bound: call ``render_pdf`` from a worker thread or
process, never on the event loop. Fonts are system fonts only (no downloads).

Every PDF is tagged PDF/UA-1 (structure tree, ``/MarkInfo``, ``/Lang`` from ``<html lang>``,
XMP metadata with the title) so screen readers can follow headings and tables. Untagged output
is kept only so bench/reports.py can show what tagging costs.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from assessments.reports.document import Report
from assessments.reports.render_html import TEMPLATE_DIR, render_html_document

PRINT_CSS = Path(__file__).resolve().parents[2] / "static" / "print.css"

# One font configuration and image cache for the process, as WeasyPrint recommends; the lock
# keeps two threads from sharing them mid-render (fontconfig/pango state is not thread-safe).
_LOCK = threading.Lock()
_IMAGE_CACHE: dict = {}
# Reports are self-contained (inline SVG, system fonts): no protocol is allowed, so report
# content can never make the renderer read local files or call out to the network.
_NO_FETCH = URLFetcher(allowed_protocols=frozenset(), timeout=1)


@cache
def _fonts_and_css() -> tuple[FontConfiguration, CSS]:
    fonts = FontConfiguration()
    return fonts, CSS(filename=str(PRINT_CSS), font_config=fonts)


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Layout allocates millions of short-lived boxes, and each automatic collection walks every
    live object in the process: pausing the collector for the render saves about a tenth of its
    time (measured with bench/reports.py). Reference counting still frees almost everything;
    the few cycles left are collected once the collector is back on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


PDF_VARIANT = "pdf/ua-1"


def render_pdf(report: Report, *, tagged: bool = True) -> bytes:
    """Render ``report`` to PDF bytes (A4, running header/footer, TOC with page numbers)."""
    document = render_html_document(report)
    # PDF/UA-1 turns on tags and writes the XMP packet WeasyPrint fills from <title>, <meta>
    # and <html lang>; the document template sets all three.
    variant = {"pdf_variant": PDF_VARIANT} if tagged else {}
    with _LOCK, _no_cyclic_gc():
        fonts, css = _fonts_and_css()
        html = HTML(string=document, base_url=str(TEMPLATE_DIR), url_fetcher=_NO_FETCH)
        pdf = html.write_pdf(stylesheets=[css], font_config=fonts, cache=_IMAGE_CACHE, **variant)
    assert pdf is not None  # write_pdf returns bytes when no target is given
    return pdf
