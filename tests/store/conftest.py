"""Store fixtures: a temporary database and a settable clock."""

from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator

import pytest
from store_helpers import Clock

from bot.store import Store


@pytest.fixture
def clock() -> Clock:
    """A hand-moved clock starting at a fixed moment."""
    return Clock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A database path in a directory that does not exist yet."""
    return tmp_path / "data" / "vizbot.db"


@pytest.fixture
async def store(db_path: Path, clock: Clock) -> AsyncIterator[Store]:
    """An open store on a fresh temporary database."""
    opened = await Store.open(db_path, clock=clock, suggestions_per_hour=5)
    try:
        yield opened
    finally:
        await opened.close()
