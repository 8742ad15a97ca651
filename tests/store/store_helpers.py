"""Helpers for store tests: drafts over the small tag vocabulary, a hand-moved clock, and SQL on either backend."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from tag_vocabulary import lookup

from bot.core.suggestion_schema import validate_suggestion
from bot.store import SuggestionDraft
from bot.store.conn import is_url


def draft(
    n: int | str = 1, *, title: str | None = None, tags: tuple[str, ...] = ("cnn",), note: str = ""
) -> SuggestionDraft:
    """A valid draft for https://example.org/<n>."""
    return validate_suggestion(f"https://example.org/{n}", title or f"Resource number {n}", tags, note, lookup)


class Clock:
    """A clock tests move by hand (no sleeping)."""

    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def rows(database: Path | str, sql: str, *args: object) -> list[tuple]:
    """What ``sql`` (``?`` placeholders) selects, read through a connection of its own (either backend)."""
    if is_url(database):
        import asyncpg

        from bot.store.pg import placeholders

        conn = await asyncpg.connect(str(database))
        try:
            return [tuple(r) for r in await conn.fetch(placeholders(sql), *args)]
        finally:
            await conn.close()
    with closing(sqlite3.connect(database)) as conn:
        return [tuple(r) for r in conn.execute(sql, args).fetchall()]


async def run_sql(database: Path | str, sql: str, *args: object) -> None:
    """Run one statement (``?`` placeholders) on a connection of its own, committed (either backend)."""
    if is_url(database):
        import asyncpg

        from bot.store.pg import placeholders

        conn = await asyncpg.connect(str(database))
        try:
            await conn.execute(placeholders(sql), *args)
        finally:
            await conn.close()
        return
    with closing(sqlite3.connect(database)) as conn, conn:
        conn.execute(sql, args)
