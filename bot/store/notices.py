"""Claims on telling submitters a decision: SQL only, portable (SQLite and PostgreSQL).

Several processes may see the same decided, unnotified suggestion; each tries to claim it with one
conditional ``UPDATE`` that only succeeds on a suggestion nobody holds (or whose claim lapsed), and
only the process whose ``UPDATE`` changed the row sends the DM. A claim is a lease: a process that
dies mid-DM leaves it to lapse, and another (or the same, restarted) retries after ``lease`` seconds.
"""

from __future__ import annotations

from bot.store.conn import Connection

# Decided, not yet told, and free: never claimed, or the claim has lapsed.
_FREE = "status != 'pending' AND notified_at IS NULL AND (notice_claimed_until IS NULL OR notice_claimed_until < ?)"


async def claim(conn: Connection, *, origin: str, now: float, lease: float, limit: int) -> list[int]:
    """Claim up to ``limit`` free suggestions for ``origin`` until ``now + lease``; returns the ids won, oldest first.

    One statement: the outer condition is re-checked on each row as it is updated, so of two processes
    racing for a row exactly one gets it back (SQLite serialises writers; PostgreSQL re-evaluates the
    ``WHERE`` on the row it waited for).
    """
    async with conn.execute(
        f"""UPDATE suggestions SET notice_claimed_by = ?, notice_claimed_until = ?
            WHERE id IN (SELECT id FROM suggestions WHERE {_FREE} ORDER BY id LIMIT ?) AND {_FREE}
            RETURNING id""",
        (origin, now + lease, now, limit, now),
    ) as cur:
        return sorted(int(row[0]) for row in await cur.fetchall())


async def release(conn: Connection, suggestion_id: int, *, origin: str) -> bool:
    """Give back ``origin``'s claim on a suggestion not yet notified (it may be claimed again at once)."""
    cur = await conn.execute(
        "UPDATE suggestions SET notice_claimed_by = NULL, notice_claimed_until = NULL "
        "WHERE id = ? AND notice_claimed_by = ? AND notified_at IS NULL",
        (suggestion_id, origin),
    )
    changed = cur.rowcount == 1
    await cur.close()
    return changed
