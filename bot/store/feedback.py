"""Feedback votes (+1/-1 per user per question and resource) and the smoothed prior they give ranking."""

from __future__ import annotations

import math

from bot.store.conn import Connection

from bot.core.errors import InvalidInput
from bot.core.text import normalise, raw_words
from bot.store.records import VoteTally

# Pseudo-votes added to the denominator: a handful of votes stays gentle.
SMOOTHING = 5.0
# Vote imbalance within this many standard deviations of a coin toss counts for nothing.
NOISE_Z = 2.0


def smoothed(up: int, down: int, k: float = SMOOTHING, z: float = NOISE_Z) -> float:
    """Feedback in (-1, 1): the imbalance beyond chance, ``(|up-down| - z*sqrt(n)) / (n + k)``, signed.

    Random votes (imbalance about ``sqrt(n)``) give 0 in about 95% of cases, so noise cannot
    reorder answers; agreement grows towards +-1 only as many votes agree (20 of 20 up: 0.44).
    """
    n = up + down
    excess = abs(up - down) - z * math.sqrt(n)
    if n == 0 or excess <= 0:
        return 0.0
    return math.copysign(excess / (n + k), up - down)


def question_words(question: str, max_chars: int) -> str:
    """The words of ``question``, normalised, one space apart, at most ``max_chars`` characters."""
    return " ".join(raw_words(normalise(question)))[:max_chars].strip()


def question_key(question: object, max_chars: int) -> str:
    """The question a vote is for, as one key: case, accents, punctuation and spacing do not count
    ("How does a GAN work?" and "how does a gan work" are one vote); an empty question is refused."""
    if not isinstance(question, str):
        raise InvalidInput("question", "must be text")
    key = question_words(question, max_chars)
    if not key:
        raise InvalidInput("question", "is empty: say which question the resource was given for")
    return key


def check_value(value: object) -> int:
    """A vote is +1 or -1."""
    if isinstance(value, bool) or value not in (1, -1):
        raise InvalidInput("vote", "must be +1 (helpful) or -1 (not helpful)")
    return int(value)


async def vote(conn: Connection, *, user: str, question: str, resource_id: str, value: int, now: float) -> None:
    """Record (or replace) one user's vote; call inside a transaction."""
    await conn.execute(
        "INSERT INTO votes (user_id, question, resource_id, value, at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (user_id, question, resource_id) DO UPDATE SET value = excluded.value, at = excluded.at",
        (user, question, resource_id, value, now),
    )


async def tallies(conn: Connection) -> list[VoteTally]:
    """Up and down counts for every resource that has votes."""
    sql = (
        "SELECT resource_id, count(*) FILTER (WHERE value = 1), count(*) FILTER (WHERE value = -1) FROM votes "
        "GROUP BY resource_id ORDER BY resource_id"
    )
    async with conn.execute(sql) as cur:
        return [VoteTally(r[0], int(r[1]), int(r[2])) for r in await cur.fetchall()]


async def most_disliked(conn: Connection, *, since: float, limit: int = 10) -> list[VoteTally]:
    """Resources with the most thumbs-down since ``since``, most first."""
    sql = (
        "SELECT resource_id, count(*) FILTER (WHERE value = 1), count(*) FILTER (WHERE value = -1) AS down "
        "FROM votes WHERE at >= ? GROUP BY resource_id HAVING count(*) FILTER (WHERE value = -1) > 0 "
        "ORDER BY down DESC, resource_id LIMIT ?"
    )
    async with conn.execute(sql, (since, limit)) as cur:
        return [VoteTally(r[0], int(r[1]), int(r[2])) for r in await cur.fetchall()]


async def prior(conn: Connection, k: float = SMOOTHING) -> dict[str, float]:
    """Resource id -> smoothed feedback in (-1, 1), for ``SearchEngine(prior=...)``."""
    return {t.resource_id: smoothed(t.up, t.down, k) for t in await tallies(conn)}
