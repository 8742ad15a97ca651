"""``python -m bot.bench``: speed and quality of the search engine, against bm25s and a dense baseline.

Markdown tables go to standard output; progress to standard error. Sections:

1. the shipped catalog (or ``--catalog``): start-up steps; question latency (p50, mean, p99)
   on one thread for vizbot hybrid (the shipped setting), vizbot lexical, MiniLM alone and
   bm25s; quality on each labelled question file (``--questions``) and on all of them;
2. synthetic catalogs (``--sizes``, ``--generator``): the lexical path against bm25s on the
   same texts (build time, memory, latency, how often the question's source is found);
3. the hybrid path on synthetic catalogs (``--semantic-sizes``, off by default: embedding
   10,000 texts takes minutes): first embedding, start-up from the vector cache, latency,
   peak RSS.

Latency is measured in this process on one thread: onnxruntime with one intra-op thread,
bm25s sequential (its default), and, when run as ``python -m bot.bench``, BLAS limited to
one thread unless ``OMP_NUM_THREADS``/``OPENBLAS_NUM_THREADS``/``MKL_NUM_THREADS`` say otherwise.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":  # before numpy is imported: BLAS reads these once
    for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_name, "1")

import argparse  # noqa: E402
import gc  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from importlib import metadata  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Callable, Sequence, TypeVar  # noqa: E402

from bot.bench.baseline import DENSE_REFUSAL, DenseRanker  # noqa: E402
from bot.bench.datasets import development_sets  # noqa: E402
from bot.bench.stats import percentile  # noqa: E402
from bot.bench.synthetic import GENERATORS, Generator  # noqa: E402
from bot.cli.output import error, info  # noqa: E402
from bot.core.catalog import default_catalog_dir, load_catalog  # noqa: E402
from bot.core.embedder import EmbeddingCache, SemanticUnavailable, load_embedder, text_key  # noqa: E402
from bot.core.errors import VizbotError  # noqa: E402
from bot.core.evaluate import LabelledQuestion, Report, check_gold, engine_answer, evaluate, load_questions, summarise  # noqa: E402
from bot.core.search import SearchEngine  # noqa: E402
from bot.core.semantic import SemanticIndex, resource_text  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SHOWN = 5  # results per question in latency runs (what the bot shows)
HYBRID, LEXICAL, DENSE, BM25 = "vizbot hybrid", "vizbot lexical", "dense MiniLM", "bm25s"
METRICS = (
    ("hit@1", "hit_at_1"),
    ("hit@3", "hit_at_3"),
    ("MRR@10", "mrr_at_10"),
    ("nDCG@10", "ndcg_at_10"),
    ("unanswerable refused", "refused_correctly"),
    ("answerable wrongly refused", "wrongly_refused"),
)
T = TypeVar("T")


# -- measuring --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Latency:
    """Wall time of one call over a run of questions, in seconds."""

    p50: float
    mean: float
    p99: float
    count: int


def latencies(search: Callable[[str], object], questions: Sequence[str], warmup: int = 20) -> Latency:
    """p50, mean and p99 of ``search(question)`` over ``questions`` (after ``warmup`` untimed calls)."""
    for q in questions[:warmup]:
        search(q)
    times = []
    for q in questions:
        start = time.perf_counter()
        search(q)
        times.append(time.perf_counter() - start)
    times.sort()
    return Latency(statistics.median(times), statistics.fmean(times), percentile(times, 0.99), len(times))


def timed(build: Callable[[], T]) -> tuple[T, float]:
    """(result, seconds) of one call."""
    gc.collect()
    start = time.perf_counter()
    built = build()
    return built, time.perf_counter() - start


def timed_build(build: Callable[[], T]) -> tuple[T, float, float]:
    """(built object, seconds, peak traced MiB); the time comes from a run without tracing."""
    built, seconds = timed(build)
    del built
    gc.collect()
    tracemalloc.start()
    try:
        built = build()
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    return built, seconds, peak


def peak_rss_mib() -> float:
    """This process's peak resident set size so far (``getrusage``), in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, KiB on Linux


# -- printing ---------------------------------------------------------------------------------


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured markdown table."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: "| " + " | ".join(c.rjust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    return "\n".join([line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:.0f}"


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "-"


def _share(x: float) -> str:
    return f"{x:.3f}"


def _latency_cells(lat: Latency, base: Latency | None) -> list[str]:
    cells = [_us(lat.p50), _us(lat.mean), _us(lat.p99)]
    if base is not None:
        cells += [_ratio(lat.mean, base.mean), _ratio(lat.p99, base.p99)]
    return cells


LATENCY_HEADERS = ["p50 µs", "mean µs", "p99 µs"]
RATIO_HEADERS = ["mean / bm25s", "p99 / bm25s"]


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def environment() -> str:
    """One line saying what the numbers were measured on."""
    threads = ", ".join(f"{n}={os.environ[n]}" for n in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS") if n in os.environ)
    return (
        f"Python {platform.python_version()}, numpy {_version('numpy')}, onnxruntime {_version('onnxruntime')}, "
        f"bm25s {_version('bm25s')}; {os.cpu_count()} CPUs" + (f"; {threads}" if threads else "")
    )


# -- 1. the shipped catalog -------------------------------------------------------------------


def quality_table(reports: dict[str, Report], baseline: bool) -> str:
    """Rows per ranker, then (with the baseline) each ranker's ratio to bm25s."""
    rows = [[name, *(_share(getattr(r, attr)) for _, attr in METRICS)] for name, r in reports.items()]
    if baseline and BM25 in reports:
        base = reports[BM25]
        rows += [
            [
                f"{name.replace('vizbot ', '')} / bm25s",
                *(_ratio(getattr(r, attr), getattr(base, attr)) for _, attr in METRICS),
            ]
            for name, r in reports.items()
            if name != BM25
        ]
    return table(["ranker", *(label for label, _ in METRICS)], rows)


def shipped(
    catalog_dir: Path,
    question_files: Sequence[Path],
    *,
    baseline: bool = True,
    semantic: bool = True,
    repeat: int = 3,
    cache_dir: Path | None = None,
) -> None:
    """Start-up, latency and quality on one real catalog."""
    info(f"loading {catalog_dir} ...")
    catalog, t_load = timed(lambda: load_catalog(catalog_dir))
    sets: list[tuple[Path, list[LabelledQuestion]]] = []
    for path in question_files:
        questions = load_questions(path)
        check_gold(questions, catalog)
        sets.append((path, questions))
    lexical, t_lexical = timed(lambda: SearchEngine(catalog))
    startup = [["catalog load", _ms(t_load)], ["lexical index (SearchEngine without embedder)", _ms(t_lexical)]]
    answers: dict[str, Callable[[LabelledQuestion], Sequence[str]]] = {}
    searches: dict[str, Callable[[str], object]] = {}
    skipped = ""
    hybrid = None
    if semantic:
        info("loading the embedding model ...")
        try:
            embedder, t_model = timed(lambda: load_embedder(cache_dir=cache_dir, threads=1, query_cache=0))
        except SemanticUnavailable as exc:
            skipped = f"hybrid and dense rows skipped: {exc}"
            info(skipped)
        else:
            shipped_vectors = EmbeddingCache.shipped_with(catalog.source)
            known = shipped_vectors.load() if shipped_vectors is not None else {}
            missing = sum(text_key(resource_text(r, catalog)) not in known for r in catalog.resources)
            how = (
                "from the shipped vectors"
                if not missing
                else f"{missing} of {len(catalog.resources)} texts embedded, the rest shipped"
            )
            index, t_semantic = timed(lambda: SemanticIndex(catalog, embedder))
            hybrid, t_hybrid = timed(
                lambda: SearchEngine(catalog, embedder=load_embedder(cache_dir=cache_dir, threads=1, query_cache=0))
            )
            startup += [
                ["model load (onnxruntime session + tokenizer, first in this process)", _ms(t_model)],
                [f"semantic index ({how})", _ms(t_semantic)],
                ["hybrid SearchEngine (lexical + semantic index, model loaded)", _ms(t_hybrid)],
            ]
            dense = DenseRanker(catalog, hybrid.semantic or index)
            answers[HYBRID] = engine_answer(hybrid)
            searches[HYBRID] = lambda q: hybrid.search(q, limit=SHOWN)
    answers[LEXICAL] = engine_answer(lexical)
    searches[LEXICAL] = lambda q: lexical.search(q, limit=SHOWN)
    if baseline:
        from bot.bench.baseline import Bm25Baseline  # noqa: PLC0415 - bm25s is optional

        bm25, t_bm25 = timed(lambda: Bm25Baseline(catalog))
        startup.append(["bm25s index (tokenize + index)", _ms(t_bm25)])
        answers[BM25] = lambda q: bm25.filtered(q.q, q.filters)
        searches[BM25] = lambda q: bm25.search(q, k=SHOWN)
    if hybrid is not None:
        answers[DENSE] = lambda q: dense.search(q.q, filters=q.filters)
        searches[DENSE] = lambda q: dense.search(q, k=SHOWN)

    total = sum(len(qs) for _, qs in sets)
    which = "Shipped catalog" if catalog_dir.resolve() == default_catalog_dir().resolve() else "Catalog"
    print(f"## {which} ({_shown(catalog_dir)}: {len(catalog.resources)} resources, {len(catalog.tags)} tags)\n")
    print(environment() + "\n")
    if skipped:
        print(f"({skipped})\n")
    print("### Start-up\n")
    print(table(["step", "ms"], startup))

    texts = [q.q for _, qs in sets for q in qs] * repeat
    measured: dict[str, Latency] = {}
    for name, search in searches.items():
        info(f"latency: {name} ...")
        measured[name] = latencies(search, texts)
    base = measured.get(BM25)
    print(
        f"\n### Question latency (one thread, every question through the model (no question-vector cache); {len(texts)} questions: the {total} labelled questions x {repeat}, "
        f"{SHOWN} results each; ratios: vizbot / bm25s, lower is faster)\n"
    )
    rows = [[name, *_latency_cells(lat, base)] for name, lat in measured.items()]
    print(table(["ranker", *LATENCY_HEADERS, *(RATIO_HEADERS if base else [])], rows))

    pooled: dict[str, list] = {name: [] for name in answers}
    dense_note = f"{DENSE} ranks every resource by cosine and refuses when the best cosine < {DENSE_REFUSAL}"
    for path, questions in sets:
        info(f"quality: {_shown(path)} ...")
        reports = {name: evaluate(questions, answer) for name, answer in answers.items()}
        for name, report in reports.items():
            pooled[name].extend(report.outcomes)
        first = next(iter(reports.values()))
        print(
            f"\n### Quality: {_shown(path)} ({len(questions)} questions: {first.answerable} answerable, "
            f"{first.unanswerable} not; {dense_note}; ratios: ranker / bm25s)\n"
        )
        print(quality_table(reports, baseline))
    if len(sets) > 1:
        reports = {name: summarise(outcomes) for name, outcomes in pooled.items()}
        print(f"\n### Quality: all {len(sets)} files ({total} questions; {dense_note}; ratios: ranker / bm25s)\n")
        print(quality_table(reports, baseline))


# -- 2. synthetic catalogs, lexical path -------------------------------------------------------


def _found(search: Callable[[str], Sequence[str]], labelled: Sequence[tuple[str, str]]) -> tuple[float, float]:
    """(share of questions answered, share whose source resource is in the top 10)."""
    answered = found = 0
    for question, source in labelled:
        ids = search(question)
        answered += bool(ids)
        found += source in ids
    return answered / len(labelled), found / len(labelled)


def median_run(runs: Sequence[Latency]) -> Latency:
    """The run whose mean is the median of the runs' means."""
    return sorted(runs, key=lambda lat: lat.mean)[(len(runs) - 1) // 2]


def _spread(ours: Sequence[Latency], base: Sequence[Latency], attr: str) -> str:
    """Lowest and highest ratio of ``attr`` over runs measured side by side."""
    ratios = [getattr(a, attr) / getattr(b, attr) for a, b in zip(ours, base) if getattr(b, attr)]
    return f"{min(ratios):.2f}-{max(ratios):.2f}" if ratios else "-"


def synthetic(
    generators: Sequence[Generator], sizes: Sequence[int], queries: int, baseline: bool, runs: int = 1
) -> None:
    """Build time, memory, latency and source recall of the lexical engine against bm25s.

    With ``runs`` > 1 the two rankers are timed alternately that many times; the table shows
    each ranker's median run (by mean) and the range of the per-run ratios."""
    for gen in generators:
        rows = []
        for n in sizes:
            info(f"synthetic ({gen.name}) catalog of {n} entries: lexical ...")
            catalog = gen.catalog(n)
            labelled = gen.labelled(catalog, queries)
            texts = [q for q, _ in labelled]
            engine, build, peak = timed_build(lambda: SearchEngine(catalog))
            ours_runs: list[Latency] = []
            base_runs: list[Latency] = []
            bm25 = None
            if baseline:
                from bot.bench.baseline import Bm25Baseline  # noqa: PLC0415 - bm25s is optional

                info(f"synthetic ({gen.name}) catalog of {n} entries: bm25s ...")
                bm25, b_build, b_peak = timed_build(lambda: Bm25Baseline(catalog))
            # Timed before anything else asks these questions (the first run meets them cold).
            for run in range(runs):
                if runs > 1:
                    info(f"synthetic ({gen.name}) catalog of {n} entries: latency run {run + 1} of {runs} ...")
                ours_runs.append(latencies(lambda q: engine.search(q, limit=SHOWN), texts))
                if bm25 is not None:
                    base_runs.append(latencies(lambda q: bm25.search(q, k=SHOWN), texts))
            answered, found = _found(lambda q: [r.resource.id for r in engine.search(q, limit=10).results], labelled)
            if bm25 is not None:
                b_answered, b_found = _found(lambda q: bm25.search(q, k=10), labelled)
            del engine, bm25
            ours = median_run(ours_runs)
            base = median_run(base_runs) if base_runs else None
            spread = (
                [_spread(ours_runs, base_runs, "mean"), _spread(ours_runs, base_runs, "p99")]
                if runs > 1 and base
                else []
            )
            rows.append(
                [
                    f"{n:,}",
                    LEXICAL,
                    _ms(build),
                    f"{peak:.0f}",
                    *_latency_cells(ours, base),
                    *spread,
                    _share(answered),
                    _share(found),
                ]
            )
            if base is not None:
                same = ["1.00-1.00"] * len(spread)
                rows.append(
                    [
                        f"{n:,}",
                        BM25,
                        _ms(b_build),
                        f"{b_peak:.0f}",
                        *_latency_cells(base, base),
                        *same,
                        _share(b_answered),
                        _share(b_found),
                    ]
                )
            del catalog, labelled
            gc.collect()
        timing = f"{runs} latency runs each, rankers alternating, median run shown; " if runs > 1 else ""
        print(
            f"\n## Synthetic catalogs, lexical path: generator {gen.name} ({gen.summary}; {queries} questions each; "
            f"one thread; {timing}peak = traced Python allocations while building; found@10 = the question's source resource in the top 10)\n"
        )
        spread_headers = ["mean ratio range", "p99 ratio range"] if runs > 1 and baseline else []
        headers = [
            "entries",
            "ranker",
            "build ms",
            "peak MiB",
            *LATENCY_HEADERS,
            *(RATIO_HEADERS if baseline else []),
            *spread_headers,
            "answered",
            "found@10",
        ]
        print(table(headers, rows))


# -- 3. synthetic catalogs, hybrid path ---------------------------------------------------------


def synthetic_semantic(generators: Sequence[Generator], sizes: Sequence[int], queries: int, baseline: bool) -> None:
    """First embedding, start-up from the cache, latency and memory of the hybrid engine."""
    for gen in generators:
        rows = []
        for n in sizes:
            catalog = gen.catalog(n)
            labelled = gen.labelled(catalog, queries)
            texts = [q for q, _ in labelled]
            rss_before = peak_rss_mib()
            with tempfile.TemporaryDirectory(prefix="vizbot-bench-") as tmp:
                done = [0]

                def progress(k: int, n: int = n) -> None:
                    before, done[0] = done[0], done[0] + k
                    if done[0] * 10 // n != before * 10 // n:
                        info(f"synthetic ({gen.name}) {n}: embedded {done[0]}/{n}")

                info(f"synthetic ({gen.name}) catalog of {n} entries: first embedding (2 threads) ...")
                embedder = load_embedder(cache_dir=Path(tmp), threads=2, query_cache=0)
                index, first = timed(lambda: SemanticIndex(catalog, embedder, progress))
                del index, embedder
                info(f"synthetic ({gen.name}) catalog of {n} entries: start-up from the cache ...")
                engine, second = timed(
                    lambda: SearchEngine(catalog, embedder=load_embedder(cache_dir=Path(tmp), threads=1, query_cache=0))
                )
                ours = latencies(lambda q: engine.search(q, limit=SHOWN), texts)
                answered, found = _found(
                    lambda q: [r.resource.id for r in engine.search(q, limit=10).results], labelled
                )
                rss_after = peak_rss_mib()
                del engine
            base = None
            if baseline:
                from bot.bench.baseline import Bm25Baseline  # noqa: PLC0415 - bm25s is optional

                bm25 = Bm25Baseline(catalog)
                base = latencies(lambda q: bm25.search(q, k=SHOWN), texts)
                del bm25
            rows.append(
                [
                    f"{n:,}",
                    f"{first:.1f}",
                    f"{n / first:.0f}",
                    f"{second:.2f}",
                    *_latency_cells(ours, base),
                    _share(answered),
                    _share(found),
                    f"{rss_before:.0f}",
                    f"{rss_after:.0f}",
                ]
            )
            del catalog, labelled
            gc.collect()
        print(
            f"\n## Synthetic catalogs, hybrid path: generator {gen.name} ({queries} questions each; first embedding "
            f"with 2 onnxruntime threads into an empty cache; start-up = lexical index + vectors from that cache; "
            f"questions on one thread; peak RSS = this process's high-water mark, before and after the run)\n"
        )
        headers = [
            "entries",
            "first embedding s",
            "texts/s",
            "start-up from cache s",
            *LATENCY_HEADERS,
            *(RATIO_HEADERS if baseline else []),
            "answered",
            "found@10",
            "peak RSS before MiB",
            "peak RSS after MiB",
        ]
        print(table(headers, rows))


# -- command line -----------------------------------------------------------------------------


def _sizes(parser: argparse.ArgumentParser, text: str, option: str) -> list[int]:
    try:
        sizes = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        parser.error(f"{option} must be whole numbers separated by commas")
    if any(n < 1 for n in sizes):
        parser.error(f"{option} must be positive")
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m bot.bench", description=__doc__.splitlines()[0].strip("`"))
    parser.add_argument(
        "--sizes",
        default="1000,10000",
        help="synthetic catalog sizes for the lexical path, comma-separated (default 1000,10000; e.g. 100000; '' for none)",
    )
    parser.add_argument(
        "--semantic-sizes",
        default="",
        help="synthetic catalog sizes for the hybrid path (default none; 10000 takes minutes to embed)",
    )
    parser.add_argument(
        "--generator",
        default=",".join(GENERATORS),
        help=f"synthetic generators, comma-separated: {', '.join(GENERATORS)} (default all)",
    )
    parser.add_argument("--queries", type=int, default=500, help="questions per synthetic catalog (default 500)")
    parser.add_argument(
        "--catalog", type=Path, help="catalog for section 1 (default: the shipped catalog; needs --questions)"
    )
    parser.add_argument(
        "--questions",
        type=Path,
        action="append",
        help="a labelled questions file for section 1; repeat for several (default: the development "
        "sets queries.yaml, heldout/queries.yaml, dev_learners.yaml and dev_learners2-6.yaml, from the checkout's "
        "tests/data or the copy in the installed package)",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="times each labelled question is asked in the latency run (default 3)"
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=1,
        help="latency runs per synthetic catalog, vizbot and bm25s alternating; the median run is shown "
        "with the range of the ratios (default 1; use 3 or more on a shared machine)",
    )
    parser.add_argument("--no-baseline", action="store_true", help="skip bm25s")
    parser.add_argument("--no-semantic", action="store_true", help="skip the embedding model (no hybrid or dense rows)")
    args = parser.parse_args(argv)
    sizes = _sizes(parser, args.sizes, "--sizes")
    semantic_sizes = _sizes(parser, args.semantic_sizes, "--semantic-sizes")
    names = [g.strip() for g in args.generator.split(",") if g.strip()]
    unknown = [g for g in names if g not in GENERATORS]
    if unknown or not names:
        parser.error(f"--generator must name some of: {', '.join(GENERATORS)}")
    if args.queries < 1 or args.repeat < 1 or args.runs < 1:
        parser.error("--queries, --repeat and --runs must be positive")
    catalog_dir = args.catalog or default_catalog_dir()
    if (
        args.questions is None
        and args.catalog is not None
        and args.catalog.resolve() != default_catalog_dir().resolve()
    ):
        parser.error("--catalog needs --questions (the default questions are labelled on the shipped catalog)")
    questions = args.questions or list(development_sets())
    baseline = not args.no_baseline
    generators = [GENERATORS[g] for g in names]
    try:
        if baseline:
            from bot.bench.baseline import _bm25s  # noqa: PLC0415

            _bm25s()
        with tempfile.TemporaryDirectory(prefix="vizbot-bench-cache-") as cache:
            shipped(
                catalog_dir,
                questions,
                baseline=baseline,
                semantic=not args.no_semantic,
                repeat=args.repeat,
                cache_dir=Path(cache),
            )
        if sizes:
            synthetic(generators, sizes, args.queries, baseline, args.runs)
        if semantic_sizes and not args.no_semantic:
            synthetic_semantic(generators, semantic_sizes, args.queries, baseline)
    except VizbotError as exc:
        error(str(exc))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
