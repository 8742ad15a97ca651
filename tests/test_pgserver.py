"""The throw-away PostgreSQL server the store tests run against."""

from __future__ import annotations

import asyncio

import pytest

from tests.pgserver import PgServer

asyncpg = pytest.importorskip("asyncpg")


async def _one(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval("SELECT 1"))
    finally:
        await conn.close()


def test_fresh_databases_are_separate_and_empty(pg_server: PgServer) -> None:
    """Each test database is new: a table made in one is not in the next."""

    async def scenario() -> tuple[int, int]:
        first, second = pg_server.create_database(), pg_server.create_database()
        conn = await asyncpg.connect(first)
        await conn.execute("CREATE TABLE t (x int)")
        await conn.close()
        counts = []
        for dsn in (first, second):
            conn = await asyncpg.connect(dsn)
            counts.append(int(await conn.fetchval("SELECT count(*) FROM pg_tables WHERE tablename = 't'")))
            await conn.close()
        return counts[0], counts[1]

    assert asyncio.run(scenario()) == (1, 0)


def test_a_wrong_password_is_refused(pg_server: PgServer) -> None:
    """The server checks passwords over TCP, so tests of a wrong password mean something."""
    with pytest.raises(asyncpg.InvalidPasswordError):
        asyncio.run(_one(pg_server.dsn(password="wrong")))


def test_the_server_can_be_stopped_and_started_again(pg_server: PgServer) -> None:
    """Restart tests rely on stop() refusing connections and start() serving again on the same port."""
    dsn = pg_server.create_database()
    pg_server.stop()
    try:
        with pytest.raises(OSError):
            asyncio.run(_one(dsn))
    finally:
        pg_server.start()
    assert asyncio.run(_one(dsn)) == 1
