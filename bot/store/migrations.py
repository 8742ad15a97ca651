"""Numbered schema migrations, applied in order at start-up, each in its own transaction.

The version reached is ``PRAGMA user_version``; ``PRAGMA application_id`` marks the file as
vizbot's, so a foreign SQLite file (or any other file) is refused and never modified.
Append new migrations at the end; never edit one that has shipped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Awaitable, Callable

import aiosqlite

from bot.core.errors import StoreError
from bot.core.limits import QUESTION_MAX
from bot.core.urls import normalise_url
from bot.store.db import APPLICATION_ID, identify, is_fresh, translated
from bot.store.feedback import question_words

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Migration:
    """One schema step: ``version`` is reached after running ``statements``, then ``step`` (data
    changes SQL alone cannot make), all in the one transaction."""

    version: int
    name: str
    statements: tuple[str, ...]
    step: Callable[[aiosqlite.Connection], Awaitable[None]] | None = None


async def _rekey(conn: aiosqlite.Connection) -> None:
    """Recompute suggestion URL keys (IDNA hosts, tracking parameters) and vote question keys (case,
    accents, punctuation) with today's rules, so rows stored before them still catch duplicates.

    A key that would make two open suggestions one is left as it was (both stay, as before);
    two votes by one user that become one keep the later.
    """
    async with conn.execute("SELECT id, url, url_key FROM suggestions ORDER BY id") as cur:
        suggestions = await cur.fetchall()
    for sid, url, key in suggestions:
        new = normalise_url(url)
        if new != key:
            await conn.execute("UPDATE OR IGNORE suggestions SET url_key = ? WHERE id = ?", (new, sid))
    async with conn.execute("SELECT rowid, question FROM votes WHERE question != '' ORDER BY at, rowid") as cur:
        votes = await cur.fetchall()
    for rowid, question in votes:
        new = question_words(question, QUESTION_MAX)
        if new != question:
            await conn.execute("UPDATE OR REPLACE votes SET question = ? WHERE rowid = ?", (new, rowid))


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "suggestions and audit log",
        (
            """CREATE TABLE suggestions (
                id INTEGER PRIMARY KEY,
                url TEXT NOT NULL,
                url_key TEXT NOT NULL,
                title TEXT NOT NULL,
                tags TEXT NOT NULL,
                note TEXT NOT NULL DEFAULT '',
                user_id TEXT NOT NULL,
                user_name TEXT,
                guild TEXT,
                status TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'approved', 'rejected')),
                created_at REAL NOT NULL,
                decided_at REAL,
                decided_by TEXT,
                reason TEXT
            )""",
            "CREATE INDEX suggestions_status ON suggestions (status, created_at, id)",
            """CREATE UNIQUE INDEX suggestions_open_url ON suggestions (url_key)
                WHERE status IN ('pending', 'approved')""",
            """CREATE TABLE suggestion_seconds (
                suggestion_id INTEGER NOT NULL REFERENCES suggestions (id) ON DELETE CASCADE,
                user_id TEXT NOT NULL,
                user_name TEXT,
                guild TEXT,
                created_at REAL NOT NULL,
                PRIMARY KEY (suggestion_id, user_id)
            )""",
            """CREATE TABLE audit_log (
                id INTEGER PRIMARY KEY,
                at REAL NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                suggestion_id INTEGER REFERENCES suggestions (id) ON DELETE SET NULL,
                detail TEXT
            )""",
            "CREATE INDEX audit_actor ON audit_log (actor, action, at)",
        ),
    ),
    Migration(
        2,
        "feedback votes",
        (
            """CREATE TABLE votes (
                user_id TEXT NOT NULL,
                question TEXT NOT NULL,
                resource_id TEXT NOT NULL,
                value INTEGER NOT NULL CHECK (value IN (-1, 1)),
                at REAL NOT NULL,
                PRIMARY KEY (user_id, question, resource_id)
            )""",
            "CREATE INDEX votes_resource ON votes (resource_id)",
        ),
    ),
    Migration(
        3,
        "questions log",
        (
            """CREATE TABLE questions (
                id INTEGER PRIMARY KEY,
                at REAL NOT NULL,
                text TEXT NOT NULL,
                top_score REAL,
                answered INTEGER NOT NULL CHECK (answered IN (0, 1)),
                guild TEXT,
                tags TEXT NOT NULL DEFAULT ''
            )""",
            "CREATE INDEX questions_at ON questions (at)",
        ),
    ),
    Migration(
        4,
        "approved suggestions become resources; submitters are notified",
        (
            "ALTER TABLE suggestions ADD COLUMN resource_id TEXT",
            "ALTER TABLE suggestions ADD COLUMN kind TEXT",
            "ALTER TABLE suggestions ADD COLUMN level TEXT",
            "ALTER TABLE suggestions ADD COLUMN notified_at REAL",
            "CREATE UNIQUE INDEX suggestions_resource ON suggestions (resource_id) WHERE resource_id IS NOT NULL",
            """CREATE INDEX suggestions_unnotified ON suggestions (decided_at)
                WHERE status != 'pending' AND notified_at IS NULL""",
        ),
    ),
    Migration(
        5,
        "questions log: the engine's confidence (0-1), comparable across catalogs",
        ("ALTER TABLE questions ADD COLUMN confidence REAL",),
    ),
    Migration(
        6,
        "duplicate keys by today's rules: IDNA hosts and tracking parameters in URLs; vote questions without case or punctuation",
        (),
        _rekey,
    ),
    Migration(
        7,
        "per-server settings, set by each server's admins (/settings)",
        (
            """CREATE TABLE server_settings (
                guild TEXT PRIMARY KEY,
                answer_channels TEXT NOT NULL DEFAULT '',
                log_questions INTEGER NOT NULL DEFAULT 1 CHECK (log_questions IN (0, 1)),
                cooldown_seconds INTEGER CHECK (cooldown_seconds BETWEEN 0 AND 3600),
                updated_at REAL NOT NULL,
                updated_by TEXT NOT NULL
            )""",
        ),
    ),
    Migration(
        8,
        "link health: every check of every link, each link's verdict, check runs; notes on questions",
        (
            """CREATE TABLE link_checks (
                id INTEGER PRIMARY KEY,
                url TEXT NOT NULL,
                at REAL NOT NULL,
                outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'moved', 'suspicious', 'failed', 'unknown')),
                status INTEGER,
                final_url TEXT,
                reason TEXT NOT NULL DEFAULT ''
            )""",
            "CREATE INDEX link_checks_url ON link_checks (url, at)",
            """CREATE TABLE links (
                url TEXT PRIMARY KEY,
                resource_id TEXT,
                verdict TEXT NOT NULL
                    CHECK (verdict IN ('ok', 'failing', 'dead', 'moved', 'suspicious', 'unknown')),
                strikes INTEGER NOT NULL DEFAULT 0,
                checked_at REAL NOT NULL,
                since REAL NOT NULL,
                last_ok_at REAL,
                status INTEGER,
                reason TEXT NOT NULL DEFAULT '',
                final_url TEXT,
                suggested_url TEXT,
                announced TEXT
            )""",
            "CREATE INDEX links_verdict ON links (verdict)",
            """CREATE TABLE link_runs (
                id INTEGER PRIMARY KEY,
                started_at REAL NOT NULL,
                finished_at REAL,
                total INTEGER NOT NULL
            )""",
            "ALTER TABLE questions ADD COLUMN note TEXT",
        ),
    ),
    Migration(
        9,
        "processes sharing one database: the change feed, claims on submitter notices, per-user cooldowns",
        (
            # AUTOINCREMENT: ids only grow, even once old events are pruned (followers keep the last id seen).
            """CREATE TABLE events (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                kind TEXT NOT NULL,
                subject TEXT NOT NULL DEFAULT '',
                origin TEXT NOT NULL,
                at REAL NOT NULL
            )""",
            "CREATE INDEX events_at ON events (at)",
            "ALTER TABLE suggestions ADD COLUMN notice_claimed_by TEXT",
            "ALTER TABLE suggestions ADD COLUMN notice_claimed_until REAL",
            """CREATE TABLE cooldowns (
                user_id TEXT PRIMARY KEY,
                at REAL NOT NULL
            )""",
            "CREATE INDEX cooldowns_at ON cooldowns (at)",
        ),
    ),
)

LATEST = MIGRATIONS[-1].version


async def check_identity(conn: aiosqlite.Connection, path: Path | str) -> int:
    """The file's schema version; refuses foreign files and newer schemas without writing."""
    with translated(path, "open"):
        app_id, version, objects = await identify(conn)
    if is_fresh(app_id, version, objects):
        return 0  # a new, empty file: ours to initialise
    if app_id != APPLICATION_ID:
        raise StoreError(f"{path} is not a vizbot database; refusing to use or modify it")
    if version > LATEST:
        raise StoreError(
            f"{path} was written by a newer vizbot (schema version {version}; "
            f"this version knows up to {LATEST}); upgrade vizbot to use it"
        )
    return version


async def migrate(conn: aiosqlite.Connection, path: Path | str, *, target: int | None = None) -> int:
    """Apply every migration above the file's version up to ``target`` (default the latest); returns the version reached.

    Each migration runs in one ``BEGIN IMMEDIATE`` transaction that re-reads the version,
    so two processes starting together never apply a step twice.
    """
    target = LATEST if target is None else target
    version = await check_identity(conn, path)
    for migration in MIGRATIONS:
        if migration.version <= version or migration.version > target:
            continue
        with translated(path, "update the schema of"):
            await conn.execute("BEGIN IMMEDIATE")
            try:
                async with conn.execute("PRAGMA user_version") as cur:
                    row = await cur.fetchone()
                assert row is not None  # PRAGMA user_version always returns one row
                (current,) = row
                if current < migration.version:
                    for statement in migration.statements:
                        await conn.execute(statement)
                    if migration.step is not None:
                        await migration.step(conn)
                    await conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                    await conn.execute(f"PRAGMA user_version = {migration.version}")
                    _log.info("database %s: applied migration %d (%s)", path, migration.version, migration.name)
                await conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")
                raise
        version = migration.version
    return version
