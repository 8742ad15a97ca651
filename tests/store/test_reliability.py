"""Reliability: many concurrent writers, a writer killed mid-batch, and bad input of every kind."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

from store_helpers import Clock, draft, rows

from bot.core.errors import RateLimited
from bot.store import Store

USERS, PER_USER, URLS, PER_HOUR, CONNECTIONS = 50, 4, 40, 3, 5


async def test_200_concurrent_suggestions_from_50_users(database: Path | str) -> None:
    """200 submissions at once over 5 connections: right rows, no duplicates, rate limits held."""
    clock = Clock()
    stores = [await Store.open(database, suggestions_per_hour=PER_HOUR, clock=clock) for _ in range(CONNECTIONS)]

    async def one(user: int, k: int) -> str:
        store = stores[(user + k) % CONNECTIONS]
        try:
            outcome = await store.submit(draft((user * 7 + k * 13) % URLS), user=f"user{user}")
        except RateLimited:
            return "limited"
        return outcome.status

    jobs = [one(user, k) for k in range(PER_USER) for user in range(USERS)]
    results = await asyncio.gather(*jobs)
    by_user = Counter()
    for (user, _k), status in zip([(u, k) for k in range(PER_USER) for u in range(USERS)], results):
        if status in ("created", "seconded"):
            by_user[user] += 1
    check = stores[0]
    stored = await check.suggestions(status=None, limit=1000)
    for store in stores:
        await store.close()

    counts = Counter(results)
    assert counts["limited"] == USERS * (PER_USER - PER_HOUR)
    assert all(by_user[u] == PER_HOUR for u in range(USERS))
    assert counts["created"] == len(stored)
    assert len({r.url for r in stored}) == len(stored)
    assert sum(1 + r.seconds for r in stored) == counts["created"] + counts["seconded"] == USERS * PER_HOUR
    [(per_actor,)] = await rows(database, "SELECT max(n) FROM (SELECT count(*) AS n FROM audit_log GROUP BY actor) x")
    [(orphans,)] = await rows(
        database,
        "SELECT count(*) FROM suggestions s WHERE NOT EXISTS "
        "(SELECT 1 FROM audit_log a WHERE a.suggestion_id = s.id AND a.action = 'submit')",
    )
    assert per_actor == PER_HOUR
    assert orphans == 0


WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from bot.core.suggestion_schema import validate_suggestion
    from bot.store import Store
    from bot.core.model import Tag

    class Found:
        tag = Tag("cnn", "CNN", "d")
        suggestions = ()

    async def main():
        store = await Store.open(sys.argv[1], suggestions_per_hour=10**6)
        n = 0
        while True:
            draft = validate_suggestion(f"https://example.org/{n}", f"Resource {n}", ["cnn"], "x" * 900, lambda _: Found)
            await store.submit(draft, user=f"user{n % 7}")
            await store.vote(user=f"user{n % 7}", question=f"q{n}", resource_id=f"r{n}", value=1)
            print(n, flush=True)
            n += 1

    asyncio.run(main())
    """
)


def test_writer_killed_mid_batch_leaves_a_clean_database(tmp_path: Path) -> None:
    """SIGKILL during a stream of writes: the file opens cleanly and each write is whole or absent."""
    path = tmp_path / "crash.db"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True, env=env)
    committed = -1
    assert proc.stdout is not None
    for line in proc.stdout:
        committed = int(line)
        if committed >= 60:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()

    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        suggestions = conn.execute("SELECT count(*) FROM suggestions").fetchone()[0]
        audits = conn.execute("SELECT count(*) FROM audit_log WHERE action = 'submit'").fetchone()[0]
        bad_audit = conn.execute(
            "SELECT count(*) FROM suggestions s LEFT JOIN audit_log a ON a.suggestion_id = s.id WHERE a.id IS NULL"
        ).fetchone()[0]
        notes = conn.execute("SELECT DISTINCT length(note) FROM suggestions").fetchall()
        votes = conn.execute("SELECT count(*) FROM votes").fetchone()[0]
    conn.close()
    assert suggestions >= committed + 1
    assert audits == suggestions and bad_audit == 0
    assert notes == [(900,)]
    assert votes in (suggestions - 1, suggestions)

    async def reopen() -> int:
        store = await Store.open(path)
        try:
            outcome = await store.submit(draft("after"), user="someone")
            return outcome.suggestion.id
        finally:
            await store.close()

    assert asyncio.run(reopen()) == suggestions + 1
