"""The rankers vizbot is measured against.

- :class:`Bm25Baseline`: bm25s over the same fields, English stemming and stop words, called
  the way bm25s's own README does (``bm25s.tokenize`` then ``BM25().index`` and
  ``retrieve(..., k)`` with its default threading: sequential, no thread pool per call).
  bm25s is an optional dependency (the ``bench`` extra); it is imported only here, lazily.
- :class:`DenseRanker`: the MiniLM sentence embedding alone, every resource ranked by cosine
  (:class:`bot.core.semantic.SemanticIndex`), refusing when the best cosine is under a threshold.
"""

from __future__ import annotations

import logging
from typing import Mapping

import numpy as np

from bot.core.errors import ConfigError
from bot.core.model import Catalog, Resource
from bot.core.semantic import SemanticIndex

_log = logging.getLogger(__name__)

DENSE_REFUSAL = 0.35  # the dense ranker answers only when its best cosine reaches this


def _bm25s():
    try:
        import bm25s  # noqa: PLC0415 - optional, heavy: imported only when benchmarking
        import Stemmer  # noqa: PLC0415
    except ImportError:
        raise ConfigError(
            "the BM25 baseline needs bm25s: pip install 'vizbot[bench]' (or run with --no-baseline)"
        ) from None
    for name in ("bm25s", "bm25s.tokenization"):
        logging.getLogger(name).setLevel(logging.WARNING)  # bm25s logs at DEBUG by default
    return bm25s, Stemmer


def document_text(resource: Resource, catalog: Catalog) -> str:
    """The fields our index reads, as one text: tags (slug, title, aliases), title, keywords, description, author."""
    tag_text = []
    for slug in resource.tags:
        tag = catalog.tags.get(slug)
        tag_text.append(slug if tag is None else " ".join((slug, tag.title, *tag.aliases)))
    return " ".join(
        (*tag_text, resource.title, " ".join(resource.keywords), resource.description, resource.author or "")
    )


def passes(resource: Resource, filters: Mapping[str, str]) -> bool:
    """Whether ``resource`` passes a labelled question's filters (tag, kind, level)."""
    return all(
        (value in resource.tags) if key == "tag" else getattr(resource, key) == value for key, value in filters.items()
    )


class Bm25Baseline:
    """bm25s over a catalog; ``search`` returns ranked ids, dropping zero scores (its only refusal)."""

    def __init__(self, catalog: Catalog):
        bm25s, Stemmer = _bm25s()
        self._bm25s = bm25s
        self._stemmer = Stemmer.Stemmer("english")
        self._resources = catalog.resources
        corpus = [document_text(r, catalog) for r in catalog.resources]
        self._retriever = bm25s.BM25()
        self._retriever.index(
            bm25s.tokenize(corpus, stopwords="en", stemmer=self._stemmer, show_progress=False), show_progress=False
        )

    def search(self, query: str, k: int = 10) -> list[str]:
        """Top ``k`` resource ids with a positive score."""
        k = min(k, len(self._resources))
        if k == 0:
            return []
        tokens = self._bm25s.tokenize(query, stopwords="en", stemmer=self._stemmer, show_progress=False)
        docs, scores = self._retriever.retrieve(tokens, k=k, show_progress=False)
        return [self._resources[int(d)].id for d, s in zip(docs[0], scores[0]) if s > 0]

    def filtered(self, query: str, filters: Mapping[str, str], k: int = 10) -> list[str]:
        """Like :meth:`search`, keeping only resources that pass ``filters`` (tag, kind, level)."""
        if not filters:
            return self.search(query, k)
        by_id = {r.id: r for r in self._resources}
        return [rid for rid in self.search(query, k=len(self._resources)) if passes(by_id[rid], filters)][:k]


class DenseRanker:
    """Every resource ranked by the cosine of its MiniLM vector to the question's; nothing
    (a refusal) when the best cosine among the resources the filters allow is under ``refusal``."""

    def __init__(self, catalog: Catalog, index: SemanticIndex, refusal: float = DENSE_REFUSAL):
        self._resources = catalog.resources
        self._index = index
        self.refusal = refusal

    def search(self, query: str, k: int = 10, filters: Mapping[str, str] | None = None) -> list[str]:
        """The ``k`` closest resource ids passing ``filters``, best first, or [] when refusing."""
        cosines = self._index.cosines(query)
        if not len(cosines):
            return []
        if filters:
            allowed = np.array([passes(r, filters) for r in self._resources])
            cosines = np.where(allowed, cosines, -np.inf)
        k = min(k, len(cosines))
        top = np.argpartition(-cosines, k - 1)[:k]
        top = top[np.lexsort((top, -cosines[top]))]  # best first, ties by catalog order
        if not cosines[top[0]] >= self.refusal:
            return []
        return [self._resources[int(d)].id for d in top if np.isfinite(cosines[d])]
