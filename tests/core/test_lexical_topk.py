"""The lexical engine's early-stopping top-k equals scoring every resource."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core import retrieval
from bot.core.index import STRONG_FIELDS
from bot.core.lexical import LexicalEngine
from bot.core.retrieval import CANDIDATES, EXHAUSTIVE_BASE, EXHAUSTIVE_RATIO, FIRST_BATCH, MAP_MAX, RELATIVE_CUTOFF
from bot.core.model import Catalog, Resource, Tag

WORDS = [f"w{i}" for i in range(60)]


def _catalog(n: int, seed: int) -> Catalog:
    """``n`` resources over a small vocabulary: common words give posting lists longer than MAP_MAX."""
    rng = random.Random(seed)
    tags = {f"t{i}": Tag(f"t{i}", f"Topic w{i}", f"About w{i}.", (f"a{i}",)) for i in range(6)}
    resources = []
    for d in range(n):
        # A Zipf-like draw: low-numbered words are in most resources, high-numbered in few.
        words = [WORDS[min(int(rng.paretovariate(0.7)) - 1, len(WORDS) - 1)] for _ in range(12)]
        resources.append(
            Resource(
                id=f"r{d:05d}",
                title=" ".join(words[:3]),
                url=f"https://example.org/{d}",
                description=" ".join(words[3:]) + ".",
                tags=tuple(sorted(rng.sample(sorted(tags), 2))),
                kind="article",
                level="beginner",
                keywords=tuple(words[:2]),
            )
        )
    return Catalog(tags=tags, resources=tuple(resources))


@pytest.fixture(scope="module")
def engine() -> LexicalEngine:
    """A catalog large enough for dense arrays, resource maps and binary search to all be used."""
    catalog = _catalog(3 * MAP_MAX, seed=7)
    return LexicalEngine(catalog)


def exhaustive(engine: LexicalEngine, question: str, k: int) -> list[tuple[int, float, int]]:
    """Every resource scored: with k = the whole catalog no list can be cut short."""
    q = engine.analyse(question)
    return engine.top(q, engine.catalog.resources.__len__(), None, None, None)[:k] if q.units else []


def test_the_catalog_uses_every_posting_list_path(engine: LexicalEngine) -> None:
    """Some lists are longer than MAP_MAX (binary search or dense arrays) and some shorter than a first batch."""
    lengths = [len(docs) for docs in engine._index.docs.values()]
    assert max(lengths) > MAP_MAX and min(lengths) < FIRST_BATCH


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    words=st.lists(st.sampled_from(WORDS + ["a1", "t3", "topic", "zzz", "w1w2"]), min_size=1, max_size=6),
    k=st.integers(min_value=1, max_value=20),
)
def test_top_k_equals_exhaustive_scoring(engine: LexicalEngine, words: list[str], k: int) -> None:
    """Same resources, same scores, same order as scoring every resource."""
    question = " ".join(words)
    q = engine.analyse(question)
    fast = engine.top(q, k, None, None, None) if q.units else []
    slow = exhaustive(engine, question, k)
    assert [(d, round(s, 9)) for d, s, _ in fast] == [(d, round(s, 9)) for d, s, _ in slow]


# -- every path against brute force: reading in impact order, scoring every resource at once --------

KINDS_USED = ("article", "video", "tool")
LEVELS_USED = ("beginner", "intermediate", "advanced")


def _varied(n: int, seed: int) -> Catalog:
    """Like ``_catalog``, with kinds and levels varied (so "video"/"beginner" in a question reweigh)
    and some tags on most resources (long lists whose resources all score the same)."""
    base = _catalog(n, seed)
    rng = random.Random(seed + 1)
    resources = tuple(
        Resource(
            id=r.id,
            title=r.title,
            url=r.url,
            description=r.description,
            tags=r.tags,
            kind=rng.choice(KINDS_USED),
            level=rng.choice(LEVELS_USED),
            keywords=r.keywords,
        )
        for r in base.resources
    )
    return Catalog(tags=base.tags, resources=resources)


def brute_force(engine: LexicalEngine, question: str, k: int, tag: str | None, kind: str | None, level: str | None):
    """Every resource scored from the posting lists directly, then qualified, filtered, sorted by
    (score, id) and cut off as the retrieval module's docstring says."""
    q = engine.analyse(question)
    if not q.units:
        return []
    idx, retriever = engine._index, engine.retriever
    postings = {
        (term, doc): (imp, mask)
        for term, docs in idx.docs.items()
        for doc, imp, mask in zip(docs, idx.impacts[term], idx.masks[term])
    }
    scored = []
    for doc, resource in enumerate(idx.resources):
        score, evidence = 0.0, 0
        for ui, unit in enumerate(q.units):
            best, fields = 0.0, 0
            for alt in unit.alts:
                hit = postings.get((alt.term, doc))
                if hit is not None and hit[0]:
                    fields |= hit[1]
                    best = max(best, hit[0] * alt.confidence)
            if best:
                score += best
                evidence |= 1 << (2 * ui + (0 if fields & STRONG_FIELDS else 1))
        if not score or not retriever._qualifies(q, evidence):
            continue
        if (
            (tag and tag not in resource.tags)
            or (kind and resource.kind != kind)
            or (level and resource.level != level)
        ):
            continue
        adjusted, plain = retriever._adjusted(q, doc, score)
        scored.append((adjusted, resource.id, doc, evidence, plain))
    best_k = sorted(scored, key=lambda t: (-t[0], t[1]))[:k]
    if not best_k:
        return []
    cutoff = RELATIVE_CUTOFF * max(t[4] for t in best_k)
    return [(doc, score, evidence) for score, _, doc, evidence, plain in best_k if plain >= cutoff]


@pytest.fixture(scope="module")
def varied() -> LexicalEngine:
    """A catalog with varied kinds and levels, and a feedback prior on some resources."""
    catalog = _varied(3 * MAP_MAX, seed=11)
    rng = random.Random(5)
    prior = {r.id: rng.choice((-1.0, -0.5, 0.5, 1.0)) for r in catalog.resources if rng.random() < 0.2}
    return LexicalEngine(catalog, prior)


PATHS = {  # (EXHAUSTIVE_BASE, EXHAUSTIVE_RATIO): how much may be read in impact order first
    "impact order only": (10**9, 1),
    "every resource at once": (-1, 10**9),
    "shipped switch": (EXHAUSTIVE_BASE, EXHAUSTIVE_RATIO),
}


@pytest.mark.parametrize("path", list(PATHS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    words=st.lists(
        st.sampled_from(WORDS + ["a1", "a2", "t3", "topic", "zzz", "w1w2", "video", "beginner", "tool", "advanced"]),
        min_size=1,
        max_size=7,
    ),
    k=st.integers(min_value=1, max_value=30),
    filters=st.sampled_from(
        [
            (None, None, None),
            ("t1", None, None),
            (None, "video", None),
            (None, None, "advanced"),
            ("t2", "tool", "beginner"),
        ]
    ),
)
def test_every_path_equals_brute_force(
    varied: LexicalEngine, monkeypatch: pytest.MonkeyPatch, path: str, words: list[str], k: int, filters: tuple
) -> None:
    """Same resources, bit-identical scores, same masks and order as brute force, whichever way
    the top k is found (with kind/level preferences, a feedback prior and filters)."""
    base, ratio = PATHS[path]
    monkeypatch.setattr(retrieval, "EXHAUSTIVE_BASE", base)
    monkeypatch.setattr(retrieval, "EXHAUSTIVE_RATIO", ratio)
    question = " ".join(words)
    q = varied.analyse(question)
    fast = varied.top(q, k, *filters) if q.units else []
    assert fast == brute_force(varied, question, k, *filters)


@pytest.mark.parametrize("path", list(PATHS))
def test_tie_heavy_lists_equal_brute_force(varied: LexicalEngine, monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    """A tag alias alone (a list where every resource scores the same) and a tag with a common
    word: ties broken by id on every path, past the first CANDIDATES checked."""
    base, ratio = PATHS[path]
    monkeypatch.setattr(retrieval, "EXHAUSTIVE_BASE", base)
    monkeypatch.setattr(retrieval, "EXHAUSTIVE_RATIO", ratio)
    for question in ("a1", "a2 w0", "topic w1", "a3 a4"):
        q = varied.analyse(question)
        for k in (1, 5, CANDIDATES + 10):
            assert varied.top(q, k, None, None, None) == brute_force(varied, question, k, None, None, None), (
                question,
                k,
            )


def test_both_paths_are_taken_at_the_shipped_setting(varied: LexicalEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    """On this catalog the shipped switch answers some questions in impact order alone and
    scores every resource for others."""
    calls: list[str] = []
    original = retrieval.Retriever._exhaustive

    def spy(self, *args, **kwargs):
        calls.append("exhaustive")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(retrieval.Retriever, "_exhaustive", spy)
    for question in ("w40", "w55 w58", "w0 w1 w2", "a1 w0"):
        before = len(calls)
        varied.top(varied.analyse(question), 5, None, None, None)
        calls.append("read" if len(calls) == before else "")
    assert "exhaustive" in calls and "read" in calls


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    words=st.lists(st.sampled_from(WORDS + ["a1", "t3", "zzz", "video"]), min_size=1, max_size=8),
    seed=st.integers(0, 2**32),
)
def test_fast_coverage_check_equals_its_definition(varied: LexicalEngine, words: list[str], seed: int) -> None:
    """The per-question coverage check agrees with ``_qualifies`` on random evidence masks."""
    q = varied.analyse(" ".join(words))
    check = varied.retriever._qualifier(q)
    rng = random.Random(seed)
    for _ in range(20):
        mask = rng.getrandbits(2 * len(q.units)) if q.units else 0
        assert check(mask) == varied.retriever._qualifies(q, mask)
