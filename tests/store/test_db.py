"""Opening the database: pragmas, identity, and clear errors when the file cannot be used."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from bot.core.errors import StoreError
from bot.store import Store
from bot.store.db import APPLICATION_ID
from bot.store.migrations import LATEST

from store_helpers import draft


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def database(db_path: Path) -> Path:
    """SQLite only: these tests are about the file (pragmas, permissions, locks, identity); the
    PostgreSQL database's are in test_pg.py."""
    return db_path


async def test_first_use_creates_directory_and_file(db_path: Path) -> None:
    """The parent directory and the file are created on first use."""
    assert not db_path.parent.exists()
    store = await Store.open(db_path)
    await store.close()
    assert db_path.is_file()


async def test_pragmas_are_set(db_path: Path) -> None:
    """WAL, foreign keys, application id and schema version are in place."""
    store = await Store.open(db_path)
    await store.close()
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST


async def test_foreign_keys_and_busy_timeout_are_on(store: Store) -> None:
    """Each connection enforces foreign keys and waits for locks."""
    async with store._conn.execute("PRAGMA foreign_keys") as cur:
        assert (await cur.fetchone())[0] == 1
    async with store._conn.execute("PRAGMA busy_timeout") as cur:
        assert (await cur.fetchone())[0] > 0


async def test_reopen_keeps_data(db_path: Path) -> None:
    """Data written survives closing and reopening."""
    store = await Store.open(db_path)
    await store.submit(draft(1), user="ann")
    await store.close()
    store = await Store.open(db_path)
    assert [s.url for s in await store.suggestions()] == ["https://example.org/1"]
    await store.close()


async def test_foreign_sqlite_file_is_refused_untouched(tmp_path: Path) -> None:
    """An SQLite file of another program is refused and left byte for byte as it was."""
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.execute("INSERT INTO notes VALUES ('mine')")
    conn.close()
    before = _digest(path)
    with pytest.raises(StoreError, match="not a vizbot database"):
        await Store.open(path)
    assert _digest(path) == before
    assert not Path(f"{path}-wal").exists()


@pytest.mark.parametrize(
    "content",
    [b"hello, this is a text file\n" * 20, bytes(range(256)) * 8, b"SQLite format 3\x00" + b"\xff" * 200],
    ids=["text", "binary", "bad-header"],
)
async def test_non_database_file_is_refused_untouched(tmp_path: Path, content: bytes) -> None:
    """Any file that is not a database is refused and never modified."""
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    with pytest.raises(StoreError, match="not a vizbot database"):
        await Store.open(path)
    assert path.read_bytes() == content


async def test_newer_schema_is_refused(db_path: Path) -> None:
    """A database from a newer vizbot is refused with a clear message, untouched."""
    store = await Store.open(db_path)
    await store.close()
    with sqlite3.connect(db_path) as conn:
        conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    conn.close()
    before = _digest(db_path)
    with pytest.raises(StoreError, match="newer vizbot"):
        await Store.open(db_path)
    assert _digest(db_path) == before


async def test_directory_as_database_is_refused(tmp_path: Path) -> None:
    """A directory given as the database path is a clear error."""
    with pytest.raises(StoreError, match="not a regular file"):
        await Store.open(tmp_path)


async def test_missing_directory_that_cannot_be_made(tmp_path: Path) -> None:
    """A directory that cannot be created gives "could not ..." naming the path."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match=r"could not save to .*vizbot\.db: cannot create its directory"):
        await Store.open(blocker / "sub" / "vizbot.db")


async def test_read_only_database_write_fails_cleanly(db_path: Path) -> None:
    """Opened read-only (as a write-protected file is), reads work and a write says "could not save"."""
    store = await Store.open(db_path)
    await store.submit(draft(1), user="ann")
    await store.close()
    ro = await Store.open(db_path, read_only=True)
    try:
        assert len(await ro.suggestions()) == 1
        with pytest.raises(StoreError, match="could not save to .*read-only"):
            await ro.submit(draft(2), user="bob")
        assert len(await ro.suggestions()) == 1
    finally:
        await ro.close()


async def test_query_only_connection_refuses_writes(store: Store) -> None:
    """A write on a connection that may not write leaves nothing half-written."""
    await store._conn.execute("PRAGMA query_only = ON")
    with pytest.raises(StoreError, match="could not save .*read-only"):
        await store.submit(draft(1), user="ann")
    await store._conn.execute("PRAGMA query_only = OFF")
    assert await store.suggestions() == []
    assert await store.audit_log() == []


async def test_locked_database_write_fails_cleanly(db_path: Path) -> None:
    """While another program holds the write lock, a write says the database is locked."""
    store = await Store.open(db_path, busy_timeout=0.05)
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="could not save to .*locked"):
            await store.submit(draft(1), user="ann")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert (await store.submit(draft(1), user="ann")).status == "created"
    await store.close()


async def test_out_of_date_read_only_database_is_refused(tmp_path: Path) -> None:
    """A read-only open of a database needing migration is refused, not half-migrated."""
    path = tmp_path / "empty.db"
    path.touch()
    with pytest.raises(StoreError, match="out of date"):
        await Store.open(path, read_only=True)
    assert path.read_bytes() == b""
