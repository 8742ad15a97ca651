"""Pytest fixtures: a running FakeDiscord with discord.py pointed at it (import into a conftest)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, AsyncIterator, Awaitable

import discord
import discord.gateway
import discord.http
import pytest

from .server import FakeDiscord


def point_discord_at(monkeypatch: pytest.MonkeyPatch, fake: FakeDiscord) -> None:
    """Send discord.py's REST calls and gateway connection to ``fake``."""
    monkeypatch.setattr(discord.http.Route, "BASE", fake.base_url)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", fake.gateway_url)


@pytest.fixture
async def fake_discord(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    """A FakeDiscord on 127.0.0.1, with discord.py's Route.BASE and DEFAULT_GATEWAY patched to it."""
    fake = FakeDiscord()
    await fake.start()
    point_discord_at(monkeypatch, fake)
    try:
        yield fake
    finally:
        await fake.close()


async def stop_task(task: asyncio.Task[Any], closing: Awaitable[Any] | None = None, timeout: float = 15) -> None:
    """Close a running client task within ``timeout`` seconds, cancelling it if needed."""
    if closing is not None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(closing, timeout=timeout)
    if not task.done():
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await asyncio.wait_for(task, timeout=timeout)


@contextlib.asynccontextmanager
async def running_client(
    client: discord.Client, fake: FakeDiscord, token: str = "fake-token"
) -> AsyncIterator[discord.Client]:
    """Start ``client`` against ``fake``, wait until it identified, and close it afterwards."""
    task = asyncio.create_task(client.start(token))
    try:
        await fake.wait_until(lambda: fake.connected or task.done(), timeout=20, what="the client to identify")
        if task.done():
            task.result()
        yield client
    finally:
        await stop_task(task, client.close())
