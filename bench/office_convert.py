"""Open the XLSX and DOCX reports in LibreOffice (headless) and print them to PDF, the way a
person would print a downloaded report. Not a test dependency: LibreOffice is large, so this
runs where it is installed (Debian: libreoffice-calc-nogui, libreoffice-writer-nogui).

    .venv/bin/python bench/office_convert.py [--rows 200] [--out tests/artifacts/office]

For each format it prints the conversion time, the number of printed pages, how many pages carry
the protective marking (from the sheet's print header and footer, or the document's), and for
XLSX how many pages are landscape and whether every page repeats a table's header row.
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pypdf  # noqa: E402

from assessments.reports.render_docx import render_docx  # noqa: E402
from assessments.reports.render_xlsx import render_xlsx  # noqa: E402
from assessments.reports.synthetic import synthetic_gap_report  # noqa: E402


def convert(soffice: str, source: Path, outdir: Path) -> tuple[float, bytes]:
    t0 = time.perf_counter()
    # A private profile directory, so a desktop LibreOffice (or a parallel run) is never touched.
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(outdir),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return time.perf_counter() - t0, (outdir / (source.stem + ".pdf")).read_bytes()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--out", type=Path, default=Path("tests/artifacts/office"))
    args = parser.parse_args()
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        print("LibreOffice is not installed here (apt-get install libreoffice-calc-nogui libreoffice-writer-nogui);")
        print("nothing converted.")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    full = synthetic_gap_report(args.rows, tools=args.rows * 2)
    compact = synthetic_gap_report(args.rows, tools=args.rows * 2, compact=True)
    marking = full.marking
    print(f"{'format':6} {'convert s':>9} {'pages':>6} {'marked':>7} {'landscape':>9}  notes")
    for name, data in (("xlsx", render_xlsx(full)), ("docx", render_docx(compact))):
        source = args.out / f"office-{args.rows}-{name}.{name}"  # distinct PDF names per format
        source.write_bytes(data)
        seconds, pdf = convert(soffice, source, args.out)
        reader = pypdf.PdfReader(io.BytesIO(pdf))
        texts = [page.extract_text() or "" for page in reader.pages]
        marked = sum(1 for t in texts if t.count(marking) >= 2)  # header and footer
        landscape = sum(1 for p in reader.pages if float(p.mediabox.width) > float(p.mediabox.height))
        notes = ""
        if name == "xlsx":
            # The appendix's header row ("Code" first) should start every one of its pages.
            appendix = [t for t in texts if "Code" in t]
            notes = f"{len(appendix)} pages show a table header row"
        print(f"{name:6} {seconds:9.1f} {len(texts):6} {marked:7} {landscape:9}  {notes}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
