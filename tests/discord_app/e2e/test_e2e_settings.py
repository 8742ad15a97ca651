"""Settings seen from Discord: listening channels (Message Content), the question cooldown, /reload."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from e2e_support import HandledMessages, RunningBot, bot_settings, start_bot
from fakediscord import FakeDiscord
from fakediscord.fixtures import stop_task
from fakediscord.payloads import INTENT_MESSAGE_CONTENT
from fakediscord.reading import embed_links, everything_said

from bot.discord_app.runner import run_bot


async def test_listening_channel_needs_the_intent_enabled_in_the_portal(
    fake_discord: FakeDiscord, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """VIZBOT_LISTEN_CHANNELS without Message Content enabled for the app: exit 2 and one line saying so."""
    settings = bot_settings(fake_discord, tmp_path, listen_channels=(fake_discord.guild.other_id,))
    status = await asyncio.wait_for(run_bot(settings), timeout=20)
    assert status == 2
    assert "Message Content" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("channel", "text", "answered"),
    [
        ("other_id", "how do convolutions work?", True),
        ("other_id", "lunch at noon, anyone", False),
        ("general_id", "how do convolutions work?", False),
    ],
)
async def test_listening_channel_answers_questions_only_there(
    fake_discord: FakeDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, channel: str, text: str, answered: bool
) -> None:
    """With the intent enabled, questions in a listening channel are answered; chatter and other channels are not."""
    fake_discord.privileged_intents = INTENT_MESSAGE_CONTENT
    handled = HandledMessages(monkeypatch)
    settings = bot_settings(fake_discord, tmp_path, listen_channels=(fake_discord.guild.other_id,))
    task = await start_bot(fake_discord, settings)
    try:
        sent = await fake_discord.send_message(text, channel_id=getattr(fake_discord.guild, channel))

        def replies_to(message: dict) -> list:
            return fake_discord.find_requests(
                "POST",
                "/channels/{channel_id}/messages",
                since=0,
                status=200,
                where=lambda c: str((c.json.get("message_reference") or {}).get("message_id")) == message["id"],
            )

        if answered:
            await fake_discord.wait_until(lambda: replies_to(sent), what="the answer in the listening channel")
        else:
            sentinel = await fake_discord.send_message("what is attention?", mention_bot=True)
            await fake_discord.wait_until(lambda: replies_to(sentinel), what="the answer to a later mention")
            await handled.wait(fake_discord, sent)  # the bot is done with the message: no reply can follow
            assert handled.started[str(sent["id"])] == 1
            assert not replies_to(sent)
    finally:
        await stop_task(task)


async def test_cooldown_reply_is_ephemeral_and_says_when(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    """A second /ask inside the cooldown gets an ephemeral answer that says when to retry."""
    settings = bot_settings(fake_discord, tmp_path, question_cooldown_seconds=60)
    task = await start_bot(fake_discord, settings)
    try:
        first = await fake_discord.slash("ask", question="how do convolutions work?")
        assert embed_links(await fake_discord.wait_reply(first))
        second = await fake_discord.slash("ask", question="what is attention?")
        reply = await fake_discord.wait_reply(second)
        assert reply["flags"] & 64
        assert not embed_links(reply)
        assert any(ch.isdigit() for ch in everything_said(reply))
    finally:
        await stop_task(task)


async def test_post_to_channel_counts_against_the_question_cooldown(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    """Posting an answer publicly is a question for the cooldown: right after /ask it is refused, nothing is posted."""
    settings = bot_settings(fake_discord, tmp_path, question_cooldown_seconds=60)
    task = await start_bot(fake_discord, settings)
    try:
        private = await fake_discord.wait_reply(await fake_discord.slash("ask", question="how do convolutions work?"))
        post = next(
            c["custom_id"]
            for row in private["components"]
            for c in row["components"]
            if c["custom_id"].startswith("vizbot:post:")
        )
        refusal = await fake_discord.wait_callback(await fake_discord.click(private, post))
        assert refusal["data"]["flags"] & 64 and any(ch.isdigit() for ch in everything_said(refusal["data"]))
        assert not [
            c
            for c in fake_discord.find_requests("POST", "/webhooks/{app_id}/{token}", since=0, status=200)
            if not (c.json or {}).get("flags", 0) & 64
        ]
    finally:
        await stop_task(task)


async def test_reload_by_a_moderator_reports_the_catalog(running_bot: RunningBot) -> None:
    """/reload by a moderator re-reads the catalog and answers privately."""
    fake = running_bot.fake
    inter = await fake.slash("reload", fake.guild.moderator)
    reply = await fake.wait_reply(inter)
    assert reply["flags"] & 64
    assert any(ch.isdigit() for ch in everything_said(reply))


async def test_vote_for_an_unknown_resource_gets_a_short_error(running_bot: RunningBot) -> None:
    """A stale 👍 (resource gone) is answered with an ephemeral error, never silence."""
    fake = running_bot.fake
    sent = await fake.send_message("how do convolutions work?", mention_bot=True)
    reply = await fake.wait_for_message(int(sent["channel_id"]))
    stale = {
        **reply,
        "components": [
            {
                "type": 1,
                "components": [{"type": 2, "style": 2, "label": "1", "custom_id": "vizbot:vote:up:no-such-resource"}],
            }
        ],
    }
    fake.messages[int(reply["id"])] = stale
    click = await fake.click(stale, "vizbot:vote:up:no-such-resource")
    answer = await fake.wait_reply(click)
    assert answer["flags"] & 64


async def test_cooldown_on_mentions_warns_once_per_window(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    """Mentions inside the cooldown: the first gets one public warning, later ones get nothing."""
    fake = fake_discord
    settings = bot_settings(fake, tmp_path, question_cooldown_seconds=60)
    task = await start_bot(fake, settings)
    try:
        await fake.send_message("how do convolutions work?", mention_bot=True)
        assert embed_links(await fake.wait_for_message(fake.guild.general_id))
        since = len(fake.requests)
        for question in ("what is attention?", "what is dropout?", "what is pooling?"):
            await fake.send_message(question, mention_bot=True)
        warning = await fake.wait_for_message(fake.guild.general_id, since=since)
        assert not embed_links(warning) and any(ch.isdigit() for ch in everything_said(warning))
        # someone else's later question, handled after those three
        await fake.send_message("what is a transformer?", dm=True, author=fake.guild.moderator)
        await fake.wait_for_message(fake.dm_channels[fake.guild.moderator.id], since=since)
        posts = fake.find_requests(
            "POST",
            "/channels/{channel_id}/messages",
            since=since,
            where=lambda c: c.params["channel_id"] == str(fake.guild.general_id),
        )
        assert len(posts) == 1
    finally:
        await stop_task(task)
