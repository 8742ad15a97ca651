"""Start-up against the fake: login order, command sync, intents, restarts."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from e2e_support import MODERATION, COMMANDS, RunningBot, bot_settings, start_bot
from fakediscord import FakeDiscord
from fakediscord.fixtures import stop_task
from fakediscord.reading import custom_ids, everything_said

from bot.core.limits import REASON_MAX

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
    assert COMMANDS - MODERATION == {c["name"] for c in fake_discord.commands[None]}
    assert MODERATION == {c["name"] for c in fake_discord.commands[fake_discord.guild.id]}


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


async def test_reject_reason_modal_works_after_a_restart(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    """A reject modal opened before a restart and submitted after it still rejects (handled by custom_id)."""
    fake = fake_discord
    settings = bot_settings(fake, tmp_path)
    task = await start_bot(fake, settings)
    try:
        inter = await fake.slash(
            "suggest",
            fake.guild.member,
            url="https://example.org/zebra-quokka",
            title="Zebra quokka visualizer",
            tags="convolution",
        )
        await fake.wait_reply(inter)
        review = await fake.wait_reply(await fake.slash("review", fake.guild.moderator))
        reject = next(i for i in custom_ids(review) if i.startswith("vizbot:reject:"))
        modal = await fake.wait_callback(await fake.click(review, reject, user=fake.guild.moderator))
        assert modal["type"] == 9 and modal["data"]["custom_id"].startswith("vizbot:reject-reason:")
        assert _max_lengths(modal["data"]) == [REASON_MAX]
    finally:
        await stop_task(task)
    task = await start_bot(fake, settings)
    try:
        submit = await fake.submit_modal(
            modal["data"],
            {"reason": "not a visualization"},
            user=fake.guild.moderator,
            message=fake.messages[int(review["id"])],
        )
        assert (await fake.wait_callback(submit))["type"] == 6

        def stored() -> list[tuple[str, str]]:
            with sqlite3.connect(settings.db_path) as db:
                return db.execute("SELECT status, reason FROM suggestions").fetchall()

        await fake.wait_until(lambda: stored() == [("rejected", "not a visualization")], what="the rejection")
        await fake.wait_until(
            lambda: "rejected" in everything_said(fake.messages[int(review["id"])]).lower(),
            what="the review message to show the decision",
        )
    finally:
        await stop_task(task)


def _max_lengths(modal: dict) -> list[int]:
    found = []
    for row in modal.get("components", []):
        for item in row.get("components", []) or [row.get("component", {})]:
            if item.get("type") == 4:
                found.append(item.get("max_length"))
    return found


async def test_a_lost_hash_is_checked_against_discord_before_uploading(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """The stored hash is gone (a new data directory): the registered commands are listed and, being the same, not uploaded again."""
    from bot.discord_app.sync import hash_path

    settings = bot_settings(fake_discord, tmp_path, guild_id=None)
    await stop_task(await start_bot(fake_discord, settings))
    hash_path(settings).unlink()
    await stop_task(await start_bot(fake_discord, settings))
    assert len(fake_discord.find_requests("PUT", GLOBAL_PUT)) == 1
    assert fake_discord.find_requests("GET", "/applications/{app_id}/commands")
