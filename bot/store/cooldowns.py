"""Per-user question cooldowns held in the database, for processes sharing it: SQL only, portable.

One conditional upsert both checks and records a question: the row is written when the user has
none, or when their last question is at least ``window`` seconds old; otherwise nothing changes and
no row comes back. Processes racing for one user therefore let exactly one question through.
"""

from __future__ import annotations

from bot.store.conn import Connection


async def hit(conn: Connection, user: str, *, now: float, window: float) -> float:
    """Record a question by ``user`` unless their last one is younger than ``window`` seconds.

    Returns 0 when recorded, else the seconds left to wait (nothing recorded); call inside a transaction.
    """
    async with conn.execute(
        """INSERT INTO cooldowns (user_id, at) VALUES (?, ?)
           ON CONFLICT (user_id) DO UPDATE SET at = excluded.at WHERE cooldowns.at <= ?
           RETURNING at""",
        (user, now, now - window),
    ) as cur:
        recorded = await cur.fetchone()
    if recorded is not None:
        return 0.0
    async with conn.execute("SELECT at FROM cooldowns WHERE user_id = ?", (user,)) as cur:
        row = await cur.fetchone()
    return max(0.0, float(row[0]) + window - now) if row else 0.0


async def prune(conn: Connection, *, before: float) -> int:
    """Forget questions recorded before ``before`` (epoch seconds); returns how many users."""
    cur = await conn.execute("DELETE FROM cooldowns WHERE at < ?", (before,))
    count = max(0, cur.rowcount)
    await cur.close()
    return count
