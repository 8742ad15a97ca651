"""``vizbot run|sync|chat``: the Discord bot and the offline console.

discord.py is imported only inside the ``run`` and ``sync`` handlers, so ``vizbot chat``
(and every other command) starts without it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from bot.cli.common import add_catalog_option, add_db_options, local_user, settings_from_args, with_service
from bot.cli.output import info


def _common(parser: argparse.ArgumentParser, *, logging_switch: bool = False) -> None:
    add_catalog_option(parser)
    add_db_options(parser, logging_switch=logging_switch)


def _log_level(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--log-level",
        default=argparse.SUPPRESS,
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="how much to log to standard error (same as the global option)",
    )


def _apply_log_level(args: argparse.Namespace) -> None:
    level = getattr(logging, getattr(args, "log_level", "WARNING"))
    logging.getLogger().setLevel(level)


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``run``, ``sync`` and ``chat``."""
    run = sub.add_parser(
        "run",
        help="run the Discord bot (needs DISCORD_TOKEN)",
        description="Connect to Discord and answer questions. DISCORD_TOKEN comes from the "
        "environment or .env; SIGHUP reloads the catalog, SIGTERM stops cleanly.",
    )
    _common(run)
    _log_level(run)
    run.set_defaults(handler=run_command)

    sync = sub.add_parser(
        "sync",
        help="upload the slash commands to Discord now",
        description="Upload the application commands to Discord now, whether or not they changed: to "
        "VIZBOT_GUILD_ID when set, else globally (one scope, never both: a server would list every command "
        "twice), and the moderation commands to each home server.",
    )
    _common(sync)
    _log_level(sync)
    sync.set_defaults(handler=sync_command)

    chat = sub.add_parser(
        "chat",
        help="talk to vizbot in the terminal, offline",
        description="An offline conversation: type questions or /help; reads standard input "
        "line by line, so a pipe works too.",
    )
    _common(chat, logging_switch=True)
    chat.add_argument("--user", default=None, help="your name in the suggestions and votes (default: login name)")
    chat.set_defaults(handler=chat_command)


def run_command(args: argparse.Namespace) -> int:
    """``vizbot run``."""
    _apply_log_level(args)
    from bot.discord_app.runner import run_bot

    return asyncio.run(run_bot(settings_from_args(args)))


def sync_command(args: argparse.Namespace) -> int:
    """``vizbot sync``."""
    _apply_log_level(args)
    from bot.discord_app.runner import sync_main

    return asyncio.run(sync_main(settings_from_args(args)))


def _store_unavailable(exc: Exception) -> None:
    info(f"vizbot: warning: {exc}; questions work, suggestions, votes and reports do not")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def chat_command(args: argparse.Namespace) -> int:
    """``vizbot chat``: on a terminal, with line editing, history and a Ctrl-C that asks first."""
    from bot.app import Vizbot
    from bot.console import Console, enable_line_editing

    settings = settings_from_args(args)
    terminal = sys.stdin.isatty()
    editing = terminal and sys.stdout.isatty() and enable_line_editing()
    if terminal:
        # Ctrl-C raises KeyboardInterrupt where the console waits for a line, so it can say how to
        # leave; asyncio.run's own handler (used only while this one is the default) would merely
        # cancel the task, unseen until Enter is pressed.
        signal.signal(signal.SIGINT, _interrupt)

    async def converse(service: Vizbot) -> int:
        console = Console(
            service, sys.stdin, sys.stdout, user=args.user or local_user(), prompt=terminal, line_editing=editing
        )
        return await console.run()

    try:
        return with_service(args, converse, settings=settings, semantic=True, on_store_error=_store_unavailable)
    finally:
        if terminal:
            signal.signal(signal.SIGINT, signal.default_int_handler)
