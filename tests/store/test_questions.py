"""The questions log, its retention, and the curator report built from it."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_helpers import Clock, draft

from bot.core.errors import InvalidInput
from bot.store import Store

DAY = 86400


async def test_retention_prunes_old_questions_on_open(database: Path | str, clock: Clock) -> None:
    """Questions older than the retention period are deleted when the store opens."""
    store = await Store.open(database, clock=clock)
    await store.log_question("old one", top_score=1.0, answered=True)
    clock.advance(10 * DAY)
    await store.log_question("new one", top_score=1.0, answered=True)
    await store.close()
    clock.advance(5 * DAY)
    store = await Store.open(database, clock=clock, retention_days=7)
    report = await store.report(days=365)
    await store.close()
    assert report.questions == 1


async def test_retention_none_keeps_everything(database: Path | str, clock: Clock) -> None:
    """Without a retention period nothing is pruned."""
    store = await Store.open(database, clock=clock)
    await store.log_question("old one", top_score=1.0, answered=True)
    await store.close()
    clock.advance(1000 * DAY)
    store = await Store.open(database, clock=clock, retention_days=None)
    assert (await store.report(days=3650)).questions == 1
    await store.close()


async def test_report_topics_and_gaps(store: Store, clock: Clock) -> None:
    """Topics count answer tags; gaps group unanswered and low-confidence questions, most frequent first."""
    for _ in range(3):
        await store.log_question("what is a quaternion", top_score=None, answered=False, guild="1", confidence=0.2)
    for _ in range(2):
        await store.log_question("explain nerf", top_score=0.5, answered=True, confidence=0.55)
    await store.log_question(
        "what is a cnn", top_score=9.0, answered=True, tags=("cnn", "deep-learning"), confidence=1.0
    )
    await store.log_question("cnn pooling", top_score=7.0, answered=True, tags=("cnn",), confidence=0.8)
    clock.advance(1)
    await store.log_question("explain nerf", top_score=0.7, answered=True, confidence=0.6)
    report = await store.report(days=7, low_confidence=0.75)
    assert (report.questions, report.unanswered) == (8, 3)
    assert [(t.tag, t.count) for t in report.topics] == [("cnn", 2), ("deep-learning", 1)]
    assert [(g.question, g.count, g.answered, g.best_score) for g in report.gaps] == [
        ("explain nerf", 3, True, 0.7),
        ("what is a quaternion", 3, False, None),
    ]


async def test_report_window_excludes_older_questions(store: Store, clock: Clock) -> None:
    """Only questions within the last N days are reported."""
    await store.log_question("old question", top_score=None, answered=False)
    clock.advance(3 * DAY)
    await store.log_question("new question", top_score=None, answered=False)
    assert [g.question for g in (await store.report(days=2)).gaps] == ["new question"]


async def test_report_lists_disliked_and_pending(store: Store) -> None:
    """Resources with most thumbs-down come first; pending suggestions are counted and listed."""
    for user in ("a", "b", "c"):
        await store.vote(user=user, question="q", resource_id="bad-one", value=-1)
    await store.vote(user="a", question="q", resource_id="meh", value=-1)
    await store.vote(user="b", question="q", resource_id="meh", value=1)
    await store.vote(user="a", question="q", resource_id="good", value=1)
    await store.submit(draft(1), user="ann")
    await store.submit(draft(2), user="ann")
    report = await store.report()
    assert [(d.resource_id, d.down, d.up) for d in report.disliked] == [("bad-one", 3, 0), ("meh", 1, 1)]
    assert report.pending_count == 2
    assert [s.id for s in report.pending] == [1, 2]


async def test_report_json_is_complete(store: Store) -> None:
    """The JSON shape always has every key, even when empty."""
    data = (await store.report(days=1)).to_json()
    assert set(data) == {
        "server",
        "servers",
        "days",
        "generated_at",
        "questions",
        "unanswered",
        "topics",
        "gaps",
        "disliked",
        "pending_count",
        "pending",
        "links",
        "answers_without_dead_links",
    }


async def test_a_servers_report_shows_that_server_alone_and_dms_are_never_quoted(store: Store) -> None:
    """Every server's report counts per server and quotes no DM; one server's report holds nothing of others."""
    from bot.store.records import DIRECT_MESSAGES

    for text, guild in (
        ("what is a quaternion", "1"),
        ("private worry about my thesis", DIRECT_MESSAGES),
        ("what is a tensor field", "2"),
        ("what is a tensor field", "2"),
    ):
        await store.log_question(text, top_score=None, answered=False, guild=guild)
    everything = await store.report(days=1)
    assert [(s.server, s.questions) for s in everything.servers] == [("2", 2), ("1", 1), (DIRECT_MESSAGES, 1)]
    assert {g.question for g in everything.gaps} == {"what is a quaternion", "what is a tensor field"}
    assert everything.questions == 4
    one = await store.report(days=1, server="1")
    assert (one.server, one.questions, [g.question for g in one.gaps]) == ("1", 1, ["what is a quaternion"])
    assert one.servers == () and one.pending == () and one.disliked == () and one.pending_count == 0


@pytest.mark.parametrize("days", [0, -1, 4000, True])
async def test_report_days_must_be_sensible(store: Store, days: int) -> None:
    """The report window is 1 to 3650 days."""
    with pytest.raises(InvalidInput, match="days"):
        await store.report(days=days)


async def test_long_running_store_prunes_daily(database: Path | str, clock: Clock) -> None:
    """A store left open keeps pruning as new questions arrive, once a day at most."""
    store = await Store.open(database, clock=clock, retention_days=2)
    await store.log_question("first", top_score=None, answered=False)
    clock.advance(3 * DAY)
    await store.log_question("second", top_score=None, answered=False)
    report = await store.report(days=30)
    await store.close()
    assert [g.question for g in report.gaps] == ["second"]


async def test_in_memory_store(clock: Clock) -> None:
    """ ":memory:" gives a throwaway store for quick experiments."""
    store = await Store.open(":memory:", clock=clock)
    await store.log_question("what", top_score=None, answered=False)
    assert (await store.report(days=1)).questions == 1
    await store.close()
