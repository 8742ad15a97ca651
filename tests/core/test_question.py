"""Question analysis: the fast typo-candidate filter finds what comparing every word finds."""

from __future__ import annotations

import random

import numpy as np
import pytest

from bot.bench.synthetic import topical_catalog
from bot.core import question
from bot.core.catalog import default_catalog_dir, load_catalog
from bot.core.index import Index
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
