"""DOCX rendering with python-docx: an editable Word document of a report.

The same content as the PDF, in the order the page shows it: a cover (marking, title, details,
key figures), then each section as a real Word heading (Heading 1 for a top-level section,
deeper levels below), its paragraphs, its charts as PNG pictures with alt text (the SVG from
charts.py rasterised with CairoSVG, so the picture is the one the page draws) followed by their
data, and its tables as Word tables whose header row repeats on every page. The protective
marking is in every page's header and footer.

Long tables are written as one XML fragment rather than cell by cell: python-docx's cell API
costs about a millisecond per cell, which is seconds for a 2,000-row appendix.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

import cairosvg
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph

from assessments.reports.cells import format_value
from assessments.reports.charts import chart_svg
from assessments.reports.document import REPORT_KIND_LABELS, Chart, Report, Section, Table
from registry.formatting import date_time

TEXT_WIDTH_MM = 170.0  # A4 portrait between 20 mm margins
CHART_DPI_SCALE = 2.0  # rasterise at twice the SVG's size so the picture stays sharp when zoomed
LANGUAGE = "en-GB"


def _xml_text(value: str) -> str:
    return escape(value)


def _run_xml(text: str, *, bold: bool = False) -> str:
    props = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return f'<w:r>{props}<w:t xml:space="preserve">{_xml_text(text)}</w:t></w:r>'


def _cell_xml(text: str, *, numeric: bool, bold: bool = False) -> str:
    align = '<w:jc w:val="right"/>' if numeric else ""
    return f"<w:tc><w:p><w:pPr>{align}</w:pPr>{_run_xml(text, bold=bold) if text else ''}</w:p></w:tc>"


def _add_table(doc: DocxDocument, table: Table) -> DocxTable | None:
    """The model table as a Word table (title above, caption below), or a "none" line."""
    if not table.rows:
        doc.add_paragraph(f"{table.title}: none.")
        return None
    doc.add_paragraph(table.title, style="Caption")
    numeric = [c.numeric for c in table.columns]
    out = doc.add_table(rows=0, cols=len(table.columns))
    out.style = "Table Grid"
    out.alignment = WD_TABLE_ALIGNMENT.LEFT
    header = "".join(_cell_xml(c.label, numeric=n, bold=True) for c, n in zip(table.columns, numeric, strict=True))
    # tblHeader: Word and LibreOffice repeat this row at the top of each page, and screen
    # readers announce its cells as column headers.
    rows = [f"<w:tr><w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>{header}</w:tr>"]
    cols = [(c.key, c.kind) for c in table.columns]
    for row in table.rows:
        cells = "".join(
            _cell_xml(format_value(row.get(key), kind), numeric=n) for (key, kind), n in zip(cols, numeric, strict=True)
        )
        rows.append(f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{cells}</w:tr>")
    fragment = parse_xml(f"<w:tbl {nsdecls('w')}>{''.join(rows)}</w:tbl>")
    for tr in list(fragment):
        out._tbl.append(tr)
    if table.caption:
        doc.add_paragraph(table.caption)
    return out


def chart_png(chart: Chart) -> bytes:
    """The chart as PNG: charts.py's SVG rasterised, so the picture matches the page."""
    png = cairosvg.svg2png(bytestring=chart_svg(chart).encode("utf-8"), scale=CHART_DPI_SCALE)
    assert isinstance(png, bytes)  # svg2png returns bytes when no write_to is given
    return png


def _add_chart(doc: DocxDocument, chart: Chart) -> None:
    doc.add_paragraph(chart.title, style="Caption")
    png = chart_png(chart)
    # The PNG's pixel width over the scale is the SVG's width in CSS px (96 per inch).
    width_px = int.from_bytes(png[16:20], "big") / CHART_DPI_SCALE
    width_mm = min(width_px * 25.4 / 96, TEXT_WIDTH_MM)
    doc.add_picture(io.BytesIO(png), width=Mm(width_mm))
    picture = doc.inline_shapes[-1]
    doc_pr = picture._inline.docPr
    doc_pr.set("descr", chart.alt_text)  # alt text read by screen readers and shown in Word
    doc_pr.set("title", chart.title)
    doc.add_paragraph(chart.alt_text)
    _add_table(doc, chart.table_alternative)


def _add_section(doc: DocxDocument, section: Section, level: int) -> None:
    doc.add_heading(section.title, level=min(level, 9))
    for text in section.paragraphs:
        doc.add_paragraph(text)
    for chart in section.charts:
        _add_chart(doc, chart)
    for table in section.tables:
        _add_table(doc, table)
    for sub in section.subsections:
        _add_section(doc, sub, level + 1)


def _marking_paragraph(para: Paragraph, marking: str) -> None:
    para.text = ""
    para.add_run(marking).bold = True
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _set_language(doc: DocxDocument) -> None:
    # The default run language, so spelling checks and screen readers use British English.
    styles = doc.styles.element
    rpr_default = styles.find(qn("w:docDefaults"))
    if rpr_default is None:
        return
    rpr = rpr_default.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
    if rpr is None:
        return
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = parse_xml(f"<w:lang {nsdecls('w')}/>")
        rpr.append(lang)
    lang.set(qn("w:val"), LANGUAGE)


def _cover(doc: DocxDocument, report: Report) -> None:
    marking = doc.add_paragraph()
    marking.add_run(report.marking).bold = True
    doc.add_paragraph(REPORT_KIND_LABELS.get(report.kind, report.kind))
    doc.add_heading(report.title, level=0)
    doc.add_paragraph(report.organisation)
    details = doc.add_table(rows=0, cols=2)
    details.style = "Table Grid"
    for label, value in (
        ("Generated", f"{date_time(report.generated_at)} UK time"),
        ("Generated by", report.generated_by),
        ("Protective marking", report.marking),
    ):
        cells = details.add_row().cells
        cells[0].paragraphs[0].add_run(label).bold = True
        cells[1].text = value
    if report.summary:
        doc.add_heading("Summary", level=1)
        figures = doc.add_table(rows=1, cols=3)
        figures.style = "Table Grid"
        for cell, label in zip(figures.rows[0].cells, ("Key figure", "Value", "Detail"), strict=True):
            cell.paragraphs[0].add_run(label).bold = True
        figures.rows[0]._tr.get_or_add_trPr().append(parse_xml(f"<w:tblHeader {nsdecls('w')}/>"))
        for k in report.summary:
            cells = figures.add_row().cells
            cells[0].text, cells[1].text, cells[2].text = k.label, k.value, k.detail


def render_docx(report: Report) -> bytes:
    """The report as an editable .docx document."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    section.top_margin = section.bottom_margin = Mm(20)
    _marking_paragraph(section.header.paragraphs[0], report.marking)
    _marking_paragraph(section.footer.paragraphs[0], report.marking)
    doc.styles["Normal"].font.size = Pt(10)
    _set_language(doc)
    props = doc.core_properties
    props.title = report.title
    props.author = report.generated_by
    props.subject = f"{REPORT_KIND_LABELS.get(report.kind, report.kind)} for {report.organisation}"
    props.keywords = report.marking
    props.category = report.marking
    props.language = LANGUAGE
    props.created = report.generated_at
    _cover(doc, report)
    for top in report.sections:
        _add_section(doc, top, 1)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
