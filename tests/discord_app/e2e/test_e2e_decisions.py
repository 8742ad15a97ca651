"""Decisions made outside Discord (``vizbot suggestions approve|reject`` while the bot runs)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from e2e_support import bot_settings, start_bot
from fakediscord import FakeDiscord
from fakediscord.fixtures import stop_task
from fakediscord.reading import embed_links, everything_said

from bot.app import open_vizbot

NEW_URL = "https://example.org/zebra-quokka-visualizer"
CLI_URL = "https://example.org/okapi-narwhal-explorer"


async def test_a_cli_decision_reaches_the_bot_and_the_submitter(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    """Approved through the service on the same database (as the CLI does): the bot answers with it after
    its refresh and DMs the Discord submitter; a CLI submitter and a closed DM are marked notified, never retried."""
    fake = fake_discord
    settings = bot_settings(fake, tmp_path)
    task = await start_bot(fake, settings, refresh_seconds=0.1)
    try:
        inter = await fake.slash(
            "suggest",
            fake.guild.member,
            url=NEW_URL,
            title="Zebra quokka convolution visualizer",
            tags="convolution",
            note="interactive",
        )
        await fake.wait_reply(inter)
        inter = await fake.slash(
            "suggest", fake.guild.moderator, url=NEW_URL + "-2", title="Zebra quokka second", tags="convolution"
        )
        await fake.wait_reply(inter)
        fake.closed_dms.add(fake.guild.moderator.id)
        since = len(fake.requests)

        async with open_vizbot(settings) as cli:  # another process: the bot's service knows nothing of it
            ids = {s.url: s.id for s in await cli.pending()}
            local = await cli.suggest(CLI_URL, "Okapi narwhal explorer", "convolution", user="local:ann")
            await cli.approve(ids[NEW_URL], moderator="local:root")
            await cli.reject(ids[NEW_URL + "-2"], moderator="local:root", reason="a duplicate")
            await cli.approve(local.suggestion.id, moderator="local:root")

        await fake.wait_until(lambda: fake.guild.member.id in fake.dm_channels, what="the bot to open a DM")
        notice = await fake.wait_for_message(fake.dm_channels[fake.guild.member.id], since=since, timeout=15)
        assert NEW_URL in everything_said(notice)

        def all_notified() -> bool:
            with sqlite3.connect(settings.db_path) as db:
                return db.execute("SELECT COUNT(*) FROM suggestions WHERE notified_at IS NULL").fetchone()[0] == 0

        await fake.wait_until(all_notified, what="every decided suggestion to be marked notified")
        sent = await fake.send_message("zebra quokka visualizer", mention_bot=True)
        answer = await fake.wait_for_message(int(sent["channel_id"]), since=since)
        assert NEW_URL in embed_links(answer)
        dms = [
            c
            for c in fake.requests[since:]
            if c.method == "POST"
            and c.path.startswith("/channels/")
            and int(c.path.split("/")[2]) in fake.dm_channels.values()
        ]
        assert len(dms) <= 2  # one delivered, one refused by closed DMs; nothing retried
        assert not fake.invalid
    finally:
        await stop_task(task)
