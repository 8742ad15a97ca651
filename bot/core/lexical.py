"""The lexical engine: question analysis, BM25F retrieval, lexical refusal and "why", composed.

The parts, one module each: :mod:`bot.core.question` reads the question (units, weights,
corrections, coverage), :mod:`bot.core.retrieval` finds the best resources, :mod:`bot.core.explain`
says why each matched, :mod:`bot.core.tag_directory` resolves tag names and suggests tags.

Refusal by words alone: when less than half of the question's weight is answerable
("weather in Paris", "how do I bake bread") nothing is returned. :mod:`bot.core.search` uses
these parts together with the semantic side instead when the embedding model is loaded.
"""

from __future__ import annotations

from typing import Mapping

from bot.core import explain as explanation
from bot.core.errors import InvalidInput
from bot.core.index import Index
from bot.core.model import KINDS, LEVELS, Catalog
from bot.core.question import Query, QuestionReader
from bot.core.results import SearchResponse, SearchResult
from bot.core.retrieval import Retriever
from bot.core.tag_directory import TagDirectory

COVERAGE = 0.5  # share of the question's weight the catalog must answer, or nothing is returned
MAX_LIMIT = 50


class LexicalEngine:
    """Lexical search over one catalog; build a new engine when the catalog changes."""

    def __init__(self, catalog: Catalog, prior: Mapping[str, float] | None = None):
        self.catalog = catalog
        self._index = Index(catalog)
        self.reader = QuestionReader(self._index)
        self.retriever = Retriever(
            self._index, [max(-1.0, min(1.0, float((prior or {}).get(r.id, 0.0)))) for r in catalog.resources]
        )
        self.tags = TagDirectory(catalog, self._index)

    # -- answering -----------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        limit: int = 5,
        offset: int = 0,
        tag: str | None = None,
        kind: str | None = None,
        level: str | None = None,
    ) -> SearchResponse:
        """The best resources for ``query`` (never raises on any text; filters are checked)."""
        allowed_tag = self.check_filters(limit, offset, tag, kind, level)
        query = query if isinstance(query, str) else str(query)
        q = self.reader.analyse(query)
        if not q.units and not q.unknown:
            return self.empty_response(query, tag=allowed_tag, kind=kind, level=level, limit=limit, offset=offset)
        on_topic = q.share >= COVERAGE - 1e-9
        ranked = self.retriever.top(q, offset + limit, allowed_tag, kind, level) if on_topic else []
        results = tuple(self.explain(q, doc, score, mask) for doc, score, mask in ranked[offset:])
        return self.respond(
            query, q, results, [doc for doc, _, _ in ranked], min(q.share, 1.0), filtered=bool(tag or kind or level)
        )

    def check_filters(
        self, limit: int, offset: int, tag: str | None, kind: str | None, level: str | None
    ) -> str | None:
        """Raise ``InvalidInput``/``NotFound`` for a bad page or filter; the tag filter's slug."""
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidInput("limit", f"must be between 1 and {MAX_LIMIT}")
        if offset < 0:
            raise InvalidInput("offset", "must not be negative")
        allowed_tag = self.tags.filter_tag(tag)
        if kind is not None and kind not in KINDS:
            raise InvalidInput("kind", f"must be one of {', '.join(KINDS)}")
        if level is not None and level not in LEVELS:
            raise InvalidInput("level", f"must be one of {', '.join(LEVELS)}")
        return allowed_tag

    def empty_response(
        self,
        query: str,
        *,
        tag: str | None = None,
        kind: str | None = None,
        level: str | None = None,
        limit: int = MAX_LIMIT,
        offset: int = 0,
    ) -> SearchResponse:
        """The answer to a question with no topic word at all ("how does it work?"); with a filter
        (``tag`` a slug), the resources the filter allows: "show me this tag"."""
        if tag is None and kind is None and level is None:
            return SearchResponse(
                query, (), self.tags.popular_tags(), "Ask about a topic, for example: " + self.tags.example_topics()
            )
        if tag is not None:
            chosen = self.tags.resources_for_tag(tag, kind=kind, level=level)
        else:
            order = {lv: i for i, lv in enumerate(LEVELS)}
            chosen = sorted(
                (
                    r
                    for r in self.catalog.resources
                    if (kind is None or r.kind == kind) and (level is None or r.level == level)
                ),
                key=lambda r: (order.get(r.level, 99), r.title.casefold(), r.id),
            )
        shown = " ".join(f"{name} {value}" for name, value in (("tag", tag), ("kind", kind), ("level", level)) if value)
        if not chosen:
            return SearchResponse(query, (), (tag,) if tag else (), f"No resource has {shown}.", confidence=0.0)
        results = tuple(SearchResult(r, 1.0, f"listed: {shown}", ()) for r in chosen[offset : offset + limit])
        notice = f"No topic in the question: showing the resources with {shown} ({len(chosen)} in all)."
        return SearchResponse(query, results, (tag,) if tag else (), notice, confidence=1.0)

    def respond(
        self,
        query: str,
        q: Query,
        results: tuple[SearchResult, ...],
        ranked: list[int],
        confidence: float,
        *,
        filtered: bool,
    ) -> SearchResponse:
        """The response for ``results`` (resources ``ranked`` best first, beyond the page too), or
        the refusal with the closest tags when there are none."""
        if ranked:
            notice = None
            if q.corrections:
                notice = "Read " + ", ".join(f'"{a}" as "{b}"' for a, b in q.corrections) + "."
            return SearchResponse(query, results, self.tags.result_tags(ranked), notice, confidence=confidence)
        suggested = self.tags.closest_tags(q)  # shown by every front-end as the card's related tags
        gaps = tuple(q.gaps)
        if gaps:  # the curators know the catalog lacks this: say what it lacks
            names = [f'"{self.catalog.gaps[slug].title}"' for slug in gaps]
            named = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
            notice = f"The catalog has nothing on {named} yet."
        else:
            notice = (
                "Nothing in the catalog fits that question well" + (" with those filters" if filtered else "") + "."
            )
        return SearchResponse(query, (), suggested, notice, confidence=confidence, gaps=gaps)

    def analyse(self, query: str) -> Query:
        """The question as read (see :mod:`bot.core.question`)."""
        return self.reader.analyse(query)

    def top(
        self, q: Query, k: int, tag: str | None, kind: str | None, level: str | None
    ) -> list[tuple[int, float, int]]:
        """The ``k`` best qualifying resources as (doc, score, evidence mask) (see :mod:`bot.core.retrieval`)."""
        return self.retriever.top(q, k, tag, kind, level)

    def explain(self, q: Query, doc: int, score: float, mask: int) -> SearchResult:
        """The resource with its matches and why (see :mod:`bot.core.explain`)."""
        return explanation.explain(self._index, self.retriever.lookup, q, doc, score, mask)

    def boosts(self) -> list[float] | None:
        """Per resource, the factor the feedback prior multiplies its score by (None: no votes)."""
        return self.retriever.boosts()
