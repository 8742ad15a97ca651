"""Two bots, one shard each of two, sharing one database file: they act as one bot.

Each bot is the real ``run_bot`` with its own store (its own connection to the file, its own name in the
change feed), as two processes would be; the fake routes each server's events to its shard. The
once-a-minute refresh is pushed out to 10 minutes, so anything picked up here came by the change feed.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any, AsyncIterator

from e2e_support import guild_on_the_other_shard, COMMANDS, answer_links, bot_settings, seconds_until_answered_with
from fakediscord import FakeDiscord
from fakediscord.fixtures import stop_task
from fakediscord.payloads import EPHEMERAL, FakeGuild
from fakediscord.reading import custom_ids, embed_links, everything_said

from bot.app import open_vizbot
from bot.config import Settings
from bot.core.catalog import resolve_catalog_dir
from bot.discord_app.runner import run_bot

SYNC = 1.0  # VIZBOT_SYNC_SECONDS in these tests
SOON = 15.0  # "within seconds": far below the 600 s refresh, with room for a loaded machine
NEW_URL = "https://example.org/zebra-quokka-visualizer"


@contextlib.asynccontextmanager
async def two_bots(fake: FakeDiscord, tmp_path: Path, **overrides: Any) -> AsyncIterator[tuple[Settings, FakeGuild]]:
    """Both bots on one database file; yields the settings and the server on the second shard (the home
    server, fake.guild, is on the other)."""
    other = await guild_on_the_other_shard(fake)
    values: dict[str, Any] = {"guild_id": None, "shard_count": 2, "sync_seconds": SYNC, **overrides}
    tasks = [
        asyncio.create_task(
            run_bot(
                bot_settings(fake, tmp_path, shard_ids=(shard,), **values), refresh_seconds=600, handle_signals=False
            )
        )
        for shard in (0, 1)
    ]

    def ready() -> bool:
        synced = {c["name"] for cmds in fake.commands.values() for c in cmds}
        return any(t.done() for t in tasks) or (fake.connected and len(fake.sessions) == 2 and COMMANDS <= synced)

    try:
        await fake.wait_until(ready, timeout=30, what="both bots to connect and sync their commands")
        assert not any(t.done() for t in tasks), [t.result() for t in tasks if t.done()]
        yield bot_settings(fake, tmp_path, **values), other
    finally:
        for task in tasks:
            await stop_task(task)


def _dms_to(fake: FakeDiscord, user_id: int) -> list[Any]:
    channel = fake.dm_channels.get(user_id)
    return [
        c
        for c in fake.find_requests("POST", "/channels/{channel_id}/messages", status=200)
        if channel is not None and c.params["channel_id"] == str(channel)
    ]


def _unnotified(settings: Settings) -> int:
    with sqlite3.connect(settings.db_path, timeout=10) as db:
        return db.execute("SELECT COUNT(*) FROM suggestions WHERE notified_at IS NULL").fetchone()[0]


async def test_an_approval_in_one_bot_is_answered_by_the_other_and_told_once(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """Suggested in the second shard's server, approved with /review in the home server's: the second bot
    answers with it within seconds, and the submitter gets one DM."""
    fake = fake_discord
    async with two_bots(fake, tmp_path) as (settings, other):
        submitter = other.member
        inter = await fake.slash(
            "suggest",
            submitter,
            guild=other,
            url=NEW_URL,
            title="Zebra quokka convolution visualizer",
            tags="convolution",
        )
        await fake.wait_reply(inter)
        assert NEW_URL not in await answer_links(fake, other, "zebra quokka visualizer")

        review = await fake.wait_reply(await fake.slash("review", fake.guild.moderator))
        approve = next(i for i in custom_ids(review) if i.startswith("vizbot:approve:"))
        await fake.click(review, approve, user=fake.guild.moderator)
        took = await seconds_until_answered_with(fake, other, "zebra quokka visualizer", NEW_URL, within=SOON)
        assert took < SOON
        assert NEW_URL in await answer_links(fake, fake.guild, "zebra quokka visualizer")  # the approving bot too

        await fake.wait_until(lambda: _dms_to(fake, submitter.id), what="the submitter's DM")
        await fake.wait_until(lambda: _unnotified(settings) == 0, what="the suggestion marked notified")
        await asyncio.sleep(2 * SYNC)  # both bots have looked at the change by now
        dms = _dms_to(fake, submitter.id)
        assert len(dms) == 1 and NEW_URL in everything_said(dms[0].json)


async def test_decisions_from_the_command_line_are_told_once_by_two_bots(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """Decided by a third process (the CLI): both bots pick it up at once, and each submitter gets one DM in all."""
    fake = fake_discord
    async with two_bots(fake, tmp_path) as (settings, other):
        submitters = (fake.guild.member, other.member)
        for n, (user, guild) in enumerate(zip(submitters, (fake.guild, other))):
            inter = await fake.slash(
                "suggest", user, guild=guild, url=f"{NEW_URL}-{n}", title=f"Zebra quokka tool {n}", tags="convolution"
            )
            await fake.wait_reply(inter)
        async with open_vizbot(settings, semantic=False) as cli:
            first, second = await cli.pending()
            await cli.approve(first.id, moderator="local:root")
            await cli.reject(second.id, moderator="local:root", reason="a duplicate")

        await fake.wait_until(
            lambda: all(_dms_to(fake, u.id) for u in submitters), timeout=SOON, what="both submitters told"
        )
        await fake.wait_until(lambda: _unnotified(settings) == 0, what="both suggestions marked notified")
        await asyncio.sleep(2 * SYNC)
        assert [len(_dms_to(fake, u.id)) for u in submitters] == [1, 1]
        assert "duplicate" in everything_said(_dms_to(fake, other.member.id)[0].json)


async def test_settings_and_reloads_made_elsewhere_reach_the_bot_within_seconds(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """``vizbot settings`` (another process) restricts the second server's channels; /reload in the home
    server makes a new catalog entry answerable in the second server: each within seconds."""
    fake = fake_discord
    catalog = tmp_path / "catalog"
    shutil.copytree(resolve_catalog_dir(None), catalog, ignore=shutil.ignore_patterns("embeddings"))
    async with two_bots(fake, tmp_path, catalog_dir=catalog, semantic=False) as (settings, other):
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "settings",
            "--db",
            str(settings.db_path),
            "--server",
            str(other.id),
            "--answer-in",
            str(other.other_id),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await proc.communicate()
        assert proc.returncode == 0, err.decode()
        started = time.monotonic()
        while True:  # #general of the second server stops being answered
            since = len(fake.requests)
            await fake.send_message("how do convolutions work?", mention_bot=True, guild=other)
            await fake.send_message("what is attention?", mention_bot=True, channel_id=other.other_id)
            await fake.wait_for_message(other.other_id, since=since)
            general = fake.find_requests(
                "POST",
                "/channels/{channel_id}/messages",
                since=since,
                where=lambda c: c.params["channel_id"] == str(other.general_id),
            )
            if not general:
                break
            assert time.monotonic() - started < SOON, "the settings change did not reach the second bot"
            await asyncio.sleep(0.5)

        (catalog / "resources" / "zz-new.yaml").write_text(
            "- id: okapi-narwhal-explorer\n"
            "  title: Okapi narwhal convolution explorer\n"
            "  url: https://example.org/okapi-narwhal-explorer\n"
            "  description: >-\n"
            "    Slide an okapi narwhal kernel over an image and watch every convolution output appear step by step.\n"
            "  tags: [convolution]\n"
            "  kind: interactive\n"
            "  level: beginner\n",
            encoding="utf-8",
        )
        reload = await fake.wait_reply(await fake.slash("reload", fake.guild.moderator))
        assert "reloaded" in everything_said(reload).lower()
        started = time.monotonic()
        while "https://example.org/okapi-narwhal-explorer" not in await _answer_links_in(
            fake, other, "okapi narwhal explorer"
        ):
            assert time.monotonic() - started < SOON, "the reload did not reach the second bot"
            await asyncio.sleep(0.5)


async def _answer_links_in(fake: FakeDiscord, guild: FakeGuild, question: str) -> list[str]:
    """Like ``answer_links``, in the server's answering channel (#help: the settings test restricted it)."""
    since = len(fake.requests)
    await fake.send_message(question, mention_bot=True, channel_id=guild.other_id)
    return embed_links(await fake.wait_for_message(guild.other_id, since=since))


async def test_a_user_on_cooldown_in_one_shard_is_refused_in_the_other(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """One person in both servers: /ask in the home server (first bot), then at once in the second server
    (second bot) is refused with the wait; someone else there is answered."""
    fake = fake_discord
    async with two_bots(fake, tmp_path, question_cooldown_seconds=60) as (_, other):
        asker = fake.guild.member
        first = await fake.wait_reply(await fake.slash("ask", asker, question="how do convolutions work?"))
        assert embed_links(first)
        again = await fake.wait_reply(await fake.slash("ask", asker, guild=other, question="what is attention?"))
        assert again["flags"] & EPHEMERAL and not embed_links(again)
        assert any(ch.isdigit() for ch in everything_said(again))
        someone = await fake.wait_reply(
            await fake.slash("ask", other.member, guild=other, question="what is attention?")
        )
        assert embed_links(someone)
