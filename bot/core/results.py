"""What a search returns, to every front-end: results with their reasons, and tag look-ups."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.model import Resource, Tag


@dataclass(frozen=True)
class Match:
    """One query term that matched one field of a resource."""

    term: str  # the query word(s) as typed (normalised)
    matched: str  # what it matched: an index word, or a tag slug
    field: str  # "tag", "title", "keyword", "description" or "author"
    how: str  # "exact", "stem", "alias" or "typo"


@dataclass(frozen=True)
class SearchResult:
    """A resource, its score and why it matched."""

    resource: Resource
    score: float
    why: str
    matches: tuple[Match, ...]


@dataclass(frozen=True)
class SearchResponse:
    """The answer to one question; ``results`` is empty when nothing fits."""

    query: str
    results: tuple[SearchResult, ...]
    suggested_tags: tuple[str, ...]
    notice: str | None = None
    confidence: float = 0.0  # share of the question's weight the catalog answers (0-1), on any catalog
    gaps: tuple[str, ...] = ()  # when nothing fits: the known gaps (gaps.yaml) the question names

    def to_json(self) -> dict:
        """``{"query", "results": [{"id","title","url","score","tags","why"}], "suggested_tags", "gaps"}``."""
        return {
            "query": self.query,
            "results": [
                {
                    "id": r.resource.id,
                    "title": r.resource.title,
                    "url": r.resource.url,
                    "score": round(r.score, 4),
                    "tags": list(r.resource.tags),
                    "why": r.why,
                }
                for r in self.results
            ],
            "suggested_tags": list(self.suggested_tags),
            "gaps": list(self.gaps),
        }


@dataclass(frozen=True)
class TagLookup:
    """The tag a name resolves to (or ``None``), and the closest tags otherwise."""

    tag: Tag | None
    suggestions: tuple[Tag, ...]
    how: str  # "exact", "alias", "typo" or "none"
