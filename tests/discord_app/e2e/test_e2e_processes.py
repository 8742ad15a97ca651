"""Two `vizbot run` OS processes, one shard each of two, sharing only their database: they act as one bot.

Unlike test_e2e_shared_db.py (two bots in the test's own process), each bot here is its own Python
process (tests/fakediscord/bot_process.py), configured only by environment variables, as on two
machines; the fake Discord runs in the test. The command line, a third process,
suggests and approves; both bots must then answer with the new resource within seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path
from typing import AsyncIterator

import pytest
from e2e_support import guild_on_the_other_shard, answer_links, seconds_until_answered_with
from fakediscord import FakeDiscord
from fakediscord.bot_process import spawn, stop

SOON = 20.0  # seconds: "within seconds" on a loaded machine; the periodic refresh is 60 s
NEW_URL = "https://example.org/okapi-zebra-gradient-explorer"


@contextlib.asynccontextmanager
async def bot_processes(fake: FakeDiscord, db: str, sync: str) -> AsyncIterator[list[asyncio.subprocess.Process]]:
    """Start one `vizbot run` per shard (VIZBOT_SYNC_SECONDS ``sync``); on leaving, SIGTERM them and wait for their
    clean exit."""
    settings = {
        "DISCORD_TOKEN": fake.token,
        "VIZBOT_DB": db,
        "VIZBOT_SHARD_COUNT": "2",
        "VIZBOT_QUESTION_COOLDOWN": "0",
        "VIZBOT_HOME_GUILDS": str(fake.guild.id),
        "VIZBOT_SYNC_SECONDS": sync,
    }
    processes = [
        await spawn(fake.base_url, fake.gateway_url, {**settings, "VIZBOT_SHARD_IDS": str(shard)}) for shard in (0, 1)
    ]
    try:
        await fake.wait_until(
            lambda: any(p.returncode is not None for p in processes) or (fake.connected and len(fake.sessions) == 2),
            timeout=90,
            what="both bot processes to connect",
        )
        assert all(p.returncode is None for p in processes), [p.returncode for p in processes]
        yield processes
    finally:
        await stop(processes)


async def vizbot(*args: str) -> int:
    """The command line in its own process (``python -m bot``); returns its exit status."""
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", *args)
    return await process.wait()


async def _suggest_and_approve(db: str, number: int, url: str, title: str) -> None:
    assert await vizbot("suggest", url, "--title", title, "--tags", "cnn", "--db", db) == 0
    assert await vizbot("suggestions", "approve", str(number), "--db", db) == 0


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_an_approval_made_elsewhere_reaches_both_bot_processes(
    fake_discord: FakeDiscord, tmp_path: Path, request: pytest.FixtureRequest, backend: str
) -> None:
    """Both processes answer their own server; approvals from the command line are answered by both within
    seconds. SQLite: by the change feed's poll (every second here). PostgreSQL: the poll is set to a minute,
    longer than the test waits, so only NOTIFY can bring the second approval in time (the first shows both
    followers are running: one that starts late reads what it missed at once)."""
    fake = fake_discord
    other = await guild_on_the_other_shard(fake)
    db = str(tmp_path / "shared.db") if backend == "sqlite" else str(request.getfixturevalue("pg_dsn"))
    first, second = "okapi zebra gradient explorer", "narwhal tapir saliency viewer"
    later_url = "https://example.org/narwhal-tapir-saliency-viewer"
    async with bot_processes(fake, db, "1" if backend == "sqlite" else "60") as processes:
        for guild in (fake.guild, other):
            assert NEW_URL not in await answer_links(fake, guild, first)
        await _suggest_and_approve(db, 1, NEW_URL, "Okapi zebra gradient explorer")
        for guild in (fake.guild, other):
            await seconds_until_answered_with(fake, guild, first, NEW_URL, within=SOON)
        await _suggest_and_approve(db, 2, later_url, "Narwhal tapir saliency viewer")
        waited = [
            await seconds_until_answered_with(fake, guild, second, later_url, within=SOON)
            for guild in (fake.guild, other)
        ]
        assert max(waited) < SOON
    assert [p.returncode for p in processes] == [0, 0]  # SIGTERM: a clean stop in both
