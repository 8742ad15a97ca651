"""What the store keeps about a person, and forgetting it (``/forget``, ``vizbot forget``).

The questions log keeps no user at all (text, time, server, score). Votes keep the user and
the question; their question text is cleared once it is older than the questions log's
retention (the vote itself still counts). Suggestions keep their submitter, and the audit
log (and a server's /settings) the actor of every step, until the person asks to be forgotten.
"""

from __future__ import annotations

from bot.store.conn import Connection

from bot.store import servers
from bot.store.records import ForgetReport

FORGOTTEN = "forgotten"  # stands in for a forgotten user where a row must keep some actor


async def forget(conn: Connection, *, user: str) -> ForgetReport:
    """Delete ``user``'s votes, pending suggestions and seconds; keep decided suggestions (they may
    be live in the catalog) and audit entries without their name; call inside a transaction."""

    async def run(sql: str, *args: object) -> int:
        cur = await conn.execute(sql, args)
        count = max(0, cur.rowcount)
        await cur.close()
        return count

    votes = await run("DELETE FROM votes WHERE user_id = ?", user)
    pending = await run("DELETE FROM suggestions WHERE user_id = ? AND status = 'pending'", user)
    seconds = await run("DELETE FROM suggestion_seconds WHERE user_id = ?", user)
    decided = await run("UPDATE suggestions SET user_id = ?, user_name = NULL WHERE user_id = ?", FORGOTTEN, user)
    audit = await run("UPDATE audit_log SET actor = ? WHERE actor = ?", FORGOTTEN, user)
    audit += await servers.forget(conn, user=user, placeholder=FORGOTTEN)  # who last changed /settings
    await run("DELETE FROM cooldowns WHERE user_id = ?", user)  # when they last asked (multi-process cooldowns)
    return ForgetReport(
        user=user, votes=votes, pending_suggestions=pending, seconds=seconds, attributions=decided, audit_entries=audit
    )


async def expire_vote_questions(conn: Connection, *, before: float) -> int:
    """Clear the question text of votes cast before ``before`` (one vote per user and resource
    remains where several old ones would collide: the latest); returns how many; call inside a transaction.

    Portable SQL (no ``UPDATE OR REPLACE``): first the votes a later one of the same user and resource
    would collide with are deleted, then the text of the rest is cleared."""
    await conn.execute(
        "DELETE FROM votes WHERE (question = '' OR at < ?) AND EXISTS (SELECT 1 FROM votes o "
        "WHERE o.user_id = votes.user_id AND o.resource_id = votes.resource_id AND o.question != votes.question "
        "AND (o.question = '' OR o.at < ?) AND (o.at > votes.at OR (o.at = votes.at AND o.question > votes.question)))",
        (before, before),
    )
    cur = await conn.execute("UPDATE votes SET question = '' WHERE at < ? AND question != ''", (before,))
    count = max(0, cur.rowcount)
    await cur.close()
    return count
