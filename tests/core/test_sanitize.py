"""The one rule for text vizbot stores and shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.catalog import load_catalog
from bot.core.limits import QUESTION_MAX
from bot.core.sanitize import clean_block, clean_question, clean_text, strip_controls, strip_markup
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
    general = strip_controls(every + "\u00e9", keep_newlines=keep)[
        :-1
    ]  # one non-ASCII character forces the general path
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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  how\n do\tconvolutions   work ", "how do convolutions work"),
        ("zero\u200bwidth\x00 and \x1b[31mansi", "zerowidth and ansi"),
        ("Cafe\u0301", "Caf\u00e9"),
        ("", ""),
        (None, ""),
    ],
    ids=["whitespace", "controls", "nfc", "empty", "none"],
)
def test_clean_text_makes_one_tidy_line(text: str | None, expected: str) -> None:
    """Control characters go, whitespace collapses, composed characters are composed."""
    assert clean_text(text) == expected


@pytest.mark.parametrize(("limit", "expected"), [(5, "abcd\u2026"), (9, "abcdefghi"), (1, "\u2026")])
def test_clean_text_shortens_with_an_ellipsis(limit: int, expected: str) -> None:
    """Longer than the limit: cut to exactly the limit, the last character an ellipsis."""
    assert clean_text("abcdefghi", limit) == expected


def test_clean_question_is_capped() -> None:
    """Questions are kept to QUESTION_MAX characters, ending with an ellipsis (10,000 characters are fine)."""
    cleaned = clean_question("why " * 2500)
    assert len(cleaned) == QUESTION_MAX
    assert cleaned.endswith("\u2026")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  first   line \r\n\n\n\n second\u202e line  ", "first line\n\nsecond line"),
        ("one\ntwo", "one\ntwo"),
        ("\n\n", ""),
    ],
    ids=["blank-runs", "kept-breaks", "only-breaks"],
)
def test_clean_block_keeps_line_breaks(text: str, expected: str) -> None:
    """A note keeps its lines (each tidied), with at most one blank line between them."""
    assert clean_block(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GNN \x1b[31mred\x1b[0m", "GNN red"),  # colours
        ("\x1b[2J\x1b[Hhow do convolutions work", "how do convolutions work"),  # clear screen, cursor home
        ("\x1b]0;pwned\x07title", "title"),  # a window title
    ],
)
def test_terminal_escape_sequences_go_whole(text: str, expected: str) -> None:
    """No '[31m' or '[2J' is left behind in a kept title or a shown question."""
    assert clean_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@everyone how do convolutions work <@&123>", "how do convolutions work"),
        ("<@!42> hi <#7> <:pog:123> <a:party:9> <t:1700000000:R>", "hi"),
        ("read [this](http://evil.example/x) on attention", "read [this] on attention"),
        ("see https://example.org/a?b=1 about pca", "see about pca"),
        ("mail me@here.com about @heretics", "mail me@here.com about @heretics"),
        ("plain words stay", "plain words stay"),
    ],
)
def test_strip_markup_leaves_only_the_words(text: str, expected: str) -> None:
    """Mentions, custom emoji, timestamps and web addresses are not words of a question; a link keeps its text."""
    assert " ".join(strip_markup(text).split()) == expected
