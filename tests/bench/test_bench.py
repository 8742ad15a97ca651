"""python -m bot.bench: generators, baselines and small smoke runs (no timing assertions)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from bot.bench.__main__ import Latency, latencies, main, median_run, table
from bot.bench.baseline import DENSE_REFUSAL, DenseRanker
from bot.bench.synthetic import (
    GENERATORS,
    synthetic_catalog,
    synthetic_labelled,
    synthetic_questions,
    topical_catalog,
    topical_labelled,
)
from bot.core.model import Catalog, Resource, Tag
from bot.core.search import SearchEngine

DATA = Path(__file__).resolve().parents[1] / "data"
QUERIES = DATA / "queries.yaml"
MUSIC = DATA / "heldout" / "music"
MUSIC_QUERIES = DATA / "heldout" / "music_queries.yaml"
LATENCY_COLUMNS = ["ranker", "p50 µs", "mean µs", "p99 µs"]
QUALITY_COLUMNS = [
    "ranker",
    "hit@1",
    "hit@3",
    "MRR@10",
    "nDCG@10",
    "unanswerable refused",
    "answerable wrongly refused",
]


def tables(out: str) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Each markdown table of a run under the heading above it: (headers, rows of cells)."""
    found: dict[str, tuple[list[str], list[list[str]]]] = {}
    heading = ""
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("#"):
            heading = line
        elif line.startswith("|") and (i == 0 or not lines[i - 1].startswith("|")):
            end = next((j for j in range(i, len(lines)) if not lines[j].startswith("|")), len(lines))
            block = lines[i:end]
            cells = [[c.strip() for c in row.strip("|").split("|")] for row in block]
            assert set(block[1]) <= {"|", "-"}, block[1]
            found[heading] = (cells[0], cells[2:])
    return found


def one(found: dict, prefix: str, key: int = 1) -> tuple[list[str], dict[str, list[str]]]:
    """The only table whose heading starts with ``prefix``: headers, and rows keyed by their first ``key`` cells."""
    matches = [k for k in found if k.startswith(prefix)]
    assert len(matches) == 1, (prefix, list(found))
    headers, rows = found[matches[0]]
    return headers, {" ".join(r[:key]): r for r in rows}


def numbers(row: list[str], start: int = 1) -> list[float]:
    """The row's cells from ``start`` as floats (``-`` for a ratio over zero is allowed)."""
    return [float(c.replace(",", "")) for c in row[start:] if c != "-"]


# -- generators -----------------------------------------------------------------------------------


def test_synthetic_catalog_is_seeded_and_valid() -> None:
    """The same seed gives the same catalog; every resource uses known tags."""
    first, second = synthetic_catalog(300), synthetic_catalog(300)
    assert first.resources == second.resources
    assert len(first.resources) == 300 and len(first.tags) >= 35
    assert all(set(r.tags) <= set(first.tags) for r in first.resources)


def test_synthetic_questions_are_answerable() -> None:
    """Most synthetic questions find something in their own catalog."""
    catalog = synthetic_catalog(500)
    engine = SearchEngine(catalog)
    questions = synthetic_questions(catalog, 50)
    answered = sum(bool(engine.search(q).results) for q in questions)
    assert answered >= 0.8 * len(questions)
    assert [q for q, _ in synthetic_labelled(catalog, 50)] == questions


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generators_are_seeded_valid_and_label_their_source(name: str) -> None:
    """Each generator: seeded, unique ids, known tags, every question labelled with a resource of its catalog."""
    gen = GENERATORS[name]
    catalog = gen.catalog(400)
    assert catalog.resources == gen.catalog(400).resources and len(catalog.resources) == 400
    assert len({r.id for r in catalog.resources}) == 400
    assert all(r.tags and set(r.tags) <= set(catalog.tags) for r in catalog.resources)
    labelled = gen.labelled(catalog, 60)
    assert labelled == gen.labelled(catalog, 60) and len(labelled) == 60
    assert all(q.strip() and catalog.get(source) is not None for q, source in labelled)


def test_topical_generator_differs_from_zipf_and_is_mostly_answerable() -> None:
    """The second generator has its own words and question shapes, and its questions still
    usually find their source with the lexical engine."""
    topical, zipf = topical_catalog(500), synthetic_catalog(500)
    words = lambda c: {w for r in c.resources for w in r.description.lower().strip(".").split()}  # noqa: E731
    assert len(words(topical) & words(zipf)) < 0.05 * len(words(topical))
    labelled = topical_labelled(topical, 80)
    assert any(" vs " in q or "difference between" in q for q, _ in labelled)
    engine = SearchEngine(topical)
    found = sum(source in [r.resource.id for r in engine.search(q, limit=10).results] for q, source in labelled)
    assert found >= 0.4 * len(labelled)


# -- measuring ------------------------------------------------------------------------------------


def test_latencies_report_p50_mean_p99_of_every_call() -> None:
    """Each question is timed once after the warm-up; p50 <= p99 and the mean lies within the range."""
    calls: list[str] = []
    lat = latencies(calls.append, ["a", "b", "c", "d"], warmup=2)
    assert calls == ["a", "b", "a", "b", "c", "d"]
    assert isinstance(lat, Latency) and lat.count == 4
    assert 0 <= lat.p50 <= lat.p99 and 0 <= lat.mean <= lat.p99


def test_table_is_markdown() -> None:
    """Tables are GitHub markdown with aligned columns."""
    assert table(["a", "bb"], [["1", "2"]]).splitlines() == ["| a | bb |", "|---|----|", "| 1 |  2 |"]


# -- baselines ------------------------------------------------------------------------------------


def _tiny() -> Catalog:
    tags = {"t": Tag("t", "T", "t"), "u": Tag("u", "U", "u")}
    texts = [
        "convolution kernels slide",
        "attention heads transformer",
        "convolution pooling layers",
        "gradient descent optimiser",
    ]
    resources = tuple(
        Resource(
            f"r{i}",
            f"Entry {text.split()[1]}",
            f"https://example.org/{i}",
            text,
            ("t",) if i % 2 else ("u",),
            "video" if i == 2 else "article",
            "beginner",
        )
        for i, text in enumerate(texts)
    )
    return Catalog(tags, resources)


class _Cosines:
    def __init__(self, values: list[float]):
        self.values = np.array(values, dtype=np.float32)

    def cosines(self, question: str) -> np.ndarray:
        return self.values


def test_dense_ranker_ranks_by_cosine_filters_and_refuses_below_threshold() -> None:
    """Best cosine first (ties by catalog order), filters applied, nothing when the best allowed cosine < 0.35."""
    catalog = _tiny()
    dense = DenseRanker(catalog, _Cosines([0.2, 0.6, 0.6, 0.3]))  # type: ignore[arg-type]
    assert dense.search("q", k=3) == ["r1", "r2", "r3"]
    assert dense.search("q", k=10, filters={"tag": "u"}) == ["r2", "r0"]
    low = DenseRanker(catalog, _Cosines([0.2, DENSE_REFUSAL - 0.01, 0.1, 0.3]))  # type: ignore[arg-type]
    assert low.search("q") == []
    assert DenseRanker(catalog, _Cosines([DENSE_REFUSAL, 0.1, 0.1, 0.1])).search("q", k=1) == ["r0"]  # type: ignore[arg-type]


def test_bm25_baseline_ranks_filters_and_never_starts_a_thread_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """bm25s as its README calls it: sequential retrieval (no thread pool per question), zero
    scores dropped (its only refusal), filters applied after ranking."""
    bm25s = pytest.importorskip("bm25s")
    from bot.bench.baseline import Bm25Baseline

    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("bm25s was asked for a thread pool")

    monkeypatch.setattr(bm25s, "ThreadPoolExecutor", no_pool)
    bm25 = Bm25Baseline(_tiny())
    assert sorted(bm25.search("how do convolutions work", k=10)) == ["r0", "r2"]  # stemmed; the rest score zero
    assert bm25.search("transformer attention", k=1) == ["r1"]
    assert bm25.search("the of and") == [] and bm25.search("qqqzzzxxq") == []
    assert bm25.filtered("convolution", {"kind": "video"}) == ["r2"]
    assert bm25.filtered("convolution", {"tag": "t"}) == []


# -- runs -----------------------------------------------------------------------------------------


def test_lexical_run_without_baseline_prints_every_table(capsys: pytest.CaptureFixture[str]) -> None:
    """No model, no bm25s: start-up, latency, quality and both generators' tables, numbers that parse."""
    assert (
        main(
            [
                "--sizes",
                "200",
                "--queries",
                "30",
                "--no-baseline",
                "--no-semantic",
                "--questions",
                str(QUERIES),
                "--repeat",
                "1",
            ]
        )
        == 0
    )
    found = tables(capsys.readouterr().out)
    headers, rows = one(found, "### Start-up")
    assert headers == ["step", "ms"] and "catalog load" in rows and all(numbers(r) for r in rows.values())
    headers, rows = one(found, "### Question latency")
    assert headers == LATENCY_COLUMNS and list(rows) == ["vizbot lexical"]
    assert len(numbers(rows["vizbot lexical"])) == 3
    headers, rows = one(found, "### Quality: tests/data/queries.yaml")
    assert headers == QUALITY_COLUMNS and list(rows) == ["vizbot lexical"]
    assert all(0 <= x <= 1 for x in numbers(rows["vizbot lexical"]))
    for name in GENERATORS:
        headers, rows = one(found, f"## Synthetic catalogs, lexical path: generator {name}", key=2)
        assert headers[:2] == ["entries", "ranker"] and "found@10" in headers and "mean / bm25s" not in headers
        assert list(rows) == ["200 vizbot lexical"] and len(numbers(rows["200 vizbot lexical"], 2)) == len(headers) - 2


def test_full_run_has_hybrid_lexical_dense_and_bm25s_rows(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """With the model and bm25s: every ranker in latency and quality, ratios to bm25s, the dense
    threshold in the heading, and the hybrid synthetic table."""
    pytest.importorskip("bm25s")
    from bot.core.embedder import SemanticUnavailable, load_embedder

    try:
        load_embedder(cache_dir=tmp_path)
    except SemanticUnavailable as exc:
        pytest.skip(str(exc))
    status = main(
        [
            "--sizes",
            "200",
            "--queries",
            "20",
            "--semantic-sizes",
            "40",
            "--generator",
            "zipf",
            "--questions",
            str(QUERIES),
            "--repeat",
            "1",
        ]
    )
    assert status == 0
    found = tables(capsys.readouterr().out)
    _, rows = one(found, "### Start-up")
    assert any(step.startswith("semantic index (from the shipped vectors") for step in rows)
    assert any(step.startswith("model load") for step in rows) and any(step.startswith("bm25s index") for step in rows)
    headers, rows = one(found, "### Question latency")
    assert headers == [*LATENCY_COLUMNS, "mean / bm25s", "p99 / bm25s"]
    assert set(rows) == {"vizbot hybrid", "vizbot lexical", "dense MiniLM", "bm25s"}
    assert rows["bm25s"][-2:] == ["1.00", "1.00"] and all(len(numbers(r)) == 5 for r in rows.values())
    quality = [k for k in found if k.startswith("### Quality: tests/data/queries.yaml")]
    assert len(quality) == 1 and "best cosine < 0.35" in quality[0]
    headers, rows = one(found, "### Quality: tests/data/queries.yaml")
    assert headers == QUALITY_COLUMNS
    assert set(rows) == {
        "vizbot hybrid",
        "vizbot lexical",
        "bm25s",
        "dense MiniLM",
        "hybrid / bm25s",
        "lexical / bm25s",
        "dense MiniLM / bm25s",
    }
    assert all(len(numbers(r)) >= 5 for r in rows.values())
    assert float(rows["vizbot hybrid"][3]) > 0.5  # MRR@10: the shipped engine answers its own dev set
    assert not [k for k in found if k.startswith("### Quality: all")]  # one file: no pooled table
    headers, rows = one(found, "## Synthetic catalogs, lexical path: generator zipf", key=2)
    assert set(rows) == {"200 vizbot lexical", "200 bm25s"} and "p99 / bm25s" in headers
    assert not [k for k in found if "generator topical" in k]
    headers, rows = one(found, "## Synthetic catalogs, hybrid path: generator zipf")
    assert headers[:4] == ["entries", "first embedding s", "texts/s", "start-up from cache s"]
    assert "peak RSS after MiB" in headers and list(rows) == ["40"]
    assert len(numbers(rows["40"], 0)) == len(headers)


def test_repeated_runs_show_the_median_run_and_the_ratio_range(capsys: pytest.CaptureFixture[str]) -> None:
    """--runs 3 times both rankers alternately: the table shows the range of the per-run ratios (bm25s's is 1)."""
    pytest.importorskip("bm25s")
    status = main(
        [
            "--sizes",
            "150",
            "--queries",
            "20",
            "--runs",
            "3",
            "--generator",
            "topical",
            "--no-semantic",
            "--questions",
            str(QUERIES),
            "--repeat",
            "1",
        ]
    )
    assert status == 0
    found = tables(capsys.readouterr().out)
    (heading,) = [k for k in found if k.startswith("## Synthetic catalogs, lexical path: generator topical")]
    assert "3 latency runs each, rankers alternating, median run shown" in heading
    headers, rows = one(found, "## Synthetic catalogs, lexical path: generator topical", key=2)
    assert headers[-4:] == ["mean ratio range", "p99 ratio range", "answered", "found@10"]
    ours, base = rows["150 vizbot lexical"], rows["150 bm25s"]
    assert base[headers.index("mean ratio range")] == "1.00-1.00"
    for spread in ("mean ratio range", "p99 ratio range"):
        low, high = (float(x) for x in ours[headers.index(spread)].split("-"))
        assert 0 < low <= high
    assert float(ours[headers.index("mean µs")]) > 0


def test_median_run_is_chosen_by_mean() -> None:
    """The median of three runs by mean, whatever their order."""
    runs = [Latency(1.0, 3.0, 9.0, 10), Latency(1.0, 1.0, 2.0, 10), Latency(1.0, 2.0, 4.0, 10)]
    assert median_run(runs) == runs[2] and median_run(runs[:1]) == runs[0]


def test_other_catalog_with_its_questions(capsys: pytest.CaptureFixture[str]) -> None:
    """--catalog with --questions benchmarks that catalog; labels from another catalog are refused."""
    assert (
        main(
            [
                "--catalog",
                str(MUSIC),
                "--questions",
                str(MUSIC_QUERIES),
                "--sizes",
                "",
                "--no-baseline",
                "--no-semantic",
                "--repeat",
                "1",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert re.search(r"^## Catalog \(.*music: 40 resources", out, flags=re.M)
    assert (
        main(["--catalog", str(MUSIC), "--questions", str(QUERIES), "--sizes", "", "--no-baseline", "--no-semantic"])
        == 1
    )
    assert "not in the catalog" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["--catalog", str(MUSIC)],
        ["--generator", "nope"],
        ["--sizes", "ten"],
        ["--semantic-sizes", "0"],
        ["--repeat", "0"],
        ["--runs", "0"],
    ],
)
def test_bad_arguments_are_usage_errors(argv: list[str]) -> None:
    """A catalog without its questions, an unknown generator or a bad size stop before any work."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
