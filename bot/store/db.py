"""Opening the SQLite file safely: pragmas, identity check, transactions, and error translation."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import AsyncIterator, Iterator
from urllib.parse import quote

import aiosqlite

from bot.core.errors import StoreError

_log = logging.getLogger(__name__)

# PRAGMA application_id marks a file as ours ("VIZB" in ASCII).
APPLICATION_ID = 0x56495A42
MEMORY = ":memory:"


def describe(exc: BaseException) -> str:
    """A short, user-safe reason for a sqlite (or OS) failure."""
    text = str(exc).lower()
    if "readonly" in text or "read-only" in text:
        return "the database is read-only"
    if "locked" in text or "busy" in text:
        return "the database is locked by another program; try again in a moment"
    if "malformed" in text or "corrupt" in text:
        return "the database file is damaged (run `vizbot db check`; restore a backup)"
    if "not a database" in text or "file is encrypted" in text:
        return "the file is not a vizbot database"
    if "full" in text:
        return "the disk is full"
    if "unable to open" in text:
        return "the file cannot be opened (check the directory exists and is writable)"
    if "disk i/o" in text:
        return "a disk error occurred"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return "a database error occurred"


@contextmanager
def translated(path: Path | str, doing: str = "save to") -> Iterator[None]:
    """Turn sqlite and OS errors into a ``StoreError`` naming the file and the reason."""
    try:
        yield
    except StoreError:
        raise
    except (sqlite3.Error, OSError, ValueError) as exc:
        _log.debug("database failure on %s", path, exc_info=True)
        raise StoreError(f"could not {doing} {path}: {describe(exc)}") from exc


def _uri(path: Path, read_only: bool) -> str:
    mode = "ro" if read_only else "rwc"
    return f"file:{quote(str(path.resolve()))}?mode={mode}"


async def connect(path: Path | str, *, read_only: bool = False, busy_timeout: float = 5.0) -> aiosqlite.Connection:
    """Open (creating if needed) the database file and return an autocommit connection.

    The parent directory is created on first use. ``read_only`` opens with ``mode=ro``
    (every write then fails with "could not save ... read-only"). Nothing is written here:
    the identity check and pragmas that write come after, in :func:`prepare`.
    """
    if str(path) == MEMORY:
        target = MEMORY
        uri = False
    else:
        path = Path(path)
        if path.exists() and not path.is_file():
            raise StoreError(f"could not open {path}: it is not a regular file")
        if not read_only:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                reason = (exc.strerror or "error").lower()
                raise StoreError(
                    f"could not save to {path}: cannot create its directory {path.parent} ({reason})"
                ) from exc
        target = _uri(path, read_only)
        uri = True
    with translated(path, "open"):
        conn = await aiosqlite.connect(target, uri=uri, timeout=busy_timeout, isolation_level=None)
    try:
        with translated(path, "open"):
            await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            await conn.execute("PRAGMA foreign_keys = ON")
    except BaseException:
        await conn.close()
        raise
    return conn


async def identify(conn: aiosqlite.Connection) -> tuple[int, int, int]:
    """``(application_id, user_version, number of schema objects)``: read-only checks.

    One statement, so one snapshot: read piecemeal, another process's first migration could
    land in between and make a fresh file look foreign.
    """
    query = (
        "SELECT (SELECT application_id FROM pragma_application_id),"
        " (SELECT user_version FROM pragma_user_version),"
        " (SELECT count(*) FROM sqlite_master)"
    )
    async with conn.execute(query) as cur:
        row = await cur.fetchone()
    assert row is not None  # an aggregate query always returns one row
    (app_id, version, objects) = row
    return int(app_id), int(version), int(objects)


def is_fresh(app_id: int, version: int, objects: int) -> bool:
    """A new, empty SQLite file (no mark, no schema, no tables): vizbot may make it its own.

    The one rule for what counts as vizbot's besides its mark, shared by opening the store
    and by ``vizbot db check`` so the two never disagree about a file.
    """
    return app_id == 0 and version == 0 and objects == 0


async def enable_wal(conn: aiosqlite.Connection) -> None:
    """Switch to write-ahead logging (readers never block the writer).

    The switch needs the file to itself and SQLite does not always wait for that, so when
    several processes open a new file at once it is retried briefly (about 3 s in all).
    """
    for attempt in range(30):
        try:
            async with conn.execute("PRAGMA journal_mode = WAL") as cur:
                row = await cur.fetchone()
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 29:
                raise
            await asyncio.sleep(0.02 * (attempt + 1) / 3)
    _log.debug("journal mode: %s", row[0] if row else None)
    await conn.execute("PRAGMA synchronous = NORMAL")


@asynccontextmanager
async def transaction(conn: aiosqlite.Connection, lock: asyncio.Lock) -> AsyncIterator[aiosqlite.Connection]:
    """One write transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``), rolled back on any error.

    ``lock`` serialises coroutines sharing this connection; ``BEGIN IMMEDIATE`` serialises
    other connections and processes (waiting up to the busy timeout).
    """
    async with lock:
        await conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            try:
                await conn.execute("ROLLBACK")
            except sqlite3.Error:  # the transaction may already be gone (e.g. disk full)
                _log.debug("rollback failed", exc_info=True)
            raise
        else:
            try:
                await conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")
                raise
