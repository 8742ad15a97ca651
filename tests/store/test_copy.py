"""Copying a database into another: every table, idempotent, verified by counts, ids continue after.

The source is a SQLite file (an installation being moved); the target is each backend in turn."""

from __future__ import annotations

from pathlib import Path

from store_helpers import Clock, draft

from bot.links.outcome import FAILED, CheckResult
from bot.store import Store


async def _populate(store: Store, clock: Clock) -> None:
    """One row or more in every table: suggestions (pending, seconded, approved, rejected), votes,
    questions, server settings and link health."""
    for n in range(1, 5):
        await store.submit(draft(n), user=f"user{n}", user_name=f"User {n}", guild="1")
    await store.submit(draft(1), user="user9")  # seconds suggestion 1
    await store.approve(1, moderator="mod")
    await store.reject(2, moderator="mod", reason="off topic")
    await store.mark_notified(2)
    await store.vote(user="user1", question="how do convolutions work?", resource_id="r1", value=1)
    await store.vote(user="user2", question="what is a cnn", resource_id="r1", value=-1)
    await store.log_question("how do convolutions work?", top_score=7.5, answered=True, guild="1", tags=["cnn"])
    await store.log_question("best pizza in town", top_score=None, answered=False, confidence=0.1)
    await store.update_server_settings("1", by="admin", answer_channels=["10", "11"], cooldown_seconds=30)
    run, _ = await store.link_run(total=1)
    await store.record_link_check(CheckResult(url="https://example.org/gone", outcome=FAILED, reason="404"))
    await store.finish_link_run(run.id)
    clock.advance(60)


async def _snapshot(store: Store) -> dict[str, object]:
    """What the store's own readers say, for comparing two databases."""
    return {
        "suggestions": [s for s in await store.suggestions(status=None, limit=100)],
        "audit": await store.audit_log(limit=100),
        "tallies": await store.vote_tallies(),
        "servers": await store.every_server_settings(),
        "links": await store.links(),
        "report": await store.report(days=30),
    }


async def test_a_copy_reads_back_the_same_and_a_second_copy_adds_nothing(
    tmp_path: Path, database: Path | str, clock: Clock
) -> None:
    """Everything the source's readers return, the target's return too; repeating the copy adds 0 rows."""
    async with await Store.open(tmp_path / "old.db", clock=clock) as source:
        await _populate(source, clock)
        expected = await _snapshot(source)
    async with await Store.open(tmp_path / "old.db", clock=clock, read_only=True) as source:
        async with await Store.open(database, clock=clock) as target:
            first = await source.copy_to(target)
            second = await source.copy_to(target)
            copied = await _snapshot(target)
    assert copied == expected
    assert (first.verified, first.written, second.verified, second.written) == (True, True, True, True)
    assert sum(t.added for t in first.tables) == sum(t.source for t in first.tables) > 10
    assert sum(t.added for t in second.tables) == 0
    assert {t.table for t in first.tables} >= {"suggestions", "suggestion_seconds", "votes", "questions", "links"}


async def test_new_rows_after_a_copy_take_new_ids(tmp_path: Path, database: Path | str, clock: Clock) -> None:
    """A suggestion made in the copy does not collide with a copied one."""
    async with await Store.open(tmp_path / "old.db", clock=clock) as source:
        await _populate(source, clock)
        async with await Store.open(database, clock=clock) as target:
            await source.copy_to(target)
            outcome = await target.submit(draft(99), user="newcomer")
    assert outcome.suggestion.id == 5


async def test_a_target_in_use_is_left_as_it_was(tmp_path: Path, database: Path | str, clock: Clock) -> None:
    """A row of the target in the place of a source row: not verified, and nothing at all is written (one
    transaction), so the target is never half-merged with the source."""
    async with await Store.open(tmp_path / "old.db", clock=clock) as source:
        await _populate(source, clock)
        async with await Store.open(database, clock=clock) as target:
            await target.log_question("an older question", top_score=1.0, answered=True)
            before = await _snapshot(target)
            report = await source.copy_to(target)
            after = await _snapshot(target)
    tables = {t.table: t for t in report.tables}
    assert (report.verified, report.written) == (False, False)
    assert after == before
    assert not tables["questions"].verified
    assert (tables["questions"].source, tables["questions"].added, tables["questions"].target) == (2, 1, 2)
    assert tables["questions"].conflicts == 1  # equal counts, but its id 1 was taken: kept, never overwritten
    assert tables["suggestions"].verified


async def test_a_copy_back_from_the_target_gives_the_same(tmp_path: Path, database: Path | str, clock: Clock) -> None:
    """SQLite -> target -> a new SQLite file: the readers agree at both ends (nothing lost in either direction)."""
    async with await Store.open(tmp_path / "old.db", clock=clock) as source:
        await _populate(source, clock)
        expected = await _snapshot(source)
        async with await Store.open(database, clock=clock) as middle:
            await source.copy_to(middle)
            async with await Store.open(tmp_path / "back.db", clock=clock) as back:
                report = await middle.copy_to(back)
                assert report.verified and report.written
                assert await _snapshot(back) == expected
