"""Per-server settings in the store: defaults, partial updates, validation, persistence and forgetting."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.errors import InvalidInput
from bot.store import ServerSettings, Store


async def test_a_server_that_set_nothing_has_the_defaults(store: Store) -> None:
    """No row: every channel, logging on, the bot's cooldown; nothing listed by every_server_settings."""
    assert await store.server_settings("111") == ServerSettings(server="111")
    assert await store.every_server_settings() == {}


async def test_updates_change_only_what_is_given_and_survive_a_reopen(store: Store, database: Path | str) -> None:
    """Each update keeps the other settings; the values are on disk."""
    await store.update_server_settings("111", by="42", answer_channels=[5, "6", 5])
    await store.update_server_settings("111", by="43", cooldown_seconds=30)
    await store.update_server_settings("111", by="43", log_questions=False)
    await store.close()
    reopened = await Store.open(database)
    try:
        got = await reopened.server_settings("111")
        assert (got.answer_channels, got.cooldown_seconds, got.log_questions, got.updated_by) == (
            (5, 6),
            30,
            False,
            "43",
        )
        assert set(await reopened.every_server_settings()) == {"111"}
        assert got.to_json()["answer_channels"] == ["5", "6"]
    finally:
        await reopened.close()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"cooldown_seconds": 3601}, "cooldown"),
        ({"cooldown_seconds": -1}, "cooldown"),
        ({"cooldown_seconds": True}, "cooldown"),
        ({"answer_channels": ["general"]}, "answer_channels"),
        ({"answer_channels": [0]}, "answer_channels"),
        ({"answer_channels": list(range(1, 27))}, "answer_channels"),
        ({"answer_channels": "5"}, "answer_channels"),
        ({"log_questions": "no"}, "log_questions"),
    ],
)
async def test_bad_values_are_refused_and_change_nothing(store: Store, changes: dict, field: str) -> None:
    """A bad value raises InvalidInput naming the field; the stored settings are untouched."""
    await store.update_server_settings("111", by="42", cooldown_seconds=10)
    with pytest.raises(InvalidInput) as caught:
        await store.update_server_settings("111", by="42", **changes)
    assert caught.value.field == field
    assert (await store.server_settings("111")).cooldown_seconds == 10


@pytest.mark.parametrize(
    ("channels", "asked_in", "answered"),
    [
        ((), (9, None), True),
        ((5,), (5, None), True),
        ((5,), (9, 5), True),  # a thread of an answering channel
        ((5,), (9, None), False),
        ((5, 6), (9, 7), False),
    ],
)
def test_answers_in(channels: tuple[int, ...], asked_in: tuple, answered: bool) -> None:
    """No channels named: everywhere; otherwise the named channels and their threads."""
    assert ServerSettings(server="1", answer_channels=channels).answers_in(*asked_in) is answered


async def test_forget_removes_the_user_as_last_editor(store: Store) -> None:
    """The settings stay; who changed them last is forgotten."""
    await store.update_server_settings("111", by="42", cooldown_seconds=10)
    report = await store.forget(user="42")
    assert report.audit_entries == 1
    got = await store.server_settings("111")
    assert got.cooldown_seconds == 10 and got.updated_by == "forgotten"
