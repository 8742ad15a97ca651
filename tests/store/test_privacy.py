"""Forgetting a user, and how long question text stays on votes."""

from __future__ import annotations

from pathlib import Path

from store_helpers import Clock, draft, rows

from bot.store import Store
from bot.store.privacy import FORGOTTEN
from bot.store.store import DAY


async def test_forget_leaves_no_row_that_names_the_user(store: Store, database: Path | str) -> None:
    """Votes, pending suggestions and seconds go; decided suggestions and audit entries stay without the name."""
    await store.submit(draft(1), user="ann", user_name="Ann", guild="9")
    live = await store.submit(draft(2), user="ann", user_name="Ann")
    await store.submit(draft(3), user="bob", user_name="Bob")
    await store.submit(draft(3), user="ann", user_name="Ann")  # a second on bob's suggestion
    await store.approve(live.suggestion.id, moderator="ann")  # ann is also a moderator
    await store.vote(user="ann", question="what is a cnn", resource_id="cnn-explainer", value=1)
    await store.vote(user="bob", question="what is a cnn", resource_id="cnn-explainer", value=-1)

    report = await store.forget(user="ann")

    assert (report.votes, report.pending_suggestions, report.seconds, report.attributions) == (1, 1, 1, 1)
    assert report.audit_entries >= 3  # her submissions, her second and her approval
    for table, column in (
        ("votes", "user_id"),
        ("suggestions", "user_id"),
        ("suggestion_seconds", "user_id"),
        ("audit_log", "actor"),
    ):
        assert await rows(database, f"SELECT count(*) FROM {table} WHERE {column} = 'ann'") == [(0,)]
    assert await rows(database, "SELECT count(*) FROM suggestions WHERE user_name = 'Ann'") == [(0,)]
    assert await rows(database, "SELECT user_id, status FROM suggestions WHERE id = ?", live.suggestion.id) == [
        (FORGOTTEN, "approved")
    ]
    assert await rows(database, "SELECT user_id FROM votes") == [("bob",)]  # others untouched
    assert [s.user for s in await store.suggestions(status=None, limit=10)] == ["forgotten", "bob"]


async def test_forgetting_nobody_changes_nothing(store: Store) -> None:
    """An unknown user: every count is zero."""
    report = await store.forget(user="nobody")
    assert report.to_json() == {
        "user": "nobody",
        "votes": 0,
        "pending_suggestions": 0,
        "seconds": 0,
        "attributions": 0,
        "audit_entries": 0,
    }


async def test_vote_question_text_is_cleared_after_the_retention(database: Path | str, clock: Clock) -> None:
    """Past the questions log's retention a vote keeps its value but not its question."""
    store = await Store.open(database, clock=clock, retention_days=90)
    try:
        await store.vote(user="ann", question="what is a cnn", resource_id="cnn-explainer", value=1)
        await store.vote(user="ann", question="cnn layers", resource_id="cnn-explainer", value=1)
        clock.now += 91 * DAY
        await store.vote(user="ann", question="fresh question", resource_id="cnn-explainer", value=-1)
        await store.prune_questions(90)
    finally:
        await store.close()
    kept = sorted(await rows(database, "SELECT question, value FROM votes"))
    assert kept == [("", 1), ("fresh question", -1)]
