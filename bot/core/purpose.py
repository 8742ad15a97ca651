"""What vizbot is not for: a question's closeness in meaning to requests no visualization answers.

``data/off_purpose/sentences.txt`` holds short requests a learner might make in a study server
that no learning resource answers (buying hardware, prices, jobs, homework done for them, jokes,
set-up help, plain chat). The refusal model (:mod:`bot.core.refusal`) reads a question's highest
cosine to them as one feature: in-domain words inside such a request ("which GPU should I buy
for CNNs") then count for less. The sentences are about the bot, not a subject, so they hold for
any catalog. Their vectors ship beside them (``python -m bot.bench.refusal --write``); a sentence
without one is embedded when the engine starts.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


from bot.core.embedder import Embedder, EmbeddingCache

DIRECTORY = Path(__file__).parent / "data" / "off_purpose"
SENTENCES = DIRECTORY / "sentences.txt"


@lru_cache(maxsize=1)
def sentences() -> tuple[str, ...]:
    """The off-purpose requests, one a line (comments and blank lines left out)."""
    lines = SENTENCES.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))


def shipped_vectors() -> EmbeddingCache:
    """The vectors shipped beside the sentences (read, and written by the refit)."""
    return EmbeddingCache(DIRECTORY)


class OffPurpose:
    """A question's highest cosine to the off-purpose requests."""

    def __init__(self, embedder: Embedder):
        self.embedder = embedder
        self.matrix = embedder.documents(sentences(), shipped=shipped_vectors())

    def cosine(self, question: str) -> float:
        """The highest cosine between ``question`` and an off-purpose request (the question's
        vector is the embedder's, cached: no second model run after the search's own)."""
        return float((self.matrix @ self.embedder.query(question)).max())
