"""``vizbot run|sync|chat``: the Discord bot and the offline console.

discord.py is imported only inside the ``run`` and ``sync`` handlers, so ``vizbot chat``
(and every other command) starts without it.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from pathlib import Path

from bot.config import Settings


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env().with_overrides(catalog_dir=args.catalog, db_path=args.db)
    if getattr(args, "no_log", False):
        settings = settings.with_overrides(log_questions=False)
    return settings


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--catalog", type=Path, metavar="DIR",
                        help="catalog directory (default: VIZBOT_CATALOG or the shipped catalog)")
    parser.add_argument("--db", type=Path, metavar="PATH",
                        help="database file (default: VIZBOT_DB or the user data directory)")


def _log_level(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--log-level", default=argparse.SUPPRESS, choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                        help="how much to log to standard error (same as the global option)")


def _apply_log_level(args: argparse.Namespace) -> None:
    level = getattr(logging, getattr(args, "log_level", "WARNING"))
    logging.getLogger().setLevel(level)


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``run``, ``sync`` and ``chat``."""
    run = sub.add_parser("run", help="run the Discord bot (needs DISCORD_TOKEN)",
                         description="Connect to Discord and answer questions. DISCORD_TOKEN comes from the "
                         "environment or .env; SIGHUP reloads the catalog, SIGTERM stops cleanly.")
    _common(run)
    _log_level(run)
    run.set_defaults(handler=run_command)

    sync = sub.add_parser("sync", help="upload the slash commands to Discord now",
                          description="Sync the application commands globally (and to VIZBOT_GUILD_ID when set), "
                          "whether or not they changed.")
    _common(sync)
    _log_level(sync)
    sync.set_defaults(handler=sync_command)

    chat = sub.add_parser("chat", help="talk to vizbot in the terminal, offline",
                          description="An offline conversation: type questions or /help; reads standard input "
                          "line by line, so a pipe works too.")
    _common(chat)
    chat.add_argument("--user", default=None, help="your name in the suggestions and votes (default: login name)")
    chat.add_argument("--no-log", action="store_true", help="do not log questions")
    chat.set_defaults(handler=chat_command)


def run_command(args: argparse.Namespace) -> int:
    """``vizbot run``."""
    _apply_log_level(args)
    from bot.discord_app.runner import run_bot

    return asyncio.run(run_bot(_settings(args)))


def sync_command(args: argparse.Namespace) -> int:
    """``vizbot sync``."""
    _apply_log_level(args)
    from bot.discord_app.runner import sync_main

    return asyncio.run(sync_main(_settings(args)))


def _local_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "local"


def chat_command(args: argparse.Namespace) -> int:
    """``vizbot chat``."""
    from bot.app import open_vizbot
    from bot.console import Console

    settings = _settings(args)

    async def main() -> int:
        async with open_vizbot(settings) as service:
            console = Console(service, sys.stdin, sys.stdout, user=args.user or _local_user(),
                              prompt=sys.stdin.isatty())
            return await console.run()

    return asyncio.run(main())
