"""Numbered migrations: from an empty file and from every earlier version, each step all-or-nothing.

SQLite files only (user_version, application_id); the PostgreSQL migrations are tested in test_pg.py."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiosqlite
import pytest
from store_helpers import lookup

from bot.core.errors import StoreError
from bot.core.suggestion_schema import validate_suggestion
from bot.store import Store, migrations
from bot.store.db import APPLICATION_ID, connect
from bot.store.migrations import LATEST, MIGRATIONS, Migration

# Rows an old schema may hold, by the version that introduced their table.
SEED = {
    1: [
        "INSERT INTO suggestions (url, url_key, title, tags, note, user_id, status, created_at) "
        "VALUES ('https://old.example/', 'https://old.example', 'Old one', '[\"cnn\"]', '', 'ann', 'pending', 1.0)",
        "INSERT INTO audit_log (at, actor, action, suggestion_id) VALUES (1.0, 'ann', 'submit', 1)",
    ],
    2: ["INSERT INTO votes VALUES ('ann', 'what is a cnn', 'cs231n', 1, 1.0)"],
    3: ["INSERT INTO questions (at, text, top_score, answered, tags) VALUES (9e9, 'old question', 0.5, 1, 'cnn')"],
}


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    conn.close()
    return {r[0] for r in rows}


async def _make_at_version(path: Path, version: int) -> None:
    conn = await connect(path)
    try:
        await migrations.migrate(conn, path, target=version)
        for v in range(1, version + 1):
            for statement in SEED.get(v, []):
                await conn.execute(statement)
    finally:
        await conn.close()


def test_versions_are_numbered_in_order() -> None:
    """Migrations are numbered 1, 2, 3 ... without gaps."""
    assert [m.version for m in MIGRATIONS] == list(range(1, LATEST + 1))


async def test_empty_file_is_migrated_to_latest(tmp_path: Path) -> None:
    """An existing empty file is initialised to the latest schema."""
    path = tmp_path / "empty.db"
    path.touch()
    store = await Store.open(path)
    assert await store.schema_version() == LATEST
    await store.close()
    assert {"suggestions", "suggestion_seconds", "audit_log", "votes", "questions"} <= _tables(path)


@pytest.mark.parametrize("version", range(1, LATEST))
async def test_every_earlier_version_upgrades_keeping_data(tmp_path: Path, version: int) -> None:
    """A database left at an earlier version is upgraded and its rows are still there."""
    path = tmp_path / "old.db"
    await _make_at_version(path, version)
    store = await Store.open(path, retention_days=None)
    try:
        assert await store.schema_version() == LATEST
        old = await store.suggestion(1)
        assert (old.title, old.status, old.resource_id, old.notified) == ("Old one", "pending", None, False)
        if version >= 2:
            assert [(t.resource_id, t.up) for t in await store.vote_tallies()] == [("cs231n", 1)]
        if version >= 3:
            assert (await store.report(days=1)).questions == 1
    finally:
        await store.close()


async def test_reopening_applies_nothing(tmp_path: Path) -> None:
    """Opening an up-to-date database twice changes nothing."""
    path = tmp_path / "v.db"
    for _ in range(2):
        store = await Store.open(path)
        assert await store.schema_version() == LATEST
        await store.close()


async def test_failing_migration_rolls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A migration that fails half-way leaves the previous version and no half-made table."""
    path = tmp_path / "v.db"
    broken = Migration(LATEST + 1, "broken", ("CREATE TABLE half (x)", "THIS IS NOT SQL"))
    monkeypatch.setattr(migrations, "MIGRATIONS", MIGRATIONS + (broken,))
    monkeypatch.setattr(migrations, "LATEST", LATEST + 1)
    with pytest.raises(StoreError, match="could not update the schema"):
        await Store.open(path)
    assert "half" not in _tables(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    conn.close()


async def test_two_openers_at_once_migrate_once(tmp_path: Path) -> None:
    """Two connections opening a new file together both end at the latest version."""
    import asyncio

    for attempt in range(20):  # the race is narrow: open many new files, four openers each
        path = tmp_path / f"v{attempt}.db"
        stores = await asyncio.gather(*(Store.open(path) for _ in range(4)))
        for store in stores:
            assert await store.schema_version() == LATEST
            await store.close()


async def test_aiosqlite_connection_is_autocommit(tmp_path: Path) -> None:
    """Connections run in autocommit mode so transactions are explicit."""
    conn = await connect(tmp_path / "v.db")
    try:
        assert isinstance(conn, aiosqlite.Connection)
        assert conn.isolation_level is None
    finally:
        await conn.close()


async def test_keys_are_recomputed_by_todays_rules(tmp_path: Path) -> None:
    """Rows stored under the old key rules catch duplicates after the upgrade: an IDNA host, tracking
    parameters, a vote question differing in case and punctuation; colliding open suggestions both stay."""
    path = tmp_path / "old.db"
    conn = await connect(path)
    try:
        await migrations.migrate(conn, path, target=5)
        rows = [  # (url, url_key as version 5 computed it, user)
            ("https://bücher.example/a", "https://bücher.example/a", "ann"),
            ("https://example.org/p?utm_source=x", "https://example.org/p?utm_source=x", "bob"),
            ("https://example.org/p", "https://example.org/p", "cat"),  # collides with the one above once rekeyed
        ]
        for url, key, user in rows:
            await conn.execute(
                "INSERT INTO suggestions (url, url_key, title, tags, note, user_id, status, created_at) "
                "VALUES (?, ?, 'A title', '[\"cnn\"]', '', ?, 'pending', 1.0)",
                (url, key, user),
            )
        await conn.execute("INSERT INTO votes VALUES ('ann', 'how does a gan work?', 'gan-lab', 1, 1.0)")
        await conn.execute("INSERT INTO votes VALUES ('ann', 'How does a GAN work', 'gan-lab', -1, 2.0)")
        await conn.execute("INSERT INTO votes VALUES ('bob', '', 'gan-lab', 1, 1.0)")  # expired text stays empty
    finally:
        await conn.close()
    store = await Store.open(path, retention_days=None)
    try:
        assert await store.schema_version() == LATEST
        draft = validate_suggestion("https://xn--bcher-kva.example/a", "Same books", "cnn", "", lookup)
        assert (await store.submit(draft, user="dan")).status == "seconded"
        assert len(await store.suggestions(limit=10)) == 3  # the colliding pair both kept
        assert [(t.up, t.down) for t in await store.vote_tallies()] == [(1, 1)]  # ann's later vote, bob's
        await store.vote(user="ann", question="HOW does a gan work?!", resource_id="gan-lab", value=1)
        assert [(t.up, t.down) for t in await store.vote_tallies()] == [(2, 0)]
    finally:
        await store.close()
