"""The BM25 baseline: bm25s over the same fields, English stemming and stop words.

bm25s is an optional dependency (the ``bench`` extra); it is imported only here, lazily.
"""

from __future__ import annotations

import logging
from typing import Sequence

from bot.core.errors import ConfigError
from bot.core.model import Catalog, Resource

_log = logging.getLogger(__name__)


def _bm25s():
    try:
        import bm25s  # noqa: PLC0415 - optional, heavy: imported only when benchmarking
        import Stemmer  # noqa: PLC0415
    except ImportError:
        raise ConfigError("the BM25 baseline needs bm25s: pip install 'vizbot[bench]' (or run with --no-baseline)") from None
    for name in ("bm25s", "bm25s.tokenization"):
        logging.getLogger(name).setLevel(logging.WARNING)  # bm25s logs at DEBUG by default
    return bm25s, Stemmer


def document_text(resource: Resource, catalog: Catalog) -> str:
    """The fields our index reads, as one text: tags (slug, title, aliases), title, keywords, description, author."""
    tag_text = []
    for slug in resource.tags:
        tag = catalog.tags.get(slug)
        tag_text.append(slug if tag is None else " ".join((slug, tag.title, *tag.aliases)))
    return " ".join((*tag_text, resource.title, " ".join(resource.keywords), resource.description, resource.author or ""))


class Bm25Baseline:
    """bm25s over a catalog; ``search`` returns ranked ids, dropping zero scores (its only refusal)."""

    def __init__(self, catalog: Catalog):
        bm25s, Stemmer = _bm25s()
        self._bm25s = bm25s
        self._stemmer = Stemmer.Stemmer("english")
        self._resources = catalog.resources
        corpus = [document_text(r, catalog) for r in catalog.resources]
        tokens = bm25s.tokenize(corpus, stopwords="en", stemmer=self._stemmer, show_progress=False)
        self._retriever = bm25s.BM25()
        self._retriever.index(tokens, show_progress=False)

    def search(self, query: str, k: int = 10) -> list[str]:
        """Top ``k`` resource ids with a positive score."""
        k = min(k, len(self._resources))
        if k == 0:
            return []
        tokens = self._bm25s.tokenize([query], stopwords="en", stemmer=self._stemmer, show_progress=False, return_ids=False)
        docs, scores = self._retriever.retrieve(tokens, k=k, show_progress=False, n_threads=1)
        return [self._resources[int(d)].id for d, s in zip(docs[0], scores[0]) if s > 0]

    def filtered(self, query: str, filters: dict[str, str], k: int = 10) -> Sequence[str]:
        """Like :meth:`search`, keeping only resources that pass ``filters`` (tag, kind, level)."""
        by_id = {r.id: r for r in self._resources}
        ranked = self.search(query, k=len(self._resources)) if filters else self.search(query, k)
        keep = [
            rid
            for rid in ranked
            if all(
                (value in by_id[rid].tags) if key == "tag" else getattr(by_id[rid], key) == value
                for key, value in filters.items()
            )
        ]
        return keep[:k]
