"""Fusion and refusal as arithmetic on scores and cosines (no model needed)."""

from __future__ import annotations

import numpy as np
import pytest

from bot.core.fusion import FusionSettings, fuse, semantic_part, should_answer, unknown_words_off_topic

S = FusionSettings()


@pytest.mark.parametrize(
    ("coverage", "hits", "cosine", "answer"),
    [
        (1.0, True, 0.10, True),  # a bare abbreviation the model cannot read ("bh")
        (0.6, True, 0.40, True),  # words and meaning agree
        (0.6, True, 0.10, False),  # in-domain words, off-domain meaning
        (0.4, True, 0.45, True),  # weak words plus fair meaning: joint evidence
        (0.3, True, 0.30, False),  # both weak
        (0.0, False, 0.55, True),  # described without naming: meaning alone
        (0.0, False, 0.45, False),
        (0.9, False, 0.30, False),  # coverage with no lexical hit counts for nothing
    ],
)
def test_should_answer(coverage: float, hits: bool, cosine: float, answer: bool) -> None:
    """Answer on strong words, strong meaning, or enough of both."""
    assert should_answer(coverage, hits, cosine, S) is answer


def test_semantic_part_is_absolute_not_per_question() -> None:
    """Cosines map onto 0-1 between the floor and the ceiling, clipped, whatever the best one is."""
    parts = semantic_part(np.array([0.0, S.cos_floor, (S.cos_floor + S.cos_ceiling) / 2, 0.9]), S)
    assert parts.tolist() == pytest.approx([0.0, 0.0, 0.5, 1.0])


def test_lexical_and_semantic_evidence_add_up() -> None:
    """A resource with both kinds of evidence beats one with either alone; one with neither is not there."""
    cosines = np.array([0.6, 0.1, 0.6, 0.1], dtype=np.float32)
    ranked = fuse([(0, 10.0), (1, 10.0)], 1.0, cosines, None, S)
    assert [f.doc for f in ranked] == [0, 1, 2]
    assert ranked[0].lexical == 1.0 and ranked[2].lexical == 0.0


def test_filters_keep_out_resources_found_by_meaning_alone() -> None:
    """``allowed`` applies to resources that enter by meaning."""
    cosines = np.array([0.6, 0.6], dtype=np.float32)
    assert [f.doc for f in fuse([], 0.0, cosines, [False, True], S)] == [1]


def test_the_prior_reorders_but_never_adds_or_drops() -> None:
    """A boost changes the order of results; the cutoff is taken before it."""
    cosines = np.array([0.5, 0.49, 0.1], dtype=np.float32)
    plain = fuse([], 0.0, cosines, None, S)
    boosted = fuse([], 0.0, cosines, None, S, boost=[1.0, 1.05, 10.0])
    assert {f.doc for f in plain} == {f.doc for f in boosted} == {0, 1}
    assert [f.doc for f in plain] == [0, 1] and [f.doc for f in boosted] == [1, 0]


def test_relative_cutoff_drops_far_weaker_results() -> None:
    """A lexical match scoring under 30% of the best fused score is dropped."""
    cosines = np.zeros(3, dtype=np.float32)
    ranked = fuse([(0, 10.0), (1, 5.0), (2, 0.5)], 1.0, cosines, None, S)
    assert [f.doc for f in ranked] == [0, 1]


@pytest.mark.parametrize(
    ("best", "without", "off_topic"),
    [
        (0.30, 0.47, True),  # the unknown word was the subject: without it the catalog fits far better
        (0.40, 0.42, False),  # chatter: taking it out changes little
        (0.40, 0.35, False),  # taking it out makes things worse: it was on topic
        (0.40, 0.40 * 1.28, True),  # exactly the setting's margin
        (0.0, 0.3, False),  # no cosine to compare with
    ],
)
def test_unknown_words_off_topic(best: float, without: float, off_topic: bool) -> None:
    """The second look refuses only when the unknown words pulled the question away from the catalog."""
    assert unknown_words_off_topic(best, without, FusionSettings(unknown_pull=0.28)) is off_topic
