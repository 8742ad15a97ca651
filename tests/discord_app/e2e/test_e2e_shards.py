"""Sharding: VIZBOT_SHARD_COUNT starts one gateway connection per shard; each server's events arrive on its shard."""

from __future__ import annotations

import asyncio
from pathlib import Path

from e2e_support import guild_on_the_other_shard, bot_settings, start_bot
from fakediscord import FakeDiscord
from fakediscord.fixtures import stop_task

from bot.discord_app.runner import run_bot


async def test_two_shards_in_one_process_answer_both_servers(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    """shard_count=2: two IDENTIFYs ([0, 2] and [1, 2]); a mention in each server is answered, each delivered on its own shard."""
    fake = fake_discord
    other = await guild_on_the_other_shard(fake)
    task = await start_bot(fake, bot_settings(fake, tmp_path, guild_id=None, shard_count=2))
    try:
        shards = sorted(
            tuple(f.payload["d"]["shard"]) for f in fake.frames if f.direction == "in" and f.payload.get("op") == 2
        )
        assert shards == [(0, 2), (1, 2)]
        for guild in (fake.guild, other):
            sent = await fake.send_message("how do convolutions work?", mention_bot=True, guild=guild)
            assert (await fake.wait_for_message(guild.general_id))["embeds"]
            session = fake.sessions[fake.shard_of(guild.id)]
            assert any(m["t"] == "MESSAGE_CREATE" and m["d"]["id"] == sent["id"] for m in session.sent)
    finally:
        await stop_task(task)


async def test_two_processes_each_run_their_own_shard(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    """Two bots with VIZBOT_SHARD_IDS 0 and 1 of 2: each identifies one shard, and each server is answered by one of them."""
    fake = fake_discord
    other = await guild_on_the_other_shard(fake)
    first = asyncio.create_task(
        run_bot(bot_settings(fake, tmp_path, guild_id=None, shard_count=2, shard_ids=(0,), db_path=tmp_path / "a.db"))
    )
    second = asyncio.create_task(
        run_bot(
            bot_settings(fake, tmp_path, guild_id=None, shard_count=2, shard_ids=(1,), db_path=tmp_path / "b.db"),
            handle_signals=False,
        )
    )
    try:
        await fake.wait_until(lambda: fake.connected and len(fake.sessions) == 2, timeout=30, what="both shards")
        identified = sorted(
            f.payload["d"]["shard"][0] for f in fake.frames if f.direction == "in" and f.payload.get("op") == 2
        )
        assert identified == [0, 1]
        for guild in (fake.guild, other):
            await fake.send_message("how do convolutions work?", mention_bot=True, guild=guild)
            assert (await fake.wait_for_message(guild.general_id))["embeds"]
        assert (
            len(fake.find_requests("POST", "/channels/{channel_id}/messages", status=200)) == 2
        )  # one answer each, not two
    finally:
        await stop_task(first)
        await stop_task(second)
