"""The one search function every front-end uses: hybrid lexical + semantic ranking.

The pipeline, one module a step:

1. question analysis and lexical retrieval: :mod:`bot.core.lexical` (BM25F over tags,
   aliases, titles, keywords and descriptions; typos, compounds, coverage);
2. semantic retrieval: :mod:`bot.core.semantic` (a sentence embedding of the question
   against every resource's);
3. fusion and refusal: :mod:`bot.core.fusion`;
4. explanation: lexical matches as :mod:`bot.core.lexical` words them, and for a resource
   found by meaning, "close in meaning to: <what it is about>".

Without an embedder (``VIZBOT_SEMANTIC=off``, or a model that cannot load) the engine is
the lexical engine alone, with its own refusal.
"""

from __future__ import annotations

import re
from typing import Callable, Mapping

from bot.core.embedder import Embedder
from bot.core.fusion import FusionSettings, fuse, should_answer, unknown_words_off_topic
from bot.core.lexical import MAX_LIMIT, LexicalEngine
from bot.core.model import Catalog, Resource, Tag
from bot.core.results import Match, SearchResponse, SearchResult, TagLookup
from bot.core.semantic import SemanticIndex, key_phrase
from bot.core.text import MAX_QUERY_CHARS, normalise

__all__ = ["MAX_LIMIT", "Match", "SearchEngine", "SearchResponse", "SearchResult", "TagLookup"]

LEXICAL_DEPTH = 50  # lexical candidates handed to fusion
MEANING_SHOWN = 0.5  # a resource whose semantic part reaches this says it is close in meaning
# The second look (a second model run) is spent only on questions of at most this many tokens:
# that keeps the slowest questions within the latency budget, and in a long question the known
# words usually carry the subject (on the development sets no longer question was refused by it).
SECOND_LOOK_TOKENS = 20


def _as_read(question: str, corrections: list[tuple[str, str]]) -> str:
    """The question with the words the lexical side corrected spelt as it read them, so the
    embedding model (which knows no misspellings) sees "transformers", not "transfomers"."""
    if not corrections:
        return question
    text = normalise(question)
    for typed, read in corrections:
        text = re.sub(rf"(?<!\w){re.escape(typed)}(?!\w)", read, text)
    return text


def _without(text: str, unknown: list[str]) -> str:
    """``text`` (normalised) with the words the catalog does not know taken out."""
    text = normalise(text)
    for word in set(unknown):
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", " ", text)
    return " ".join(text.split())


class SearchEngine:
    """Search over one catalog; build a new engine when the catalog changes."""

    def __init__(
        self,
        catalog: Catalog,
        prior: Mapping[str, float] | None = None,
        *,
        embedder: Embedder | None = None,
        fusion: FusionSettings | None = None,
        progress: Callable[[int], None] | None = None,
    ):
        self.catalog = catalog
        self.lexical = LexicalEngine(catalog, prior)
        self.semantic = SemanticIndex(catalog, embedder, progress) if embedder is not None else None
        self.fusion = fusion or FusionSettings()
        self._phrases: dict[int, str] = {}
        self._boosts = self.lexical.boosts()

    @property
    def hybrid(self) -> bool:
        """True when answers use meaning as well as words."""
        return self.semantic is not None

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
        if self.semantic is None:
            return self.lexical.search(query, limit=limit, offset=offset, tag=tag, kind=kind, level=level)
        lex = self.lexical
        allowed_tag = lex.check_filters(limit, offset, tag, kind, level)
        query = query if isinstance(query, str) else str(query)
        q = lex.analyse(query)
        if not q.units and not q.unknown:
            return lex.empty_response(query, tag=allowed_tag, kind=kind, level=level, limit=limit, offset=offset)
        coverage = min(q.share, 1.0)
        ranked = lex.top(q, LEXICAL_DEPTH, allowed_tag, kind, level) if q.units else []
        as_read = _as_read(query[:MAX_QUERY_CHARS], q.corrections)
        cosines = self.semantic.cosines(as_read)
        best_cos = float(cosines.max()) if len(cosines) else 0.0
        filtered = bool(tag or kind or level)
        fused = []
        if should_answer(coverage, bool(ranked), best_cos, self.fusion) and not self._off_topic(q, as_read, best_cos):
            allowed = self._allowed(allowed_tag, kind, level) if filtered else None
            fused = fuse(
                [(doc, score) for doc, score, _ in ranked], coverage, cosines, allowed, self.fusion, self._boosts
            )
        masks = {doc: (score, mask) for doc, score, mask in ranked}
        results = tuple(self._result(q, f, masks.get(f.doc)) for f in fused[offset : offset + limit])
        confidence = max(coverage if ranked else 0.0, min(1.0, best_cos / self.fusion.answer_cosine) * 0.5)
        return lex.respond(query, q, results, [f.doc for f in fused], round(confidence, 4), filtered=filtered)

    def _off_topic(self, q, as_read: str, best_cos: float) -> bool:
        """The second look of :mod:`bot.core.fusion`: words answer, meaning is weak, and the
        words the catalog does not know were the subject (one more model run, only then)."""
        if not q.unknown or best_cos >= self.fusion.answer_cosine or self.semantic is None:
            return False
        if self.semantic.embedder.tokens(as_read) > SECOND_LOOK_TOKENS:
            return False
        rest = _without(as_read, q.unknown)
        if not rest:
            return False
        cosines = self.semantic.cosines(rest)
        return unknown_words_off_topic(best_cos, float(cosines.max()) if len(cosines) else 0.0, self.fusion)

    def _allowed(self, tag: str | None, kind: str | None, level: str | None) -> list[bool]:
        return [
            (tag is None or tag in r.tags) and (kind is None or r.kind == kind) and (level is None or r.level == level)
            for r in self.catalog.resources
        ]

    def _result(self, q, fused, lexical: tuple[float, int] | None) -> SearchResult:
        """The resource with its fused score and why: its lexical matches, and its closeness in
        meaning when that is what brought it (or most of what did)."""
        resource = self.catalog.resources[fused.doc]
        why = ""
        matches: tuple[Match, ...] = ()
        if lexical is not None:
            base = self.lexical.explain(q, fused.doc, lexical[0], lexical[1])
            why, matches = base.why, base.matches
        if fused.semantic >= MEANING_SHOWN and (lexical is None or fused.semantic > fused.lexical):
            phrase = self._phrases.get(fused.doc)
            if phrase is None:
                phrase = self._phrases[fused.doc] = key_phrase(resource)
            why = "; ".join(p for p in (why, f"close in meaning to: {phrase}") if p)
        return SearchResult(resource, fused.score, why, matches)

    # -- tags: the lexical engine's tag directory -----------------------------------

    def resolve_tag(self, name: str) -> TagLookup:
        """The tag named by a slug, title or alias, or the nearest by spelling."""
        return self.lexical.tags.resolve_tag(name)

    def complete_tags(self, text: str, limit: int = 25) -> list[Tag]:
        """Tags for autocomplete: prefix matches first, then substring and fuzzy ones."""
        return self.lexical.tags.complete_tags(text, limit)

    def resources_for_tag(self, slug: str, *, kind: str | None = None, level: str | None = None) -> list[Resource]:
        """The resources carrying tag ``slug`` (beginner first, then by title)."""
        return self.lexical.tags.resources_for_tag(slug, kind=kind, level=level)

    def tag_counts(self) -> dict[str, int]:
        """Number of resources per tag (every tag, zero included)."""
        return self.lexical.tags.tag_counts()
