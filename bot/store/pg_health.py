"""``vizbot db check`` on a PostgreSQL database: it answers, it is vizbot's, its schema version, rows per table.

Reads only. An empty database is fine (vizbot creates its tables on first use), and so is an
older schema (updated on the next start), as with a SQLite file. The JSON has the keys of the SQLite check (``size`` is the database's size on the
server) plus ``counts``; a server that cannot be reached raises ``StoreUnreachable``.
"""

from __future__ import annotations

import asyncpg

from bot.store import pg, pg_migrations
from bot.store.migrations import LATEST

TABLES = (
    "suggestions",
    "suggestion_seconds",
    "audit_log",
    "votes",
    "questions",
    "server_settings",
    "links",
    "link_checks",
    "link_runs",
)


async def _facts(raw: asyncpg.Connection) -> tuple[int | None, int, dict[str, int]]:
    version = await pg_migrations.version_of(raw)
    size = int(await raw.fetchval("SELECT pg_database_size(current_database())"))
    counts: dict[str, int] = {}
    if version:
        for table in TABLES:
            if await raw.fetchval("SELECT to_regclass($1) IS NOT NULL", table):
                counts[table] = int(await raw.fetchval(f"SELECT count(*) FROM {table}"))
    return version, size, counts


async def inspect(url: str) -> dict[str, object]:
    """What ``vizbot db check`` reports about the database at ``url`` (see the module docstring)."""
    backend = await pg.connect(url, read_only=True, delays=())
    try:
        version, size, counts = await backend.raw(_facts, "check")
    finally:
        await backend.close()
    problems: list[str] = []
    if version is None:
        problems.append(f"it is not a vizbot database (it has tables but no {pg_migrations.SCHEMA_TABLE})")
    elif version > LATEST:
        problems.append(f"it was written by a newer vizbot (schema {version}; this one knows up to {LATEST})")
    return {
        "path": backend.name,
        "ok": not problems,
        "exists": True,
        "size": size,
        "vizbot": version is not None,
        "damaged": False,
        "schema_version": version,
        "latest_schema_version": LATEST,
        "problems": problems,
        "counts": counts,
    }
