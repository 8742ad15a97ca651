"""``vizbot chat``: the offline conversation, on the same answer layer as Discord.

Reads standard input line by line (a pipe works), prints the same cards as text.
A line is a question unless it starts with ``/``:

    /more                      next results for the last question
    /vote N up|down            rate result N of the last answer
    /tags [PAGE]               every tag with its count
    /tag NAME [--kind K] [--level L] [--page N]
    /suggest URL --title T --tags a,b [--note N]
    /review                    pending suggestions one by one: [a]pprove, [r]eject, [s]kip, [q]uit
    /report [DAYS]             the curator report
    /reload                    re-read the catalog
    /help, /quit               (end of input quits too)

The local user counts as a moderator. Before each line the console re-reads approvals and votes
from the database (as the Discord bot does), so what moderators decide elsewhere is live here too.
On a terminal, lines are read with readline (editing, history); the first Ctrl-C at the prompt
says how to leave, a second one in a row leaves. No discord import here.
"""

from __future__ import annotations

import argparse
import logging
import re
import shlex
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, ClassVar, Mapping, TextIO

from bot.core import answers
from bot.core.answers import AnswerCard, ResultItem
from bot.core.errors import InvalidInput, StoreError, VizbotError
from bot.core.limits import REPORT_DAYS_DEFAULT, REPORT_DAYS_MAX
from bot.core.model import KINDS, LEVELS

_log = logging.getLogger(__name__)

PROMPT = "vizbot> "
REVIEW_PROMPT = "[a]pprove, [r]eject, [s]kip, [q]uit? "
QUIT_HINT = "(To leave, type /quit or press Ctrl-D; or press Ctrl-C again.)"
MAX_PAGE = 10**9  # /tags PAGE
_TONE_MARK = {answers.ERROR: "! ", answers.WARNING: "! ", answers.SUCCESS: "✓ ", answers.EMPTY: "", answers.INFO: ""}


# What each card's hints say in the console (answers.HINT_*), and on the command line.
CONSOLE_HINTS = {
    answers.HINT_MORE: "/more for further results",
    answers.HINT_RATE: "rate one with /vote N up|down",
    answers.HINT_SUGGEST: "Know a good one? Share it with /suggest URL --title T --tags a,b.",
    answers.HINT_TAG: "Browse one with /tag NAME.",
    answers.HINT_TAGS: "See /tags for the list.",
}
CLI_HINTS = {
    answers.HINT_MORE: "--limit N for more results",
    answers.HINT_RATE: "",  # the text output shows no resource ids to vote on (--json does: vizbot vote ID up)
    answers.HINT_SUGGEST: "Know a good one? Share it with vizbot suggest URL --title T --tags a,b.",
    answers.HINT_TAG: "Browse one with vizbot tag NAME.",
    answers.HINT_TAGS: "See vizbot tags for the list.",
}


def render_card(card: AnswerCard, hints: Mapping[str, str] = CONSOLE_HINTS) -> str:
    """A card as plain terminal text (the same content as the Discord embed), its hints worded
    for the console (default) or the command line (``CLI_HINTS``)."""
    out: list[str] = []
    if card.question:
        out.append(f"> {card.question}")
    out.append(_TONE_MARK.get(card.tone, "") + card.title)
    if card.description:
        out.append(card.description)
    for number, item in enumerate(card.items, card.offset + 1):
        out.append("")
        out.append(f"{number}. {item.title}")
        out.append(f"   {item.url}")
        if item.description:
            out.append(f"   {item.description}")
        out.append(f"   {', '.join(item.tags)} · {item.kind} · {item.level}")
        if item.why:
            out.append(f"   why: {item.why}")
    if card.tag_rows:
        width = max(len(row.slug) for row in card.tag_rows)
        for row in card.tag_rows:
            aliases = f"  (aka {row.aliases_text()})" if row.aliases else ""
            out.append(f"  {row.slug:<{width}}  {row.count:>3}  {row.title}{aliases}")
    if card.suggested_tags:
        out.append("Related tags: " + ", ".join(card.suggested_tags))
    for line in card.lines:
        out.append(f"  {line.label}: {line.value}")
    footer = answers.footer_with_hints(card, hints)
    if footer:
        out.append(f"({footer})")
    return "\n".join(out)


_DIGITS = re.compile(r"[0-9]{1,9}")


def _number(text: str) -> int | None:
    """A plain ASCII whole number, or ``None`` (``str.isdigit`` accepts "²", which ``int`` refuses)."""
    return int(text) if _DIGITS.fullmatch(text.strip()) else None


def _whole(command: str, what: str, text: str, default: int, maximum: int = MAX_PAGE) -> int:
    """``text`` as a whole number from 1 to ``maximum`` (``default`` when empty); else ``InvalidInput``,
    worded as the command line words ``--days 0``."""
    text = text.strip()
    if not text:
        return default
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise InvalidInput(command, f"{what}: {text[:20]!r} is not a whole number; use {command} [N]")
    value = int(text)
    if not 1 <= value <= maximum:
        raise InvalidInput(command, f"{what}: must be from 1 to {maximum}")
    return value


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting (errors become InvalidInput)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise InvalidInput(self.prog, message)

    def exit(self, status: int = 0, message: str | None = None) -> None:  # type: ignore[override]
        raise InvalidInput(self.prog, message or "invalid arguments")


def _suggest_parser() -> _Parser:
    parser = _Parser(prog="/suggest", add_help=False)
    parser.add_argument("url")
    parser.add_argument("--title", required=True)
    parser.add_argument("--tags", required=True)
    parser.add_argument("--note", default="")
    return parser


def _tag_parser() -> _Parser:
    parser = _Parser(prog="/tag", add_help=False)
    parser.add_argument("name", nargs="+")
    parser.add_argument("--kind", choices=KINDS)
    parser.add_argument("--level", choices=LEVELS)
    parser.add_argument("--page", type=int, default=1)
    return parser


def enable_line_editing() -> bool:
    """Load readline, so ``input()`` edits lines and keeps this session's history; ``False`` where
    there is none (the console then reads plain lines)."""
    try:
        import readline  # noqa: F401  (importing it is what turns line editing on)
    except ImportError:
        return False
    return True


@dataclass
class Console:
    """One conversation: ``service`` is a ``bot.app.Vizbot``; input and output are text streams."""

    service: Any
    stdin: TextIO
    stdout: TextIO
    user: str = "local"
    prompt: bool = False
    line_editing: bool = False  # read with input() and readline (a terminal); else stdin.readline()
    last: AnswerCard | None = field(default=None, init=False)
    # Every result shown for the last question, by the number it was shown with (all pages).
    shown: dict[int, ResultItem] = field(default_factory=dict, init=False)
    _interrupted: bool = field(default=False, init=False)

    def say(self, text: str) -> None:
        """Write text and a blank line."""
        self.stdout.write(text.rstrip("\n") + "\n\n")
        self.stdout.flush()

    def show(self, card: AnswerCard) -> None:
        """Write one card."""
        self.say(render_card(card))

    def _read_line(self, prompt: str) -> str | None:
        if self.line_editing:
            try:
                return input(prompt)  # readline (imported by enable_line_editing) edits and keeps history
            except EOFError:
                self.stdout.write("\n")
                return None
        if self.prompt:
            self.stdout.write(prompt)
            self.stdout.flush()
        line = self.stdin.readline()
        return None if line == "" else line.rstrip("\r\n")

    def read(self, prompt: str = PROMPT, *, idle: bool = False) -> str | None:
        """The next input line, or ``None`` at end of input.

        On a terminal (``prompt``), Ctrl-C at the idle prompt (``idle``) says how to leave and asks
        again, and a second one in a row leaves; at any other prompt it cancels that prompt (``None``).
        """
        while True:
            try:
                line = self._read_line(prompt)
            except KeyboardInterrupt:
                if not self.prompt:
                    raise
                self.stdout.write("\n")
                if not idle or self._interrupted:
                    return None
                self._interrupted = True
                self.say(QUIT_HINT)
                continue
            self._interrupted = False
            return line

    async def run(self) -> int:
        """Answer lines until ``/quit`` or end of input; returns the exit status (0)."""
        if self.prompt:
            self.say(
                f"vizbot chat: ask a question, or /help. /quit or Ctrl-D to leave.\nCatalog: {self.service.catalog_dir}"
            )
        while (line := self.read(idle=True)) is not None:
            if not await self.handle(line):
                break
        return 0

    async def refresh(self) -> None:
        """Pick up what was decided elsewhere (approvals, votes), as the bot does; a failure is logged."""
        try:
            await self.service.refresh()
        except StoreError as exc:
            _log.warning("approvals and votes not re-read: %s", exc)

    async def handle(self, line: str) -> bool:
        """Handle one input line; ``False`` means quit."""
        line = line.strip()
        if not line:
            return True
        if line in ("/quit", "/exit", "/q"):
            return False
        await self.refresh()
        try:
            if line.startswith("/"):
                name, _, rest = line[1:].partition(" ")
                command = self.COMMANDS.get(name.lower())
                if command is None:
                    raise InvalidInput("command", f"unknown command /{name}; try /help")
                await command(self, rest.strip())
            else:
                await self.ask(line)
        except VizbotError as exc:
            self.show(answers.error_card(exc))
        return True

    async def ask(self, question: str) -> None:
        """A question: the same flow as a Discord mention."""
        self.last = await answers.ask_card(self.service, question, user=self.user)
        self.shown = {}
        self._remember(self.last)
        self.show(self.last)

    def _remember(self, card: AnswerCard) -> None:
        """Keep the results of a page by the numbers they were shown with."""
        self.shown.update(enumerate(card.items, card.offset + 1))

    async def more(self, rest: str) -> None:
        """The next page of the last answer; past the last page, say there is nothing more."""
        if self.last is None or not self.last.question:
            raise InvalidInput("/more", "ask a question first")
        if not self.last.has_more:
            shown = len(self.shown)
            self.say(
                f"No more results for “{self.last.question}”: all {shown} {'is' if shown == 1 else 'are'} shown "
                "above. Ask another question, or /tag NAME to browse a topic."
                if shown
                else f"No results for “{self.last.question}”. Ask another question, or /tags for every topic."
            )
            return
        card = answers.page_card(
            self.service.engine, self.last.question, offset=self.last.offset + len(self.last.items)
        )
        self.show(card)
        if card.items:  # a page that came back empty (the catalog changed) keeps the last one
            self.last = card
            self._remember(card)

    async def vote(self, rest: str) -> None:
        """``/vote N up|down`` on any result shown for the last question (every page)."""
        parts = rest.split()
        if self.last is None or not self.shown:
            raise InvalidInput("/vote", "there is no answer to vote on yet")
        if len(parts) != 2 or _number(parts[0]) is None or parts[1].lower() not in ("up", "down", "+1", "-1"):
            raise InvalidInput("/vote", "use /vote N up or /vote N down")
        item = self.shown.get(_number(parts[0]) or 0)
        if item is None:
            numbers = sorted(self.shown)
            raise InvalidInput("/vote", f"result {parts[0]} is not shown; pick one from {numbers[0]} to {numbers[-1]}")
        up = parts[1].lower() in ("up", "+1")
        await self.service.vote(
            user=self.user, question=self.last.question or "", resource_id=item.resource_id, value=1 if up else -1
        )
        self.show(answers.vote_card(self.service.catalog.get(item.resource_id), item.resource_id, up=up))

    async def tags(self, rest: str) -> None:
        """``/tags [PAGE]``."""
        page = _whole("/tags", "page", rest, 1)
        self.show(answers.tags_page_card(self.service.engine, page=page))

    async def tag(self, rest: str) -> None:
        """``/tag NAME [--kind K] [--level L] [--page N]``."""
        args = _tag_parser().parse_args(self._split(rest))
        self.show(
            answers.tag_page_card(
                self.service.engine, " ".join(args.name), kind=args.kind, level=args.level, page=args.page
            )
        )

    async def suggest(self, rest: str) -> None:
        """``/suggest URL --title T --tags a,b [--note N]``."""
        args = _suggest_parser().parse_args(self._split(rest))
        outcome = await self.service.suggest(args.url, args.title, args.tags, args.note, user=self.user)
        self.show(answers.suggest_card(outcome))

    async def review(self, rest: str) -> None:
        """Pending suggestions one by one; the local user is the moderator. Each is labelled with its place
        in the queue as it is now (``Pending suggestion 1 of 2``; after a decision the next is ``1 of 1``),
        as Discord's /review labels them."""
        offset = 0  # suggestions skipped: still pending, ahead of the one shown
        while True:
            pending = await self.service.pending(limit=1, offset=offset)
            count = await self.service.pending_count() if pending else None
            card = answers.review_card(pending[0] if pending else None, position=offset + 1, pending=count)
            self.show(card)
            if not pending:
                return
            choice = self._review_choice()
            if choice == "a":
                self.show(answers.decision_card(await self.service.approve(pending[0].id, moderator=self.user)))
            elif choice == "r":
                reason = (self.read("Reason: ") or "").strip()
                if not reason:
                    self.say("A reason is needed to reject; skipped.")
                    offset += 1
                    continue
                self.show(
                    answers.decision_card(await self.service.reject(pending[0].id, moderator=self.user, reason=reason))
                )
            elif choice == "s":
                offset += 1
            else:
                return

    def _review_choice(self) -> str:
        """``a``, ``r``, ``s`` or ``q`` (also at end of input); anything else asks again."""
        while True:
            line = self.read(REVIEW_PROMPT)
            if line is None:
                return "q"
            word = line.strip().lower()
            for choice, names in (
                ("a", ("a", "approve")),
                ("r", ("r", "reject")),
                ("s", ("s", "skip")),
                ("q", ("q", "quit", "/quit", "/q", "/exit")),
            ):
                if word in names:
                    return choice
            self.say(
                f"Please answer a (approve), r (reject), s (skip) or q (quit the review), not {line.strip()[:40]!r}."
            )

    async def report(self, rest: str) -> None:
        """``/report [DAYS]``: DAYS a whole number from 1 to ``REPORT_DAYS_MAX`` (default 30), as
        ``vizbot report --days`` and Discord's ``/report``."""
        days = _whole("/report", "days", rest, REPORT_DAYS_DEFAULT, REPORT_DAYS_MAX)
        self.show(answers.report_card(await self.service.report(days=days)))

    async def forget(self, rest: str) -> None:
        """Delete what is kept about the local user."""
        self.show(answers.forget_card(await self.service.forget(user=self.user)))

    async def reload(self, rest: str) -> None:
        """Re-read the catalog."""
        self.show(await answers.reload_catalog(self.service))

    async def help(self, rest: str) -> None:
        """The help card."""
        self.show(answers.help_card(console=True, retention_days=self.service.settings.log_retention_days))

    @staticmethod
    def _split(rest: str) -> list[str]:
        try:
            return shlex.split(rest)
        except ValueError as exc:
            raise InvalidInput("arguments", str(exc)) from None

    COMMANDS: ClassVar[dict[str, Callable[["Console", str], Awaitable[None]]]] = {
        "more": more,
        "vote": vote,
        "tags": tags,
        "tag": tag,
        "suggest": suggest,
        "review": review,
        "report": report,
        "reload": reload,
        "forget": forget,
        "help": help,
    }
