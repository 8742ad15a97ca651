"""What the SQL modules need of a connection (SQLite's aiosqlite or PostgreSQL's adapter), and
telling a PostgreSQL URL from a file path.

The SQL modules use a small, shared API: ``await conn.execute(sql, params)``, ``async with
conn.execute(sql, params) as cur``, ``cur.fetchone()``, ``cur.fetchall()``, ``cur.rowcount``,
``cur.close()``, ``conn.in_transaction``, with ``?`` placeholders and SQL both databases accept.
Nothing here imports a database driver.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Generator, Iterable, Protocol
from urllib.parse import unquote, urlsplit

from bot.core.errors import ConfigError

SCHEMES = ("postgresql", "postgres")
# Something that starts like a URL ("name:/", "name://"): never taken for a file path.
_URL_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:/")


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
    """A ``--db`` or ``VIZBOT_DB`` value: a PostgreSQL URL stays text (its scheme in lower case), a file
    path becomes a ``Path``. Raises ``ConfigError`` (never showing a password) for a value that looks like
    a URL but is not a usable PostgreSQL one: a mistyped scheme must not become a file named after the URL."""
    text = text.strip()
    if not _URL_LIKE.match(text):
        return Path(text).expanduser()
    scheme = text.split(":", 1)[0].lower()
    if scheme not in SCHEMES:
        raise ConfigError(
            f"the database {redact(text)} is not a PostgreSQL URL (postgresql://USER:PASSWORD@HOST:PORT/DATABASE) "
            "nor a file path; only PostgreSQL and SQLite files are supported"
        )
    if not is_url(text):
        raise ConfigError(f"the database URL must start with {scheme}:// (two slashes after the scheme; it has one)")
    rest = text.split("://", 1)[1]
    authority, _, path = rest.partition("/")
    if "@" in path or "/" in path.split("?", 1)[0] or authority.count("@") > 1:
        raise ConfigError(
            f"the database URL {redact(text)} has a '@' or '/' in its password or after its host: percent-encode them in the "
            "password (@ as %40, / as %2F, : as %3A)"
        )
    if not path.split("?", 1)[0]:
        raise ConfigError(f"the database URL {redact(text)} names no database: add /DATABASE after the host")
    return f"{scheme}://{rest}"


def redact(url: str) -> str:
    """``url`` without its password (and without query options), safe to show: ``postgresql://user@host:port/db``.

    Whatever comes before the last ``@`` is credentials, even when a password holds an unencoded ``@``
    or ``/`` (where a URL parser would take part of it for the host or path): only the user name is kept."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, sep, rest = url.partition(":/")
        if not sep:
            return "(a database URL)"
    credentials, at, place = rest.rpartition("@")
    if at:
        user = credentials.split(":", 1)[0].split("/", 1)[0]
        url = f"{scheme}://{user}@{place}"
    else:
        url = f"{scheme}://{rest}"
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
