"""A damaged database is reported as damaged, with what to do, and never written to; checks and backups.

SQLite files only (headers, quick_check, the backup API); PostgreSQL's check is in tests/cli/test_postgresql.py."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from bot.core.errors import StoreError
from bot.store import Store, health
from bot.store.db import describe
from bot.store.migrations import LATEST

from store_helpers import draft

PAGE = 4096


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def _filled(path: Path, questions: int = 300) -> Path:
    """A vizbot database with a few pages of questions, checkpointed into the main file and closed."""
    store = await Store.open(path)
    await store.submit(draft(1), user="ann")
    for n in range(questions):
        await store.log_question(
            f"question number {n} about convolution and pooling layers", top_score=1.0, answered=True
        )
    await store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    return path


def _quick_check(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return health.problems_from_rows(conn.execute("PRAGMA quick_check").fetchall())
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    finally:
        conn.close()


def _corrupt_a_page(path: Path) -> None:
    """Overwrite the cell area of the last page (a leaf of the questions table) with junk."""
    data = bytearray(path.read_bytes())
    last = len(data) // PAGE - 1
    data[last * PAGE + PAGE - 600 : (last + 1) * PAGE] = b"\xff" * 600
    path.write_bytes(bytes(data))
    assert _quick_check(path), "the corruption should fail quick_check"


@pytest.fixture
async def filled(db_path: Path) -> Path:
    """A closed, sound vizbot database with data in it."""
    return await _filled(db_path)


async def test_sound_database_opens(filled: Path) -> None:
    """The filled fixture passes the checks (so the failures below are about the damage)."""
    assert health.inspect(filled, LATEST).ok
    store = await Store.open(filled)
    assert (await store.report(days=1)).questions == 300
    await store.close()


@pytest.mark.parametrize("keep", [0.5, 0.9, 50 / 126976], ids=["half", "most", "50-bytes"])
async def test_truncated_database_is_damaged_and_untouched(filled: Path, keep: float) -> None:
    """A truncated vizbot file is called damaged (not foreign), says what to do, and is not written to."""
    data = filled.read_bytes()
    filled.write_bytes(data[: max(50, int(len(data) * keep)) // 2 * 2])
    before = _digest(filled)
    with pytest.raises(StoreError, match="is damaged: the file is truncated") as caught:
        await Store.open(filled)
    assert "not a vizbot database" not in str(caught.value)
    assert "restore your latest backup" in str(caught.value) and "will not write" in str(caught.value)
    assert _digest(filled) == before
    assert not Path(f"{filled}-wal").exists()


async def test_corrupt_page_is_damaged_and_untouched(filled: Path) -> None:
    """A file whose page fails quick_check is refused before any write (the journal mode included)."""
    _corrupt_a_page(filled)
    before = _digest(filled)
    with pytest.raises(StoreError, match="is damaged: .*page") as caught:
        await Store.open(filled)
    assert "vizbot db check" in str(caught.value)
    assert _digest(filled) == before
    with sqlite3.connect(filled) as conn:  # still in rollback-journal mode: the WAL switch never ran
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()


async def test_corrupt_page_refused_read_only_too(filled: Path) -> None:
    """Read-only opens (reports) refuse a damaged file as well."""
    _corrupt_a_page(filled)
    with pytest.raises(StoreError, match="is damaged"):
        await Store.open(filled, read_only=True)


def test_malformed_error_is_described_as_damage() -> None:
    """A 'malformed' error met while running is called damage, not a foreign file."""
    reason = describe(sqlite3.DatabaseError("database disk image is malformed"))
    assert "damaged" in reason and "vizbot db check" in reason
    assert describe(sqlite3.DatabaseError("file is not a database")) == "the file is not a vizbot database"


def test_foreign_truncated_sqlite_file_is_foreign(tmp_path: Path) -> None:
    """Another program's truncated SQLite file is not called a damaged vizbot database."""
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.executemany("INSERT INTO notes VALUES (?)", [("x" * 500,)] * 50)
    conn.close()
    path.write_bytes(path.read_bytes()[: PAGE * 2])
    assert health.header_problems(path) == []


# ----------------------------------------------------------------------------- inspect (vizbot db check)


async def test_inspect_reports_each_kind_of_problem(filled: Path, tmp_path: Path) -> None:
    """Missing, foreign, truncated and corrupt files each get a finding; none is ok."""
    missing = health.inspect(tmp_path / "nope.db", LATEST)
    assert (missing.ok, missing.exists, missing.problems) == (False, False, ("the file does not exist",))
    text = tmp_path / "notes.txt"
    text.write_text("hello\n" * 50)
    assert health.inspect(text, LATEST).problems == ("it is not a SQLite database",)
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(filled.read_bytes())
    _corrupt_a_page(corrupt)
    found = health.inspect(corrupt, LATEST)
    assert (found.ok, found.vizbot, found.schema_version) == (False, True, LATEST)
    assert any("page" in p.lower() for p in found.problems)
    assert found.to_json()["ok"] is False and found.to_json()["problems"] == list(found.problems)


def _sqlite_file(path: Path, *statements: str) -> Path:
    with sqlite3.connect(path) as conn:
        for statement in statements:
            conn.execute(statement)
    conn.close()
    return path


@pytest.mark.parametrize(
    ("statements", "ours"),
    [
        ((), True),
        (("PRAGMA page_size = 8192", "VACUUM"), True),
        (("CREATE TABLE foo (x)",), False),
        (("CREATE TABLE foo (x)", "INSERT INTO foo VALUES (1)"), False),
        (("CREATE VIEW v AS SELECT 1",), False),
        (("PRAGMA user_version = 3",), False),
        ((f"PRAGMA user_version = {LATEST + 5}", "CREATE TABLE foo (x)"), False),
    ],
    ids=["empty", "empty-sqlite", "one-table", "one-row", "one-view", "user-version", "high-user-version"],
)
async def test_inspect_agrees_with_the_store_on_whose_file_it_is(
    tmp_path: Path, statements: tuple[str, ...], ours: bool
) -> None:
    """`db check` calls a file vizbot's exactly when the store would open it: a fresh empty file is, any other file without the mark is not."""
    path = _sqlite_file(tmp_path / "other.db", *statements)
    found = health.inspect(path, LATEST)
    assert (found.vizbot, found.ok) == (ours, ours)
    if not ours:
        assert (found.problems, found.schema_version, found.newer) == (("it is not a vizbot database",), None, False)
        before = _digest(path)
        with pytest.raises(StoreError, match="not a vizbot database"):
            await Store.open(path)
        assert _digest(path) == before
    else:
        store = await Store.open(path)
        await store.close()


async def test_inspect_writes_nothing(filled: Path) -> None:
    """Checking a damaged file leaves it byte for byte as it was."""
    _corrupt_a_page(filled)
    before = _digest(filled)
    health.inspect(filled, LATEST)
    assert _digest(filled) == before


# ----------------------------------------------------------------------------- backup


async def test_backup_copies_everything_and_checks_out(filled: Path, tmp_path: Path) -> None:
    """The copy opens as a vizbot database with the same data, in one self-contained file."""
    target = tmp_path / "backup.db"
    size = health.backup(filled, target)
    assert size == target.stat().st_size > 0
    assert health.inspect(target, LATEST).ok
    store = await Store.open(target)
    assert (await store.report(days=1)).questions == 300
    assert [s.url for s in await store.suggestions()] == ["https://example.org/1"]
    await store.close()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".backup.db")] == []


async def test_backup_while_the_store_is_open_and_writing(db_path: Path, tmp_path: Path) -> None:
    """A backup taken while a store has writes in its WAL includes them (the online backup API)."""
    store = await Store.open(db_path)
    await store.submit(draft(7), user="ann")
    target = tmp_path / "live.db"
    health.backup(db_path, target)
    await store.close()
    copy = await Store.open(target)
    assert [s.url for s in await copy.suggestions()] == ["https://example.org/7"]
    await copy.close()


def test_backup_never_overwrites(filled: Path, tmp_path: Path) -> None:
    """An existing target is refused and left alone."""
    target = tmp_path / "exists.db"
    target.write_text("precious")
    with pytest.raises(StoreError, match="already exists"):
        health.backup(filled, target)
    assert target.read_text() == "precious"


def test_backup_into_missing_directory(filled: Path, tmp_path: Path) -> None:
    """A target directory that does not exist is a clear error."""
    with pytest.raises(StoreError, match="does not exist"):
        health.backup(filled, tmp_path / "no" / "such" / "dir.db")


async def test_newer_schema_is_not_called_damaged(filled: Path, tmp_path: Path) -> None:
    """A sound file from a newer vizbot is reported as such (not damaged) and can still be backed up."""
    with sqlite3.connect(filled) as conn:
        conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    conn.close()
    found = health.inspect(filled, LATEST)
    assert (found.ok, found.newer, found.damaged) == (False, True, False)
    assert found.problems == (f"it was written by a newer vizbot (schema {LATEST + 1}; this one knows up to {LATEST})",)
    assert health.backup(filled, tmp_path / "copy.db") > 0
