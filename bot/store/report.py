"""The curator report: most asked topics, the gaps to fill, disliked resources, pending suggestions."""

from __future__ import annotations

from bot.store.conn import Connection

from bot.core.errors import InvalidInput
from bot.core.limits import REPORT_DAYS_MAX
from bot.store import feedback, links, questions, suggestions
from bot.store.records import Report, to_datetime

DAY = 86400.0


def check_days(days: object) -> int:
    """A report window: a whole number of days, 1 to ten years."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= REPORT_DAYS_MAX:
        raise InvalidInput("days", f"must be a whole number from 1 to {REPORT_DAYS_MAX}")
    return days


async def build(
    conn: Connection,
    *,
    days: int,
    now: float,
    low_confidence: float,
    limit: int = 10,
    server: str | None = None,
) -> Report:
    """Everything a curator needs to see for the last ``days`` days: about every server (the home's
    report, with questions per server), or about one ``server`` alone (its admins' report: its own
    questions, nothing of other servers, no votes or suggestions, which belong to the home).
    No report names who asked; questions asked in direct messages are counted, never quoted."""
    since = now - check_days(days) * DAY
    total, unanswered = await questions.totals(conn, since=since, guild=server)
    home = server is None
    return Report(
        days=days,
        generated_at=to_datetime(now),
        questions=total,
        unanswered=unanswered,
        topics=tuple(await questions.topics(conn, since=since, limit=limit, guild=server)),
        gaps=tuple(
            await questions.gaps(conn, since=since, low_confidence=low_confidence, limit=2 * limit, guild=server)
        ),
        disliked=tuple(await feedback.most_disliked(conn, since=since, limit=limit)) if home else (),
        pending_count=await suggestions.count(conn) if home else 0,
        pending=tuple(await suggestions.listing(conn, limit=limit)) if home else (),
        server=server,
        servers=tuple(await questions.by_server(conn, since=since)) if home else (),
        links=tuple(await links.attention(conn, limit=limit)) if home else (),
        left_out=await links.left_out(conn, since=since) if home else 0,
    )
