"""Answers in channels where the bot lacks permissions: plain text, no reply, a DM, and no 403 loops."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from e2e_support import bot_settings, start_bot
from fakediscord import FakeDiscord
from fakediscord.fixtures import stop_task
from fakediscord.payloads import EMBED_LINKS, READ_MESSAGE_HISTORY, SEND_MESSAGES

CHANNEL_POST = "/channels/{channel_id}/messages"


def _posts(fake: FakeDiscord, channel_id: int, status: int | None = None) -> list:
    return fake.find_requests(
        "POST", CHANNEL_POST, where=lambda c: c.params["channel_id"] == str(channel_id), status=status
    )


async def _dm_to(fake: FakeDiscord, user_id: int, since: int) -> dict:
    call = await fake.wait_for_request(
        "POST",
        CHANNEL_POST,
        since=since,
        status=200,
        where=lambda c: c.params["channel_id"] == str(fake.dm_channels.get(user_id)),
    )
    return fake.messages[int(call.response["id"])]


async def test_without_embed_links_the_answer_is_readable_plain_text(
    fake_discord: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A channel denying Embed Links gets a text reply with the links; the fallback is logged once for two questions."""
    fake = fake_discord
    channel = fake.guild.add_channel("no-embeds", bot_deny=EMBED_LINKS)
    task = await start_bot(fake, bot_settings(fake, tmp_path))
    try:
        with caplog.at_level(logging.WARNING, logger="bot.discord_app.delivery"):
            for question in ("how do convolutions work?", "what is attention in transformers?"):
                sent = await fake.send_message(question, mention_bot=True, channel_id=channel)
                reply = await fake.wait_for_message(channel)
                assert reply["message_reference"]["message_id"] == sent["id"]
                assert not reply["embeds"] and "https://" in reply["content"] and "why:" in reply["content"]
                assert len(reply["content"]) <= 2000
        assert caplog.text.count("Embed Links") == 1
        assert not _posts(fake, channel, status=403)
    finally:
        await stop_task(task)


async def test_without_read_message_history_the_answer_is_not_a_reply(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """A channel denying Read Message History gets the answer as a plain message (a reply would be refused)."""
    fake = fake_discord
    channel = fake.guild.add_channel("no-history", bot_deny=READ_MESSAGE_HISTORY)
    task = await start_bot(fake, bot_settings(fake, tmp_path))
    try:
        await fake.send_message("how do convolutions work?", mention_bot=True, channel_id=channel)
        reply = await fake.wait_for_message(channel)
        assert reply["embeds"] and "message_reference" not in reply
        assert not _posts(fake, channel, status=403)
    finally:
        await stop_task(task)


async def test_where_the_bot_cannot_send_the_asker_gets_a_dm_and_the_channel_is_never_tried(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """No Send Messages: each question is answered by DM, and no request to the channel is made at all."""
    fake = fake_discord
    channel = fake.guild.add_channel("read-only", bot_deny=SEND_MESSAGES)
    task = await start_bot(fake, bot_settings(fake, tmp_path))
    try:
        for question in ("how do convolutions work?", "how does backpropagation work?"):
            since = len(fake.requests)
            await fake.send_message(question, mention_bot=True, channel_id=channel)
            dm = await _dm_to(fake, fake.guild.member.id, since)
            assert dm["embeds"] and "read-only" in dm["content"]
        assert not _posts(fake, channel)
    finally:
        await stop_task(task)


async def test_a_403_closes_the_channel_for_a_while_instead_of_looping(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """Permissions taken away without the bot being told: one refused send, then DMs, not one 403 per question."""
    fake = fake_discord
    channel = fake.guild.add_channel("changed")
    task = await start_bot(fake, bot_settings(fake, tmp_path))
    try:
        fake.guild.extra_channels[channel]["permission_overwrites"] = [
            {"id": str(fake.guild.bot_role_id), "type": 0, "allow": "0", "deny": str(SEND_MESSAGES)}
        ]  # no CHANNEL_UPDATE sent
        for n in range(4):
            since = len(fake.requests)
            await fake.send_message(f"how do convolutions work, take {n}?", mention_bot=True, channel_id=channel)
            await _dm_to(fake, fake.guild.member.id, since)
        assert len(_posts(fake, channel, status=403)) == 1
    finally:
        await stop_task(task)


async def test_listening_channel_without_send_permission_stays_quiet(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    """A question overheard (not addressed) where the bot cannot post is not answered by DM: the asker did not ask the bot."""
    from fakediscord.payloads import INTENT_MESSAGE_CONTENT

    fake = fake_discord
    fake.privileged_intents = INTENT_MESSAGE_CONTENT
    channel = fake.guild.add_channel("listening-read-only", bot_deny=SEND_MESSAGES)
    task = await start_bot(fake, bot_settings(fake, tmp_path, listen_channels=(channel,)))
    try:
        await fake.send_message("how do convolutions work?", channel_id=channel)
        await fake.send_message("ping", mention_bot=True)  # a later question, answered: the first was handled by then
        await fake.wait_for_message(fake.guild.general_id)
        assert not _posts(fake, channel) and not fake.dm_channels
    finally:
        await stop_task(task)


async def test_a_question_deleted_before_the_answer_still_gets_an_answer(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """The asked message is gone when the reply is sent: the answer is posted without a traceback (fail_if_not_exists=False)."""
    fake = fake_discord
    task = await start_bot(fake, bot_settings(fake, tmp_path))
    try:
        sent = await fake.send_message("how do convolutions work?", mention_bot=True)
        del fake.messages[int(sent["id"])]  # deleted before the bot answers
        reply = await fake.wait_for_message(fake.guild.general_id)
        assert reply["embeds"]
        call = _posts(fake, fake.guild.general_id, status=200)[-1]
        assert call.json["message_reference"]["fail_if_not_exists"] is False
    finally:
        await stop_task(task)


async def test_answers_in_a_thread_need_send_messages_in_threads(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    """A mention in a thread is answered in the thread."""
    fake = fake_discord
    thread = fake.guild.add_thread(fake.guild.general_id, "cnn questions")
    task = await start_bot(fake, bot_settings(fake, tmp_path))
    try:
        sent = await fake.send_message("how do convolutions work?", mention_bot=True, channel_id=thread)
        reply = await fake.wait_for_message(thread)
        assert reply["message_reference"]["message_id"] == sent["id"] and reply["embeds"]
    finally:
        await stop_task(task)


async def test_an_interaction_whose_token_expired_is_logged_once_not_retried(
    fake_discord: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """/ask deferred, then 16 minutes pass (the fake's clock): the answer is refused with 401 once, logged as expired, no error report."""
    fake = fake_discord
    task = await start_bot(fake, bot_settings(fake, tmp_path))

    def jump(call) -> None:  # right after the bot's "thinking" deferral is accepted
        if call.route.startswith("/interactions/") and call.status == 200:
            fake.advance(16 * 60)

    try:
        fake.listeners.append(jump)
        with caplog.at_level(logging.WARNING):
            inter = await fake.slash("ask", fake.guild.member, question="how do convolutions work?")
            await fake.wait_for_request("PATCH", "/webhooks/{app_id}/{token}/messages/{message_id}", status=401)
            await fake.send_message("ping", mention_bot=True)  # handled after the expired answer
            await fake.wait_for_message(fake.guild.general_id)
        webhook_calls = [c for c in fake.requests if c.route.startswith("/webhooks/")]
        assert [c.status for c in webhook_calls] == [401]
        assert inter.callbacks and "expired" in caplog.text
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    finally:
        fake.listeners.remove(jump)
        await stop_task(task)
