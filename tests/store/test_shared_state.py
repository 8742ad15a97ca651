"""Processes sharing one database: the change feed, claims on submitter notices, per-user cooldowns."""

from __future__ import annotations

import asyncio
import json
import sys
import textwrap
from pathlib import Path
from typing import AsyncIterator

import pytest
from store_helpers import Clock, draft

from bot.core.errors import InvalidInput, NotFound
from bot.store import Store
from bot.store import events


@pytest.fixture
async def other(database: Path | str, clock: Clock, store: Store) -> AsyncIterator[Store]:
    """A second store on the same database, as another process opens it."""
    opened = await Store.open(database, clock=clock, suggestions_per_hour=5)
    try:
        yield opened
    finally:
        await opened.close()


async def _decided(store: Store, count: int) -> list[int]:
    """``count`` suggestions, each approved (odd) or rejected (even); their ids."""
    ids = []
    for n in range(1, count + 1):
        out = await store.submit(draft(n), user=f"user{n}")
        if n % 2:
            await store.approve(out.suggestion.id, moderator="mod")
        else:
            await store.reject(out.suggestion.id, moderator="mod", reason="not for us")
        ids.append(out.suggestion.id)
    return ids


# ----------------------------------------------------------------------------- the change feed


async def test_decisions_and_settings_are_published_in_order(store: Store, other: Store) -> None:
    """Approve, reject, /settings and a reload each publish one event the other store reads, with its origin."""
    start = await other.last_event_id()
    await store.submit(draft(1), user="ann")
    await store.submit(draft(2), user="bob")
    await store.approve(1, moderator="mod")
    await store.reject(2, moderator="mod", reason="duplicate")
    await store.update_server_settings("42", by="admin", cooldown_seconds=30)
    await store.publish(events.CATALOG)
    seen = await other.events_after(start)
    assert [(e.kind, e.subject) for e in seen] == [
        ("suggestion", "1"),
        ("suggestion", "2"),
        ("settings", "42"),
        ("catalog", ""),
    ]
    assert [e.id for e in seen] == sorted({e.id for e in seen})
    assert {e.origin for e in seen} == {store.origin} and store.origin != other.origin
    assert await other.last_event_id() == seen[-1].id
    assert await other.events_after(seen[-1].id) == []


async def test_a_failed_change_publishes_nothing(store: Store) -> None:
    """The event is in the change's transaction: a refused decision leaves no event behind."""
    with pytest.raises(NotFound):
        await store.approve(99, moderator="mod")
    await store.submit(draft(1), user="ann")
    await store.approve(1, moderator="mod")
    with pytest.raises(Exception, match="already"):
        await store.approve(1, moderator="mod")
    assert [(e.kind, e.subject) for e in await store.events_after(0)] == [("suggestion", "1")]


async def test_events_are_read_a_page_at_a_time(store: Store) -> None:
    """``limit`` caps one read; reading on from the last id gets the rest."""
    for _ in range(5):
        await store.publish(events.CATALOG)
    first = await store.events_after(0, limit=3)
    rest = await store.events_after(first[-1].id, limit=3)
    assert len(first) == 3 and len(rest) == 2 and rest[0].id > first[-1].id


async def test_an_unknown_kind_is_refused(store: Store) -> None:
    """Only the kinds followers know how to apply can be published."""
    with pytest.raises(InvalidInput, match="unknown event kind"):
        await store.publish("weather")


async def test_pruning_keeps_recent_events_and_ids_keep_growing(store: Store, clock: Clock) -> None:
    """Old events go; the next id is still above every id handed out (a follower's last id stays valid)."""
    await store.publish(events.CATALOG)
    clock.advance(3600)
    newest = await store.publish(events.CATALOG)
    assert await store.prune_shared_state(max_age=1800) == 1
    assert [e.id for e in await store.events_after(0)] == [newest]
    clock.advance(3600)
    assert await store.prune_shared_state(max_age=1800) == 1
    assert await store.events_after(0) == []
    assert await store.publish(events.CATALOG) > newest


async def test_wait_for_change_waits_at_most_the_timeout(store: Store) -> None:
    """With nothing published, a wait lasts its timeout (SQLite: a sleep; PostgreSQL: no NOTIFY comes, after
    the first wait, which starts listening and returns at once to read what came before)."""
    loop = asyncio.get_running_loop()
    await store.wait_for_change(0.01)
    started = loop.time()
    await store.wait_for_change(0.05)
    assert 0.04 <= loop.time() - started < 1


# ----------------------------------------------------------------------------- claims on submitter notices


async def test_each_decision_is_claimed_once(store: Store, other: Store, clock: Clock) -> None:
    """A claimed suggestion is not handed to another store while the lease runs; pending ones never are."""
    ids = await _decided(store, 3)
    await store.submit(draft(9), user="pat")  # pending: nothing to tell yet
    mine = await store.claim_notices(limit=2)
    assert [s.id for s in mine] == ids[:2] and all(s.status != "pending" for s in mine)
    theirs = await other.claim_notices()
    assert [s.id for s in theirs] == ids[2:]
    assert await store.claim_notices() == [] and await other.claim_notices() == []


async def test_a_lapsed_claim_is_claimed_again_but_a_notified_one_never(
    store: Store, other: Store, clock: Clock
) -> None:
    """A process that died mid-DM: after the lease another claims it; once notified nobody does."""
    ids = await _decided(store, 2)
    assert [s.id for s in await store.claim_notices(lease=60)] == ids
    await store.mark_notified(ids[0])
    clock.advance(59)
    assert await other.claim_notices(lease=60) == []
    clock.advance(2)
    assert [s.id for s in await other.claim_notices(lease=60)] == [ids[1]]


async def test_a_released_claim_is_free_at_once(store: Store, other: Store) -> None:
    """Giving a claim back lets another store take it without waiting for the lease; only the holder can."""
    (sid,) = await _decided(store, 1)
    assert [s.id for s in await store.claim_notices()] == [sid]
    assert not await other.release_notice(sid)
    assert await store.release_notice(sid)
    assert [s.id for s in await other.claim_notices()] == [sid]


async def test_two_stores_racing_claim_every_decision_exactly_once(store: Store, other: Store) -> None:
    """Many claims at once from two connections: each decided suggestion goes to one of them, once."""
    ids = await _decided(store, 12)
    rounds = await asyncio.gather(*(s.claim_notices(limit=3) for _ in range(6) for s in (store, other)))
    won = [s.id for claimed in rounds for s in claimed]
    assert sorted(won) == ids


# ----------------------------------------------------------------------------- per-user cooldowns


async def test_cooldown_refuses_inside_the_window_and_says_how_long(store: Store, other: Store, clock: Clock) -> None:
    """The first question is recorded; another from any store inside the window is refused with the wait."""
    assert await store.cooldown_hit("ann", 30) == 0
    clock.advance(10)
    assert await other.cooldown_hit("ann", 30) == pytest.approx(20)
    assert await other.cooldown_hit("bob", 30) == 0  # per user
    clock.advance(20)
    assert await other.cooldown_hit("ann", 30) == 0
    assert await store.cooldown_hit("ann", 30) == pytest.approx(30)


async def test_a_refused_question_does_not_restart_the_window(store: Store, clock: Clock) -> None:
    """Asking again too soon is not recorded: the wait counts from the last question let through."""
    await store.cooldown_hit("ann", 30)
    clock.advance(25)
    assert await store.cooldown_hit("ann", 30) == pytest.approx(5)
    clock.advance(5)
    assert await store.cooldown_hit("ann", 30) == 0


@pytest.mark.parametrize(("first", "second", "wait"), [(60, 10, 0.0), (10, 60, 30.0), (0, 60, 0.0)])
async def test_each_question_is_judged_by_its_own_window(
    store: Store, clock: Clock, first: int, second: int, wait: float
) -> None:
    """Servers set their own cooldowns: the window of the server asked in decides; 0 records nothing."""
    await store.cooldown_hit("ann", first)
    clock.advance(30)
    assert await store.cooldown_hit("ann", second) == pytest.approx(wait)


async def test_two_stores_racing_let_one_question_through(store: Store, other: Store) -> None:
    """Twenty questions by one user at once over two connections: exactly one is let through."""
    waits = await asyncio.gather(*(s.cooldown_hit("ann", 60) for _ in range(10) for s in (store, other)))
    assert sum(1 for w in waits if w == 0) == 1


async def test_old_cooldowns_are_pruned_and_forgotten_users_too(store: Store, clock: Clock) -> None:
    """Pruning drops cooldowns past their age; /forget drops a user's at once."""
    await store.cooldown_hit("ann", 600)
    await store.cooldown_hit("bob", 600)
    clock.advance(100)
    assert await store.prune_shared_state(max_age=50) == 2
    assert await store.cooldown_hit("ann", 600) == 0
    await store.forget(user="ann")
    assert await store.cooldown_hit("ann", 600) == 0


_RACER = textwrap.dedent(
    """
    import asyncio, json, sys, time
    from bot.store import Store

    async def main(path, start, users):
        store = await Store.open(path)
        try:
            while time.time() < start:
                await asyncio.sleep(0.005)
            waits = [await store.cooldown_hit(f"user{n}", 60) for n in range(users)]
            claimed = [s.id for s in await store.claim_notices(limit=100)]
        finally:
            await store.close()
        print(json.dumps({"let_through": sum(1 for w in waits if w == 0), "claimed": claimed}))

    asyncio.run(main(sys.argv[1], float(sys.argv[2]), int(sys.argv[3])))
    """
)


async def test_two_os_processes_share_cooldowns_and_claims(database: Path | str) -> None:
    """Two real processes on one database, started together: each user asks once in all, each decision is claimed once."""
    import time

    async with await Store.open(database) as setup:
        ids = await _decided(setup, 6)
    start = time.time() + 1.5  # both interpreters are up by then
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", _RACER, str(database), str(start), "40", stdout=asyncio.subprocess.PIPE
        )
        for _ in range(2)
    ]
    outputs = [json.loads((await proc.communicate())[0]) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0]
    assert sum(o["let_through"] for o in outputs) == 40
    assert sorted(c for o in outputs for c in o["claimed"]) == ids
