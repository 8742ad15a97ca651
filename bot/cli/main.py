"""Entry point: builds the argument parser from each command module and runs one command."""

from __future__ import annotations

import argparse
import logging
import re
import sys
from typing import Any, NoReturn, Sequence

from bot import __version__
from bot.cli import ask_cmd, catalog_cmd, db_cmd, discord_cmd, links_cmd, servers_cmd, store_cmd
from bot.cli.catalog_source import catalog_in_use, checkout_warning
from bot.cli.common import settings_from_args
from bot.cli.errors import USAGE, catalog_hint, config_field, describe, error_json, exit_status
from bot.cli.output import emit_json, error, info
from bot.core.errors import CatalogError, ConfigError, VizbotError

_log = logging.getLogger(__name__)

# Each module adds its subcommands; a handler takes the parsed args and returns an exit status.
COMMAND_MODULES = (catalog_cmd, ask_cmd, store_cmd, servers_cmd, db_cmd, discord_cmd, links_cmd)


class _UsageExit(Exception):
    """argparse refused the command line (raised instead of exiting, so ``--json`` can report it)."""

    def __init__(self, parser: argparse.ArgumentParser, message: str):
        super().__init__(message)
        self.parser = parser
        self.message = message


class VizbotParser(argparse.ArgumentParser):
    """argparse whose usage errors reach ``main`` (subcommand parsers are of the same class).

    Each parser also records its options as typed (``tag`` -> ``--tag``) in the parsed arguments'
    ``option_names`` (the subcommand's own, as a subparser's defaults win), so an error the core
    raises about ``tag`` names ``--tag`` in ``--json``'s ``field``, as argparse's own errors do."""

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        action = super().add_argument(*args, **kwargs)
        longest = max(action.option_strings, key=len, default=None)
        if longest is not None and action.dest != argparse.SUPPRESS:
            names: dict[str, str] = self.get_default("option_names") or {}
            names[action.dest] = longest
            self.set_defaults(option_names=names)
        return action

    def error(self, message: str) -> NoReturn:
        raise _UsageExit(self, message)


def option_field(field: object, args: argparse.Namespace) -> str | None:
    """The option as typed (``--tag``) for a domain error's ``field`` that names one of this
    command's options (``tag``); any other field as it is (a positional argument, ``question 2``)."""
    if not isinstance(field, str):
        return None
    names = getattr(args, "option_names", None) or {}
    return names.get(field.replace("-", "_"), field)


def build_parser() -> argparse.ArgumentParser:
    """The full ``vizbot`` parser (used by ``main`` and by the docs test)."""
    parser = VizbotParser(
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


def _note_catalog(args: argparse.Namespace) -> str | None:
    """For a command that reads a catalog: warn when a checkout's differing catalog is not the one
    read; returns the directory read (``None`` when it cannot be found: the command says why)."""
    if not hasattr(args, "catalog"):
        return None
    if getattr(args, "dir", None) is not None:  # `catalog check DIR`: named on the command line
        return str(args.dir)
    try:
        settings = settings_from_args(args)
        warning = checkout_warning(settings)
        if warning:
            info(warning)
        return str(catalog_in_use(settings))
    except (VizbotError, OSError):
        return None


_ARGUMENT = re.compile(r"argument ([^:\s]+): ")
_REQUIRED = re.compile(r"the following arguments are required: ([^,\s]+)")


def _usage(exc: _UsageExit, json_errors: bool) -> NoReturn:
    """A usage error: the usage line and the message on stderr (and JSON on stdout), exit status 2."""
    exc.parser.print_usage(sys.stderr)
    sys.stderr.write(f"{exc.parser.prog}: error: {exc.message}\n")
    if json_errors:
        # "argument --limit/-n: must be ..." and "the following arguments are required: --title" name the option
        named = _ARGUMENT.match(exc.message) or _REQUIRED.match(exc.message)
        emit_json(error_json("usage", exc.message, named.group(1).split("/")[0] if named else None))
    raise SystemExit(USAGE) from None


def exc_field(exc: VizbotError) -> object:
    """The ``field`` a domain error carries, if any."""
    return getattr(exc, "field", None)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``vizbot`` command; returns its exit status (usage errors raise ``SystemExit(2)``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    json_errors = "--json" in argv
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except _UsageExit as exc:
        _usage(exc, json_errors)
    # --json, and --batch (whose output is JSON lines), report errors as JSON too
    json_errors = bool(getattr(args, "json", False)) or getattr(args, "batch", None) is not None
    logging.basicConfig(
        level=getattr(logging, args.log_level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    catalog = _note_catalog(args)
    try:
        return int(args.handler(args) or 0)
    except _UsageExit as exc:  # a handler's own check of its options (``args.parser.error``)
        _usage(exc, json_errors)
    except VizbotError as exc:
        message = catalog_hint(exc, catalog) if isinstance(exc, CatalogError) else str(exc)
        error(message)
        if json_errors:
            field = config_field(exc, args) if isinstance(exc, ConfigError) else option_field(exc_field(exc), args)
            emit_json(describe(exc, message, field))
        return exit_status(exc)
    except KeyboardInterrupt:
        error("interrupted")
        if json_errors:
            emit_json(error_json("interrupted", "interrupted"))
        return 130
    except BrokenPipeError:
        return 0
