"""PostgreSQL alone: migrations and identity, connection failures, a server restart, and 4 processes at once."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from store_helpers import draft, rows, run_sql

from bot.core.errors import StoreError, StoreUnreachable
from bot.store import Store, pg, pg_migrations
from bot.store.migrations import LATEST, MIGRATIONS
from bot.store.pg import placeholders

ROOT = Path(__file__).resolve().parents[2]


def _with(url: str, *, password: str | None = None, port: int | None = None, database: str | None = None) -> str:
    """``url`` with its password, port or database replaced."""
    parts = urlsplit(url)
    user = parts.username or "postgres"
    secret = parts.password if password is None else password
    auth = f"{user}:{secret}@" if secret is not None else f"{user}@"
    host = f"{parts.hostname}:{port if port is not None else parts.port}"
    path = f"/{database}" if database is not None else parts.path
    return urlunsplit((parts.scheme, auth + host, path, parts.query, ""))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ----------------------------------------------------------------------------- SQL text


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT ? , ?", "SELECT $1 , $2"),
        ("SELECT '?' || ? FROM t WHERE a = '?''?' AND b = ?", "SELECT '?' || $1 FROM t WHERE a = '?''?' AND b = $2"),
        ('SELECT "odd?name" FROM t WHERE x = ?', 'SELECT "odd?name" FROM t WHERE x = $1'),
        ("DELETE FROM t", "DELETE FROM t"),
    ],
)
def test_placeholders_are_numbered_outside_quotes(sql: str, expected: str) -> None:
    """``?`` becomes ``$n`` in order, never inside quoted text or identifiers."""
    assert placeholders(sql) == expected


def test_every_migration_has_a_postgresql_form() -> None:
    """The PostgreSQL steps carry the very numbers of the SQLite migrations."""
    assert sorted(pg_migrations.STATEMENTS) == [m.version for m in MIGRATIONS]


# ----------------------------------------------------------------------------- migrations and identity


async def test_empty_database_is_migrated_to_latest_once(pg_dsn: str) -> None:
    """A new database gets every step, one row each in vizbot_schema; reopening applies nothing."""
    store = await Store.open(pg_dsn)
    assert await store.schema_version() == LATEST
    await store.close()
    store = await Store.open(pg_dsn)
    await store.close()
    applied = await rows(pg_dsn, "SELECT version, name FROM vizbot_schema ORDER BY version")
    assert applied == [(m.version, m.name) for m in MIGRATIONS]


async def test_two_openers_at_once_migrate_once(pg_dsn: str) -> None:
    """Four stores opening a new database together apply each step once (the advisory lock)."""
    stores = await asyncio.gather(*(Store.open(pg_dsn) for _ in range(4)))
    for store in stores:
        await store.close()
    assert await rows(pg_dsn, "SELECT count(*), count(DISTINCT version) FROM vizbot_schema") == [(LATEST, LATEST)]


async def test_failing_migration_rolls_back(pg_dsn: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A step that fails leaves the database at the version before it, without half its tables."""
    broken = (*pg_migrations.STATEMENTS[LATEST], "CREATE TABLE half_done (x INTEGER)", "THIS IS NOT SQL")
    monkeypatch.setitem(pg_migrations.STATEMENTS, LATEST, broken)
    with pytest.raises(StoreError, match="could not update the schema of"):
        await Store.open(pg_dsn)
    assert await rows(pg_dsn, "SELECT max(version) FROM vizbot_schema") == [(LATEST - 1,)]
    assert await rows(pg_dsn, "SELECT to_regclass('half_done') IS NULL") == [(True,)]


async def test_newer_schema_is_refused_untouched(pg_dsn: str) -> None:
    """A database written by a newer vizbot is refused and not modified."""
    store = await Store.open(pg_dsn)
    await store.submit(draft(1), user="ann")
    await store.close()
    await run_sql(pg_dsn, "INSERT INTO vizbot_schema (version, name, applied_at) VALUES (?, 'future', 0)", LATEST + 1)
    before = await rows(pg_dsn, "SELECT * FROM vizbot_schema ORDER BY version")
    with pytest.raises(StoreError, match=f"newer vizbot \\(schema version {LATEST + 1}"):
        await Store.open(pg_dsn)
    assert await rows(pg_dsn, "SELECT * FROM vizbot_schema ORDER BY version") == before
    assert await rows(pg_dsn, "SELECT count(*) FROM suggestions") == [(1,)]


async def test_foreign_database_is_refused_untouched(pg_dsn: str) -> None:
    """A database with tables but no vizbot_schema is another program's: refused, nothing created."""
    await run_sql(pg_dsn, "CREATE TABLE customers (id INTEGER)")
    with pytest.raises(StoreError, match="is not a vizbot database"):
        await Store.open(pg_dsn)
    assert await rows(pg_dsn, "SELECT to_regclass('vizbot_schema') IS NULL, to_regclass('suggestions') IS NULL") == [
        (True, True)
    ]


async def test_out_of_date_read_only_database_is_refused(pg_dsn: str) -> None:
    """Read-only, an empty (or older) database cannot be brought up to date: refused."""
    with pytest.raises(StoreError, match="out of date and it is read-only"):
        await Store.open(pg_dsn, read_only=True)


async def test_read_only_store_refuses_writes_cleanly(pg_dsn: str) -> None:
    """A read-only store reads, and a write is one StoreError line."""
    writer = await Store.open(pg_dsn)
    await writer.submit(draft(1), user="ann")
    await writer.close()
    reader = await Store.open(pg_dsn, read_only=True)
    try:
        assert await reader.pending_count() == 1
        with pytest.raises(StoreError, match="could not save to .*: the database is read-only"):
            await reader.submit(draft(2), user="bob")
    finally:
        await reader.close()


# ----------------------------------------------------------------------------- read-modify-write across connections


async def test_one_approval_wins_across_stores(pg_dsn: str) -> None:
    """Two stores (two processes' worth) approving the same suggestion at once: one approves, the other is told."""
    first, second = await Store.open(pg_dsn), await Store.open(pg_dsn)
    try:
        created = await first.submit(draft(1), user="ann")
        assert created.suggestion is not None
        sid = created.suggestion.id
        outcomes = await asyncio.gather(
            first.approve(sid, moderator="mod1"), second.approve(sid, moderator="mod2"), return_exceptions=True
        )
        refused = [o for o in outcomes if isinstance(o, Exception)]
        assert len(refused) == 1 and "was already approved" in str(refused[0])
        assert await rows(pg_dsn, "SELECT count(*) FROM audit_log WHERE action = 'approve'") == [(1,)]
    finally:
        await first.close()
        await second.close()


async def test_settings_changed_at_once_from_two_stores_both_stay(pg_dsn: str) -> None:
    """Two stores changing different settings of one server at once: neither change is lost."""
    first, second = await Store.open(pg_dsn), await Store.open(pg_dsn)
    try:
        for n in range(10):
            await asyncio.gather(
                first.update_server_settings(f"g{n}", by="a", cooldown_seconds=30),
                second.update_server_settings(f"g{n}", by="b", answer_channels=[7]),
            )
        every = await first.every_server_settings()
        assert all((every[f"g{n}"].cooldown_seconds, every[f"g{n}"].answer_channels) == (30, (7,)) for n in range(10))
    finally:
        await first.close()
        await second.close()


# ----------------------------------------------------------------------------- connection failures


async def test_unreachable_port_names_the_host_not_the_password(pg_dsn: str) -> None:
    """Nothing listening: one line with host and port, never the password."""
    port = _free_port()
    with pytest.raises(StoreUnreachable) as caught:
        await Store.open(_with(pg_dsn, password="s3cret-pw", port=port))
    message = str(caught.value)
    assert f"127.0.0.1:{port}" in message and "s3cret-pw" not in message
    assert "nothing answers" in message and "\n" not in message


async def test_wrong_password_is_said_without_it(pg_dsn: str) -> None:
    """The server refuses the password (the test server checks passwords): said so, host named, password never shown."""
    with pytest.raises(StoreUnreachable, match="refused the password") as caught:
        await Store.open(_with(pg_dsn, password="s3cret-pw"))
    message = str(caught.value)
    assert f"{urlsplit(pg_dsn).hostname}:{urlsplit(pg_dsn).port}" in message
    assert "s3cret-pw" not in message and str(urlsplit(pg_dsn).password) not in message


async def test_missing_database_is_named(pg_dsn: str) -> None:
    """A database that does not exist: its name and what to do."""
    with pytest.raises(
        StoreUnreachable, match="no_such_db: that database does not exist.*createdb -O vizbot no_such_db"
    ):
        await Store.open(_with(pg_dsn, database="no_such_db"))


@pytest.mark.parametrize(
    "url",
    ["postgresql://ann:s3cret-pw@db.example.org:notaport/vizbot", "postgresql://ann:s3cret-pw@[::1/vizbot"],
)
async def test_malformed_url_is_one_line_without_the_password(url: str) -> None:
    """A URL that cannot be parsed: said so, the password never shown."""
    with pytest.raises(StoreUnreachable, match="the URL is not valid") as caught:
        await Store.open(url)
    assert "s3cret-pw" not in str(caught.value)


async def test_refused_user_is_said_without_the_password(pg_dsn: str) -> None:
    """A role the server does not know: refused, the password never shown."""
    url = urlsplit(pg_dsn)
    bad = urlunsplit((url.scheme, f"nobody_here:s3cret-pw@{url.hostname}:{url.port}", url.path, url.query, ""))
    with pytest.raises(StoreUnreachable, match="refused") as caught:
        await Store.open(bad)
    assert "s3cret-pw" not in str(caught.value) and f"{url.hostname}:{url.port}" in str(caught.value)


# ----------------------------------------------------------------------------- a server lost while running


async def test_restart_loses_no_acknowledged_write(pg_server, pg_dsn: str) -> None:
    """Writes made while the server restarts wait and land; the same Store works on afterwards."""
    store = await Store.open(pg_dsn, suggestions_per_hour=100)
    try:
        await store.submit(draft(1), user="ann")
        await asyncio.to_thread(pg_server.stop)
        waiting = [asyncio.create_task(store.submit(draft(n), user=f"user{n}")) for n in range(2, 6)]
        voting = asyncio.create_task(store.vote(user="ann", question="what is a cnn", resource_id="cnn", value=1))
        await asyncio.sleep(0.3)
        assert not any(task.done() for task in (*waiting, voting))  # waiting, not failed
        await asyncio.to_thread(pg_server.start)
        outcomes = await asyncio.gather(*waiting)
        await voting
        assert [o.status for o in outcomes] == ["created"] * 4
        assert sorted(s.url for s in await store.suggestions(limit=50)) == [
            f"https://example.org/{n}" for n in range(1, 6)
        ]
        assert [(t.resource_id, t.up) for t in await store.vote_tallies()] == [("cnn", 1)]
        await store.submit(draft(6), user="bob")  # the same object, no reopening
        assert await store.pending_count() == 6
    finally:
        await store.close()


async def test_server_gone_for_good_is_a_store_error(pg_server, pg_dsn: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the bounded retries a read or write is one StoreError line; nothing hangs; back afterwards."""
    monkeypatch.setattr(pg, "RETRY_DELAYS", (0.05, 0.1))
    store = await Store.open(pg_dsn)
    try:
        await asyncio.to_thread(pg_server.stop)
        try:
            started = time.monotonic()
            with pytest.raises(StoreError, match="could not save to .*: the database server cannot be reached"):
                await store.submit(draft(1), user="ann")
            with pytest.raises(StoreError, match="could not read"):
                await store.pending_count()
            assert time.monotonic() - started < 30
        finally:
            await asyncio.to_thread(pg_server.start)
        assert (await store.submit(draft(1), user="ann")).status == "created"
    finally:
        await store.close()


# ----------------------------------------------------------------------------- several processes


SUGGESTER = textwrap.dedent(
    """
    import asyncio, json, sys, time
    sys.path[:0] = [sys.argv[5], sys.argv[5] + "/store"]
    from store_helpers import draft
    from bot.core.errors import RateLimited
    from bot.store import Store

    async def main(url, process, users, start):
        store = await Store.open(url, suggestions_per_hour=5)
        time.sleep(max(0.0, start - time.time()))

        async def one(user, attempt):
            try:
                outcome = await store.submit(draft((user * 7 + attempt * 13) % 40), user=f"user{user}")
            except RateLimited:
                return [user, "limited"]
            return [user, outcome.status]

        jobs = [one(user, attempt) for attempt in (2 * process, 2 * process + 1) for user in range(users)]
        print(json.dumps(await asyncio.gather(*jobs)))
        await store.close()

    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])))
    """
)


async def test_four_processes_fifty_users_hold_exact_limits(pg_dsn: str) -> None:
    """4 processes x 50 users suggesting at once (each user 8 distinct URLs, 5 allowed an hour):
    exactly 5 accepted per user, no URL stored twice, every second counted once."""
    processes, users, per_hour = 4, 50, 5
    opened = await Store.open(pg_dsn)  # migrated first: the race under test is the writes
    await opened.close()
    start = time.time() + 3
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    children = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            SUGGESTER,
            pg_dsn,
            str(p),
            str(users),
            str(start),
            str(ROOT / "tests"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        for p in range(processes)
    ]
    results = []
    for child in children:
        out, err = await asyncio.wait_for(child.communicate(), timeout=120)
        assert child.returncode == 0, err.decode()
        results += json.loads(out)
    statuses = Counter(status for _, status in results)
    accepted = Counter(user for user, status in results if status in ("created", "seconded"))
    assert set(statuses) <= {"created", "seconded", "limited"}
    assert statuses["limited"] == users * (2 * processes - per_hour)
    assert all(accepted[u] == per_hour for u in range(users))
    [(stored, distinct, seconds)] = await rows(
        pg_dsn, "SELECT count(*), count(DISTINCT url_key), (SELECT count(*) FROM suggestion_seconds) FROM suggestions"
    )
    assert stored == distinct == statuses["created"]
    assert stored + seconds == users * per_hour == statuses["created"] + statuses["seconded"]
    assert await rows(pg_dsn, "SELECT max(n) FROM (SELECT count(*) AS n FROM audit_log GROUP BY actor) x") == [
        (per_hour,)
    ]


# ----------------------------------------------------------------------------- LISTEN/NOTIFY

WAKE = 60.0  # a wait that returns well before this was woken by a NOTIFY, not by its timeout


async def _returns_within(store: Store, timeout: float) -> float:
    began = time.monotonic()
    await store.wait_for_change(timeout)
    return time.monotonic() - began


async def test_a_change_in_one_store_wakes_a_waiting_one(pg_dsn: str) -> None:
    """An approval (published with its event) ends another process's wait at once, not after its timeout."""
    async with await Store.open(pg_dsn) as waiting, await Store.open(pg_dsn) as other:
        await other.submit(draft(1), user="someone")
        await waiting.wait_for_change(0.01)  # starts listening; a first wait may return at once
        seen = await waiting.last_event_id()
        wait = asyncio.create_task(_returns_within(waiting, WAKE))
        await asyncio.sleep(0.2)
        await other.approve(1, moderator="mod")
        assert await asyncio.wait_for(wait, WAKE) < WAKE / 2
        assert [e.subject for e in await waiting.events_after(seen)] == ["1"]


async def test_a_change_between_two_waits_is_not_lost(pg_dsn: str) -> None:
    """A NOTIFY that arrives while nobody waits makes the next wait return at once."""
    async with await Store.open(pg_dsn) as waiting, await Store.open(pg_dsn) as other:
        await waiting.wait_for_change(0.01)
        await other.update_server_settings("42", by="admin", cooldown_seconds=5)
        await asyncio.sleep(0.2)
        assert await _returns_within(waiting, WAKE) < WAKE / 2


async def test_a_change_without_notify_is_still_only_a_timeout_away(pg_dsn: str) -> None:
    """No change, no wake-up: the wait lasts its timeout (the follower then polls as on SQLite)."""
    async with await Store.open(pg_dsn) as waiting:
        await waiting.wait_for_change(0.01)
        await waiting.wait_for_change(0.01)  # the first wait's own wake-up is used up
        assert await _returns_within(waiting, 0.5) >= 0.45


async def test_listening_resumes_after_a_server_restart(pg_server, pg_dsn: str) -> None:
    """The listening connection is lost with the server; after the restart a change wakes the waiter again."""
    async with await Store.open(pg_dsn) as waiting, await Store.open(pg_dsn) as other:
        await waiting.wait_for_change(0.01)
        pg_server.stop()
        try:
            await waiting.wait_for_change(0.01)  # cannot listen now: a plain wait, no error
        finally:
            pg_server.start()
        await waiting.wait_for_change(0.01)  # listens again (and reads once, for what it missed)
        wait = asyncio.create_task(_returns_within(waiting, WAKE))
        await asyncio.sleep(0.2)
        await other.publish("catalog")
        assert await asyncio.wait_for(wait, WAKE) < WAKE / 2


async def test_a_copy_cut_by_a_server_restart_lands_whole(pg_server, pg_dsn: str, tmp_path: Path) -> None:
    """The server stops in the middle of db copy and comes back: the copy (one transaction) is tried again
    from the start and lands verified, with no row twice."""
    import sqlite3

    source_path = tmp_path / "big.db"
    async with await Store.open(source_path) as source:
        await source.submit(draft(1), user="someone")
    with sqlite3.connect(source_path) as raw:
        raw.executemany(
            "INSERT INTO questions (at, text, top_score, answered, guild, tags) VALUES (?, ?, 1.0, 1, NULL, '')",
            [(1_800_000_000.0 + i, f"question number {i}") for i in range(20_000)],
        )
    raw.close()
    cut = asyncio.Event()

    def progress(table: str, done: int) -> None:
        if table == "questions" and done >= 2_000:
            cut.set()

    async with await Store.open(source_path, read_only=True) as source, await Store.open(pg_dsn) as target:
        copying = asyncio.create_task(source.copy_to(target, progress=progress))
        await asyncio.wait_for(cut.wait(), 60)
        pg_server.stop()
        try:
            await asyncio.sleep(0.5)
        finally:
            pg_server.start()
        report = await asyncio.wait_for(copying, 120)
    assert report.verified and report.written
    assert {t.table: t.target for t in report.tables}["questions"] == 20_000
    assert await rows(pg_dsn, "SELECT count(*), count(DISTINCT id) FROM questions") == [(20_000, 20_000)]


async def test_after_a_restart_one_retry_renews_every_pooled_connection(
    pg_server, pg_dsn: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Four pooled connections all go stale in a restart: reads after it need one retry at most, logged
    quietly (info, not a warning: the server is up), and the pool's connections are replaced."""
    import logging

    async def slow(conn: object) -> None:
        async with conn.execute("SELECT pg_sleep(0.2)") as cur:  # type: ignore[attr-defined]
            await cur.fetchall()

    async with await Store.open(pg_dsn) as store:
        await asyncio.gather(*(store._read(slow) for _ in range(4)))  # four connections in the pool
        pg_server.stop()
        pg_server.start()
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="bot.store.pg"):
            for _ in range(4):
                assert await store.pending_count() == 0
    retries = [r for r in caplog.records if "retrying" in r.getMessage()]
    assert len(retries) <= 1 and all(r.levelno == logging.INFO for r in retries)
