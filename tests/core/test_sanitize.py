"""The one rule for text vizbot stores and shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.catalog import load_catalog
from bot.core.sanitize import strip_controls
from bot.core.search import SearchEngine
from bot.core.text import normalise, tokenize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain title", "plain title"),
        ("evil\u202egnp.exe", "evilgnp.exe"),  # right-to-left override
        ("zero\u200bwidth", "zerowidth"),
        ("bell\x07 and null\x00", "bell and null"),
        ("tab\there", "tab here"),
        ("line\nbreak", "line break"),
        ("lone \ud800 surrogate", "lone  surrogate"),
        ("Café ünïcode 日本 🙂", "Café ünïcode 日本 🙂"),
    ],
    ids=["plain", "rtl-override", "zero-width", "controls", "tab", "newline", "surrogate", "unicode"],
)
def test_strip_controls(text: str, expected: str) -> None:
    """Control, surrogate and invisible format characters go; visible text stays."""
    assert strip_controls(text) == expected


def test_newlines_can_be_kept() -> None:
    """Notes keep their line breaks when asked."""
    assert strip_controls("a\r\nb\u202e", keep_newlines=True) == "a\nb"


@pytest.mark.parametrize("keep", [False, True])
def test_ascii_fast_path_matches_the_general_rule(keep: bool) -> None:
    """Every ASCII character is treated as the Unicode rule treats it (the fast path is a table)."""
    every = "".join(chr(i) for i in range(128)) + "\r\n"
    general = strip_controls(every + "\u00e9", keep_newlines=keep)[:-1]  # one non-ASCII character forces the general path
    assert strip_controls(every, keep_newlines=keep) == general


HIDDEN = ["\u200b", "\u00ad", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e"]


@pytest.mark.parametrize("hidden", HIDDEN, ids=["zwsp", "soft-hyphen", "zwnj", "zwj", "word-joiner", "bom", "lrm"])
def test_hidden_characters_inside_a_word_are_removed(hidden: str) -> None:
    """A zero-width or soft-hyphen character inside a word leaves the word whole, for storage and for search."""
    assert strip_controls(f"convo{hidden}lution") == "convolution"
    assert normalise(f"Convo{hidden}lution net") == "convolution net"
    assert tokenize(f"back{hidden}propagation") == ["backpropagation"]


def test_search_sees_through_hidden_characters(valid_catalog_dir: Path) -> None:
    """A question with hidden characters inside its words gets the same answer as the clean one."""
    engine = SearchEngine(load_catalog(valid_catalog_dir))
    clean = engine.search("image kernels blur")
    assert clean.results
    hidden = engine.search("im\u200bage ker\u00adnels bl\u2060ur")
    assert [r.resource.id for r in hidden.results] == [r.resource.id for r in clean.results]
