"""Faults from Discord: a dropped gateway, a 429, a rejected token."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from e2e_support import HandledMessages, RunningBot, bot_settings, start_bot
from fakediscord import FakeDiscord
from fakediscord.reading import embed_links

from bot.discord_app.runner import run_bot


@pytest.mark.parametrize("code", [4000, 1001])
async def test_dropped_gateway_resumes_and_still_answers(running_bot: RunningBot, code: int) -> None:
    """The socket closed mid-session: the bot RESUMEs on resume_gateway_url (no new IDENTIFY) and answers."""
    fake = running_bot.fake
    identifies = len([f for f in fake.frames if f.op == 2])
    await fake.drop_gateway(code)
    resume = await fake.wait_for_frame(6)
    assert resume.payload["d"]["session_id"] == fake.session_id
    await fake.wait_until(lambda: fake.connected, what="the resumed connection")
    sent = await fake.send_message("how do convolutions work?", mention_bot=True)
    reply = await fake.wait_for_message(int(sent["channel_id"]))
    assert embed_links(reply)
    assert len([f for f in fake.frames if f.op == 2]) == identifies


async def test_question_sent_while_disconnected_is_replayed_and_answered(
    running_bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A MESSAGE_CREATE dispatched while the socket is down arrives on RESUME and is answered once."""
    fake = running_bot.fake
    handled = HandledMessages(monkeypatch)
    await fake.drop_gateway(4000)
    sent = await fake.send_message("what is a transformer?", mention_bot=True)
    await fake.wait_for_frame(6)
    await fake.wait_for_message(int(sent["channel_id"]))
    # A later message is dispatched after any replay of the first; once the bot is done with it
    # (and nothing is in flight), a second delivery of the first would have been handled already.
    later = await fake.send_message("what is attention?", mention_bot=True)
    await handled.wait(fake, later)
    assert handled.started[str(sent["id"])] == 1
    replies = [
        c
        for c in fake.find_requests("POST", "/channels/{channel_id}/messages", status=200)
        if str((c.json.get("message_reference") or {}).get("message_id")) == str(sent["id"])
    ]
    assert len(replies) == 1


async def test_rate_limited_reply_is_retried_and_delivered(running_bot: RunningBot) -> None:
    """Two 429s (with Via and retry_after) on the reply route are waited out; the reply is posted once."""
    fake = running_bot.fake
    fake.rate_limit("POST", "/channels/{channel_id}/messages", times=2, retry_after=0.1)
    sent = await fake.send_message("how do convolutions work?", mention_bot=True)
    reply = await fake.wait_for_message(int(sent["channel_id"]))
    assert embed_links(reply)
    statuses = [c.status for c in fake.find_requests("POST", "/channels/{channel_id}/messages")]
    assert statuses == [429, 429, 200]


async def test_rate_limited_interaction_edit_is_retried(running_bot: RunningBot) -> None:
    """A 429 on the edit that fills in a deferred /ask (the original response) is retried too."""
    fake = running_bot.fake
    route = "/webhooks/{app_id}/{token}/messages/{message_id}"
    fake.rate_limit("PATCH", route, times=1, retry_after=0.1)
    inter = await fake.slash("ask", question="how do convolutions work?")
    await fake.wait_until(
        lambda: [c for c in fake.find_requests("PATCH", route) if c.status == 200], what="the filled-in answer"
    )
    reply = await fake.wait_reply(inter)
    assert embed_links(reply)
    assert [c.status for c in fake.find_requests("PATCH", route)] == [429, 200]
    assert not fake.find_requests(
        "POST", "/webhooks/{app_id}/{token}"
    )  # no follow-up: the deferred message is filled in


async def test_rejected_token_exits_2_with_one_clear_line(
    fake_discord: FakeDiscord, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A token Discord refuses (401) makes run_bot return 2 and print one line with a hint."""
    settings = bot_settings(fake_discord, tmp_path, discord_token="wrong-token")
    status = await asyncio.wait_for(run_bot(settings), timeout=20)
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert len(err) == 1 and "token" in err[0] and "vizbot chat" in err[0]
    assert "wrong-token" not in err[0]


async def test_sigterm_during_an_answer_delivers_it_then_exits_cleanly(
    fake_discord: FakeDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGTERM while a question is being answered: the answer still arrives, later questions are not taken, exit 0."""
    import os
    import signal

    from bot.core import answers

    real = answers.ask_card
    started = asyncio.Event()

    async def slow_ask_card(*args, **kwargs):
        started.set()
        await asyncio.sleep(0.5)
        return await real(*args, **kwargs)

    monkeypatch.setattr(answers, "ask_card", slow_ask_card)
    fake = fake_discord
    task = await start_bot(fake, bot_settings(fake, tmp_path))
    sent = await fake.send_message("how do convolutions work?", mention_bot=True)
    await asyncio.wait_for(started.wait(), timeout=10)
    os.kill(os.getpid(), signal.SIGTERM)  # run_bot installed its handler on this loop
    await asyncio.sleep(0)
    late = await fake.send_message("what is attention?", mention_bot=True)
    assert await asyncio.wait_for(task, timeout=15) == 0
    replies = fake.find_requests("POST", "/channels/{channel_id}/messages", since=0, status=200)
    answered = {str((c.json.get("message_reference") or {}).get("message_id")) for c in replies}
    assert sent["id"] in answered and late["id"] not in answered
