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


class NoTls:
    """A local port that answers a TLS handshake with plain text: every https:// link to it fails with a
    TLS error before any HTTP response, as on a machine whose network is gone; counts the connections."""

    def __init__(self) -> None:
        self.connections = 0
        self.server: asyncio.Server | None = None

    async def start(self) -> "NoTls":
        async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            writer.close()

        self.server = await asyncio.start_server(refuse, "127.0.0.1", 0)
        return self

    def url(self, path: str) -> str:
        assert self.server is not None
        return f"https://127.0.0.1:{self.server.sockets[0].getsockname()[1]}{path}"

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


def _write_urls(root: Path, urls: dict[str, str]) -> None:
    """A catalog of one resource per ``id: url``."""
    (root / "resources").mkdir(parents=True)
    (root / "tags.yaml").write_text(yaml.safe_dump(TAGS), encoding="utf-8")
    entries = [
        {
            "id": rid,
            "title": f"The {rid.replace('-', ' ')} kernel demo",
            "url": url,
            "description": "An interactive kernel demo.",
            "tags": ["kernels"],
            "kind": "interactive",
            "level": "beginner",
        }
        for rid, url in urls.items()
    ]
    (root / "resources" / "all.yaml").write_text(yaml.safe_dump(entries), encoding="utf-8")


async def test_background_check_offline_records_and_announces_nothing(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """No link answers the background check (the bot's network is gone): no failure is recorded, so a link
    two strikes from dead does not die, and the moderators are told nothing."""
    fake = fake_discord
    nowhere = await NoTls().start()
    try:
        urls = {"okapi-gone": nowhere.url("/gone"), "zebra-blur": nowhere.url("/ok"), "quokka": nowhere.url("/old")}
        _write_urls(tmp_path / "catalog", urls)
        settings = bot_settings(
            fake, tmp_path, catalog_dir=tmp_path / "catalog", link_check=True, mod_channel=fake.guild.general_id
        )
        await _strike_earlier_days(settings.db_path, urls["okapi-gone"])
        task = await start_bot(fake, settings, link_check_every=0.6)
        try:
            await fake.wait_until(
                lambda: nowhere.connections >= 6, timeout=20, what="every link to be checked twice, unanswered"
            )
            await asyncio.sleep(0.5)  # any announcement would be on its way
            assert _alerts(fake, fake.guild.general_id) == []
            with sqlite3.connect(settings.db_path, timeout=10) as db:
                assert db.execute("SELECT count(*) FROM link_checks").fetchone()[0] == 2  # the two earlier days only
                assert db.execute("SELECT verdict, strikes FROM links").fetchall() == [("failing", 2)]
            assert not fake.invalid
        finally:
            await stop_task(task)
    finally:
        await nowhere.close()


async def test_background_check_records_an_unanswered_link_once_another_answers(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """The network works (other links answer): a link failing before any response gets its strike, turns
    dead on its third day and is announced."""
    fake = fake_discord
    nowhere = await NoTls().start()
    site = await Site().start()
    try:
        urls = {"okapi-gone": nowhere.url("/gone"), "zebra-blur": site.url("/ok"), "quokka": site.url("/chain/1")}
        _write_urls(tmp_path / "catalog", urls)
        settings = bot_settings(
            fake, tmp_path, catalog_dir=tmp_path / "catalog", link_check=True, mod_channel=fake.guild.general_id
        )
        await _strike_earlier_days(settings.db_path, urls["okapi-gone"])
        task = await start_bot(fake, settings, link_check_every=0.6)
        try:
            await fake.wait_until(
                lambda: len(_alerts(fake, fake.guild.general_id)) >= 1, timeout=20, what="the dead link to be announced"
            )
            [alert] = _alerts(fake, fake.guild.general_id)
            assert "A catalog link is dead" in alert and urls["okapi-gone"] in alert and "TLS error" in alert
        finally:
            await stop_task(task)
    finally:
        await site.close()
        await nowhere.close()
