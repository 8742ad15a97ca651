"""vizbot suggest | suggestions list|approve|reject|export | vote | report: the store from the command line."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import Iterable

import yaml

from bot.app import Vizbot
from bot.cli.common import (
    SNOWFLAKE_MAX,
    add_catalog_option,
    add_db_options,
    local_user,
    whole_number,
    with_service,
    with_store,
)
from bot.cli.output import card_text, emit_json, info
from bot.core import answers
from bot.core.limits import NOTE_MAX, REASON_MAX, REPORT_DAYS_DEFAULT, REPORT_DAYS_MAX, TITLE_MAX, TITLE_MIN
from bot.core.model import KINDS, LEVELS, Resource
from bot.core.sanitize import clean_text
from bot.core.urls import normalise_url
from bot.store import Report, Suggestion
from bot.store.records import STATUSES
from bot.store.suggestions import to_resource

VOTES = {"up": 1, "+1": 1, "1": 1, "down": -1, "-1": -1}


LIST_LIMIT = 20  # suggestions shown by `suggestions list` in text, when --limit is not given
REPORT_LIMIT = 10  # rows per report section in text, when --limit is not given
EVERY_ROW = 10**12  # "no limit" for the store's paged queries

_positive = whole_number(1, 10**9)
_not_negative = whole_number(0, 10**9)


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``suggest``, ``suggestions``, ``vote`` and ``report``."""
    p = sub.add_parser(
        "suggest", help="suggest a resource for the catalog", description="Suggest a resource; moderators review it."
    )
    p.add_argument("url", help="the resource's address (http or https)")
    p.add_argument("--title", required=True, help=f"its title ({TITLE_MIN}-{TITLE_MAX} characters)")
    p.add_argument("--tags", required=True, help="comma-separated tags (aliases and small typos are fine)")
    p.add_argument("--note", default="", help=f"why it helps (at most {NOTE_MAX} characters)")
    p.add_argument("--user", help="who suggests it (default: local:<login name>); the rate limit is per user")
    p.add_argument("--json", action="store_true", help="print the outcome as JSON")
    add_db_options(p)
    add_catalog_option(p)
    p.set_defaults(handler=cmd_suggest)

    s = sub.add_parser(
        "suggestions", help="review suggestions", description="List, approve, reject or export suggestions."
    )
    ssub = s.add_subparsers(dest="suggestions_command", metavar="ACTION")
    ssub.required = True

    p = ssub.add_parser("list", help="list suggestions (pending first by default)")
    p.add_argument(
        "--status", choices=[*STATUSES, "all"], default="pending", help="which suggestions (default pending)"
    )
    p.add_argument(
        "--limit",
        type=_positive,
        default=None,
        help=f"how many (default {LIST_LIMIT} in text; --json prints every one unless --limit is given)",
    )
    p.add_argument("--offset", type=_not_negative, default=0, help="skip this many (default 0)")
    p.add_argument("--json", action="store_true", help="print the suggestions as JSON (all of them by default)")
    add_db_options(p)
    p.set_defaults(handler=cmd_list)

    p = ssub.add_parser("approve", help="approve a pending suggestion (live at once)")
    p.add_argument("id", type=_positive, help="the suggestion number")
    p.add_argument("--kind", choices=KINDS, help="the resource kind (default article)")
    p.add_argument("--level", choices=LEVELS, help="the resource level (default beginner)")
    p.add_argument("--moderator", help="who approves (default: local:<login name>)")
    p.add_argument("--json", action="store_true", help="print the suggestion as JSON")
    add_db_options(p)
    add_catalog_option(p)
    p.set_defaults(handler=cmd_approve)

    p = ssub.add_parser("reject", help="reject a pending suggestion with a reason")
    p.add_argument("id", type=_positive, help="the suggestion number")
    p.add_argument("--reason", required=True, help=f"why (the submitter is told; at most {REASON_MAX} characters)")
    p.add_argument("--moderator", help="who rejects (default: local:<login name>)")
    p.add_argument("--json", action="store_true", help="print the suggestion as JSON")
    add_db_options(p)
    p.set_defaults(handler=cmd_reject)

    p = ssub.add_parser("export", help="print approved suggestions as catalog YAML entries")
    p.add_argument("--all", action="store_true", help="include entries already in the curated catalog")
    add_db_options(p)
    add_catalog_option(p)
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("vote", help="say whether a resource helped with a question")
    p.add_argument("resource_id", metavar="RESOURCE_ID", help="the resource's id")
    p.add_argument("value", choices=sorted(VOTES), help="up (helpful) or down (not helpful)")
    p.add_argument("--question", required=True, help="the question it was given for")
    p.add_argument("--user", help="who votes (default: local:<login name>)")
    p.add_argument("--json", action="store_true", help="print the vote as JSON")
    add_db_options(p)
    add_catalog_option(p)
    p.set_defaults(handler=cmd_vote)

    p = sub.add_parser(
        "forget",
        help="delete everything kept about a user",
        description="Delete a user's votes, pending suggestions and seconds, and remove their name from "
        "decided suggestions and the audit log (the questions log keeps no user).",
    )
    p.add_argument(
        "--user", required=True, help="the user: a Discord user id, or local:<login name> for the command line"
    )
    p.add_argument("--json", action="store_true", help="print what was removed as JSON")
    add_db_options(p)
    p.set_defaults(handler=cmd_forget)

    p = sub.add_parser("report", help="the curator report: topics, gaps, disliked resources, pending suggestions")
    p.add_argument(
        "--days",
        type=whole_number(1, REPORT_DAYS_MAX),  # the store's range, as /report's
        default=REPORT_DAYS_DEFAULT,
        metavar="N",
        help=f"how many days back, from 1 to {REPORT_DAYS_MAX} (default {REPORT_DAYS_DEFAULT})",
    )
    p.add_argument(
        "--limit",
        type=_positive,
        default=None,
        help=f"rows per section in text (default {REPORT_LIMIT}); --json has every row unless --limit is given",
    )
    p.add_argument(
        "--server",
        type=whole_number(1, SNOWFLAKE_MAX),
        metavar="ID",
        help="one server's report alone (what its admins see with /report there)",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    add_db_options(p)
    p.set_defaults(handler=cmd_report)


# ----------------------------------------------------------------------------- handlers


def cmd_suggest(args: argparse.Namespace) -> int:
    """vizbot suggest URL --title ... --tags ..."""
    outcome = with_service(
        args, lambda bot: bot.suggest(args.url, args.title, args.tags, args.note, user=args.user or local_user())
    )
    if args.json:
        emit_json(outcome.to_json())
    else:
        print(card_text(answers.suggest_card(outcome)))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """vizbot suggestions list"""
    status = None if args.status == "all" else args.status
    every = with_store(args, lambda store: store.suggestions(status=status, limit=EVERY_ROW, offset=0))
    limit = args.limit if args.limit is not None else (EVERY_ROW if args.json else LIST_LIMIT)
    found = every[args.offset : args.offset + limit]
    if args.json:
        emit_json([s.to_json() for s in found])
        return 0
    what = "suggestions" if status is None else f"{status} suggestions"
    if not every:
        info(f"no {what}")
    elif not found:
        last_page = (len(every) - 1) // limit * limit  # the offset of the last page of --limit rows
        if last_page:
            info(f"no {what} past the first {len(every)}; --offset {last_page} shows the last page")
        else:
            info(f"no {what} past the first {len(every)}; without --offset all {len(every)} are shown")
    for s in found:
        print(_suggestion_text(s))
    if found and len(found) < len(every):
        first, last = args.offset + 1, args.offset + len(found)
        info(f"{first}-{last} of {len(every)} {what} shown; --limit/--offset for others")
    return 0


def cmd_approve(args: argparse.Namespace) -> int:
    """vizbot suggestions approve ID"""
    done = with_service(
        args,
        lambda bot: bot.approve(args.id, moderator=args.moderator or local_user(), kind=args.kind, level=args.level),
    )
    if args.json:
        emit_json(done.to_json())
    else:
        print(card_text(answers.decision_card(done)))
    return 0


def cmd_reject(args: argparse.Namespace) -> int:
    """vizbot suggestions reject ID --reason ..."""
    # decisions go through the service, like approve
    done = with_service(
        args, lambda bot: bot.reject(args.id, moderator=args.moderator or local_user(), reason=args.reason)
    )
    if args.json:
        emit_json(done.to_json())
    else:
        print(card_text(answers.decision_card(done)))
    return 0


def export_yaml(suggestions: Iterable[Suggestion]) -> str:
    """Approved suggestions as a YAML list in the ``catalog/resources/*.yaml`` schema."""
    entries = [to_resource(s).to_yaml_entry() for s in suggestions]
    return yaml.safe_dump(entries, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False)


def cmd_export(args: argparse.Namespace) -> int:
    """vizbot suggestions export"""

    async def not_in_catalog(bot: Vizbot) -> list[Suggestion]:
        approved = await bot.need_store().approved()
        if args.all:
            return approved
        ids = {r.id for r in bot.curated.resources}
        urls = {normalise_url(r.url) for r in bot.curated.resources}
        return [s for s in approved if s.resource_id not in ids and normalise_url(s.url) not in urls]

    chosen = with_service(args, not_in_catalog)
    if not chosen:
        info("no approved suggestions to export")
    else:
        info(
            f"{len(chosen)} approved suggestion(s); add them to a file under catalog/resources/ and run vizbot catalog check"
        )
    sys.stdout.write(export_yaml(chosen))
    return 0


def cmd_vote(args: argparse.Namespace) -> int:
    """vizbot vote RESOURCE_ID up|down --question ..."""
    value = VOTES[args.value]
    user = args.user or local_user()

    async def vote(bot: Vizbot) -> Resource | None:
        await bot.vote(user=user, question=args.question, resource_id=args.resource_id, value=value)
        return bot.catalog.get(args.resource_id)

    resource = with_service(args, vote)
    if args.json:
        emit_json({"resource_id": args.resource_id, "question": args.question, "user": user, "value": value})
    else:
        print(card_text(answers.vote_card(resource, args.resource_id, up=value > 0)))
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    """vizbot forget --user ID"""
    report = with_service(args, lambda bot: bot.forget(user=args.user))
    if args.json:
        emit_json(report.to_json())
    else:
        info(f"forgot {report.user}")
        print(card_text(answers.forget_card(report)))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """vizbot report [--days N]"""
    found = with_store(args, lambda store: store.report(days=args.days, server=_server(args.server), limit=EVERY_ROW))
    if args.json:
        if args.limit is not None:
            found = _shortened(found, args.limit)
        emit_json(found.to_json())
    else:
        print(card_text(answers.report_card(found, limit=args.limit or REPORT_LIMIT, every_row=True)))
    return 0


def _server(server: int | None) -> str | None:
    """A server id as the store keeps it (text), or ``None`` for every server."""
    return None if server is None else str(server)


def _shortened(r: Report, limit: int) -> Report:
    """The report with at most ``limit`` rows per section (twice as many gaps, as the store gives)."""
    return replace(
        r, topics=r.topics[:limit], gaps=r.gaps[: 2 * limit], disliked=r.disliked[:limit], pending=r.pending[:limit]
    )


# ----------------------------------------------------------------------------- text rendering


def _suggestion_text(s: Suggestion) -> str:
    who = s.user_name or s.user
    head = f"#{s.id} [{s.status}] {clean_text(s.title, 80)}\n    {s.url}\n    tags: {', '.join(s.tags)}; by {who}"
    head += f" on {s.created_at:%Y-%m-%d %H:%M} UTC"
    if s.seconds:
        head += f"; seconded by {s.seconds}"
    if s.note:
        head += f"\n    note: {clean_text(s.note, 200)}"
    if s.resource_id:
        head += f"\n    live as {s.resource_id} ({s.kind}, {s.level})"
    if s.reason:
        head += f"\n    reason: {clean_text(s.reason, 200)}"
    return head
