"""Is the database file sound? Damage (a truncated file, a page failing ``PRAGMA quick_check``) is
found before anything is written, reported with what to do, and the file is left as it was.

Also the online backup (SQLite's backup API) behind ``vizbot db backup``.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import aiosqlite

from bot.core.errors import StoreError
from bot.store.db import APPLICATION_ID, MEMORY, is_fresh

MAGIC = b"SQLite format 3\x00"
HEADER_SIZE = 100
MAX_PROBLEMS = 10  # quick_check lines kept (a badly damaged file yields thousands)


def what_to_do(path: Path | str) -> str:
    """The advice shown with every damage report."""
    return (
        "vizbot will not write to it. Stop the bot, keep the file (and any -wal file beside it) for recovery, "
        f"then restore your latest backup to {path} (see `vizbot db backup`), or move the file aside "
        "to start a new, empty database"
    )


def damaged_error(path: Path | str, problems: list[str] | tuple[str, ...]) -> StoreError:
    """The ``StoreError`` for a damaged file: what is wrong and what to do."""
    first = problems[0] if problems else "it failed the integrity check"
    more = f" (and {len(problems) - 1} more problems; run `vizbot db check`)" if len(problems) > 1 else ""
    return StoreError(f"{path} is damaged: {first}{more}. {what_to_do(path)}")


@dataclass(frozen=True, slots=True)
class Header:
    """The fields of a SQLite file header that tell whose file it is and how long it should be."""

    size: int  # bytes on disk
    page_size: int
    pages: int | None  # the in-header page count, when valid
    application_id: int

    @property
    def ours(self) -> bool:
        """The file carries vizbot's application id."""
        return self.application_id == APPLICATION_ID


def read_header(path: Path) -> Header | None:
    """The header of a SQLite file at ``path``; ``None`` when it is missing, empty or not SQLite.

    A file that starts like SQLite but is shorter than the 100-byte header is returned with
    ``page_size`` 0 (it is a truncated database).
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(HEADER_SIZE)
        size = path.stat().st_size
    except OSError:
        return None
    if not head.startswith(MAGIC[: min(len(head), len(MAGIC))]) or not head:
        return None
    if len(head) < HEADER_SIZE:
        return Header(size=size, page_size=0, pages=None, application_id=0)
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    change_counter = int.from_bytes(head[24:28], "big")
    valid_for = int.from_bytes(head[92:96], "big")
    count = int.from_bytes(head[28:32], "big")
    pages = count if count and change_counter == valid_for else None
    return Header(size=size, page_size=page_size, pages=pages, application_id=int.from_bytes(head[68:72], "big"))


def _wal_in_use(path: Path) -> bool:
    wal = path.with_name(path.name + "-wal")
    try:
        return wal.stat().st_size > 0
    except OSError:
        return False


def header_problems(path: Path) -> list[str]:
    """What the file header alone shows is wrong (a truncated file); empty when nothing is."""
    header = read_header(path)
    if header is None:
        return []
    if header.page_size == 0:
        return [f"the file is truncated ({header.size} bytes, shorter than a database header)"]
    # Only vizbot's own files are called damaged (another program's file is refused as foreign).
    # With a write-ahead log in use the log holds the newest pages; quick_check judges that case.
    if header.ours and header.pages is not None and not _wal_in_use(path):
        expected = header.pages * header.page_size
        if header.size < expected:
            return [f"the file is truncated ({header.size} bytes of the {expected} its header records)"]
    return []


def problems_from_rows(rows: list[tuple[object, ...]]) -> list[str]:
    """``PRAGMA quick_check`` rows as a list of problems (empty when it says ``ok``)."""
    lines = [line.strip() for (text, *_) in rows for line in str(text).splitlines()]
    lines = [line for line in lines if line and line != "ok" and not line.startswith("*** in database")]
    return lines[:MAX_PROBLEMS]


def _is_damage(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text or "corrupt" in text


async def quick_check(conn: aiosqlite.Connection) -> list[str]:
    """Run ``PRAGMA quick_check`` (reads only); returns the problems found, empty when sound."""
    try:
        async with conn.execute("PRAGMA quick_check") as cur:
            rows = await cur.fetchall()
    except sqlite3.DatabaseError as exc:
        if _is_damage(exc):
            return [str(exc)]
        raise
    return problems_from_rows([tuple(row) for row in rows])


async def ensure_sound(conn: aiosqlite.Connection, path: Path | str) -> None:
    """Raise the damaged-file ``StoreError`` when ``path`` (open as ``conn``) fails the checks."""
    problems = [] if str(path) == MEMORY else header_problems(Path(path))
    if not problems:
        problems = await quick_check(conn)
    if problems:
        raise damaged_error(path, problems)


# ----------------------------------------------------------------------------- vizbot db check / backup


@dataclass(frozen=True, slots=True)
class Health:
    """What ``vizbot db check`` found about one file."""

    path: str
    exists: bool
    size: int
    vizbot: bool  # carries vizbot's mark (or is new and empty)
    schema_version: int | None
    latest: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Sound and vizbot's (a missing file is not ok: there is nothing to check)."""
        return self.exists and self.vizbot and not self.problems

    @property
    def newer(self) -> bool:
        """Written by a newer vizbot (sound, but this version cannot use it)."""
        return self.schema_version is not None and self.schema_version > self.latest

    @property
    def damaged(self) -> bool:
        """A vizbot file with a problem other than a newer schema."""
        return self.exists and self.vizbot and len(self.problems) > (1 if self.newer else 0)

    def to_json(self) -> dict[str, object]:
        """A stable JSON shape (every key always present)."""
        return {
            "path": self.path,
            "ok": self.ok,
            "exists": self.exists,
            "size": self.size,
            "vizbot": self.vizbot,
            "damaged": self.damaged,
            "schema_version": self.schema_version,
            "latest_schema_version": self.latest,
            "problems": list(self.problems),
        }


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, timeout=5.0)


def inspect(path: Path, latest: int) -> Health:
    """Check the file at ``path`` without writing to it: header, identity, ``PRAGMA quick_check``."""
    if not path.exists():
        return Health(str(path), False, 0, False, None, latest, ("the file does not exist",))
    if not path.is_file():
        return Health(str(path), True, 0, False, None, latest, ("it is not a regular file",))
    size = path.stat().st_size
    header = read_header(path)
    problems = header_problems(path)
    if problems:
        ours = header is not None and (header.ours or header.page_size == 0)
        return Health(str(path), True, size, ours, None, latest, tuple(problems))
    if size and header is None:
        return Health(str(path), True, size, False, None, latest, ("it is not a SQLite database",))
    try:
        conn = _read_only(path)
    except sqlite3.Error as exc:
        return Health(str(path), True, size, False, None, latest, (f"it cannot be opened: {exc}",))
    try:
        try:
            app_id, version, objects = conn.execute(
                "SELECT (SELECT application_id FROM pragma_application_id), (SELECT user_version FROM pragma_user_version),"
                " (SELECT count(*) FROM sqlite_master)"
            ).fetchone()
        except sqlite3.DatabaseError as exc:
            ours = header is not None and header.ours
            return Health(str(path), True, size, ours, None, latest, (str(exc),))
        ours = app_id == APPLICATION_ID or is_fresh(app_id, version, objects)
        if not ours:  # the same rule as opening the store (migrations.check_identity)
            return Health(str(path), True, size, False, None, latest, ("it is not a vizbot database",))
        try:
            found = problems_from_rows([tuple(r) for r in conn.execute("PRAGMA quick_check").fetchall()])
        except sqlite3.DatabaseError as exc:
            if not _is_damage(exc):
                raise
            found = [str(exc)]
        if version > latest:
            found.append(f"it was written by a newer vizbot (schema {version}; this one knows up to {latest})")
        return Health(str(path), True, size, True, version, latest, tuple(found))
    finally:
        conn.close()


def backup(source: Path, target: Path) -> int:
    """Copy the live database ``source`` to the new file ``target`` with SQLite's online backup API
    (consistent while the bot writes); returns the size of the copy. The copy is written beside
    ``target`` and renamed into place once complete and checked, so ``target`` is never half-written."""
    if target.exists():
        raise StoreError(f"{target} already exists; choose a new file name (an existing file is never overwritten)")
    if not target.parent.is_dir():
        raise StoreError(f"could not back up to {target}: the directory {target.parent} does not exist")
    try:
        handle, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as exc:
        raise StoreError(f"could not back up to {target}: {(exc.strerror or 'error').lower()}") from exc
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        src = _read_only(source)
        try:
            dst = sqlite3.connect(tmp)
            try:
                src.backup(dst)
                problems = problems_from_rows([tuple(r) for r in dst.execute("PRAGMA quick_check").fetchall()])
                dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            finally:
                dst.close()
        finally:
            src.close()
        if problems:
            raise StoreError(f"the backup of {source} failed its check ({problems[0]}); {target} was not written")
        if target.exists():
            raise StoreError(f"{target} appeared while backing up; it was left alone")
        tmp.replace(target)
    except sqlite3.Error as exc:
        raise StoreError(f"could not back up {source} to {target}: {exc}") from exc
    except OSError as exc:
        raise StoreError(f"could not back up to {target}: {(exc.strerror or 'error').lower()}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return target.stat().st_size
