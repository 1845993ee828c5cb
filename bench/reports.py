"""Benchmark the capability-gap report for 2,000 requirements in every format.

    .venv/bin/python bench/reports.py [--rows 2000] [--tools 20000] [--repeat 3] [--out tests/artifacts/reports]

The report is real: synthetic requirements and catalogue through the gap engine, optimiser and
report builders (assessments/reports/synthetic.py), built compact for PDF and HTML and in full
for XLSX, CSV and JSON, as the report service does. Prints wall and CPU seconds (best of
--repeat) per format, the output size and the PDF's page count. CPU time is shown because the
machine is shared: wall time includes waiting for a core.
Targets (issue 6): PDF < 5 s and XLSX < 2 s for 2,000 requirements. The PDF is tagged PDF/UA-1
(issue 18); "pdf-untagged" renders the same document without tags and a last line prints what
tagging costs (tagged / untagged CPU time; the two are run in turn so both see the same load).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pypdf  # noqa: E402

from assessments.reports.render_csv import render_csv_zip  # noqa: E402
from assessments.reports.render_docx import render_docx  # noqa: E402
from assessments.reports.render_html import render_html  # noqa: E402
from assessments.reports.render_json import render_json  # noqa: E402
from assessments.reports.render_pdf import render_pdf  # noqa: E402
from assessments.reports.render_xlsx import render_xlsx  # noqa: E402
from assessments.reports.synthetic import synthetic_gap_report  # noqa: E402

TARGETS = {"pdf": 5.0, "pdf-untagged": 5.0, "xlsx": 2.0, "docx": 5.0}


def best_of(fn: Callable[[], bytes | str], repeat: int) -> tuple[float, float, bytes | str]:
    walls, cpus, out = [], [], b""
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus), out


def best_of_interleaved(
    fns: dict[str, Callable[[], bytes | str]], repeat: int
) -> dict[str, tuple[float, float, bytes | str]]:
    """Best of ``repeat`` for each function, running them in turn, so that on a shared machine
    both sides of a comparison (tagged and untagged PDF) see the same load."""
    runs: dict[str, list[tuple[float, float, bytes | str]]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            runs[name].append(best_of(fn, 1))
    return {name: (min(r[0] for r in rs), min(r[1] for r in rs), rs[-1][2]) for name, rs in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--tools", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("tests/artifacts/reports"))
    args = parser.parse_args()

    t0 = time.perf_counter()
    full = synthetic_gap_report(args.rows, tools=args.tools)
    compact = synthetic_gap_report(args.rows, tools=args.tools, compact=True)
    print(f"built the {args.rows:,}-requirement report (engine + builders, twice) in {time.perf_counter() - t0:.1f} s")
    render_pdf(synthetic_gap_report(10, tools=200))  # warm up: font configuration, print.css, imports

    renderers: dict[str, tuple[Callable[[], bytes | str], str]] = {
        "pdf": (lambda: render_pdf(compact), "pdf"),
        "pdf-untagged": (lambda: render_pdf(compact, tagged=False), "untagged.pdf"),
        "xlsx": (lambda: render_xlsx(full), "xlsx"),
        "csv": (lambda: render_csv_zip(full), "zip"),
        "json": (lambda: render_json(full), "json"),
        "docx": (lambda: render_docx(compact), "docx"),
        "html": (lambda: render_html(compact), "html"),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"{'format':12} {'wall s':>8} {'cpu s':>8} {'size KB':>9} {'target':>7}  notes")
    cpu_of: dict[str, float] = {}
    pdfs = best_of_interleaved({n: renderers[n][0] for n in ("pdf", "pdf-untagged")}, args.repeat)
    for name, (fn, ext) in renderers.items():
        wall, cpu, out = pdfs[name] if name in pdfs else best_of(fn, args.repeat)
        data = out.encode() if isinstance(out, str) else out
        (args.out / f"bench-{args.rows}.{ext}").write_bytes(data)
        notes = ""
        cpu_of[name] = cpu
        if name.startswith("pdf"):
            pdf = pypdf.PdfReader(io.BytesIO(data))
            tagged = "/StructTreeRoot" in pdf.trailer["/Root"]
            notes = f"{len(pdf.pages)} pages, {'tagged PDF/UA-1' if tagged else 'untagged'}"
        target = TARGETS.get(name)
        verdict = "" if target is None else ("ok" if cpu < target else "SLOW")
        print(f"{name:12} {wall:8.2f} {cpu:8.2f} {len(data) / 1024:9.0f} {verdict:>7}  {notes}")
    ratio = cpu_of["pdf"] / cpu_of["pdf-untagged"]
    print(f"tagging costs: tagged {cpu_of['pdf']:.2f} s / untagged {cpu_of['pdf-untagged']:.2f} s CPU = {ratio:.2f}x")


if __name__ == "__main__":
    main()
