"""Two servers: each server's admins set their own /settings; a second server's admin cannot see, run or forge moderation."""

from __future__ import annotations

import copy
import sqlite3
from pathlib import Path

import pytest
from e2e_support import MODERATION, bot_settings, start_bot
from fakediscord import FakeDiscord
from fakediscord.actions import NotOffered
from fakediscord.fixtures import stop_task
from fakediscord.payloads import EPHEMERAL, snowflake
from fakediscord.reading import everything_said

CHANNEL_POST = "/channels/{channel_id}/messages"


def _rows(settings, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(settings.db_path) as db:
        return db.execute(sql, args).fetchall()


async def _said(fake: FakeDiscord, inter) -> str:
    callback = await fake.wait_callback(inter)
    reply = callback["data"] if callback["type"] == 4 else await fake.wait_reply(inter)
    assert reply["flags"] & EPHEMERAL
    return everything_said(reply)


async def test_settings_shown_changed_and_applied_to_mentions(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    """An admin names #help as the answering channel: mentions in #general go unanswered, #help and its threads are answered."""
    fake = fake_discord
    thread = fake.guild.add_thread(fake.guild.other_id, "help thread")
    settings = bot_settings(fake, tmp_path)
    task = await start_bot(fake, settings)
    try:
        shown = await _said(fake, await fake.slash("settings", fake.guild.owner))
        assert "every channel" in shown and "Question cooldown" in shown
        changed = await _said(
            fake, await fake.slash("settings", fake.guild.owner, answer_in=fake.guild.other_id, cooldown=0)
        )
        assert "#help" in changed and "Changed" in changed
        assert _rows(settings, "SELECT guild, answer_channels FROM server_settings") == [
            (str(fake.guild.id), str(fake.guild.other_id))
        ]

        await fake.send_message("how do convolutions work?", mention_bot=True, channel_id=fake.guild.other_id)
        assert (await fake.wait_for_message(fake.guild.other_id))["embeds"]
        await fake.send_message("how do convolutions work?", mention_bot=True, channel_id=thread)
        assert (await fake.wait_for_message(thread))["embeds"]
        await fake.send_message("how do convolutions work?", mention_bot=True)  # #general: not an answering channel
        await fake.send_message("what is attention?", mention_bot=True, channel_id=fake.guild.other_id)
        await fake.wait_for_message(fake.guild.other_id)  # the later question was answered, the #general one was not
        assert not fake.find_requests(
            "POST", CHANNEL_POST, where=lambda c: c.params["channel_id"] == str(fake.guild.general_id)
        )

        inter = await fake.slash("ask", fake.guild.member, question="how do convolutions work?", public=True)
        private = await fake.wait_reply(inter)  # public asked in #general: answered privately, saying why
        assert private["flags"] & EPHEMERAL and "other channels" in everything_said(private)

        back = await _said(fake, await fake.slash("settings", fake.guild.owner, answer_everywhere=True))
        assert "every channel" in back
        await fake.send_message("how do convolutions work?", mention_bot=True)
        assert (await fake.wait_for_message(fake.guild.general_id))["embeds"]
    finally:
        await stop_task(task)


async def test_a_server_that_turns_logging_off_is_not_logged(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    """log_questions: false stops this server's questions reaching the questions log; another server's still do."""
    fake = fake_discord
    other = await fake.add_guild("Second Server")
    settings = bot_settings(fake, tmp_path)
    task = await start_bot(fake, settings)
    try:
        await _said(fake, await fake.slash("settings", fake.guild.owner, log_questions=False))
        await fake.send_message("how do convolutions work?", mention_bot=True)
        await fake.wait_for_message(fake.guild.general_id)
        await fake.send_message("how does attention work?", mention_bot=True, guild=other)
        await fake.wait_for_message(other.general_id)
        await stop_task(task)  # flushes the log
        task = None
        assert _rows(settings, "SELECT guild FROM questions") == [(str(other.id),)]
    finally:
        if task is not None:
            await stop_task(task)


async def test_a_server_cooldown_applies_there_only(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    """A 60 s cooldown set in one server refuses a quick second /ask there; the bot's default (none) holds in another."""
    fake = fake_discord
    other = await fake.add_guild("Second Server")
    task = await start_bot(fake, bot_settings(fake, tmp_path, guild_id=None))
    try:
        await _said(fake, await fake.slash("settings", fake.guild.owner, cooldown=60))
        await fake.wait_reply(await fake.slash("ask", fake.guild.member, question="what is a gan?"))
        refused = await _said(fake, await fake.slash("ask", fake.guild.member, question="what is a vae?"))
        assert "cooldown" in refused.lower() or "wait" in refused.lower()
        for question in ("what is a gan?", "what is a vae?"):
            answer = await fake.wait_reply(await fake.slash("ask", other.member, question=question, guild=other))
            assert answer["embeds"] and "cooldown" not in everything_said(answer).lower()
    finally:
        await stop_task(task)


async def test_settings_refuse_members_forgeries_and_other_servers_channels(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """A member is not offered /settings and a forged one is refused; a channel of another server is refused; nothing changes."""
    fake = fake_discord
    other = await fake.add_guild("Second Server")
    settings = bot_settings(fake, tmp_path)
    task = await start_bot(fake, settings)
    try:
        with pytest.raises(NotOffered):
            await fake.slash("settings", fake.guild.member)
        refused = await _said(fake, await fake.slash("settings", fake.guild.member, forge=True, log_questions=False))
        assert "admins" in refused
        foreign = other.general_id
        forged = {"channels": {str(foreign): {**other.channel(foreign), "permissions": "0"}}}
        said = await _said(fake, await fake.slash("settings", fake.guild.owner, answer_in=foreign, resolved=forged))
        assert "not one of this server's" in said or "not a channel of this server" in said
        assert _rows(settings, "SELECT * FROM server_settings") == []
    finally:
        await stop_task(task)


async def test_a_second_servers_admin_cannot_see_run_or_forge_moderation(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """The home is the first server. The second server's owner: no /review or /reload offered, forged ones refused,
    a forged Approve refused, /report shows their server alone; their /settings change their server only."""
    fake = fake_discord
    other = await fake.add_guild("Second Server")
    settings = bot_settings(fake, tmp_path, guild_id=None)  # home: fake.guild; commands global
    task = await start_bot(fake, settings)
    try:
        assert not MODERATION & {c["name"] for c in fake.commands.get(other.id, [])}
        await fake.send_message("what is a quaternion rotation?", mention_bot=True)  # asked in the home server
        await fake.wait_for_message(fake.guild.general_id)
        await fake.wait_reply(
            await fake.slash(
                "suggest",
                other.member,
                guild=other,
                url="https://example.org/second-viz",
                title="Second server viz",
                tags="convolution",
            )
        )
        ((sid,),) = _rows(settings, "SELECT id FROM suggestions")

        for command in ("review", "reload"):
            with pytest.raises(NotOffered):
                await fake.slash(command, other.owner, guild=other)
            assert "not available in this server" in await _said(
                fake, await fake.slash(command, other.owner, guild=other, forge=True)
            )

        sent = await fake.send_message("how do convolutions work?", mention_bot=True, guild=other)
        answer = copy.deepcopy(await fake.wait_for_message(other.general_id))
        answer["id"] = str(snowflake())
        answer["components"] = [
            {
                "type": 1,
                "components": [{"type": 2, "style": 3, "label": "Approve", "custom_id": f"vizbot:approve:{sid}:0"}],
            }
        ]
        click = await fake.click(answer, f"vizbot:approve:{sid}:0", other.owner)
        assert "home server" in await _said(fake, click)
        assert _rows(settings, "SELECT status FROM suggestions") == [("pending",)]

        report = await _said(fake, await fake.slash("report", other.owner, guild=other))
        assert "quaternion" not in report and "Pending suggestions" not in report

        await _said(fake, await fake.slash("settings", other.owner, guild=other, cooldown=30))
        assert _rows(settings, "SELECT guild, cooldown_seconds FROM server_settings") == [(str(other.id), 30)]
        assert sent["guild_id"] == str(other.id)
    finally:
        await stop_task(task)


async def test_members_not_sent_on_connect_are_still_served(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    """A large server (GUILD_CREATE carries only the bot and the owner, as without the Presences intent):
    a member the bot never saw is answered, and a moderator it never saw can /review."""
    fake = fake_discord
    fake.guild.send_all_members = False
    task = await start_bot(fake, bot_settings(fake, tmp_path))
    try:
        create = next(f for f in fake.frames if f.payload.get("t") == "GUILD_CREATE")
        assert {m["user"]["id"] for m in create.payload["d"]["members"]} == {
            str(fake.guild.bot.id),
            str(fake.guild.owner.id),
        }
        await fake.send_message("how do convolutions work?", mention_bot=True, author=fake.guild.member)
        assert (await fake.wait_for_message(fake.guild.general_id))["embeds"]
        review = await fake.wait_reply(await fake.slash("review", fake.guild.moderator))
        assert "Only moderators" not in everything_said(review)
    finally:
        await stop_task(task)
