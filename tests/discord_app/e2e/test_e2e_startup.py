"""Start-up against the fake: login order, command sync, intents, restarts."""

from __future__ import annotations

from pathlib import Path

from e2e_support import COMMANDS, RunningBot, bot_settings, start_bot
from fakediscord import FakeDiscord
from fakediscord.fixtures import stop_task
from fakediscord.reading import custom_ids

GLOBAL_PUT = "/applications/{app_id}/commands"


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


async def test_global_sync_happens_only_when_the_tree_changed(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    """Without VIZBOT_GUILD_ID the first start syncs globally; a restart with the same tree does not."""
    settings = bot_settings(fake_discord, tmp_path, guild_id=None)
    for expected_puts in (1, 1):
        task = await start_bot(fake_discord, settings)
        await stop_task(task)
        assert len(fake_discord.find_requests("PUT", GLOBAL_PUT)) == expected_puts
    assert COMMANDS <= {c["name"] for c in fake_discord.commands[None]}


async def test_buttons_keep_working_after_a_restart(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    """A More button on an answer sent before a restart is still handled by the new process."""
    settings = bot_settings(fake_discord, tmp_path)
    task = await start_bot(fake_discord, settings)
    sent = await fake_discord.send_message("how do convolutions work?", mention_bot=True)
    reply = await fake_discord.wait_for_message(int(sent["channel_id"]))
    await stop_task(task)
    task = await start_bot(fake_discord, settings)
    try:
        more = next(i for i in custom_ids(reply) if i.startswith("vizbot:more:"))
        click = await fake_discord.click(reply, more, settle=0)
        assert (await fake_discord.wait_callback(click))["type"] == 7
    finally:
        await stop_task(task)
