"""Helpers for store tests: drafts over the small tag vocabulary, and a hand-moved clock."""

from __future__ import annotations

from tag_vocabulary import lookup

from bot.core.suggestion_schema import validate_suggestion
from bot.store import SuggestionDraft


def draft(
    n: int | str = 1, *, title: str | None = None, tags: tuple[str, ...] = ("cnn",), note: str = ""
) -> SuggestionDraft:
    """A valid draft for https://example.org/<n>."""
    return validate_suggestion(f"https://example.org/{n}", title or f"Resource number {n}", tags, note, lookup)


class Clock:
    """A clock tests move by hand (no sleeping)."""

    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
