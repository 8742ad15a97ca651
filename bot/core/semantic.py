"""The semantic half of search: every resource as a vector, a question's cosine to each.

A resource is embedded from what a learner would read about it: its title, description,
keywords and the titles of its tags. The matrix is built once per catalog (vectors come
from the embedder's memory and disk cache, so a rebuild after an approval embeds only the
new entry); a question costs one model run and one matrix-vector product.
"""

from __future__ import annotations

import re
from typing import Callable

import numpy as np

from bot.core.embedder import Embedder, EmbeddingCache
from bot.core.model import Catalog, Resource

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def resource_text(resource: Resource, catalog: Catalog) -> str:
    """The text a resource is embedded from."""
    tags = ", ".join(catalog.tags[t].title for t in resource.tags if t in catalog.tags)
    parts = [resource.title + ".", resource.description]
    if resource.keywords:
        parts.append("Keywords: " + ", ".join(resource.keywords) + ".")
    if tags:
        parts.append("Topics: " + tags + ".")
    return " ".join(parts)


def key_phrase(resource: Resource, limit: int = 70) -> str:
    """What a resource is about, short, for "close in meaning to: ...": the first sentence of
    its description (the title is shown beside it already)."""
    text = _SENTENCE.split(resource.description.strip(), maxsplit=1)[0].rstrip(".") or resource.title
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,;") + "…"


class SemanticIndex:
    """Cosines between a question and every resource of one catalog."""

    def __init__(self, catalog: Catalog, embedder: Embedder, progress: Callable[[int], None] | None = None):
        self.embedder = embedder
        texts = [resource_text(r, catalog) for r in catalog.resources]
        self.matrix = (
            embedder.documents(texts, progress, EmbeddingCache.shipped_with(catalog.source))
            if texts
            else np.zeros((0, 1), dtype=np.float32)
        )

    def cosines(self, question: str) -> np.ndarray:
        """The question's cosine to each resource, in catalog order."""
        if not len(self.matrix):
            return np.zeros(0, dtype=np.float32)
        return self.matrix @ self.embedder.query(question)
