"""The background link check in the real bot: spread over the period, moderators told once, dead links
left out of answers; off by default."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import yaml
from e2e_support import bot_settings, start_bot
from fakediscord import FakeDiscord
from fakediscord.fixtures import stop_task
from fakediscord.reading import embed_links, everything_said
from links.sites import Site

from bot.links.outcome import FAILED, CheckResult
from bot.store import Store

DAY = 86400.0
TAGS = {
    "kernels": {"title": "Image kernels", "description": "Small matrices that blur or sharpen.", "aliases": ["filter"]}
}


def write_catalog(root: Path, site: Site) -> dict[str, str]:
    """Four resources on the local site: fine, moved, soon dead, fine; returns id -> url."""
    urls = {
        "zebra-blur": site.url("/ok"),
        "quokka-moved": site.url("/old"),
        "okapi-gone": site.url("/gone"),
        "narwhal-chain": site.url("/chain/1"),
    }
    (root / "resources").mkdir(parents=True)
    (root / "tags.yaml").write_text(yaml.safe_dump(TAGS), encoding="utf-8")
    words = {
        "zebra-blur": "zebra blur",
        "quokka-moved": "quokka sharpen",
        "okapi-gone": "okapi emboss",
        "narwhal-chain": "narwhal edges",
    }
    entries = [
        {
            "id": rid,
            "title": f"The {words[rid]} kernel demo",
            "url": url,
            "description": f"An interactive {words[rid]} kernel demo.",
            "tags": ["kernels"],
            "kind": "interactive",
            "level": "beginner",
        }
        for rid, url in urls.items()
    ]
    (root / "resources" / "all.yaml").write_text(yaml.safe_dump(entries, sort_keys=False), encoding="utf-8")
    return urls


async def _strike_earlier_days(db: Path, url: str) -> None:
    """Two failures recorded on the two previous days (as earlier daily checks would have)."""
    for days_ago in (2, 1):
        store = await Store.open(db, clock=lambda d=days_ago: time.time() - d * DAY)
        try:
            await store.record_link_check(CheckResult(url, FAILED, "410 Gone", 410), resource_id="okapi-gone")
        finally:
            await store.close()


def _alerts(fake: FakeDiscord, channel: int) -> list[str]:
    return [
        everything_said(m)
        for m in fake.messages.values()
        if int(m["channel_id"]) == channel and "catalog link" in everything_said(m)
    ]


async def test_background_check_tells_moderators_once_and_drops_dead_links(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """Every link is checked within the period, one at a time; the moved and the newly dead link are each
    announced once in the moderators' channel; the dead one is no longer answered."""
    fake = fake_discord
    site = await Site().start()
    try:
        urls = write_catalog(tmp_path / "catalog", site)
        settings = bot_settings(
            fake, tmp_path, catalog_dir=tmp_path / "catalog", link_check=True, mod_channel=fake.guild.general_id
        )
        await _strike_earlier_days(settings.db_path, urls["okapi-gone"])
        task = await start_bot(fake, settings, link_check_every=1.2)
        try:
            await fake.wait_until(
                lambda: len(_alerts(fake, fake.guild.general_id)) >= 2,
                timeout=20,
                what="the moved and the dead link to be announced",
            )
            await asyncio.sleep(2.5)  # two more rounds over every link: nothing is announced twice
            alerts = _alerts(fake, fake.guild.general_id)
            assert len(alerts) == 2
            assert any("A catalog link moved" in a and site.url("/new") in a for a in alerts)
            assert any("A catalog link is dead" in a and urls["okapi-gone"] in a for a in alerts)
            paths = [s.path for s in site.seen if s.method == "HEAD"]
            assert {"/ok", "/old", "/gone", "/chain/1"} <= set(paths)
            assert site.peak <= 2

            since = len(fake.requests)
            sent = await fake.send_message("okapi emboss", mention_bot=True)
            answer = await fake.wait_for_message(int(sent["channel_id"]), since=since)
            assert urls["okapi-gone"] not in embed_links(answer)

            def noted() -> list[tuple[str, str]]:
                with sqlite3.connect(settings.db_path, timeout=10) as db:
                    return db.execute("SELECT text, note FROM questions WHERE note IS NOT NULL").fetchall()

            await fake.wait_until(lambda: bool(noted()), what="the question to be logged with its note")
            assert noted() == [("okapi emboss", "left out dead link: okapi-gone")]
            assert not fake.invalid
        finally:
            await stop_task(task)
    finally:
        await site.close()


async def test_link_check_is_off_by_default(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    """Without VIZBOT_LINK_CHECK nothing is requested from any site."""
    fake = fake_discord
    site = await Site().start()
    try:
        write_catalog(tmp_path / "catalog", site)
        settings = bot_settings(fake, tmp_path, catalog_dir=tmp_path / "catalog", mod_channel=fake.guild.general_id)
        task = await start_bot(fake, settings, link_check_every=0.2)
        try:
            await asyncio.sleep(1.0)
        finally:
            await stop_task(task)
        assert site.seen == []
    finally:
        await site.close()


async def test_links_found_by_the_command_line_are_announced(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    """With the background check off, a moved link recorded by `vizbot links check` (another process) is
    announced once by the bot's refresh, in the moderators' channel."""
    fake = fake_discord
    site = await Site().start()
    try:
        urls = write_catalog(tmp_path / "catalog", site)
        settings = bot_settings(fake, tmp_path, catalog_dir=tmp_path / "catalog", mod_channel=fake.guild.general_id)
        task = await start_bot(fake, settings, refresh_seconds=0.1)
        try:
            store = await Store.open(settings.db_path)
            try:
                await store.record_link_check(
                    CheckResult(
                        urls["quokka-moved"], "moved", "moved permanently", 200, suggested_url=site.url("/new")
                    ),
                    resource_id="quokka-moved",
                )
            finally:
                await store.close()
            await fake.wait_until(
                lambda: len(_alerts(fake, fake.guild.general_id)) >= 1,
                timeout=15,
                what="the moved link to be announced",
            )
            await asyncio.sleep(0.5)  # several more refreshes
            [alert] = _alerts(fake, fake.guild.general_id)
            assert "A catalog link moved" in alert and site.url("/new") in alert
            assert site.seen == []  # the bot itself requested nothing
        finally:
            await stop_task(task)
    finally:
        await site.close()
