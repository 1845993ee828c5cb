"""Search benchmark: our in-memory engine against PostgreSQL pg_trgm on the same rows.

    .venv/bin/python bench/search.py                  # 100k tools, both engines
    .venv/bin/python bench/search.py --tools 1000000 --no-pg

Generates tools with `registry.synthetic.generate`, indexes the published ones, runs a mixed
set of queries (tool names with typos, acronyms and synonyms, capability words, supplier
names; half with facet filters) warm, and prints latency percentiles. Then loads the same
rows into PostgreSQL (own schema, COPY, GIN trigram index), runs the same queries as
`WHERE text % q ORDER BY similarity(text, q) DESC LIMIT 10` plus a `word_similarity`
variant over the long text, and prints the same figures. Recall@10 is measured on the
labelled subset: a tool's unique name with one typo, no filters; the expected hit is that
tool. pg_trgm latency is measured from this client over a local socket, ours in-process.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from registry.enums import WORKSTREAMS, Classification, Hosting  # noqa: E402
from registry.search.dedupe import normalise_org_name  # noqa: E402
from registry.search.documents import ToolDoc  # noqa: E402
from registry.search.engine import Filters, SearchIndex  # noqa: E402
from registry.synthetic import generate  # noqa: E402
from tests.relevance.seed_docs import load_seed, tool_docs  # noqa: E402

TODAY = date(2025, 6, 1)
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
SCHEMA = "bench_search"


@dataclass(frozen=True)
class Query:
    text: str
    kind: str
    filters: Filters | None = None
    expected: int | None = None  # tool id, for the labelled subset


def traced_build_mb(docs: Sequence[ToolDoc], synonyms: dict) -> float:
    """Memory the index holds beyond the docs it was given: a second, traced build."""
    gc.collect()
    tracemalloc.start()
    index = SearchIndex.build(docs, synonyms, today=TODAY)
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del index
    return held / 1e6


def typo(word: str, rng: random.Random) -> str:
    """One random edit (swap, drop, replace, insert) away from the second letter on."""
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    op = rng.randrange(4)
    if op == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op == 1:
        return word[:i] + word[i + 1 :]
    letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
    if op == 2:
        return word[:i] + letter + word[i + 1 :]
    return word[:i] + letter + word[i:]


def typo_phrase(text: str, rng: random.Random) -> str:
    words = text.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    words[longest] = typo(words[longest], rng)
    return " ".join(words)


def random_filters(rng: random.Random) -> Filters:
    options: list[dict] = [
        {"workstreams": (rng.choice(list(WORKSTREAMS)),)},
        {"trl_min": rng.choice((5, 6, 7))},
        {"hostings": (Hosting.UK,)},
        {"min_classification": Classification.OFFICIAL_SENSITIVE},
        {"sme_only": True},
    ]
    chosen: dict = {}
    for opt in rng.sample(options, rng.choice((1, 2))):
        chosen.update(opt)
    return Filters(**chosen)


def leaf_names(taxonomy: Sequence[dict]) -> list[str]:
    out: list[str] = []

    def walk(node: dict) -> None:
        if not node.get("children"):
            out.append(node["name"])
        for child in node.get("children", ()):
            walk(child)

    for root in taxonomy:
        walk(root)
    return out


def make_queries(docs: Sequence[ToolDoc], taxonomy: Sequence[dict], n: int, seed: int) -> list[Query]:
    rng = random.Random(seed)
    name_counts = Counter(d.name.lower() for d in docs)
    unique = [d for d in docs if name_counts[d.name.lower()] == 1]
    synonyms = load_seed("synonyms")
    phrases = [p for key, values in synonyms.items() for p in (key, *values)]
    leaves = leaf_names(taxonomy)
    queries: list[Query] = []
    for k in range(n):
        faceted = k % 2 == 1
        filters = random_filters(rng) if faceted else None
        kind = ("name", "acronym", "capability", "supplier")[k % 8 // 2]
        if kind == "name":
            doc = rng.choice(unique)
            text = typo_phrase(doc.name, rng)
            if rng.random() < 0.2:
                text = " ".join(reversed(text.split()))
            queries.append(Query(text, kind, filters, None if faceted else doc.id))
        elif kind == "acronym":
            queries.append(Query(rng.choice(phrases), kind, filters))
        elif kind == "capability":
            leaf = rng.choice(leaves)
            queries.append(Query(typo_phrase(leaf, rng) if rng.random() < 0.3 else leaf, kind, filters))
        else:
            name = normalise_org_name(rng.choice(docs).supplier_name)
            queries.append(Query(typo_phrase(name, rng) if rng.random() < 0.3 else name, kind, filters))
    return queries


def percentiles(latencies_ms: Sequence[float]) -> tuple[float, float, float]:
    p50, p95, p99 = np.percentile(np.asarray(latencies_ms), [50, 95, 99])
    return float(p50), float(p95), float(p99)


CPU_MS: list[float] = []  # this thread's CPU time per query of the last run (load-independent)


def run(queries: Sequence[Query], search: Callable[[Query], list[int]]) -> tuple[list[float], float]:
    """Warm pass, then a timed pass; returns latencies (ms) and recall@10 on the labelled."""
    for q in queries[: min(100, len(queries))]:
        search(q)
    latencies: list[float] = []
    CPU_MS.clear()
    found = labelled = 0
    for q in queries:
        start, cpu_start = time.perf_counter(), time.thread_time()
        top = search(q)
        latencies.append((time.perf_counter() - start) * 1000)
        CPU_MS.append((time.thread_time() - cpu_start) * 1000)
        if q.expected is not None:
            labelled += 1
            found += q.expected in top[:10]
    return latencies, found / max(1, labelled)


# ---- PostgreSQL pg_trgm baseline ------------------------------------------------------


def pg_load(conn, docs: Sequence[ToolDoc]) -> float:  # noqa: ANN001 - psycopg connection
    start = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        cur.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        cur.execute(f"CREATE SCHEMA {SCHEMA}")
        cur.execute(
            f"""CREATE TABLE {SCHEMA}.bench_trgm_tools (
                id integer PRIMARY KEY, name_text text NOT NULL, search_text text NOT NULL,
                workstreams text[] NOT NULL, trl smallint NOT NULL, hosting text NOT NULL,
                classification smallint NOT NULL, sme boolean NOT NULL)"""
        )
        copy_sql = (
            f"COPY {SCHEMA}.bench_trgm_tools (id, name_text, search_text, workstreams, trl, "
            "hosting, classification, sme) FROM STDIN"
        )
        with cur.copy(copy_sql) as copy:
            for d in docs:
                caps = " ".join(c.path.split(" › ")[-1] for c in d.capabilities)
                long_text = " ".join((d.name, d.supplier_name, d.summary, d.category, caps, " ".join(d.data_standards)))
                copy.write_row(
                    (
                        d.id,
                        f"{d.name} {d.supplier_name}",
                        long_text,
                        list(d.workstreams),
                        d.trl,
                        str(d.hosting),
                        int(d.classification),
                        d.sme,
                    )
                )
        cur.execute(f"CREATE INDEX ON {SCHEMA}.bench_trgm_tools USING gin (name_text gin_trgm_ops)")
        cur.execute(f"CREATE INDEX ON {SCHEMA}.bench_trgm_tools USING gin (search_text gin_trgm_ops)")
        cur.execute(f"ANALYZE {SCHEMA}.bench_trgm_tools")
    conn.commit()
    return time.perf_counter() - start


def pg_where(f: Filters | None) -> tuple[str, list]:
    if f is None:
        return "", []
    parts: list[str] = []
    params: list = []
    if f.workstreams:
        parts.append("workstreams && %s::text[]")
        params.append(list(f.workstreams))
    if f.trl_min is not None:
        parts.append("trl >= %s")
        params.append(f.trl_min)
    if f.hostings:
        parts.append("hosting = ANY(%s)")
        params.append([str(h) for h in f.hostings])
    if f.min_classification is not None:
        parts.append("classification >= %s")
        params.append(int(f.min_classification))
    if f.sme_only:
        parts.append("sme")
    return "".join(f" AND {p}" for p in parts), params


def pg_searcher(conn, mode: str) -> Callable[[Query], list[int]]:  # noqa: ANN001
    table = f"{SCHEMA}.bench_trgm_tools"

    def search(q: Query) -> list[int]:
        extra, params = pg_where(q.filters)
        if mode == "similarity":
            sql = (
                f"SELECT id FROM {table} WHERE name_text %% %s{extra} ORDER BY similarity(name_text, %s) DESC LIMIT 10"
            )
        else:
            sql = (
                f"SELECT id FROM {table} WHERE %s <%% search_text{extra} "
                "ORDER BY word_similarity(%s, search_text) DESC LIMIT 10"
            )
        with conn.cursor() as cur:
            cur.execute(sql, [q.text, *params, q.text])
            return [row[0] for row in cur.fetchall()]

    return search


# ---- main -----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tools", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-pg", action="store_true", help="skip the pg_trgm baseline")
    parser.add_argument("--no-mem", action="store_true", help="skip the traced memory build")
    parser.add_argument(
        "--pg-word-queries",
        type=int,
        default=300,
        help="queries for the slow word_similarity variant (a prefix of the query list)",
    )
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", PG_URL))
    args = parser.parse_args()

    t0 = time.perf_counter()
    data = generate(tools=args.tools, seed=args.seed)
    docs = tool_docs(data.tools, data.suppliers, data.taxonomy, TODAY)
    del data.tools[:]
    print(f"generated {args.tools:,} tools ({len(docs):,} published) in {time.perf_counter() - t0:.1f}s")

    synonyms = load_seed("synonyms")
    t0 = time.perf_counter()
    index = SearchIndex.build(docs, synonyms, today=TODAY)
    build_s = time.perf_counter() - t0
    index_mb = float("nan") if args.no_mem else traced_build_mb(docs, synonyms)
    queries = make_queries(docs, data.taxonomy, args.queries, args.seed)
    labelled = sum(q.expected is not None for q in queries)

    ours, ours_recall = run(queries, lambda q: [h.tool_id for h in index.search(q.text, q.filters, per_page=10).hits])
    rows = [("ours (in-memory)", build_s, index_mb, ours, ours_recall)]
    ours_cpu = percentiles(CPU_MS)
    by_kind = {
        kind: percentiles([lat for lat, q in zip(ours, queries, strict=True) if q.kind == kind])
        for kind in ("name", "acronym", "capability", "supplier")
    }

    if not args.no_pg:
        import psycopg

        with psycopg.connect(args.pg_url) as conn:
            try:
                load_s = pg_load(conn, docs)
                with conn.cursor() as cur:
                    cur.execute(f"SELECT pg_total_relation_size('{SCHEMA}.bench_trgm_tools') / 1e6")
                    pg_mb = float(cur.fetchone()[0])
                lat, recall = run(queries, pg_searcher(conn, "similarity"))
                rows.append(("pg_trgm % similarity(name+supplier)", load_s, pg_mb, lat, recall))
                subset = queries[: args.pg_word_queries]
                lat, recall = run(subset, pg_searcher(conn, "word"))
                label = f"pg_trgm <% word_similarity, {len(subset)} q"
                rows.append((label, load_s, pg_mb, lat, recall))
            finally:
                with conn.cursor() as cur:
                    cur.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
                conn.commit()

    print(f"\n{len(queries)} queries ({labelled} labelled for recall), warm; index {len(index):,} docs")
    header = f"{'engine':42} {'build s':>8} {'mem MB':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'recall@10':>10}"
    print(header)
    print("-" * len(header))
    for label, build, mem, lat, recall in rows:
        p50, p95, p99 = percentiles(lat)
        print(f"{label:42} {build:8.1f} {mem:8.0f} {p50:8.2f} {p95:8.2f} {p99:8.2f} {recall:10.3f}")
    ours_p95 = percentiles(ours)[1]
    for label, _, _, lat, _ in rows[1:]:
        print(f"p95 ratio ours / {label}: {ours_p95 / percentiles(lat)[1]:.3f}")
    print("\nours by query kind (p50 / p95 / p99 ms):")
    for kind, (p50, p95, p99) in by_kind.items():
        print(f"  {kind:11} {p50:6.2f} {p95:6.2f} {p99:6.2f}")
    print(f"mean {statistics.fmean(ours):.2f} ms")
    print("ours CPU time p50/p95/p99 ms (ignores other load): " + " / ".join(f"{v:.2f}" for v in ours_cpu))
    print(f"load average at end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print("mem: ours = tracemalloc of the index build (docs excluded); pg = table + indexes")
    print("pg latency includes the local socket round trip; ours is in-process")


if __name__ == "__main__":
    main()
