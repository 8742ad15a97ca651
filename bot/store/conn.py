"""What the SQL modules need of a connection (SQLite's aiosqlite or PostgreSQL's adapter), and
telling a PostgreSQL URL from a file path.

The SQL modules use a small, shared API: ``await conn.execute(sql, params)``, ``async with
conn.execute(sql, params) as cur``, ``cur.fetchone()``, ``cur.fetchall()``, ``cur.rowcount``,
``cur.close()``, ``conn.in_transaction``, with ``?`` placeholders and SQL both databases accept.
Nothing here imports a database driver.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Generator, Iterable, Protocol
from urllib.parse import unquote, urlsplit

SCHEMES = ("postgresql", "postgres")


class Cursor(Protocol):
    """The rows and row count of one statement."""

    @property
    def rowcount(self) -> int: ...

    async def fetchone(self) -> Any: ...

    async def fetchall(self) -> Iterable[Any]: ...

    async def close(self) -> None: ...


class Pending(Protocol):
    """A statement being run: awaited for its cursor, or used as ``async with``."""

    def __await__(self) -> Generator[Any, None, Cursor]: ...

    async def __aenter__(self) -> Cursor: ...

    async def __aexit__(self, *exc: Any) -> Any: ...


class Connection(Protocol):
    """One database connection as the SQL modules use it."""

    def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> Pending: ...

    @property
    def in_transaction(self) -> bool: ...


def is_url(target: object) -> bool:
    """``target`` names a PostgreSQL database (``postgresql://...`` or ``postgres://...``), not a file."""
    return isinstance(target, str) and target.split("://", 1)[0].lower() in SCHEMES and "://" in target


def database_target(text: str) -> Path | str:
    """A ``--db`` or ``VIZBOT_DB`` value: a PostgreSQL URL stays text (its scheme in lower case), anything
    else is a file path."""
    text = text.strip()
    if not is_url(text):
        return Path(text).expanduser()
    scheme, rest = text.split("://", 1)
    return f"{scheme.lower()}://{rest}"


def redact(url: str) -> str:
    """``url`` without its password (and without query options), safe to show: ``postgresql://user@host:port/db``."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "localhost"
    except ValueError:
        return "postgresql://(an invalid URL)"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ":(an invalid port)"
    user = unquote(parts.username) + "@" if parts.username else ""
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"
