"""Following another process's changes (``follow.follow_once``) with two services on one database file."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from bot.app import open_vizbot
from bot.config import Settings
from bot.core.feed_cursor import FeedCursor
from bot.discord_app.follow import follow_once
from bot.store import ServerSettings

URL = "https://example.org/okapi-narwhal-explorer"


class _Client:
    """The part of the client the follower uses: the service, the notify lock, the servers' settings."""

    def __init__(self, service: object) -> None:
        self.service = service
        self.notify_lock = asyncio.Lock()
        self.remembered: list[ServerSettings] = []

    def remember_server_settings(self, settings: ServerSettings) -> None:
        self.remembered.append(settings)


async def test_changes_from_another_process_are_applied_and_our_own_skipped(tmp_path: Path) -> None:
    """Our own /settings change is not re-applied; another process's settings and approval are, and its
    submitter is told (and marked) through the follower."""
    settings = Settings(db_path=tmp_path / "vizbot.db", semantic=False)
    async with open_vizbot(settings, semantic=False) as service, open_vizbot(settings, semantic=False) as other:
        client = _Client(service)
        assert service.store is not None and other.store is not None
        cursor = FeedCursor(await service.store.last_event_id())

        await service.update_server_settings("42", by="admin", cooldown_seconds=5)
        await follow_once(client, cursor)  # type: ignore[arg-type]
        assert client.remembered == []

        await other.update_server_settings("43", by="local:root", cooldown_seconds=9)
        out = await other.suggest(URL, "Okapi narwhal convolution explorer", "convolution", user="local:ann")
        await other.approve(out.suggestion.id, moderator="local:root")
        assert URL not in {r.url for r in service.catalog.resources}
        await follow_once(client, cursor)  # type: ignore[arg-type]
        assert [(s.server, s.cooldown_seconds) for s in client.remembered] == [("43", 9)]
        assert URL in {r.url for r in service.catalog.resources}
        assert cursor.after == await other.store.last_event_id()
        with sqlite3.connect(settings.db_path) as db:
            assert db.execute("SELECT notified_at IS NOT NULL FROM suggestions").fetchall() == [(1,)]

        await follow_once(client, cursor)  # type: ignore[arg-type]
        assert len(client.remembered) == 1  # nothing applied twice
