"""Options shared by several commands (database, question logging, catalog) and the settings they build."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
from pathlib import Path
from typing import Awaitable, Callable, TypeVar

from bot.app import Vizbot, open_store, open_vizbot
from bot.config import Settings
from bot.core.errors import ConfigError, StoreError
from bot.store import Store
from bot.store.conn import database_target

T = TypeVar("T")


def db_option(text: str) -> Path | str:
    """``--db``'s value as :func:`database_target` reads it; a bad URL, or nothing at all (``--db ""``, which
    would be the working directory), is a usage error (exit 2, one line)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("give a database file or a postgresql:// URL (the value is empty)")
    try:
        return database_target(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_db_options(parser: argparse.ArgumentParser, *, logging_switch: bool = False) -> None:
    """Add ``--db`` (beats ``VIZBOT_DB``) and, for commands that log questions, ``--no-log``."""
    parser.add_argument(
        "--db",
        type=db_option,
        metavar="PATH|URL",
        help="the database file, or a PostgreSQL URL postgresql://USER:PASSWORD@HOST:PORT/DATABASE "
        "(default $VIZBOT_DB, else vizbot.db in the user data directory)",
    )
    if logging_switch:
        parser.add_argument(
            "--no-log",
            action="store_true",
            help="do not record questions in the questions log (also VIZBOT_LOG_QUESTIONS=false)",
        )


def add_catalog_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--catalog DIR`` (beats ``VIZBOT_CATALOG``)."""
    parser.add_argument(
        "--catalog",
        type=Path,
        metavar="DIR",
        help="the catalog directory (default $VIZBOT_CATALOG, else the shipped catalog)",
    )


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings from the environment (and ``.env``), with any command-line options applied."""
    settings = Settings.from_env()
    db = getattr(args, "db", None)
    catalog = getattr(args, "catalog", None)
    return settings.with_overrides(
        db_path=db,
        catalog_dir=catalog.expanduser() if catalog is not None else None,
        log_questions=False if getattr(args, "no_log", False) else None,
    )


def run(coro: Awaitable[T]) -> T:
    """Run one coroutine to completion from a synchronous command handler."""
    return asyncio.run(coro)  # type: ignore[arg-type]


def with_service(
    args: argparse.Namespace,
    job: Callable[[Vizbot], Awaitable[T]],
    *,
    settings: Settings | None = None,
    semantic: bool = False,
    on_store_error: Callable[[StoreError], None] | None = None,
) -> T:
    """Run ``job`` with the service built from the command line's settings (``settings`` when the
    handler needs them too), closing it after; the command line's one way to reach the service.

    ``semantic=False`` (the default) skips the embedding model: store commands do not search."""
    settings = settings_from_args(args) if settings is None else settings

    async def go() -> T:
        async with open_vizbot(settings, semantic=semantic, on_store_error=on_store_error) as service:
            return await job(service)

    return run(go())


def with_store(args: argparse.Namespace, job: Callable[[Store], Awaitable[T]]) -> T:
    """Run ``job`` with the database alone (no catalog), closing it after: listings and reports."""
    settings = settings_from_args(args)

    async def go() -> T:
        store = await open_store(settings)
        try:
            return await job(store)
        finally:
            await store.close()

    return run(go())


def local_user() -> str:
    """The id used for command-line actions when ``--user`` is not given: ``local:<login name>``."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (some containers)
        name = "user"
    return f"local:{name}"


SNOWFLAKE_MAX = 2**64 - 1  # a Discord id (server, channel) is a 64-bit whole number


def whole_number(minimum: int, maximum: int) -> Callable[[str], int]:
    """An argparse ``type`` accepting a whole number from ``minimum`` to ``maximum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(f"must be from {minimum} to {maximum}")
        return value

    return parse


def processors() -> int:
    """How many processors this process may run on (at least 1): the most threads worth asking for."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # no sched_getaffinity on macOS and Windows
        return max(1, os.cpu_count() or 1)
