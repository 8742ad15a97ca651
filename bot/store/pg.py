"""PostgreSQL through asyncpg: the connection the SQL modules expect, transactions, locks, retries.

Imported only when the database setting is a ``postgresql://`` URL (cold start of SQLite
commands never pays for asyncpg).

**A small pool, not one connection.** Several processes share the server, and within one
process the bot reads (answers, reports) while it writes (question log, votes); an asyncpg
pool (1 to ``POOL_MAX`` connections) lets reads run beside a write instead of queueing behind
one lock, and it replaces a connection the server dropped on the next acquire, which is the
reconnect a restart of the server needs. The pool is kept small so that many bot processes
stay well inside the server's ``max_connections``.

**Limits across processes.** Every write is one transaction. A write that reads before it
writes (a suggestion's rate limit and de-duplication, moderation, a server's settings, link
verdicts) first takes transaction-scoped advisory locks on what it depends on (the user, the
URL key, ...), always in one global order so two transactions never wait on each other in a
circle; the unique indexes of the schema remain the last line.

**Faults.** A lost server (a restart, a dropped connection) is retried with a bounded back-off
(``RETRY_DELAYS``, about 5 s in all) so a short restart loses nothing; after that the caller
gets a ``StoreError``. A write is retried whole, in a new transaction; if the connection was lost
while its COMMIT was under way, the first try may have landed, and the second then finds it (a
suggestion answers "you already suggested this", a vote is replaced by itself; a question log
line is the one thing that can be kept twice). Connection problems at start-up (wrong password, unknown database,
unreachable host, a malformed URL) become ``StoreUnreachable``: one line naming the host,
never the password.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import zlib
from urllib.parse import urlsplit
from functools import lru_cache
from typing import Any, Awaitable, Callable, Generator, Iterable, Sequence, TypeVar

import asyncpg

from bot.core.errors import StoreError, StoreUnreachable
from bot.store.conn import Connection, Cursor, redact

_log = logging.getLogger(__name__)

T = TypeVar("T")

POOL_MAX = 4
CONNECT_TIMEOUT = 5.0  # seconds for one connection attempt
RETRY_DELAYS = (0.25, 0.5, 1.0, 1.5, 2.0)  # back-off between tries when the server is lost (~5 s)

LOCK_MIGRATE = 0x56495A42  # "VIZB": the advisory lock held while migrating
Lock = tuple[int, str]  # (lock class, key): the store's classes are in bot.store.store

_LOST = (
    asyncpg.exceptions.InternalClientError,  # a connection left mid-operation by a lost server
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    ConnectionError,
    OSError,
    asyncio.TimeoutError,
)
# How asyncpg says a connection died under an operation (the server went away): lost, so tried again.
_CLOSED_UNDER_US = ("connection is closed", "connection was closed", "released back to the pool")


class _Lost(Exception):
    """A connection that died under an operation, as a retryable loss."""


def _closed_under_us(exc: BaseException) -> bool:
    return any(phrase in str(exc) for phrase in _CLOSED_UNDER_US)


# Lost races (the locks make them rare; the unique indexes are the last line): tried again.
_RACED = (
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.UniqueViolationError,
)


# ----------------------------------------------------------------------------- SQL text


@lru_cache(maxsize=512)
def placeholders(sql: str) -> str:
    """``?`` placeholders as PostgreSQL's ``$1``, ``$2``, ... (never inside quoted text or identifiers)."""
    out: list[str] = []
    n = 0
    for part in re.split(r"('(?:[^']|'')*'|\"(?:[^\"]|\"\")*\")", sql):
        if part[:1] in ("'", '"'):
            out.append(part)
            continue
        pieces = part.split("?")
        out.append(pieces[0])
        for piece in pieces[1:]:
            n += 1
            out.append(f"${n}{piece}")
    return "".join(out)


def _returns_rows(sql: str) -> bool:
    head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    return head in ("SELECT", "WITH", "VALUES", "SHOW") or " RETURNING " in sql.upper().replace("\n", " ")


def _rowcount(status: str) -> int:
    """The row count in a command status (``UPDATE 3``, ``INSERT 0 1``); -1 when there is none."""
    last = status.rsplit(" ", 1)[-1] if status else ""
    return int(last) if last.isdigit() else -1


def lock_key(text: str) -> int:
    """A stable signed 32-bit key for an advisory lock."""
    return zlib.crc32(text.encode("utf-8")) - 2**31


# ----------------------------------------------------------------------------- the connection adapter


class PgCursor:
    """The outcome of one statement: its rows (as tuples) and its row count."""

    def __init__(self, rows: Sequence[tuple[Any, ...]], rowcount: int):
        self._rows = list(rows)
        self._next = 0
        self._rowcount = rowcount

    @property
    def rowcount(self) -> int:
        return self._rowcount

    async def fetchone(self) -> tuple[Any, ...] | None:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    async def fetchall(self) -> list[tuple[Any, ...]]:
        rest, self._next = self._rows[self._next :], len(self._rows)
        return rest

    async def close(self) -> None:
        self._rows = []


class _Pending:
    """A statement not yet run: ``await`` it, or ``async with`` it, for its cursor."""

    def __init__(self, run: Callable[[], Awaitable[PgCursor]]):
        self._run = run

    def __await__(self) -> Generator[Any, None, Cursor]:
        return self._run().__await__()

    async def __aenter__(self) -> Cursor:
        return await self._run()

    async def __aexit__(self, *exc: Any) -> None:
        return None


class PgConnection:
    """An asyncpg connection with the small API the SQL modules use (see :mod:`bot.store.conn`)."""

    def __init__(self, raw: asyncpg.Connection):
        self.raw = raw

    def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> _Pending:
        args = tuple(parameters or ())
        text = placeholders(sql)

        async def run() -> PgCursor:
            if _returns_rows(sql):
                rows = await self.raw.fetch(text, *args)
                return PgCursor([tuple(r) for r in rows], len(rows))
            status = await self.raw.execute(text, *args)
            return PgCursor([], _rowcount(status))

        return _Pending(run)

    @property
    def in_transaction(self) -> bool:
        return self.raw.is_in_transaction()


# ----------------------------------------------------------------------------- errors


def _reason(exc: BaseException) -> str:
    """A short, user-safe reason for a PostgreSQL failure while running."""
    if isinstance(exc, asyncpg.exceptions.ReadOnlySQLTransactionError):
        return "the database is read-only"
    if isinstance(exc, asyncpg.exceptions.DiskFullError):
        return "the server's disk is full"
    if isinstance(exc, asyncpg.exceptions.InsufficientPrivilegeError):
        return (
            "the database user lacks the permission (PostgreSQL 15 and later: make the user the database's owner, "
            "e.g. createdb -O USER DATABASE, or ALTER DATABASE DATABASE OWNER TO USER)"
        )
    if isinstance(exc, asyncpg.exceptions.TooManyConnectionsError):
        return "the server has too many connections"
    if isinstance(exc, _RACED):
        return "another process changed the same rows at the same moment; try again"
    if isinstance(exc, asyncpg.exceptions.UniqueViolationError):
        return "another process saved the same thing at the same moment; try again"
    if isinstance(exc, (*_LOST, _Lost)):
        return "the database server cannot be reached"
    code = getattr(exc, "sqlstate", None)
    return f"a database error occurred (SQLSTATE {code})" if code else "a database error occurred"


def connect_error(url: str, exc: BaseException) -> StoreUnreachable:
    """One line saying why ``url`` could not be opened: names the host, user and database, never the password."""
    shown = redact(url)
    if isinstance(exc, asyncpg.exceptions.InvalidPasswordError):
        why = "the server refused the password (check the user and password in the URL)"
    elif isinstance(exc, asyncpg.exceptions.InvalidAuthorizationSpecificationError):
        why = "the server refused this user (no such role, or not allowed to connect from here)"
    elif isinstance(exc, asyncpg.exceptions.InvalidCatalogNameError):
        name = shown.rsplit("/", 1)[-1] if shown.count("/") > 2 else "NAME"
        user = urlsplit(shown).username or "USER"
        why = f"that database does not exist on the server (create it first, owned by its user: createdb -O {user} {name})"
    elif isinstance(exc, socket.gaierror):
        why = "the host name is unknown"
    elif isinstance(exc, asyncio.TimeoutError):
        why = f"the server did not answer within {CONNECT_TIMEOUT:g} s"
    elif isinstance(exc, asyncpg.exceptions.CannotConnectNowError):
        why = "the server is starting up or shutting down; try again in a moment"
    elif isinstance(exc, (ConnectionError, OSError)):
        why = "nothing answers at that host and port (is the server running?)"
    elif isinstance(exc, (ValueError, asyncpg.exceptions.ClientConfigurationError)):
        why = "the URL is not valid (expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE)"
    elif isinstance(exc, asyncpg.exceptions.PostgresError):
        why = _reason(exc)
    else:
        why = "the connection failed"
    return StoreUnreachable(f"could not connect to the database {shown}: {why}")


# ----------------------------------------------------------------------------- the backend


Job = Callable[[Connection], Awaitable[T]]


class PgBackend:
    """A pool of connections to one PostgreSQL database, with transactions, locks and retries."""

    def __init__(self, pool: asyncpg.Pool, url: str, *, delays: Sequence[float]):
        self._pool = pool
        self._url = url
        self.name = redact(url)
        self.delays = tuple(delays)
        self._listener: asyncpg.Connection | None = None
        self._notified = asyncio.Event()
        self._listen_failed = False  # logged once per outage, not once per wait

    async def read(self, job: Job[T]) -> T:
        """Run ``job`` on a connection (each statement on its own)."""
        return await self._run(job, (), "read")

    async def write(self, job: Job[T], locks: Iterable[Lock] = ()) -> T:
        """Run ``job`` in one transaction, after taking the advisory ``locks`` (in the global order)."""
        return await self._run(job, tuple(sorted({(cls, lock_key(key)) for cls, key in locks})), "save to")

    async def raw(self, job: Callable[[asyncpg.Connection], Awaitable[T]], doing: str = "read") -> T:
        """Run ``job`` on a bare asyncpg connection (migrations, checks), with the same retries."""
        return await self._retrying(lambda: self._with_raw(job), doing)

    async def _with_raw(self, job: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        async with self._pool.acquire() as raw:
            return await job(raw)

    async def _run(self, job: Job[T], locks: tuple[tuple[int, int], ...], doing: str) -> T:
        async def once() -> T:
            async with self._pool.acquire() as raw:
                conn = PgConnection(raw)
                if doing == "read":
                    return await job(conn)
                async with raw.transaction():
                    for cls, key in locks:
                        await raw.execute("SELECT pg_advisory_xact_lock($1::int, $2::int)", cls, key)
                    return await job(conn)

        return await self._retrying(once, doing)

    async def _retrying(self, once: Callable[[], Awaitable[T]], doing: str) -> T:
        for attempt, delay in enumerate((*self.delays, None)):
            try:
                try:
                    return await once()
                except asyncpg.InterfaceError as exc:
                    if _closed_under_us(exc):
                        raise _Lost(str(exc)) from exc
                    raise
            except StoreError:
                raise
            except (*_LOST, *_RACED, _Lost) as exc:
                if delay is None:
                    _log.debug("giving up on %s after %d tries", self.name, attempt + 1, exc_info=True)
                    raise StoreError(f"could not {doing} {self.name}: {_reason(exc)}") from exc
                if isinstance(exc, _RACED):
                    _log.debug("database %s: %s; retrying in %.2g s", self.name, _reason(exc), delay)
                elif attempt == 0:  # often one stale pooled connection (the server restarted since): say it quietly
                    _log.info("database %s: %s; retrying in %.2g s", self.name, _reason(exc), delay)
                    await self._pool.expire_connections()  # the other pooled ones are stale too: replace them all
                else:
                    _log.warning("database %s: %s; retrying in %.2g s", self.name, _reason(exc), delay)
                await asyncio.sleep(delay)
            except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                _log.debug("database failure on %s", self.name, exc_info=True)
                raise StoreError(f"could not {doing} {self.name}: {_reason(exc)}") from exc
        raise AssertionError("unreachable")  # the last delay is None: the loop returns or raises

    async def wait_for_notify(self, channel: str, timeout: float) -> None:
        """Return when a ``NOTIFY`` on ``channel`` arrives (or has arrived since the last call), or after
        ``timeout`` seconds. One connection of its own listens (pooled ones are shared); when it is lost
        (a server restart) the next call opens another, and until then this is a plain wait."""
        if self._listener is None or self._listener.is_closed():
            await self._listen(channel)
        try:
            await asyncio.wait_for(self._notified.wait(), timeout)
        except asyncio.TimeoutError:
            pass
        self._notified.clear()

    async def _listen(self, channel: str) -> None:
        try:
            listener = await asyncpg.connect(
                self._url, timeout=CONNECT_TIMEOUT, server_settings={"application_name": "vizbot-listen"}
            )
            await listener.add_listener(channel, lambda *_: self._notified.set())
        except Exception as exc:  # the periodic read goes on without it; try again at the next wait
            if not self._listen_failed:
                _log.warning("database %s: cannot listen for changes (%s); reading them periodically", self.name, exc)
            self._listen_failed = True
            self._listener = None
            return
        if self._listen_failed:
            _log.info("database %s: listening for changes again", self.name)
        self._listen_failed = False
        self._listener = listener
        self._notified.set()  # whatever was published while nobody listened: read now

    async def close(self) -> None:
        """Close every connection (safe to call twice)."""
        if self._listener is not None:
            listener, self._listener = self._listener, None
            try:
                await asyncio.wait_for(listener.close(), timeout=CONNECT_TIMEOUT)
            except (asyncio.TimeoutError, *_LOST):
                listener.terminate()
        try:
            await asyncio.wait_for(self._pool.close(), timeout=CONNECT_TIMEOUT)
        except (asyncio.TimeoutError, *_LOST):
            self._pool.terminate()


async def connect(url: str, *, read_only: bool = False, delays: Sequence[float] | None = None) -> PgBackend:
    """Open a pool on ``url`` (one connection made now, so a wrong URL fails here with ``StoreUnreachable``);
    ``delays`` between tries when the server is lost (default ``RETRY_DELAYS``)."""
    settings = {"application_name": "vizbot"}
    if read_only:
        settings["default_transaction_read_only"] = "on"
    try:
        # min_size=0: no connection "floor" for asyncpg to restore (with a traceback in the log each time)
        # while the server is down; released connections stay open for reuse all the same.
        pool = await asyncpg.create_pool(
            url,
            min_size=0,
            max_size=POOL_MAX,
            timeout=CONNECT_TIMEOUT,
            command_timeout=60,
            server_settings=settings,
        )
        try:
            async with pool.acquire() as first:  # one connection now, so a wrong URL fails here
                await first.execute("SELECT 1")
        except BaseException:
            pool.terminate()
            raise
    except Exception as exc:  # every way a connection can fail becomes one line (see connect_error)
        _log.debug("could not connect to %s", redact(url), exc_info=True)
        raise connect_error(url, exc) from None
    return PgBackend(pool, url, delays=RETRY_DELAYS if delays is None else delays)
