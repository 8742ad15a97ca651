"""``vizbot db check`` on a PostgreSQL database: it answers, it is vizbot's, its schema version, rows per table.

Reads only. An empty database is fine (vizbot creates its tables on first use), and so is an
older schema (updated on the next start), as with a SQLite file, as long as the user may create
tables there (PostgreSQL 15: the database's owner). The JSON has the keys of the SQLite check (``size`` is the database's size on the
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
    "events",
    "cooldowns",
)


async def _facts(raw: asyncpg.Connection) -> tuple[int | None, int, dict[str, int], bool]:
    version = await pg_migrations.version_of(raw)
    size = int(await raw.fetchval("SELECT pg_database_size(current_database())"))
    counts: dict[str, int] = {}
    if version:
        for table in TABLES:
            if await raw.fetchval("SELECT to_regclass($1) IS NOT NULL", table):
                counts[table] = int(await raw.fetchval(f"SELECT count(*) FROM {table}"))
    # Whether this user may create vizbot's tables (its first start, or a migration): PostgreSQL 15
    # no longer lets everyone create in the public schema, only the database's owner and those granted it.
    can_create = bool(await raw.fetchval("SELECT has_schema_privilege(current_schema(), 'CREATE')"))
    return version, size, counts, can_create


async def inspect(url: str) -> dict[str, object]:
    """What ``vizbot db check`` reports about the database at ``url`` (see the module docstring)."""
    backend = await pg.connect(url, read_only=True, delays=())
    try:
        version, size, counts, can_create = await backend.raw(_facts, "check")
    finally:
        await backend.close()
    problems: list[str] = []
    if version is None:
        problems.append(f"it is not a vizbot database (it has tables but no {pg_migrations.SCHEMA_TABLE})")
    elif version > LATEST:
        problems.append(f"it was written by a newer vizbot (schema {version}; this one knows up to {LATEST})")
    elif version < LATEST and not can_create:
        problems.append(
            f"this user may not create tables in it, so vizbot cannot {'create its tables' if version == 0 else 'update them'} "
            "(make the user the database's owner: createdb -O USER DATABASE, or ALTER DATABASE ... OWNER TO USER)"
        )
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
