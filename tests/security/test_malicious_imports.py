"""A malicious import corpus: every file gets a clear 4xx problem and nothing is imported."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.suppliers.models import Supplier
from registry.tools.models import Tool

HEADER = "supplier_number,name,summary,trl,price_annual,last_reviewed"


def _number(db: Any) -> str:
    with Session(db.engine) as s:
        return str(s.execute(select(Supplier.companies_house_number).order_by(Supplier.id)).scalars().first())


def _counts(db: Any) -> tuple[int, int]:
    with Session(db.engine) as s:
        return (
            s.execute(select(func.count()).select_from(Tool)).scalar_one(),
            s.execute(select(func.count()).select_from(Supplier)).scalar_one(),
        )


def corpus(number: str) -> list[tuple[str, bytes, str, int, str]]:
    """(label, body, content type, expected status, text expected in the problem)"""
    good = f"{number},Corpus Tool A,ok,5,100,2026-01-01\n"
    return [
        (
            "latin-1 bytes",
            (HEADER + "\n" + good.replace("ok", "caf\xe9")).encode("latin-1"),
            "text/csv",
            422,
            "not UTF-8",
        ),
        ("utf-16 with BOM", (HEADER + "\n" + good).encode("utf-16"), "text/csv", 422, "not UTF-8"),
        (
            "10 MB single field",
            (HEADER + "\n" + f"{number},Big,{'x' * 10_000_000},5,1,2026-01-01\n").encode(),
            "text/csv",
            413,
            "",
        ),
        (
            "embedded newline in a name",
            (HEADER + "\n" + good + f'{number},"Two\nLines",ok,5,1,2026-01-01\n').encode(),
            "text/csv",
            422,
            "row 2",
        ),
        ("duplicate rows", (HEADER + "\n" + good + good).encode(), "text/csv", 422, "duplicate of row 1"),
        ("unknown columns", b"name,colour\nx,red\n", "text/csv", 422, "Unknown column"),
        (
            "negative price",
            (HEADER + "\n" + good + f"{number},Corpus Tool B,ok,5,-10,2026-01-01\n").encode(),
            "text/csv",
            422,
            "price_annual",
        ),
        (
            "date in the wrong format",
            (HEADER + "\n" + good + f"{number},Corpus Tool C,ok,5,1,31/12/2026\n").encode(),
            "text/csv",
            422,
            "last_reviewed",
        ),
        (
            "ragged row",
            (HEADER + "\n" + good + f"{number},Corpus Tool D,ok,5,1,2026-01-01,extra\n").encode(),
            "text/csv",
            422,
            "more cells",
        ),
        ("json not a list", json.dumps({"rows": "nope"}).encode(), "application/json", 422, "list of objects"),
        ("broken json", b'{"rows": [', "application/json", 422, "not valid JSON"),
        ("wrong content type", b"<xml/>", "application/xml", 415, ""),
    ]


@pytest.mark.parametrize("case", range(12))
def test_each_malicious_file_is_refused_and_imports_nothing(client: Any, auth: Any, db: Any, case: int) -> None:
    label, body, ctype, status, expect = corpus(_number(db))[case]
    before = _counts(db)
    resp = client.post("/api/v1/import/tools", content=body, headers={**auth("admin"), "content-type": ctype})
    assert resp.status_code == status, (label, resp.status_code, resp.text[:300])
    assert resp.headers["content-type"].startswith("application/problem+json"), label
    assert expect in resp.text, (label, resp.text[:500])
    assert _counts(db) == before, label


def test_a_good_file_imports_and_only_staff_may_import(client: Any, auth: Any, db: Any) -> None:
    body = (HEADER + "\n" + f"{_number(db)},Corpus Tool OK,fine,5,100,2026-01-01\n").encode()
    refused = client.post("/api/v1/import/tools", content=body, headers={**auth("lead_a"), "content-type": "text/csv"})
    assert refused.status_code == 403
    ok = client.post("/api/v1/import/tools", content=body, headers={**auth("admin"), "content-type": "text/csv"})
    assert ok.status_code == 201 and ok.json()["created"] == 1
