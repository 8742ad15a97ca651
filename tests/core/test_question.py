"""Question analysis: the fast typo-candidate filter finds what comparing every word finds."""

from __future__ import annotations

import random

import numpy as np
import pytest

from bot.bench.synthetic import topical_catalog
from bot.core import question
from bot.core.catalog import default_catalog_dir, load_catalog
from bot.core.index import TAG_TERM, Index
from bot.core.model import Catalog, Gap, Resource, Tag
from bot.core.question import QuestionReader


def _mutations(vocabulary: list[str], count: int, seed: int) -> list[str]:
    """Vocabulary words with one to three random edits (deletions, insertions, substitutions, swaps)."""
    rng = random.Random(seed)
    out = []
    while len(out) < count:
        word = list(rng.choice(vocabulary))
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(word))
            how = rng.randrange(4)
            if how == 0 and len(word) > 1:
                del word[i]
            elif how == 1:
                word.insert(i, rng.choice("abcdeijklmnoprstuy"))
            elif how == 2:
                word[i] = rng.choice("abcdeijklmnoprstuyé")
            elif i + 1 < len(word):
                word[i], word[i + 1] = word[i + 1], word[i]
        out.append("".join(word))
    return out


@pytest.mark.parametrize(
    "catalog", [load_catalog(default_catalog_dir()), topical_catalog(1500)], ids=["shipped", "topical"]
)
def test_two_edit_filter_drops_no_candidate(catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    """Corrections with the character-set filter equal corrections comparing every word of similar length."""
    reader = QuestionReader(Index(catalog))
    words = _mutations(sorted(w for w in reader._index.surface if len(w) >= 5), 600, seed=3)
    filtered = [reader._corrections(w) for w in words]
    monkeypatch.setattr(question, "_popcount", lambda values: np.zeros(len(values), dtype=np.uint8))
    everyone = [reader._corrections(w) for w in words]
    assert filtered == everyone
    assert sum(1 for f in filtered if f and f[0][2] == 2) >= 10  # two-edit corrections were exercised


@pytest.mark.parametrize(
    ("a", "b", "apart"),
    [("transformer", "transfromer", 0), ("pooling", "poling", 0), ("kernel", "kernal", 1), ("abc", "xyz", 6)],
)
def test_letters_differ_by_at_most_two_bits_per_edit(a: str, b: str, apart: int) -> None:
    """The character sets of two words, as bits, differ where their characters do."""
    assert bin(question._letters(a) ^ question._letters(b)).count("1") == apart


@pytest.mark.parametrize(
    ("question", "accented", "non_latin", "foreign"),
    [
        ("what is a convolution", False, False, []),
        ("cos'è l'overfitting e come si evita?", True, False, ["si"]),
        ("São Paulo data salary", True, False, []),
        ("что такое свёртка", False, True, []),
        ("qué es una convolución", True, False, ["que", "es", "una"]),
    ],
)
def test_the_question_records_signs_of_another_language(
    question: str, accented: bool, non_latin: bool, foreign: list[str]
) -> None:
    """Accents, other scripts and other languages' function words are noted for the search to weigh."""
    from bot.core.catalog import default_catalog_dir, load_catalog
    from bot.core.lexical import LexicalEngine

    q = LexicalEngine(load_catalog(default_catalog_dir())).analyse(question)
    assert (q.accented, q.non_latin, q.foreign) == (accented, non_latin, foreign)


def _with_gaps() -> QuestionReader:
    """A reader of a small catalog that knows three of its gaps."""
    tags = {
        "neural-networks": Tag("neural-networks", "Neural networks", "Layers of units.", ("neural net",)),
        "edges": Tag("edges", "Edge detection", "Finding edges.", ("kernel",)),
    }
    resources = (
        Resource(
            "nn",
            "Neural networks drawn",
            "https://a.org/nn",
            "Layers and units.",
            ("neural-networks",),
            "article",
            "beginner",
        ),
        Resource(
            "sobel",
            "Edge kernels",
            "https://a.org/k",
            "A kernel finds lines and edges.",
            ("edges",),
            "tool",
            "beginner",
        ),
    )
    gaps = {
        "graph-neural-networks": Gap("graph-neural-networks", "Graph neural networks", ("gnn",)),
        "hough-transform": Gap("hough-transform", "Hough transform", ()),
        "kernel-trick": Gap("kernel-trick", "Kernel trick", ("u-net",)),
    }
    return QuestionReader(Index(Catalog(tags, resources, None, gaps)))


@pytest.mark.parametrize(
    ("question", "gaps", "unknown", "tags"),
    [
        ("how do graph neural networks work", ["graph-neural-networks"], ["graph", "neural", "networks"], []),
        ("gnn vs neural networks", ["graph-neural-networks"], ["gnn"], ["neural-networks"]),
        ("hough transform for lines", ["hough-transform"], ["hough", "transform"], []),
        ("the kernel trick and an edge kernel", ["kernel-trick"], ["kernel", "trick"], ["edges"]),
        ("what is a u-net", ["kernel-trick"], ["unet"], []),
        ("neural networks and edge kernels", [], [], ["neural-networks", "edges"]),
    ],
    ids=["phrase", "alias-beside-a-tag", "not-a-misspelt-stop-word", "longest-match", "hyphenated", "no-gap"],
)
def test_a_known_gap_is_read_as_the_missing_subject(question, gaps, unknown, tags) -> None:
    """A gap's name (longest match first) is the catalog's unknown subject, never read as the tags its words share."""
    q = _with_gaps().analyse(question)
    assert q.gaps == gaps
    assert [w for w in q.unknown if w in unknown] == unknown
    named = {a.term[len(TAG_TERM) :] for u in q.units for a in u.alts if a.term.startswith(TAG_TERM)}
    assert named == set(tags)


def test_a_gap_weighs_against_the_questions_coverage() -> None:
    """A question about a gap is mostly unanswerable; the same words without the gap's name are answerable."""
    reader = _with_gaps()
    assert reader.analyse("graph neural networks").share == 0.0
    assert reader.analyse("neural networks").share == 1.0
    beside = reader.analyse("gnn or neural networks").share
    assert 0.0 < beside < 0.7


@pytest.mark.parametrize(
    ("question", "tags"),
    [
        ("how do transformers work", {"transformers"}),
        ("one transformer block", {"transformers"}),
        ("image transforms and transformations", set()),
        ("a convolutional layer", {"convolution"}),
        ("convolutions", {"convolution"}),
        ("a model explainer", set()),
        ("explainability", {"interpretability"}),
    ],
)
def test_one_word_reaches_a_tag_only_as_spelt_there(question: str, tags: set[str]) -> None:
    """A word reaches a tag through a one-word name or alias only as that word inflected, not as any word of its stem."""
    catalog = Catalog(
        {
            "transformers": Tag("transformers", "Transformers", "Attention stacks.", ()),
            "convolution": Tag("convolution", "Convolution", "Sliding sums.", ()),
            "interpretability": Tag(
                "interpretability", "Interpretability", "Why a model decides.", ("explainability",)
            ),
        },
        tuple(
            Resource(slug, slug.title(), f"https://a.org/{slug}", "Explained.", (slug,), "article", "beginner")
            for slug in ("transformers", "convolution", "interpretability")
        ),
    )
    q = QuestionReader(Index(catalog)).analyse(question)
    assert {a.term[len(TAG_TERM) :] for u in q.units for a in u.alts if a.term.startswith(TAG_TERM)} == tags
