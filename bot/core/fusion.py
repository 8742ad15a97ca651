"""Fusing lexical and semantic evidence, and deciding whether to answer at all.

Both halves are put on one 0-1 scale per question before they are added:

- lexical: a resource's BM25F score divided by the best one, times the question's lexical
  *coverage* (the share of its weight the catalog's words answer, see
  :mod:`bot.core.lexical`), so a question that is mostly chatter lends its matches less;
- semantic: the cosine mapped linearly from ``cos_floor`` (unrelated texts) to
  ``cos_ceiling`` (a paraphrase) and clipped. The mapping is absolute, not per question,
  so a question whose best cosine is weak does not have it stretched into confidence.

Refusal weighs the same two kinds of evidence: answer when the words cover the question
(coverage >= 0.5, with at least a weak cosine unless the words cover nearly all of it,
so that in-domain words inside an off-domain intent do not carry it alone, while a bare
abbreviation the embedding model cannot read still does) or when some resource is close in meaning
(cosine >= ``answer_cosine``); refuse otherwise. A resource enters the answer by a lexical
match or by being close in meaning (within ``neighbour_margin`` of the best cosine and
above ``doc_cosine``). Every number lives in :class:`FusionSettings`.

A second look, for questions the words answer while no resource is close in meaning (best
cosine under ``answer_cosine``) and some words are unknown to the catalog: the question is
embedded again without those words. When that makes the best cosine clearly higher
(by ``unknown_pull`` of itself), the unknown words carried the question's subject and the
catalog answers a neighbouring question instead ("how does LoRA fine-tuning work" matches
fine-tuning resources once "lora" is gone), so it is refused. Chatter ("tbh", "homework")
moves the cosine little, so it does not trigger this.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np


@dataclass(frozen=True)
class FusionSettings:
    """The constants of fusion and refusal, chosen by a grid search on the development sets
    (tests/data/queries.yaml, heldout/, dev_learners.yaml; never tests/data/blind/)."""

    lexical_weight: float = 0.5  # share of the fused score from the lexical side
    cos_floor: float = 0.15  # a cosine at or below this is no evidence
    cos_ceiling: float = 0.65  # a cosine at or above this is full evidence
    answer_cosine: float = 0.5  # a best cosine this high answers whatever the words say
    veto_cosine: float = 0.25  # below this best cosine, words that cover only part of the question are not enough
    full_coverage: float = 0.9  # words covering this much answer whatever the cosine ("bh", "iou")
    coverage: float = 0.5  # lexical coverage that counts as the words answering the question
    joint_evidence: float = 0.8  # coverage + best cosine this high answers too (each side weak alone)
    doc_cosine: float = 0.35  # a resource with no lexical match needs at least this cosine
    neighbour_margin: float = 0.1  # ... and to be within this of the best cosine
    relative_cutoff: float = 0.3  # fused scores under this share of the best are dropped
    unknown_pull: float = 0.28  # without its unknown words, a best cosine this much higher (relative) refuses
    # A tool (kind "tool": a diagram drawer, a model viewer) whose main topic (its first tag) the
    # question does not name scores this much less, so an explanation leads a question asking how
    # something works ("how do CNNs work": CNN Explainer before a CNN-drawing tool). Chosen on the
    # development sets, where it changes hit@3 and MRR by at most one question each way.
    tool_off_topic: float = 0.2
    learned_refusal: bool = True  # decide by the fitted model of bot.core.refusal (the rule when False)


@dataclass(frozen=True)
class Fused:
    """One resource's place in the fused ranking."""

    doc: int
    score: float
    lexical: float  # its lexical part, 0-1 before weighting
    semantic: float  # its semantic part, 0-1 before weighting
    cosine: float


def should_answer(coverage: float, lexical_hits: bool, best_cosine: float, s: FusionSettings) -> bool:
    """Whether the evidence says the catalog answers the question at all."""
    words_answer = (
        lexical_hits
        and coverage >= s.coverage - 1e-9
        and (best_cosine >= s.veto_cosine or coverage >= s.full_coverage - 1e-9)
    )
    joint = lexical_hits and coverage + best_cosine >= s.joint_evidence - 1e-9 and best_cosine >= s.veto_cosine
    return words_answer or joint or best_cosine >= s.answer_cosine


def unknown_words_off_topic(best_cosine: float, best_without: float, s: FusionSettings) -> bool:
    """Whether the words the catalog does not know carried the question's subject: without
    them some resource is much closer in meaning than any is to the whole question."""
    return best_cosine > 0 and pull_refuses((best_without - best_cosine) / best_cosine, s)


def pull_refuses(pull: float, s: FusionSettings) -> bool:
    """The second look's test on the relative rise of the best cosine without the unknown words
    (the refusal feature ``unknown_pull``)."""
    return pull >= s.unknown_pull - 1e-9


def semantic_part(cosines: np.ndarray, s: FusionSettings) -> np.ndarray:
    """Cosines on the 0-1 evidence scale."""
    return np.clip((cosines - s.cos_floor) / (s.cos_ceiling - s.cos_floor), 0.0, 1.0)


def fuse(
    lexical: Sequence[tuple[int, float]],
    coverage: float,
    cosines: np.ndarray,
    allowed: Sequence[bool] | None,
    s: FusionSettings,
    boost: Sequence[float] | None = None,
) -> list[Fused]:
    """Resources ranked by fused score, best first (ties by catalog order).

    ``lexical`` is (resource, score) for the resources the words qualify, best first;
    ``allowed`` (per resource, or None for all) applies the question's filters to the
    resources that enter by meaning alone; ``boost`` (per resource, or None) multiplies a
    score for ordering (the feedback prior) but not for the cutoff, so it reorders results
    and never adds or drops one.
    """
    best_cos = float(cosines.max()) if len(cosines) else 0.0
    sem = semantic_part(cosines, s)
    weight = min(max(coverage, 0.0), 1.0)
    parts: dict[int, float] = {}
    if lexical:
        top = max(score for _, score in lexical) or 1.0
        for doc, score in lexical:
            parts[doc] = score / top * weight
    threshold = max(s.doc_cosine, best_cos - s.neighbour_margin)
    for found in np.flatnonzero(cosines >= threshold):
        doc = int(found)
        if doc not in parts and (allowed is None or allowed[doc]):
            parts[doc] = 0.0
    plain = {doc: s.lexical_weight * lex + (1 - s.lexical_weight) * float(sem[doc]) for doc, lex in parts.items()}
    if not plain:
        return []
    cutoff = s.relative_cutoff * max(plain.values())
    fused = [
        Fused(doc, score * (boost[doc] if boost is not None else 1.0), parts[doc], float(sem[doc]), float(cosines[doc]))
        for doc, score in plain.items()
        if score >= cutoff and score > 0
    ]
    return sorted(fused, key=lambda f: (-f.score, f.doc))
