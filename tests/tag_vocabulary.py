"""A small tag vocabulary and a real resolver over it, for tests of suggestion validation (core and store)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.model import Tag

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
    """Slugs and aliases resolve (case-insensitive); anything else does not, with tags sharing its first two letters."""
    key = name.strip().lower()
    for tag in TAGS.values():
        if key == tag.slug:
            return Lookup(tag, (), "exact")
        if key in tag.aliases:
            return Lookup(tag, (), "alias")
    return Lookup(None, tuple(t for t in TAGS.values() if key and t.slug.startswith(key[:2])), "none")
