"""The catalog's data types: tags, resources, and the catalog that holds them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

KINDS: tuple[str, ...] = ("interactive", "article", "video", "course", "tool", "reference", "paper")
LEVELS: tuple[str, ...] = ("beginner", "intermediate", "advanced")


@dataclass(frozen=True, slots=True)
class Tag:
    """A topic in the tag vocabulary (``catalog/tags.yaml``)."""

    slug: str
    title: str
    description: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Gap:
    """A topic learners ask about that the catalog knows it lacks (``catalog/gaps.yaml``)."""

    slug: str
    title: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Resource:
    """One learning visualization (an entry of ``catalog/resources/*.yaml``)."""

    id: str
    title: str
    url: str
    description: str
    tags: tuple[str, ...]
    kind: str
    level: str
    keywords: tuple[str, ...] = ()
    author: str | None = None
    image: str | None = None

    def to_export(self) -> dict[str, object]:
        """The ``catalog export --json`` shape."""
        return {
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "description": self.description,
            "tags": list(self.tags),
            "keywords": list(self.keywords),
            "kind": self.kind,
            "level": self.level,
        }

    def to_yaml_entry(self) -> dict[str, object]:
        """The ``catalog/resources/*.yaml`` entry shape (optional fields only when set)."""
        entry: dict[str, object] = {
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "description": self.description,
            "tags": list(self.tags),
        }
        if self.keywords:
            entry["keywords"] = list(self.keywords)
        entry["kind"] = self.kind
        entry["level"] = self.level
        if self.author:
            entry["author"] = self.author
        if self.image:
            entry["image"] = self.image
        return entry


@dataclass(frozen=True)
class Catalog:
    """Tags, resources and known gaps, validated; immutable so a live swap is one assignment."""

    tags: dict[str, Tag]
    resources: tuple[Resource, ...]
    source: Path | None = None
    gaps: dict[str, Gap] = field(default_factory=dict)  # topics it knows it has nothing on
    _by_id: dict[str, Resource] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {r.id: r for r in self.resources})

    def get(self, resource_id: str) -> Resource | None:
        """The resource with this id, or ``None``."""
        return self._by_id.get(resource_id)

    def with_resources(self, extra: Iterable[Resource]) -> "Catalog":
        """A new catalog with ``extra`` added (ids already present are skipped)."""
        added = tuple(r for r in extra if r.id not in self._by_id)
        return Catalog(tags=self.tags, resources=self.resources + added, source=self.source, gaps=self.gaps)
