"""The real vizbot, started the way ``vizbot run`` starts it, against a FakeDiscord on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator

import pytest
from e2e_support import RunningBot, bot_settings, start_bot
from fakediscord import FakeDiscord
from fakediscord.fixtures import fake_discord, stop_task

__all__ = ["fake_discord", "running_bot"]


@pytest.fixture
async def running_bot(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[RunningBot]:
    """The real bot, connected to the fake, stopped (cancelled) after the test."""
    settings = bot_settings(fake_discord, tmp_path)
    task = await start_bot(fake_discord, settings)
    try:
        yield RunningBot(fake_discord, settings, task)
    finally:
        await stop_task(task)
    unanswered = [
        i.payload["data"].get("name") or i.payload["data"].get("custom_id")
        for i in fake_discord.interactions.values()
        if not i.callbacks
    ]
    if unanswered or fake_discord.invalid:
        pytest.fail(
            f"interactions never answered: {unanswered}; bodies Discord would reject: {[e for _, e in fake_discord.invalid]}"
        )
