"""The change feed between processes sharing one database: SQL only, portable (SQLite and PostgreSQL).

A change another process must apply (a suggestion decided, a server's settings changed, the catalog
reloaded) is published as one ``events`` row, in the same transaction as the change itself, so a
follower never sees the event without the change. Ids only grow (``AUTOINCREMENT``); each process
remembers the last id it applied and reads the rows after it.
"""

from __future__ import annotations

from typing import Any, Sequence

from bot.store.conn import Connection

from bot.core.records import CHANGE_CATALOG, CHANGE_SETTINGS, CHANGE_SUGGESTION, ChangeEvent, to_datetime

# What changed (defined beside ChangeEvent); a follower re-reads the matching state from the store.
SUGGESTION, SETTINGS, CATALOG = CHANGE_SUGGESTION, CHANGE_SETTINGS, CHANGE_CATALOG
KINDS = (SUGGESTION, SETTINGS, CATALOG)
# PostgreSQL's NOTIFY channel: each event's id is announced on it when its transaction commits.
CHANNEL = "vizbot_events"

_COLUMNS = "id, kind, subject, origin, at"


def _record(row: Sequence[Any]) -> ChangeEvent:
    return ChangeEvent(id=row[0], kind=row[1], subject=row[2], origin=row[3], at=to_datetime(row[4]))


async def publish(conn: Connection, kind: str, subject: str, *, origin: str, now: float) -> int:
    """Append one event; call inside the transaction that makes the change. Returns its id."""
    if kind not in KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    async with conn.execute(
        "INSERT INTO events (kind, subject, origin, at) VALUES (?, ?, ?, ?) RETURNING id", (kind, subject, origin, now)
    ) as cur:
        row = await cur.fetchone()
    assert row is not None  # INSERT ... RETURNING returns the inserted row
    return int(row[0])


async def after(conn: Connection, event_id: int, *, limit: int) -> list[ChangeEvent]:
    """Events with an id above ``event_id``, oldest first, at most ``limit``."""
    async with conn.execute(
        f"SELECT {_COLUMNS} FROM events WHERE id > ? ORDER BY id LIMIT ?", (event_id, limit)
    ) as cur:
        return [_record(row) for row in await cur.fetchall()]


async def last_id(conn: Connection) -> int:
    """The newest event's id (0 when there is none)."""
    async with conn.execute("SELECT COALESCE(MAX(id), 0) FROM events") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def prune(conn: Connection, *, before: float) -> int:
    """Delete events published before ``before`` (epoch seconds); returns how many."""
    cur = await conn.execute("DELETE FROM events WHERE at < ?", (before,))
    count = max(0, cur.rowcount)
    await cur.close()
    return count
