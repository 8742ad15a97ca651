"""The one rule for text vizbot stores and shows."""

from __future__ import annotations

import pytest

from bot.core.sanitize import strip_controls


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
