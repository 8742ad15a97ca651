"""Starting the real vizbot (``run_bot``) against a FakeDiscord, and reading its database."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_TESTS = Path(__file__).resolve().parents[2]
if str(_TESTS) not in sys.path:
    sys.path.insert(0, str(_TESTS))

from fakediscord import FakeDiscord  # noqa: E402
from fakediscord.payloads import FakeGuild  # noqa: E402
from fakediscord.reading import embed_links  # noqa: E402
from fakediscord.fixtures import stop_task  # noqa: E402

from bot.config import Settings  # noqa: E402

__all__ = ["COMMANDS", "MODERATION", "HandledMessages", "RunningBot", "bot_settings", "start_bot"]

COMMANDS = {
    "ask",
    "tags",
    "tag",
    "suggest",
    "review",
    "report",
    "help",
    "forget",
    "settings",
    "reload",
    "Find visualizations",
}
MODERATION = {"review", "reload"}  # registered in the home servers only


@dataclass
class RunningBot:
    """The bot task, its settings and the fake it talks to."""

    fake: FakeDiscord
    settings: Settings
    task: asyncio.Task[int]

    def query(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        """Read the bot's database directly (it is a file under tmp_path)."""
        with sqlite3.connect(self.settings.db_path, timeout=10) as db:
            return db.execute(sql, args).fetchall()


def bot_settings(fake: FakeDiscord, tmp_path: Path, **overrides: Any) -> Settings:
    """Settings as ``vizbot run`` would build them: temp database, shipped catalog, no cooldown,
    the fake's one server as the development guild and the moderators' home."""
    values: dict[str, Any] = {
        "catalog_dir": None,
        "db_path": tmp_path / "vizbot.db",
        "question_cooldown_seconds": 0,
        "discord_token": "fake-token",
        "guild_id": fake.guild.id,
        "home_guilds": (fake.guild.id,),
    }
    values.update(overrides)
    return Settings(**values)


async def start_bot(fake: FakeDiscord, settings: Settings, **run_kwargs: Any) -> asyncio.Task[int]:
    """``run_bot(settings, **run_kwargs)`` as a task, returned once it is on the gateway with its commands synced."""
    from bot.discord_app.runner import run_bot

    since = len(fake.frames)
    task = asyncio.create_task(run_bot(settings, **run_kwargs))

    def ready() -> bool:
        synced = {c["name"] for cmds in fake.commands.values() for c in cmds}
        identified = any(f.payload.get("t") == "GUILD_CREATE" for f in fake.frames[since:])
        homes_here = [h for h in settings.home_guilds if any(g.id == h for g in fake.guilds)]
        expected = COMMANDS if homes_here else COMMANDS - MODERATION  # a home the bot is not in gets none
        return task.done() or (identified and fake.connected and expected <= synced)

    try:
        await fake.wait_until(ready, timeout=30, what="the bot to connect and sync its commands")
    except AssertionError:
        await stop_task(task)
        raise
    if task.done():
        raise AssertionError(f"run_bot ended during start-up with {task.result()!r}")
    return task


class HandledMessages:
    """Which gateway messages the bot has finished handling (answered or deliberately ignored).

    Installed on ``AskCog._on_message`` (the real handler runs unchanged), so a test can wait for
    the bot to be *done* with a message before asserting that it did not answer it, instead of
    sleeping and hoping.
    """

    def __init__(self, monkeypatch: Any) -> None:
        from bot.discord_app.ask import AskCog

        self.started: dict[str, int] = {}
        self.finished: dict[str, int] = {}
        original = AskCog._on_message

        async def recording(cog: Any, message: Any) -> None:
            key = str(message.id)
            self.started[key] = self.started.get(key, 0) + 1
            try:
                await original(cog, message)
            finally:
                self.finished[key] = self.finished.get(key, 0) + 1

        monkeypatch.setattr(AskCog, "_on_message", recording)

    def done(self, message: dict[str, Any]) -> bool:
        """The bot finished handling ``message`` (the fake's payload), and nothing else is in flight."""
        return str(message["id"]) in self.finished and self.started == self.finished

    async def wait(self, fake: FakeDiscord, message: dict[str, Any]) -> None:
        """Wait until :meth:`done` is true for ``message``."""
        await fake.wait_until(lambda: self.done(message), what=f"the bot to finish handling message {message['id']}")


async def answer_links(fake: FakeDiscord, guild: FakeGuild, question: str) -> list[str]:
    """Mention the bot in ``guild``'s #general and return the links of its answer."""
    since = len(fake.requests)
    await fake.send_message(question, mention_bot=True, guild=guild)
    return embed_links(await fake.wait_for_message(guild.general_id, since=since, timeout=30))


async def seconds_until_answered_with(
    fake: FakeDiscord, guild: FakeGuild, question: str, url: str, *, within: float
) -> float:
    """Ask again every half second until the answer links ``url`` (failing after ``within`` seconds);
    returns the seconds it took."""
    started = time.monotonic()
    while url not in await answer_links(fake, guild, question):
        assert time.monotonic() - started < within, f"{url} not answered in {guild.name} within {within} s"
        await asyncio.sleep(0.5)
    return time.monotonic() - started


async def guild_on_the_other_shard(fake: FakeDiscord) -> FakeGuild:
    """A second server whose events go to the other shard of two (``(id >> 22) % 2``) than fake.guild's."""
    other = await fake.add_guild("Second Server")
    while (other.id >> 22) % 2 == (fake.guild.id >> 22) % 2:
        other.id += 1 << 22
    return other
