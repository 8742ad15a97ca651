"""Moderation belongs to the home servers: elsewhere it is neither shown nor possible, even forged."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from e2e_support import MODERATION, bot_settings, start_bot
from fakediscord import FakeDiscord
from fakediscord.actions import NotOffered
from fakediscord.fixtures import stop_task
from fakediscord.payloads import EPHEMERAL, snowflake

NEW_URL = "https://example.org/home-rule-visualizer"


async def _forged_button(fake: FakeDiscord, custom_id: str) -> dict:
    """A real bot message (an answer) carrying a moderation button it never had, as a forger would present it."""
    import copy

    sent = await fake.send_message("how do convolutions work?", mention_bot=True)
    message = copy.deepcopy(await fake.wait_for_message(int(sent["channel_id"])))
    message["id"] = str(snowflake())  # not the stored answer: the fake presents this copy as the clicked message
    message["components"] = [
        {"type": 1, "components": [{"type": 2, "style": 3, "label": "Approve", "custom_id": custom_id}]}
    ]
    return message


async def _refusal(fake: FakeDiscord, inter) -> dict:
    """The ephemeral answer to ``inter`` (a refusal or error card), sent as the interaction's
    response or, after a deferral, as its first message."""
    callback = await fake.wait_callback(inter)
    reply = callback["data"] if callback["type"] == 4 else await fake.wait_reply(inter)
    assert reply["flags"] & EPHEMERAL
    return reply


async def test_outside_the_home_moderation_is_not_registered_and_forgeries_are_refused(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """With another server as home: no moderation command here; /review and Approve forged by the server owner are refused; nothing changes."""
    fake = fake_discord
    elsewhere = (await fake.add_guild("Home Server")).id
    settings = bot_settings(fake, tmp_path, home_guilds=(elsewhere,))
    task = await start_bot(fake, settings)
    try:
        assert not MODERATION & {c["name"] for c in fake.commands.get(fake.guild.id, [])}
        assert not MODERATION & {c["name"] for c in fake.commands.get(None, [])}
        assert MODERATION == {c["name"] for c in fake.commands[elsewhere]}

        suggested = await fake.wait_reply(
            await fake.slash(
                "suggest", fake.guild.member, url=NEW_URL, title="Home rule visualizer", tags="convolution"
            )
        )
        assert "recorded" in str(suggested).lower()
        with __import__("sqlite3").connect(settings.db_path) as db:
            ((sid, guild),) = db.execute("SELECT id, guild FROM suggestions").fetchall()
        assert str(guild) == str(fake.guild.id)  # labelled with the server it came from

        with pytest.raises(NotOffered):
            await fake.slash("review", fake.guild.owner)
        review = await _refusal(fake, await fake.slash("review", fake.guild.owner, forge=True))
        assert "not available in this server" in str(review)
        forged = await _forged_button(fake, f"vizbot:approve:{sid}:0")
        click = await fake.click(forged, f"vizbot:approve:{sid}:0", fake.guild.owner)
        refused = await _refusal(fake, click)
        assert "home server" in str(refused)
        with __import__("sqlite3").connect(settings.db_path) as db:
            assert db.execute("SELECT status FROM suggestions WHERE id = ?", (sid,)).fetchall() == [("pending",)]
    finally:
        await stop_task(task)


async def test_without_a_home_moderation_is_off_and_says_how_to_turn_it_on(
    fake_discord: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """No VIZBOT_HOME_GUILDS: moderation commands are registered nowhere, a warning names the setting, questions are answered."""
    fake = fake_discord
    with caplog.at_level(logging.WARNING):
        task = await start_bot(fake, bot_settings(fake, tmp_path, home_guilds=()))
    try:
        assert not MODERATION & {c["name"] for cmds in fake.commands.values() for c in cmds}
        assert "VIZBOT_HOME_GUILDS" in caplog.text
        click = await fake.click(await _forged_button(fake, "vizbot:skip:0"), "vizbot:skip:0", fake.guild.owner)
        assert "VIZBOT_HOME_GUILDS" in str(await _refusal(fake, click)).replace("\\\\_", "_")
        sent = await fake.send_message("how do convolutions work?", mention_bot=True)
        assert (await fake.wait_for_message(int(sent["channel_id"])))["embeds"]
    finally:
        await stop_task(task)


async def test_in_the_home_a_member_without_manage_server_is_refused_and_the_owner_is_not(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """In the home server a plain member's forged /review is refused at run time; the application's owner reviews."""
    fake = fake_discord
    task = await start_bot(fake, bot_settings(fake, tmp_path))
    try:
        refused = await _refusal(fake, await fake.slash("review", fake.guild.member, forge=True))
        assert "Only moderators" in str(refused)
        owner = await fake.wait_reply(await fake.slash("review", fake.guild.owner))
        assert "Review" in str(owner) or "Suggestion" in str(owner)
    finally:
        await stop_task(task)


async def test_report_outside_the_home_shows_an_admin_their_own_server_alone(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """With another server as home, /report here is this server's (admins only); a plain member is refused."""
    fake = fake_discord
    settings = bot_settings(fake, tmp_path, home_guilds=(snowflake(),))
    task = await start_bot(fake, settings)
    try:
        sent = await fake.send_message("what is a quaternion rotation?", mention_bot=True)
        await fake.wait_for_message(int(sent["channel_id"]))
        refused = await _refusal(fake, await fake.slash("report", fake.guild.member, forge=True))
        assert "admins" in str(refused)
        own = await fake.wait_reply(await fake.slash("report", fake.guild.owner))
        said = str(own)
        assert own["flags"] & EPHEMERAL and "This server" in said and "Pending suggestions" not in said
    finally:
        await stop_task(task)


async def test_a_home_server_the_bot_is_not_in_is_named_in_the_log(
    fake_discord: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """VIZBOT_HOME_GUILDS names a server the bot is not in: registering there is refused, the log says which and why, questions are answered."""
    fake = fake_discord
    absent = snowflake()
    with caplog.at_level(logging.WARNING):
        task = await start_bot(fake, bot_settings(fake, tmp_path, home_guilds=(absent,)))
    try:
        await fake.wait_until(
            lambda: f"vizbot is not in home server {absent}" in caplog.text,
            what="the warning about the absent home server",
        )
        assert fake.find_requests("PUT", "/applications/{app_id}/guilds/{guild_id}/commands", status=403)
        sent = await fake.send_message("how do convolutions work?", mention_bot=True)
        assert (await fake.wait_for_message(int(sent["channel_id"])))["embeds"]
    finally:
        await stop_task(task)


@pytest.mark.parametrize(
    "custom_id", ["vizbot:approve:abc:0", "vizbot:unknown:1", "somebody-elses-button", "vizbot:vote:sideways:x"]
)
async def test_a_forged_custom_id_gets_a_clear_private_answer(
    fake_discord: FakeDiscord, tmp_path: Path, custom_id: str
) -> None:
    """A button whose custom_id matches no handler is answered privately (not Discord's "interaction failed"); nothing changes."""
    fake = fake_discord
    task = await start_bot(fake, bot_settings(fake, tmp_path))
    try:
        refused = await _refusal(
            fake, await fake.click(await _forged_button(fake, custom_id), custom_id, fake.guild.owner)
        )
        assert "no longer works" in str(refused)
    finally:
        await stop_task(task)
