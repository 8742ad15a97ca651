"""A suggestion's schema: tag parsing and the checks that run before the store."""

from __future__ import annotations

import pytest

from bot.core.errors import InvalidInput
from bot.core.limits import REASON_MAX
from bot.core.suggestion_schema import clean_actor, clean_note, parse_tags, validate_reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cnn, kernels", ["cnn", "kernels"]),
        (" cnn ,, cnn,", ["cnn"]),
        ("gradient descent", ["gradient descent"]),
        ("gradient   \u200bdescent\t, cnn", ["gradient descent", "cnn"]),
        (["cnn", " cnn ", "", "rnn"], ["cnn", "rnn"]),
    ],
    ids=["two", "repeats-and-blanks", "spaces-inside", "cleaned", "list"],
)
def test_parse_tags(text: str | list[str], expected: list[str]) -> None:
    """Comma-separated (or listed) tags: cleaned, empty items and repeats dropped, in order."""
    assert parse_tags(text) == expected


def test_parse_tags_refuses_what_is_not_text() -> None:
    """A list item that is not text is refused, naming the tags field."""
    with pytest.raises(InvalidInput) as raised:
        parse_tags(["cnn", 3])  # type: ignore[list-item]
    assert raised.value.field == "tags"


@pytest.mark.parametrize(
    ("reason", "message"),
    [("   ", "say why"), ("x" * (REASON_MAX + 1), f"at most {REASON_MAX}"), (7, "must be text")],
    ids=["empty", "too-long", "not-text"],
)
def test_validate_reason_refuses(reason: object, message: str) -> None:
    """A rejection's reason must say something, briefly."""
    with pytest.raises(InvalidInput) as raised:
        validate_reason(reason)
    assert raised.value.field == "reason" and message in str(raised.value)


def test_validate_reason_tidies_and_keeps_the_longest() -> None:
    """A reason of exactly REASON_MAX characters is kept, tidied to one line."""
    assert validate_reason(" a\nb ") == "a b"
    assert len(validate_reason("y" * REASON_MAX)) == REASON_MAX


def test_clean_note_and_actor() -> None:
    """A note keeps its lines; an empty actor is refused."""
    assert clean_note(None) == "" and clean_note("a\n\n\n\nb") == "a\n\nb"
    with pytest.raises(InvalidInput):
        clean_actor("  \u200b ")
