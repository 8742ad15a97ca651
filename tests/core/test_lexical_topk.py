"""The lexical engine's early-stopping top-k equals scoring every resource."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.lexical import LexicalEngine
from bot.core.retrieval import FIRST_BATCH, MAP_MAX
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
