"""Entry point: builds the argument parser from each command module and runs one command."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Sequence

from bot import __version__
from bot.cli import ask_cmd, catalog_cmd, discord_cmd, links_cmd, store_cmd
from bot.cli.output import error
from bot.core.errors import ConfigError, VizbotError

_log = logging.getLogger(__name__)

# Each module adds its subcommands; a handler takes the parsed args and returns an exit status.
COMMAND_MODULES = (catalog_cmd, ask_cmd, store_cmd, discord_cmd, links_cmd)


def build_parser() -> argparse.ArgumentParser:
    """The full ``vizbot`` parser (used by ``main`` and by the docs test)."""
    parser = argparse.ArgumentParser(
        prog="vizbot",
        description="Recommends learning visualizations for computer vision and deep learning.",
    )
    parser.add_argument("--version", action="version", version=f"vizbot {__version__}")
    parser.add_argument(
        "--log-level",
        default="WARNING",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="how much to log to standard error (default WARNING)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``vizbot`` command; returns its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, args.log_level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.handler(args) or 0)
    except ConfigError as exc:  # a setting is malformed: a usage problem, like argparse's
        error(str(exc))
        return 2
    except VizbotError as exc:
        error(str(exc))
        return 1
    except KeyboardInterrupt:
        error("interrupted")
        return 130
    except BrokenPipeError:
        return 0
