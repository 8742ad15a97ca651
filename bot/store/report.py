"""The curator report: most asked topics, the gaps to fill, disliked resources, pending suggestions."""

from __future__ import annotations

import aiosqlite

from bot.core.errors import InvalidInput
from bot.store import feedback, questions, suggestions
from bot.store.records import Report, to_datetime

DAY = 86400.0
MAX_DAYS = 3650


def check_days(days: object) -> int:
    """A report window: a whole number of days, 1 to ten years."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise InvalidInput("days", f"must be a whole number from 1 to {MAX_DAYS}")
    return days


async def build(
    conn: aiosqlite.Connection, *, days: int, now: float, low_confidence: float, limit: int = 10
) -> Report:
    """Everything a curator needs to see for the last ``days`` days."""
    since = now - check_days(days) * DAY
    total, unanswered = await questions.totals(conn, since=since)
    return Report(
        days=days,
        generated_at=to_datetime(now),
        questions=total,
        unanswered=unanswered,
        topics=tuple(await questions.topics(conn, since=since, limit=limit)),
        gaps=tuple(await questions.gaps(conn, since=since, low_confidence=low_confidence, limit=2 * limit)),
        disliked=tuple(await feedback.most_disliked(conn, since=since, limit=limit)),
        pending_count=await suggestions.count(conn),
        pending=tuple(await suggestions.listing(conn, limit=limit)),
    )
