"""Start-up against the fake: login order, command sync, intents, a rejected token."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from e2e_support import COMMANDS, RunningBot, bot_settings
from fakediscord import FakeDiscord

from bot.discord_app.runner import run_bot


async def test_logs_in_then_syncs_commands_then_identifies(running_bot: RunningBot) -> None:
    """REST login first, then every command synced to the dev guild, then IDENTIFY without privileged intents."""
    fake = running_bot.fake
    routes = [c.route for c in fake.requests]
    assert routes[:2] == ["/users/@me", "/oauth2/applications/@me"]
    synced = {c["name"] for c in fake.commands[fake.guild.id]}
    assert COMMANDS <= synced
    identify = await fake.wait_for_frame(2)
    assert identify.payload["d"]["intents"] & (1 << 15) == 0
    assert not fake.invalid and not fake.unknown
