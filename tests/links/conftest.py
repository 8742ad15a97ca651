"""Link fixtures: a local site on 127.0.0.1 and a quick checker that resolves no real names."""

from __future__ import annotations

from typing import AsyncIterator

import pytest
from sites import LocalResolver, Site

from bot.links.checker import LinkChecker


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    """A running local site."""
    running = await Site().start()
    try:
        yield running
    finally:
        await running.close()


@pytest.fixture
async def checker() -> AsyncIterator[LinkChecker]:
    """A checker with short timeouts and back-off, no politeness delay, and a resolver that knows only
    ``site.test`` (every other name fails to resolve, as an unknown name does)."""
    async with LinkChecker(
        timeout=0.5, backoff=0.01, delay=0.0, retries=2, resolver=LocalResolver(("site.test",))
    ) as opened:
        yield opened
