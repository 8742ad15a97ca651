"""vizbot settings --server ID [...]: a server's /settings, seen and changed by the bot's operator."""

from __future__ import annotations

import argparse

from bot.app import Vizbot
from bot.cli.common import (
    SNOWFLAKE_MAX,
    add_db_options,
    local_user,
    settings_from_args,
    whole_number,
    with_service,
)
from bot.cli.output import card_text, emit_json
from bot.config import Settings
from bot.core import answers
from bot.core.limits import COOLDOWN_MAX
from bot.store import ServerSettings

_snowflake = whole_number(1, SNOWFLAKE_MAX)
_yes_no = {"yes": True, "true": True, "on": True, "no": False, "false": False, "off": False}


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``settings``."""
    p = sub.add_parser(
        "settings",
        help="the servers' own settings (/settings): list them, or show or change one server's",
        description="With no option, list every server that changed a setting. With --server, show that "
        "server's settings, or change them with the other options (as its admins do with /settings).",
    )
    p.add_argument("--server", type=_snowflake, metavar="ID", help="the server (guild) id")
    p.add_argument(
        "--answer-in",
        type=_snowflake,
        nargs="+",
        metavar="CHANNEL_ID",
        help="answer mentions only in these channels (and their threads)",
    )
    p.add_argument("--answer-everywhere", action="store_true", help="answer mentions in every channel")
    p.add_argument("--log-questions", choices=sorted(_yes_no), help="log this server's questions (yes or no)")
    p.add_argument(
        "--cooldown",
        type=whole_number(0, COOLDOWN_MAX),
        metavar="SECONDS",
        help=f"seconds each person waits between questions there (0-{COOLDOWN_MAX})",
    )
    p.add_argument("--json", action="store_true", help="print the settings as JSON")
    add_db_options(p)
    p.set_defaults(handler=cmd_settings, parser=p)


def _changes(args: argparse.Namespace) -> dict[str, object]:
    changes: dict[str, object] = {}
    if args.answer_in is not None and args.answer_everywhere:
        args.parser.error("--answer-in and --answer-everywhere contradict each other")
    if args.answer_in is not None:
        changes["answer_channels"] = tuple(args.answer_in)
    if args.answer_everywhere:
        changes["answer_channels"] = ()
    if args.log_questions is not None:
        changes["log_questions"] = _yes_no[args.log_questions]
    if args.cooldown is not None:
        changes["cooldown_seconds"] = args.cooldown
    if changes and args.server is None:
        args.parser.error("name the server to change with --server ID")
    return changes


def _line(server: ServerSettings, settings: Settings) -> str:
    where = ", ".join(str(c) for c in server.answer_channels) or "every channel"
    logs = "yes" if server.log_questions and settings.log_questions else "no"
    cooldown = server.cooldown_seconds if server.cooldown_seconds is not None else settings.question_cooldown_seconds
    default = " (default)" if server.cooldown_seconds is None else ""
    return (
        f"server {server.server}: answers mentions in {where}; logs questions: {logs}; cooldown {cooldown} s{default}"
    )


def cmd_settings(args: argparse.Namespace) -> int:
    """vizbot settings [--server ID [changes]]"""
    settings = settings_from_args(args)
    changes = _changes(args)

    async def chosen(bot: Vizbot) -> list[ServerSettings]:
        if changes:
            return [await bot.update_server_settings(str(args.server), by=local_user(), **changes)]
        if args.server is not None:
            return [await bot.server_settings(str(args.server))]
        return list((await bot.every_server_settings()).values())

    servers = with_service(args, chosen, settings=settings)
    if args.json:
        emit_json(
            {
                "servers": [s.to_json() for s in servers],
                "defaults": {
                    "log_questions": settings.log_questions,
                    "cooldown_seconds": settings.question_cooldown_seconds,
                },
            }
        )
    elif not servers:
        print(
            "no server has changed its settings: every server answers everywhere, logs questions "
            f"({'on' if settings.log_questions else 'off'} for the bot) and waits "
            f"{settings.question_cooldown_seconds} s between questions"
        )
    elif args.server is not None:  # one server: its /settings card, as Discord and the console show cards
        print(card_text(_card(servers[0], settings, _changed(changes))))
    else:
        for server in servers:
            print(_line(server, settings))
    return 0


def _changed(changes: dict[str, object]) -> list[str]:
    """What ``changes`` did, worded as /settings words it."""
    said = []
    if "answer_channels" in changes:
        channels = changes["answer_channels"]
        assert isinstance(channels, tuple)
        said.append("mentions are answered in " + (" and ".join(f"channel {c}" for c in channels) or "every channel"))
    if "log_questions" in changes:
        said.append("questions are logged" if changes["log_questions"] else "questions are not logged")
    if "cooldown_seconds" in changes:
        said.append(f"cooldown {changes['cooldown_seconds']} s")
    return said


def _card(server: ServerSettings, settings: Settings, changed: list[str]) -> answers.AnswerCard:
    """The /settings card for one server, the bot's defaults filled in (channels by id: no names offline)."""
    cooldown = server.cooldown_seconds
    return answers.server_settings_card(
        f"server {server.server}",
        answer_channels=[str(c) for c in server.answer_channels],
        log_questions=server.log_questions,
        operator_logs=settings.log_questions,
        retention_days=settings.log_retention_days,
        cooldown_seconds=settings.question_cooldown_seconds if cooldown is None else cooldown,
        cooldown_is_default=cooldown is None,
        changed=changed,
    )
