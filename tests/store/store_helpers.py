"""Helpers for store tests: a small tag vocabulary, drafts, and a hand-moved clock."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.model import Tag
from bot.core.suggestion_schema import validate_suggestion
from bot.store import SuggestionDraft

TAGS = {
    "cnn": Tag("cnn", "Convolutional neural networks", "Filters over images.", ("convnet", "conv net")),
    "kernels": Tag("kernels", "Image kernels", "Blur and sharpen.", ("filter",)),
    "attention": Tag("attention", "Attention", "Transformers.", ("transformer",)),
}


@dataclass(frozen=True)
class Lookup:
    """The shape of ``SearchEngine.resolve_tag``'s answer."""

    tag: Tag | None
    suggestions: tuple[Tag, ...]
    how: str


def lookup(name: str) -> Lookup:
    """A small real resolver: slugs and aliases resolve (case-insensitive), anything else does not."""
    key = name.strip().lower()
    for tag in TAGS.values():
        if key == tag.slug:
            return Lookup(tag, (), "exact")
        if key in tag.aliases:
            return Lookup(tag, (), "alias")
    near = tuple(t for t in TAGS.values() if key and t.slug.startswith(key[:2]))
    return Lookup(None, near, "none")


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
