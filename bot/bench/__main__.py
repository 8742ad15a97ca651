"""``python -m bot.bench``: speed and quality of the search engine, against a bm25s baseline.

Tables go to standard output; progress to standard error.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Callable, Sequence

from bot.bench.synthetic import synthetic_catalog, synthetic_questions
from bot.cli.output import error, info
from bot.core.catalog import default_catalog_dir, load_catalog
from bot.core.errors import VizbotError
from bot.core.evaluate import Report, engine_answer, evaluate, load_questions
from bot.core.search import SearchEngine

QUERIES = Path(__file__).resolve().parents[2] / "tests" / "data" / "queries.yaml"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:.0f}"


def latencies(search: Callable[[str], object], questions: Sequence[str], warmup: int = 20) -> tuple[float, float]:
    """p50 and p99 wall time of one call, in seconds."""
    for q in questions[:warmup]:
        search(q)
    times = []
    for q in questions:
        start = time.perf_counter()
        search(q)
        times.append(time.perf_counter() - start)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def timed_build(build: Callable[[], object]) -> tuple[object, float, float]:
    """(built object, seconds, peak traced MiB); the time comes from a run without tracing."""
    gc.collect()
    start = time.perf_counter()
    built = build()
    seconds = time.perf_counter() - start
    del built
    gc.collect()
    tracemalloc.start()
    built = build()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return built, seconds, peak


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured markdown table."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: "| " + " | ".join(c.rjust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    return "\n".join([line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "-"


def shipped(catalog_dir: Path, baseline: bool, questions_file: Path = QUERIES) -> None:
    """Table 1 (load, index, latency) and the quality table on the shipped catalog."""
    start = time.perf_counter()
    catalog = load_catalog(catalog_dir)
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    engine = SearchEngine(catalog)
    indexed = time.perf_counter() - start
    questions = load_questions(questions_file)
    texts = [q.q for q in questions] * 5
    p50, p99 = latencies(lambda q: engine.search(q), texts)
    print(f"## Shipped catalog ({len(catalog.resources)} resources, {len(catalog.tags)} tags, {len(questions)} labelled questions)\n")
    print(table(["load ms", "index ms", "query p50 µs", "query p99 µs"], [[_ms(loaded), _ms(indexed), _us(p50), _us(p99)]]))
    ours = evaluate(questions, engine_answer(engine))
    reports: list[tuple[str, Report]] = [("vizbot", ours)]
    if baseline:
        from bot.bench.baseline import Bm25Baseline  # noqa: PLC0415 - bm25s is optional

        bm25 = Bm25Baseline(catalog)
        reports.append(("bm25s", evaluate(questions, lambda q: bm25.filtered(q.q, q.filters))))
    metrics = [
        ("hit@1", "hit_at_1"),
        ("hit@3", "hit_at_3"),
        ("MRR@10", "mrr_at_10"),
        ("nDCG@10", "ndcg_at_10"),
        ("unanswerable refused", "refused_correctly"),
        ("answerable wrongly refused", "wrongly_refused"),
    ]
    headers = ["metric", *(name for name, _ in reports)] + (["vizbot / bm25s"] if baseline else [])
    rows = []
    for label, attr in metrics:
        values = [getattr(r, attr) for _, r in reports]
        rows.append([label, *(f"{v:.3f}" for v in values)] + ([_ratio(values[0], values[1])] if baseline else []))
    print("\n### Quality\n")
    print(table(headers, rows))


def synthetic(sizes: Sequence[int], queries: int, baseline: bool) -> None:
    """Table 2: synthetic Zipf catalogs, ours against bm25s."""
    rows = []
    for n in sizes:
        info(f"synthetic catalog of {n} entries ...")
        catalog = synthetic_catalog(n)
        questions = synthetic_questions(catalog, queries)
        engine, build, peak = timed_build(lambda: SearchEngine(catalog))
        p50, p99 = latencies(lambda q: engine.search(q), questions)
        del engine
        row = [f"{n:,}", _ms(build), _us(p50), _us(p99), f"{peak:.0f}"]
        if baseline:
            from bot.bench.baseline import Bm25Baseline  # noqa: PLC0415 - bm25s is optional

            bm25, b_build, b_peak = timed_build(lambda: Bm25Baseline(catalog))
            b50, b99 = latencies(lambda q: bm25.search(q), questions)
            del bm25
            row += [_ms(b_build), _us(b50), _us(b99), f"{b_peak:.0f}", _ratio(p50, b50)]
        rows.append(row)
        gc.collect()
    headers = ["entries", "build ms", "p50 µs", "p99 µs", "peak MiB"]
    if baseline:
        headers += ["bm25s build ms", "bm25s p50 µs", "bm25s p99 µs", "bm25s peak MiB", "p50 ratio"]
    print(f"\n## Synthetic catalogs (Zipf vocabulary and tags, {queries} questions each, 20% with a typo)\n")
    print(table(headers, rows))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m bot.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="synthetic catalog sizes, comma-separated (default 1000,10000,100000; '' for none)")
    parser.add_argument("--queries", type=int, default=500, help="questions per synthetic catalog (default 500)")
    parser.add_argument("--catalog", type=Path, help="catalog for table 1 (default: the shipped catalog)")
    parser.add_argument("--questions", type=Path, default=QUERIES,
                        help="labelled questions for table 1 (default tests/data/queries.yaml of the checkout)")
    parser.add_argument("--no-baseline", action="store_true", help="skip bm25s")
    args = parser.parse_args(argv)
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error("--sizes must be whole numbers separated by commas")
    baseline = not args.no_baseline
    try:
        if baseline:
            from bot.bench.baseline import _bm25s  # noqa: PLC0415

            _bm25s()
        shipped(args.catalog or default_catalog_dir(), baseline, args.questions)
        if sizes:
            synthetic(sizes, args.queries, baseline)
    except VizbotError as exc:
        error(str(exc))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
