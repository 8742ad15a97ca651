"""Store fixtures: a temporary database on each backend (a SQLite file, a PostgreSQL database) and a settable clock."""

from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator

import pytest
from store_helpers import Clock

from bot.store import Store

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture
def clock() -> Clock:
    """A hand-moved clock starting at a fixed moment."""
    return Clock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A database path in a directory that does not exist yet."""
    return tmp_path / "data" / "vizbot.db"


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, db_path: Path) -> Path | str:
    """What ``Store.open`` is given, once per backend: a new SQLite file's path, or a new empty
    PostgreSQL database's URL (skipped, with the reason, when PostgreSQL is not installed)."""
    if request.param == "sqlite":
        return db_path
    return str(request.getfixturevalue("pg_dsn"))


@pytest.fixture
async def store(database: Path | str, clock: Clock) -> AsyncIterator[Store]:
    """An open store on a fresh temporary database (each backend in turn)."""
    opened = await Store.open(database, clock=clock, suggestions_per_hour=5)
    try:
        yield opened
    finally:
        await opened.close()
