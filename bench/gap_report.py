"""Real capability-gap report (builders + renderers) for a synthetic assessment of 2,000
requirements: PDF (compact, as the service renders it) and XLSX (full). Prints times and pages.

    python bench/gap_report.py [--tools 20000] [--requirements 2000]
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pypdf import PdfReader  # noqa: E402

from assessments.adapters import convert  # noqa: E402
from assessments.engine import AssessmentInput, assess  # noqa: E402
from assessments.optimiser import recommend  # noqa: E402
from assessments.reports.builders import GapReportData, ReportMeta, build_gap_report  # noqa: E402
from assessments.reports.render_pdf import render_pdf  # noqa: E402
from assessments.reports.render_xlsx import render_xlsx  # noqa: E402
from registry import synthetic  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tools", type=int, default=20_000)
    parser.add_argument("--requirements", type=int, default=2_000)
    args = parser.parse_args()
    today = date(2026, 11, 25)
    data = convert(synthetic.generate(tools=args.tools, requirements=args.requirements, seed=11), today)
    result = assess(
        AssessmentInput(requirements=data.requirements, inventory=[], workforce=[], candidates=data.tools, today=today)
    )
    rec = recommend(result, 500_000, 500_000)
    inputs = {
        "requirements": [
            {
                "code": r.code,
                "title": r.title,
                "priority": r.priority.value,
                "weight": r.weight,
                "capability": r.capability_path,
                "workstreams": list(r.workstreams),
            }
            for r in data.requirements
        ]
    }
    gap = GapReportData(
        assessment_name="Synthetic",
        run_id="bench",
        run_at=datetime.now(UTC),
        result=result,
        recommendation=rec.to_dict(),
        inputs=inputs,
    )
    meta = ReportMeta(organisation="Benchmark force", generated_by="bench", generated_at=datetime.now(UTC))
    print(f"{len(result.coverage)} requirements assessed")
    for label, compact, render in (("pdf", True, render_pdf), ("xlsx", False, render_xlsx)):
        report = build_gap_report(gap, meta, compact=compact)
        started = time.process_time()
        out = render(report)
        cpu = time.process_time() - started
        pages = f"{len(PdfReader(io.BytesIO(out)).pages)} pages" if label == "pdf" else ""
        print(f"{label:5} {cpu:6.2f} s CPU  {len(out) // 1024:6d} KB  {pages}")


if __name__ == "__main__":
    main()
