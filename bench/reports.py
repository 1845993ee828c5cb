"""Benchmark the report renderers on the synthetic capability-gap report.

    .venv/bin/python bench/reports.py [--rows 2000] [--repeat 3] [--out tests/artifacts/reports]

Prints wall and CPU seconds (best of --repeat) per format, the output size and the PDF's page
count. CPU time is shown because the machine is shared: wall time includes waiting for a core.
Targets (issue 6): PDF < 5 s and XLSX < 2 s for 2,000 requirement rows.
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
from assessments.reports.render_html import render_html  # noqa: E402
from assessments.reports.render_json import render_json  # noqa: E402
from assessments.reports.render_pdf import render_pdf  # noqa: E402
from assessments.reports.render_xlsx import render_xlsx  # noqa: E402
from assessments.reports.sample import build_demo_report  # noqa: E402

TARGETS = {"pdf": 5.0, "xlsx": 2.0}


def best_of(fn: Callable[[], bytes | str], repeat: int) -> tuple[float, float, bytes | str]:
    walls, cpus, out = [], [], b""
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("tests/artifacts/reports"))
    args = parser.parse_args()

    t0 = time.perf_counter()
    report = build_demo_report(args.rows)
    print(f"built {args.rows:,}-requirement report in {time.perf_counter() - t0:.3f} s")
    render_pdf(build_demo_report(10))  # warm up: font configuration, print.css, imports

    renderers: dict[str, tuple[Callable[[], bytes | str], str]] = {
        "pdf": (lambda: render_pdf(report), "pdf"),
        "xlsx": (lambda: render_xlsx(report), "xlsx"),
        "csv": (lambda: render_csv_zip(report), "zip"),
        "json": (lambda: render_json(report), "json"),
        "html": (lambda: render_html(report), "html"),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"{'format':6} {'wall s':>8} {'cpu s':>8} {'size KB':>9} {'target':>7}  notes")
    for name, (fn, ext) in renderers.items():
        wall, cpu, out = best_of(fn, args.repeat)
        data = out.encode() if isinstance(out, str) else out
        (args.out / f"bench-{args.rows}.{ext}").write_bytes(data)
        notes = ""
        if name == "pdf":
            notes = f"{len(pypdf.PdfReader(io.BytesIO(data)).pages)} pages"
        target = TARGETS.get(name)
        verdict = "" if target is None else ("ok" if wall < target else "SLOW")
        print(f"{name:6} {wall:8.2f} {cpu:8.2f} {len(data) / 1024:9.0f} {verdict:>7}  {notes}")


if __name__ == "__main__":
    main()
