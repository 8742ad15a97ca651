"""Copying one database into another (SQLite to PostgreSQL, or any pair): table by table, idempotent.

The whole copy is one transaction on the target: it lands entirely or not at all. Rows go over in
primary-key order, in batches, with ``ON CONFLICT DO NOTHING``: a row already there (from an earlier
copy) is kept, so copying again adds nothing. A row whose place is taken by a different row (the target
was used on its own) is a conflict, never overwritten. Both sides are then counted table by table,
inside the transaction; unless every count matches and nothing conflicted, the transaction is rolled
back: a target in use is never left half-merged with the source. Identity sequences on PostgreSQL are moved past the
copied ids, so new suggestions do not collide with copied ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import aiosqlite

# Parents before children (foreign keys): the rest follow in name order.
PARENTS = ("suggestions",)
# Bookkeeping of the backends themselves, not data: each side keeps its own.
INTERNAL = frozenset({"schema_migrations", "vizbot_schema", "vizbot_migrations"})
# SQLite allows 32766 parameters per statement (since 3.32), PostgreSQL 32767.
MAX_PARAMETERS = 30000


@dataclass(frozen=True)
class TableCopy:
    """One table's outcome: rows in the source, rows added to the target, rows in the target after."""

    table: str
    source: int
    added: int
    target: int
    conflicts: int = 0

    @property
    def verified(self) -> bool:
        """Every source row is in the target as it is, and the target holds nothing else."""
        return self.source == self.target and self.conflicts == 0

    def to_json(self) -> dict[str, object]:
        return {
            "table": self.table,
            "source_rows": self.source,
            "added": self.added,
            "target_rows": self.target,
            "conflicts": self.conflicts,
            "verified": self.verified,
        }


@dataclass(frozen=True)
class CopyReport:
    """Every table's outcome, and whether the copy was kept (verified) or rolled back (nothing written)."""

    tables: tuple[TableCopy, ...]
    written: bool

    @property
    def verified(self) -> bool:
        return all(t.verified for t in self.tables)


class Unverified(Exception):
    """Raised inside the target's transaction to roll it back when the copy does not verify."""

    def __init__(self, tables: list[TableCopy]):
        super().__init__("the copy does not verify")
        self.tables = tables


def _is_sqlite(conn: Any) -> bool:
    return isinstance(conn, aiosqlite.Connection)


async def _all(conn: Any, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    async with conn.execute(sql, tuple(params)) as cur:
        return [tuple(row) for row in await cur.fetchall()]


async def tables(conn: Any) -> list[str]:
    """The data tables of a vizbot database, parents first."""
    if _is_sqlite(conn):
        rows = await _all(conn, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    else:
        rows = await _all(
            conn,
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
        )
    names = sorted(str(r[0]) for r in rows if str(r[0]) not in INTERNAL)
    return sorted(names, key=lambda n: (n not in PARENTS, PARENTS.index(n) if n in PARENTS else 0, n))


async def columns(conn: Any, table: str) -> list[str]:
    """The columns of ``table`` in their declared order."""
    if _is_sqlite(conn):
        rows = await _all(conn, "SELECT name FROM pragma_table_info(?) ORDER BY cid", (table,))
    else:
        rows = await _all(
            conn,
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
            (table,),
        )
    return [str(r[0]) for r in rows]


async def primary_key(conn: Any, table: str) -> list[str]:
    """The primary-key columns of ``table`` (rows are read in this order)."""
    if _is_sqlite(conn):
        rows = await _all(conn, "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", (table,))
    else:
        rows = await _all(
            conn,
            "SELECT a.attname FROM pg_index i "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = CAST(? AS regclass) AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)",
            (table,),
        )
    return [str(r[0]) for r in rows]


async def count(conn: Any, table: str) -> int:
    """How many rows ``table`` holds."""
    rows = await _all(conn, f'SELECT count(*) FROM "{table}"')
    return int(rows[0][0])


async def read_batch(
    conn: Any, table: str, cols: Sequence[str], key: Sequence[str], offset: int, limit: int
) -> list[tuple[Any, ...]]:
    """``limit`` rows of ``table`` from ``offset``, in primary-key order."""
    listed = ", ".join(f'"{c}"' for c in cols)
    order = ", ".join(f'"{c}"' for c in key) or "1"
    return await _all(conn, f'SELECT {listed} FROM "{table}" ORDER BY {order} LIMIT ? OFFSET ?', (limit, offset))


async def insert_batch(
    conn: Any, table: str, cols: Sequence[str], key: Sequence[str], rows: Sequence[Sequence[Any]]
) -> tuple[int, int]:
    """Insert ``rows`` that are not there yet: ``(added, conflicts)``, a conflict being a row whose place
    is taken by a different row (same key, other values; or another row holding one of its unique values)."""
    if not rows:
        return 0, 0
    listed = ", ".join(f'"{c}"' for c in cols)
    one = "(" + ", ".join("?" for _ in cols) + ")"
    params = [value for row in rows for value in row]
    keys = ", ".join(f'"{c}"' for c in key) or "1"
    sql = f'INSERT INTO "{table}" ({listed}) VALUES {", ".join(one for _ in rows)} ON CONFLICT DO NOTHING RETURNING {keys}'
    added = {tuple(r) for r in await _all(conn, sql, params)}
    if len(added) == len(rows) or not key:
        return len(added), 0
    at = [list(cols).index(c) for c in key]
    skipped = {tuple(row[i] for i in at): tuple(row) for row in rows if tuple(row[i] for i in at) not in added}
    if len(key) == 1:
        where = f'"{key[0]}" IN ({", ".join("?" for _ in skipped)})'
    else:  # row values in VALUES would be typed text on PostgreSQL: compare column by column instead
        one_key = "(" + " AND ".join(f'"{c}" = ?' for c in key) + ")"
        where = " OR ".join(one_key for _ in skipped)
    present = await _all(conn, f'SELECT {listed} FROM "{table}" WHERE {where}', [v for k in skipped for v in k])
    found = {tuple(row[i] for i in at): row for row in present}
    conflicts = sum(1 for k, row in skipped.items() if found.get(k) != row)
    return len(added), conflicts


async def advance_sequences(conn: Any, table: str, cols: Sequence[str]) -> None:
    """On PostgreSQL, move ``table``'s id sequence past the largest copied id (SQLite needs nothing)."""
    if _is_sqlite(conn) or "id" not in cols:
        return
    await _all(
        conn,
        f"SELECT setval(pg_get_serial_sequence(?, 'id'), (SELECT max(id) FROM \"{table}\")) "
        f"WHERE pg_get_serial_sequence(?, 'id') IS NOT NULL AND EXISTS (SELECT 1 FROM \"{table}\")",
        (table, table),
    )


def batch_size(cols: Sequence[str], wanted: int) -> int:
    """Rows per batch: ``wanted``, fewer when the statement would pass too many parameters."""
    return max(1, min(wanted, MAX_PARAMETERS // max(1, len(cols))))
