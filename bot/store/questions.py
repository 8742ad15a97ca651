"""The questions log: what people asked, how well it was answered; pruned after the retention period."""

from __future__ import annotations

from bot.store.conn import Connection

from bot.core.limits import QUESTION_MAX
from bot.store.records import DIRECT_MESSAGES, Gap, ServerCount, TopicCount, to_datetime


async def log(
    conn: Connection,
    *,
    text: str,
    top_score: float | None,
    answered: bool,
    guild: str | None,
    tags: tuple[str, ...],
    now: float,
    confidence: float | None = None,
    note: str | None = None,
) -> None:
    """Record one question (already normalised by the caller); call inside a transaction."""
    await conn.execute(
        "INSERT INTO questions (at, text, top_score, answered, guild, tags, confidence, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (now, text[:QUESTION_MAX], top_score, int(answered), guild, ",".join(tags), confidence, note),
    )


async def prune(conn: Connection, *, before: float) -> int:
    """Delete questions asked before ``before``; returns how many; call inside a transaction."""
    cur = await conn.execute("DELETE FROM questions WHERE at < ?", (before,))
    removed = cur.rowcount
    await cur.close()
    return max(0, removed)


def _scope(guild: str | None) -> tuple[str, tuple[object, ...]]:
    """SQL condition and arguments: every server (``None``), or one server's questions."""
    return ("", ()) if guild is None else (" AND guild = ?", (guild,))


async def totals(conn: Connection, *, since: float, guild: str | None = None) -> tuple[int, int]:
    """``(questions, unanswered)`` since ``since`` (in one server, with ``guild``)."""
    where, args = _scope(guild)
    async with conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE answered = 0) FROM questions WHERE at >= ?" + where, (since, *args)
    ) as cur:
        row = await cur.fetchone()
    assert row is not None  # an aggregate query always returns one row
    total, unanswered = row
    return int(total), int(unanswered)


async def topics(conn: Connection, *, since: float, limit: int = 10, guild: str | None = None) -> list[TopicCount]:
    """Tags of the answers given since ``since`` (in one server, with ``guild``), most frequent first."""
    where, args = _scope(guild)
    async with conn.execute("SELECT tags FROM questions WHERE at >= ? AND tags != ''" + where, (since, *args)) as cur:
        rows = await cur.fetchall()
    counts: dict[str, int] = {}
    for (tags,) in rows:
        for tag in tags.split(","):
            counts[tag] = counts.get(tag, 0) + 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [TopicCount(tag, n) for tag, n in ranked[:limit]]


async def gaps(
    conn: Connection, *, since: float, low_confidence: float, limit: int = 20, guild: str | None = None
) -> list[Gap]:
    """Questions answered with nothing or with confidence below ``low_confidence``, grouped by text,
    most frequent first (rows logged before confidence was recorded count by their answer alone).
    Questions asked in direct messages are counted in the totals but never quoted here."""
    where, args = _scope(guild)
    sql = (
        "SELECT text, count(*) AS n, max(answered), max(top_score), max(at) AS last FROM questions "
        "WHERE at >= ? AND coalesce(guild, '') != ? AND (answered = 0 OR confidence < ?)" + where + " "
        "GROUP BY text ORDER BY n DESC, last DESC, text LIMIT ?"
    )
    async with conn.execute(sql, (since, DIRECT_MESSAGES, low_confidence, *args, limit)) as cur:
        rows = await cur.fetchall()
    return [Gap(r[0], int(r[1]), bool(r[2]), r[3], to_datetime(r[4])) for r in rows]


async def by_server(conn: Connection, *, since: float) -> list[ServerCount]:
    """Questions and unanswered ones per server since ``since``, most first (see ``ServerCount``)."""
    sql = (
        "SELECT guild, count(*) AS n, count(*) FILTER (WHERE answered = 0) FROM questions WHERE at >= ? "
        "GROUP BY guild ORDER BY n DESC, guild IS NULL, guild"
    )
    async with conn.execute(sql, (since,)) as cur:
        return [ServerCount(r[0], int(r[1]), int(r[2])) for r in await cur.fetchall()]
