"""Feedback: one vote per user per (question, resource), re-voting replaces, and the smoothed prior."""

from __future__ import annotations

import pytest

from bot.core.errors import InvalidInput
from bot.store import Store
from bot.store.feedback import smoothed


@pytest.mark.parametrize(
    ("up", "down", "expected"),
    [
        (0, 0, 0.0),
        (1, 0, 0.0),
        (0, 1, 0.0),
        (3, 1, 0.0),
        (50, 50, 0.0),
        (55, 45, 0.0),
        (20, 0, (20 - 2 * 20**0.5) / 25),
        (0, 20, -(20 - 2 * 20**0.5) / 25),
        (95, 5, (90 - 20) / 105),
    ],
)
def test_smoothed_prior(up: int, down: int, expected: float) -> None:
    """Imbalance within two standard deviations of chance is 0; agreement grows slowly, never reaching +-1."""
    assert smoothed(up, down) == pytest.approx(expected)


async def test_revote_replaces(store: Store) -> None:
    """Voting again on the same question and resource replaces the earlier vote."""
    await store.vote(user="ann", question="what is a cnn", resource_id="cs231n", value=1)
    await store.vote(user="ann", question="what is a cnn", resource_id="cs231n", value=-1)
    assert [(t.up, t.down) for t in await store.vote_tallies()] == [(0, 1)]


async def test_votes_count_per_user_and_question(store: Store) -> None:
    """Different users, or different questions, are different votes."""
    await store.vote(user="ann", question="what is a cnn", resource_id="cs231n", value=1)
    await store.vote(user="bob", question="what is a cnn", resource_id="cs231n", value=1)
    await store.vote(user="ann", question="explain pooling", resource_id="cs231n", value=-1)
    await store.vote(user="ann", question="explain pooling", resource_id="setosa", value=1)
    assert [(t.resource_id, t.up, t.down) for t in await store.vote_tallies()] == [("cs231n", 2, 1), ("setosa", 1, 0)]


async def test_prior_follows_agreement(store: Store) -> None:
    """Many agreeing votes give a clear prior; the same number split evenly gives none."""
    for n in range(30):
        await store.vote(user=f"u{n}", question="q", resource_id="liked", value=1)
        await store.vote(user=f"u{n}", question="q", resource_id="split", value=1 if n % 2 else -1)
    prior = await store.feedback_prior()
    assert prior["split"] == 0.0
    assert 0.5 < prior["liked"] < 1.0


@pytest.mark.parametrize("value", [0, 2, -2, True, "1", 1.5, None])
async def test_vote_must_be_plus_or_minus_one(store: Store, value: object) -> None:
    """Only +1 and -1 are votes."""
    with pytest.raises(InvalidInput, match="vote"):
        await store.vote(user="ann", question="q", resource_id="r", value=value)  # type: ignore[arg-type]
    assert await store.vote_tallies() == []


@pytest.mark.parametrize(
    "variant",
    ["How does a GAN work?", "how does a gan work", "  HOW  does a GAN   work?!  ", "How does a GÁN work…"],
)
async def test_question_variants_are_one_vote(store: Store, variant: str) -> None:
    """Case, punctuation, accents and spacing do not make a second vote on the same question."""
    await store.vote(user="ann", question="how does a gan work", resource_id="gan-lab", value=1)
    await store.vote(user="ann", question=variant, resource_id="gan-lab", value=-1)
    assert [(t.up, t.down) for t in await store.vote_tallies()] == [(0, 1)]


@pytest.mark.parametrize("question", ["", "   ", "?!", "\u200b\u00ad", "\x00\n"])
async def test_empty_question_is_refused(store: Store, question: str) -> None:
    """A vote needs the question it was given for; nothing is recorded otherwise."""
    with pytest.raises(InvalidInput, match="question") as caught:
        await store.vote(user="ann", question=question, resource_id="gan-lab", value=1)
    assert caught.value.field == "question"
    assert await store.vote_tallies() == []
