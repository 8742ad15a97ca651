"""The answer layer: front-end neutral "cards" built by pure functions.

Every front-end asks the same service (``Vizbot``) and renders the same cards:
``bot.console`` prints them as text, ``bot.discord_app.embeds`` turns them into
embeds. Cards hold plain, unescaped text; each renderer escapes for its medium.
Nothing here imports discord.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping, Protocol, Sequence

from bot.core.catalog import load_catalog
from bot.core.errors import CatalogError, NotFound, PermissionDenied, RateLimited, StoreError, VizbotError
from bot.core.model import Catalog, Resource, Tag
from bot.core.records import (
    ALREADY_SUGGESTED,
    APPROVED,
    CREATED,
    DIRECT_MESSAGES,
    IN_CATALOG,
    SECONDED,
    ForgetReport,
    Gap,
    LinkHealth,
    Report,
    Suggestion,
    SuggestionOutcome,
)
from bot.core.limits import LOG_RETENTION_DAYS, QUESTION_MAX
from bot.core.sanitize import clean_question, clean_text
from bot.core.suggestion_schema import parse_tags

if TYPE_CHECKING:  # only for annotations: answers stay importable without the search engine
    from bot.core.search import SearchResponse, TagLookup

_log = logging.getLogger(__name__)

PAGE_SIZE = 3  # results per answer page (mention, /ask, console)
TAGS_PER_PAGE = 12  # rows per /tags page
TAG_RESOURCES_PER_PAGE = 5  # resources per /tag page
DESCRIPTION_MAX = 180  # characters of a one-line description
ALIASES_SHOWN = 4  # aliases named per row of a tag listing (the JSON outputs have them all)

# Card tones: renderers pick a colour or prefix from them.
INFO, EMPTY, SUCCESS, WARNING, ERROR = "info", "empty", "success", "warning", "error"
# Next steps a card suggests; each front-end words them with its own commands (👍 in Discord,
# /vote in the console, vizbot vote on the command line).
HINT_MORE, HINT_RATE, HINT_SUGGEST, HINT_TAG, HINT_TAGS = "more", "rate", "suggest", "tag", "tags"
HINTS = (HINT_MORE, HINT_RATE, HINT_SUGGEST, HINT_TAG, HINT_TAGS)


@dataclass(frozen=True, slots=True)
class ResultItem:
    """One recommended resource, as every front-end shows it."""

    resource_id: str
    title: str
    url: str
    description: str
    tags: tuple[str, ...]
    kind: str
    level: str
    why: str = ""


@dataclass(frozen=True, slots=True)
class TagRow:
    """One tag in a tag listing."""

    slug: str
    title: str
    count: int
    aliases: tuple[str, ...] = ()

    def aliases_text(self, shown: int = ALIASES_SHOWN) -> str:
        """The first ``shown`` aliases, saying how many more there are (``a, b, c, d and 3 more``)."""
        text = ", ".join(self.aliases[:shown])
        more = len(self.aliases) - shown
        return f"{text} and {more} more" if more > 0 else text


@dataclass(frozen=True, slots=True)
class Line:
    """A labelled value (a suggestion's fields, a report's figures)."""

    label: str
    value: str


@dataclass(frozen=True, slots=True)
class AnswerCard:
    """What a front-end shows for one answer; plain text, escaped by the renderer.

    ``page`` is 1-based; ``pages`` is ``None`` when the total is unknown
    (question answers only know whether a next page exists: ``has_more``).
    """

    title: str
    description: str = ""
    items: tuple[ResultItem, ...] = ()
    tag_rows: tuple[TagRow, ...] = ()
    lines: tuple[Line, ...] = ()
    footer: str = ""
    suggested_tags: tuple[str, ...] = ()
    page: int = 1
    pages: int | None = None
    has_more: bool = False
    offset: int = 0
    question: str | None = None
    tone: str = INFO
    suggestion_id: int | None = None
    tag: str | None = None  # the tag a /tag card lists (after alias and typo resolution)
    hints: tuple[str, ...] = ()  # what to do next (HINT_*), worded by each front-end in its own commands


class AskService(Protocol):
    """The part of ``bot.app.Vizbot`` the shared answer flow needs."""

    async def ask(
        self, question: str, *, user: str, guild: str | None = None, limit: int = 5, offset: int = 0, log: bool = True
    ) -> "SearchResponse": ...


def one_line(text: str, limit: int = DESCRIPTION_MAX) -> str:
    """The first sentence-ish line of a description, shortened."""
    first = (text or "").strip().split("\n", 1)[0]
    return clean_text(first, limit)


def result_item(resource: Resource, why: str = "") -> ResultItem:
    """A card item for one resource."""
    return ResultItem(
        resource_id=resource.id,
        title=clean_text(resource.title, 200),
        url=resource.url,
        description=one_line(resource.description),
        tags=tuple(resource.tags),
        kind=resource.kind,
        level=resource.level,
        why=clean_text(why, 200),
    )


async def ask_card(
    service: AskService,
    question: str,
    *,
    user: str,
    guild: str | None = None,
    offset: int = 0,
    page_size: int = PAGE_SIZE,
    log: bool = True,
) -> AnswerCard:
    """The one answer flow every front-end uses: ask the service, build the card.

    ``log=False``: not written to the questions log (a server that turned its logging off)."""
    question = clean_question(question)
    response = await service.ask(question, user=user, guild=guild, limit=page_size + 1, offset=offset, log=log)
    return answer_card(response, question=question, offset=offset, page_size=page_size)


def answer_card(
    response: "SearchResponse", *, question: str | None = None, offset: int = 0, page_size: int = PAGE_SIZE
) -> AnswerCard:
    """The card for a question; ``response`` may hold one extra result to tell if more exist."""
    question = clean_question(response.query if question is None else question)
    results = tuple(response.results)
    if not results:
        return empty_answer_card(question, tuple(response.suggested_tags), response.notice, offset=offset)
    shown = results[:page_size]
    page = offset // page_size + 1 if page_size else 1
    more = len(results) > page_size
    footer = f"Page {page}"
    return AnswerCard(
        title="Visualizations for your question" if offset == 0 else f"More visualizations (page {page})",
        items=tuple(result_item(r.resource, r.why) for r in shown),
        footer=footer,
        hints=(HINT_MORE, HINT_RATE) if more else (HINT_RATE,),
        suggested_tags=tuple(response.suggested_tags),
        page=page,
        has_more=more,
        offset=offset,
        question=question,
    )


def empty_answer_card(
    question: str, suggested_tags: Sequence[str] = (), notice: str | None = None, *, offset: int = 0
) -> AnswerCard:
    """Nothing fits: say so plainly, offer related tags, invite a suggestion."""
    if offset:
        text = "There are no further results for this question."
    else:
        text = clean_text(notice, 300) if notice else "I found nothing in the catalog that fits this question."
    return AnswerCard(
        title="No matching visualization" if not offset else "No more results",
        description=text,
        hints=(HINT_SUGGEST,),
        suggested_tags=tuple(suggested_tags),
        page=offset // PAGE_SIZE + 1,
        offset=offset,
        question=question,
        tone=EMPTY,
    )


def _pages(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def _clamp_page(page: int, pages: int) -> int:
    return min(max(page, 1), pages)


def tags_card(catalog: Catalog, counts: dict[str, int], *, page: int = 1, per_page: int = TAGS_PER_PAGE) -> AnswerCard:
    """Every tag with its number of resources, one page of them."""
    tags = sorted(catalog.tags.values(), key=lambda t: t.slug)
    pages = _pages(len(tags), per_page)
    page = _clamp_page(page, pages)
    chunk = tags[(page - 1) * per_page : page * per_page]
    return AnswerCard(
        title=f"Tags ({len(tags)})",
        hints=(HINT_TAG,),
        tag_rows=tuple(
            TagRow(t.slug, clean_text(t.title, 100), counts.get(t.slug, 0), tuple(t.aliases)) for t in chunk
        ),
        footer=f"Page {page} of {pages}",
        page=page,
        pages=pages,
    )


def tag_card(
    lookup: "TagLookup",
    resources: Sequence[Resource],
    *,
    kind: str | None = None,
    level: str | None = None,
    page: int = 1,
    per_page: int = TAG_RESOURCES_PER_PAGE,
) -> AnswerCard:
    """A tag's resources (one page), or what the name might have meant."""
    tag = lookup.tag
    if tag is None:
        return unknown_tag_card(lookup)
    pages = _pages(len(resources), per_page)
    page = _clamp_page(page, pages)
    chunk = resources[(page - 1) * per_page : page * per_page]
    filters = " · ".join(v for v in (kind, level) if v)
    description = clean_text(tag.description, 300)
    if lookup.how in ("alias", "typo"):
        description = f"(showing {tag.slug}) {description}".strip()
    if not resources:
        description += " No resource matches" + (f" the filters {filters}." if filters else " this tag yet.")
    return AnswerCard(
        title=f"{clean_text(tag.title, 100)} ({tag.slug})" + (f" · {filters}" if filters else ""),
        description=description.strip(),
        items=tuple(result_item(r) for r in chunk),
        footer=f"{len(resources)} resource{'' if len(resources) == 1 else 's'} · page {page} of {pages}",
        page=page,
        pages=pages,
        tone=INFO if resources else EMPTY,
        tag=tag.slug,
    )


def unknown_tag_card(lookup: "TagLookup") -> AnswerCard:
    """The name is not a tag: suggest the closest ones."""
    suggestions = tuple(t.slug for t in lookup.suggestions)
    return AnswerCard(
        title="Unknown tag",
        description="That is not a tag I know." + (" Did you mean one of these?" if suggestions else ""),
        hints=() if suggestions else (HINT_TAGS,),
        suggested_tags=suggestions,
        tone=EMPTY,
    )


def _suggestion_lines(s: Suggestion, viewer_server: str | None = None) -> tuple[Line, ...]:
    """A suggestion's fields. Seen from a server (``viewer_server``), the submitter's name shows only
    for suggestions made in that server: a home's moderators do not see other servers' members."""
    if viewer_server is None or s.guild == viewer_server:
        who = clean_text(s.user_name or s.user, 100)
    else:
        who = f"a member of server {s.guild}" if s.guild else "someone, in a direct message or on the command line"
    lines = [
        Line("URL", s.url),
        Line("Tags", ", ".join(s.tags) or "-"),
        Line("Suggested by", who),
        Line("From", f"server {s.guild}" if s.guild else "a direct message or the command line"),
    ]
    if s.note:
        lines.append(Line("Note", clean_text(s.note, 1000)))
    if s.seconds:
        lines.append(Line("Seconded by", f"{s.seconds} other user(s)"))
    if s.reason:
        lines.append(Line("Reason", clean_text(s.reason, 1000)))
    return tuple(lines)


# What each ``SuggestionOutcome.status`` (``bot.core.records``) is called, and its tone.
OUTCOME_TITLES: dict[str, tuple[str, str]] = {
    CREATED: ("Suggestion recorded", SUCCESS),
    SECONDED: ("Already suggested: counted your vote", SUCCESS),
    ALREADY_SUGGESTED: ("Already suggested", WARNING),
    IN_CATALOG: ("Already in the catalog", WARNING),
}


def suggest_card(outcome: SuggestionOutcome) -> AnswerCard:
    """What a submission did, exactly as the store reported it."""
    title, tone = OUTCOME_TITLES.get(outcome.status, ("Suggestion", INFO))
    lines: tuple[Line, ...] = ()
    if outcome.suggestion is not None:
        s = outcome.suggestion
        lines = (
            (Line("Title", clean_text(s.title, 200)),)
            + _suggestion_lines(s)[:2]
            + (Line("Status", f"{s.status} (#{s.id})"),)
        )
    if outcome.existing_id:
        lines += (Line("Catalog entry", outcome.existing_id),)
    return AnswerCard(
        title=title,
        description=clean_text(outcome.message, 500),
        lines=lines,
        footer="Moderators review suggestions; you will hear back when they decide."
        if outcome.status == CREATED
        else "",
        tone=tone,
        suggestion_id=outcome.suggestion.id if outcome.suggestion is not None else None,
    )


def review_card(
    suggestion: Suggestion | None, *, position: int = 1, pending: int | None = None, viewer_server: str | None = None
) -> AnswerCard:
    """One pending suggestion for a moderator to decide on (or none left)."""
    if suggestion is None:
        text = "No further pending suggestions." if position > 1 else "No pending suggestions. All done!"
        return AnswerCard(title="Review", description=text, tone=SUCCESS)
    count = f" of {pending}" if pending is not None else ""
    return AnswerCard(
        title=f"Suggestion #{suggestion.id}: {clean_text(suggestion.title, 200)}",
        description="Approve to add it to the live catalog, or reject it with a reason.",
        lines=_suggestion_lines(suggestion, viewer_server),
        footer=f"Pending suggestion {position}{count}",
        suggestion_id=suggestion.id,
    )


def decision_card(suggestion: Suggestion, *, viewer_server: str | None = None) -> AnswerCard:
    """What a moderator decided (shown to the moderator)."""
    approved = suggestion.status == APPROVED
    kind_level = ", ".join(v for v in (suggestion.kind, suggestion.level) if v)
    text = (
        f"Approved and live in the catalog as {suggestion.resource_id}" + (f" ({kind_level})." if kind_level else ".")
        if approved and suggestion.resource_id
        else "Approved."
        if approved
        else "Rejected."
    )
    return AnswerCard(
        title=f"Suggestion #{suggestion.id} {suggestion.status}",
        description=f"{clean_text(suggestion.title, 200)}: {text}",
        lines=_suggestion_lines(suggestion, viewer_server),
        tone=SUCCESS if approved else WARNING,
        suggestion_id=suggestion.id,
    )


def submitter_notice_card(suggestion: Suggestion) -> AnswerCard:
    """The message a submitter gets when a moderator decides on their suggestion."""
    if suggestion.status == APPROVED:
        text = "Thank you! It is now part of the catalog and will show up in answers."
        tone = SUCCESS
    else:
        text = "A moderator decided not to add it." + (
            f" Reason: {clean_text(suggestion.reason, 500)}" if suggestion.reason else ""
        )
        tone = WARNING
    return AnswerCard(
        title=f"Your suggestion was {suggestion.status}",
        description=f"{clean_text(suggestion.title, 200)} ({suggestion.url}). {text}",
        tone=tone,
        suggestion_id=suggestion.id,
    )


def where_asked(server: str | None) -> str:
    """A report's name for where questions came from (``DIRECT_MESSAGES``: Discord DMs; ``None``: the command line)."""
    return "command line" if server is None else "direct messages" if server == DIRECT_MESSAGES else f"server {server}"


def link_problem(link: LinkHealth) -> str:
    """What is wrong with a link, in a few words: ``dead: 404 Not Found``, ``moved to URL``."""
    if link.verdict == "moved" and link.suggested_url:
        return f"moved to {link.suggested_url}"
    if link.verdict == "dead":
        return f"dead: {clean_text(link.reason, 120)} ({link.strikes} days)"
    return f"{link.verdict}: {clean_text(link.reason, 120)}"


def link_alert_card(link: LinkHealth) -> AnswerCard:
    """What moderators are told, once, when a link turns dead or moved."""
    moved = link.verdict == "moved"
    title = "A catalog link moved" if moved else "A catalog link is dead"
    text = (
        f"{link.resource_id or 'A resource'} now lives at a new address; update the catalog entry "
        "(vizbot links fix prints the edit)."
        if moved
        else f"{link.resource_id or 'A resource'} failed on {link.strikes} different days with no success between; "
        "it is left out of answers until it works again."
    )
    lines = [Line("URL", link.url)]
    if moved and link.suggested_url:
        lines.append(Line("New URL", link.suggested_url))
    lines.append(Line("Last check", clean_text(link.reason, 300)))
    return AnswerCard(
        title=title,
        description=text,
        lines=tuple(lines),
        tone=WARNING if moved else ERROR,
        footer="Links are checked daily (VIZBOT_LINK_CHECK=daily); /report lists every link needing attention.",
    )


def _joined(entries: Sequence[str], total: int, sep: str = ", ", *, exact: bool = True) -> str:
    """``entries`` joined, saying when they are only the first of ``total`` (``exact=False``: of at
    least ``total``, the rows a store query was limited to); ``-`` for none."""
    if not entries:
        return "-"
    if total <= len(entries):
        return sep.join(entries)
    return sep.join(entries) + (f" ({len(entries)} of {total} shown)" if exact else f" (first {len(entries)} shown)")


def _gap(gap: Gap) -> str:
    how = (
        ", nothing found"
        if not gap.answered
        else (f", best score {gap.best_score:.2f}" if gap.best_score is not None else "")
    )
    return f"{clean_text(gap.question, 80)} ({gap.count}x{how})"


def report_card(report: Report, *, limit: int = 8, every_row: bool = False) -> AnswerCard:
    """The curator report: what is asked, what is missing, what is disliked, what waits; at most
    ``limit`` entries a line, saying when there are more (how many more with ``every_row``: the
    report holds every row, not the first few the store was asked for)."""
    every_server = report.server is None

    def _listed(entries: Sequence[str], total: int, sep: str = ", ") -> str:
        return _joined(entries, total, sep, exact=every_row)

    lines = [Line("Questions", f"{report.questions} in the last {report.days} days, {report.unanswered} unanswered")]
    if report.servers:
        lines.append(
            Line(
                "By server",
                _listed(
                    [
                        f"{where_asked(s.server)}: {s.questions}"
                        + (f" ({s.unanswered} unanswered)" if s.unanswered else "")
                        for s in report.servers[:limit]
                    ],
                    len(report.servers),
                ),
            )
        )
    lines.append(
        Line("Most asked topics", _listed([f"{t.tag} ({t.count})" for t in report.topics[:limit]], len(report.topics)))
    )
    lines.append(Line("Gaps to fill", _listed([_gap(g) for g in report.gaps[:limit]], len(report.gaps), "; ")))
    if every_server:  # votes and suggestions belong to the home's report
        lines.append(
            Line(
                "Most disliked",
                _listed(
                    [f"{d.resource_id} (👎 {d.down}, 👍 {d.up})" for d in report.disliked[:limit]], len(report.disliked)
                ),
            )
        )
        pending = [f"#{s.id} {clean_text(s.title, 60)} {s.url}" for s in report.pending[:limit]]
        lines.append(
            Line(
                "Pending suggestions",
                str(report.pending_count) + (": " + _joined(pending, report.pending_count, "; ") if pending else ""),
            )
        )
        lines.append(
            Line(
                "Links needing attention",
                _listed(
                    [f"{link.resource_id or link.url} ({link_problem(link)})" for link in report.links[:limit]],
                    len(report.links),
                    "; ",
                ),
            )
        )
        if report.left_out:
            lines.append(Line("Answers without dead links", f"{report.left_out} left out a dead link"))
    title = "Curator report" if every_server else "This server's report"
    return AnswerCard(title=title, lines=tuple(lines), footer=f"Generated {report.generated_at:%Y-%m-%d %H:%M} UTC")


def reload_card(catalog: Catalog) -> AnswerCard:
    """The catalog was re-read."""
    return AnswerCard(
        title="Catalog reloaded",
        description=f"{len(catalog.resources)} resources and {len(catalog.tags)} tags are live.",
        tone=SUCCESS,
    )


def reload_failed_card(error: CatalogError, *, limit: int = 10) -> AnswerCard:
    """The catalog is broken: the old one stays live; list the problems."""
    errors = [p for p in error.problems if p.severity == "error"] or list(error.problems)
    lines = tuple(Line(f"{i}.", clean_text(str(p), 300)) for i, p in enumerate(errors[:limit], 1))
    more = f" ({len(errors) - limit} more not shown)" if len(errors) > limit else ""
    return AnswerCard(
        title="Catalog not reloaded",
        description=f"The catalog has {len(errors)} problem(s); the previous catalog stays live.{more}",
        lines=lines,
        tone=ERROR,
    )


def privacy_line(retention_days: int) -> Line:
    """What is kept about a user, for how long, and how to delete it."""
    return Line(
        "Privacy",
        f"questions are logged without your name and kept {retention_days} days; votes keep who voted "
        f"(their question text is cleared after {retention_days} days); suggestions keep who suggested them. "
        "/forget deletes your votes and pending suggestions and removes your name from the rest.",
    )


def help_card(*, console: bool = False, retention_days: int = LOG_RETENTION_DAYS) -> AnswerCard:
    """What vizbot does and how to use it, for Discord or the console (with a privacy section)."""
    lines: tuple[Line, ...]
    if console:
        lines = (
            Line("Ask", "type a question, e.g. how do convolutions work?"),
            Line("/more", "the next results for the last question"),
            Line("/vote N up|down", "rate result N of the last answer"),
            Line("/tags [PAGE]", "every tag with its number of resources"),
            Line("/tag NAME [--kind K] [--level L] [--page N]", "the resources of one tag"),
            Line("/suggest URL --title T --tags a,b [--note N]", "suggest a resource for the catalog"),
            Line("/review", "decide on pending suggestions (you are the moderator here)"),
            Line("/report [DAYS]", "the curator report"),
            Line("/reload", "re-read the catalog"),
            Line("/forget", "delete what is kept about you"),
            Line("/help, /quit", "this help; leave"),
            privacy_line(retention_days),
        )
    else:
        lines = (
            Line("Ask", "mention me with a question, DM me, or use /ask"),
            Line("Find visualizations", "right-click a message > Apps to answer it"),
            Line("/tags, /tag", "browse the catalog by topic"),
            Line("/suggest", "suggest a resource; moderators review it and you get a DM"),
            Line("Buttons", "More for further results, 👍 / 👎 to rate a result"),
            Line("Moderators", "/review, /report, /reload, in the bot's home server"),
            Line(
                "Server admins",
                "/settings: where I answer mentions, question logging, the cooldown; /report: what this server asked",
            ),
            Line("/help", "this message"),
            privacy_line(retention_days),
        )
    return AnswerCard(
        title="vizbot help",
        description="I recommend learning visualizations for computer vision and deep learning "
        "from a curated catalog, and say why each one matched.",
        lines=lines,
    )


def forget_card(report: ForgetReport) -> AnswerCard:
    """What /forget removed."""
    return AnswerCard(
        title="Forgotten",
        description="Everything vizbot kept about you is gone (questions are never logged with your name).",
        lines=(
            Line("Votes deleted", str(report.votes)),
            Line("Pending suggestions deleted", str(report.pending_suggestions)),
            Line("Seconds deleted", str(report.seconds)),
            Line("Decided suggestions, your name removed", str(report.attributions)),
            Line("Audit entries, your name removed", str(report.audit_entries)),
        ),
        tone=SUCCESS,
    )


def server_settings_card(
    server_name: str,
    *,
    answer_channels: Sequence[str],
    log_questions: bool,
    operator_logs: bool,
    retention_days: int,
    cooldown_seconds: int,
    cooldown_is_default: bool,
    changed: Sequence[str] = (),
) -> AnswerCard:
    """One server's /settings: where mentions are answered, whether questions are logged, the cooldown.

    ``answer_channels`` are display names (empty: every channel); ``operator_logs`` is the bot's own
    logging setting, which a server can turn off for itself but not on."""
    where = ", ".join(answer_channels) + " (and their threads)" if answer_channels else "every channel"
    if not operator_logs:
        logging_text = "no (the bot's operator turned logging off)"
    elif log_questions:
        logging_text = f"yes, without names, kept {retention_days} days"
    else:
        logging_text = "no (turned off for this server)"
    default = " (the bot's default)" if cooldown_is_default else ""
    cooldown = "none" if cooldown_seconds <= 0 else f"{cooldown_seconds} s per person"
    description = (
        "Changed: " + ", ".join(changed) + "."
        if changed
        else "Change them with /settings and one or more options: answer_in, stop_answering_in, "
        "answer_everywhere, log_questions, cooldown."
    )
    return AnswerCard(
        title=f"Settings for {server_name}",
        description=description,
        lines=(
            Line("Answers mentions in", where),
            Line("Logs questions", logging_text),
            Line("Question cooldown", cooldown + default),
        ),
        footer="Only this server's admins (Manage Server) can change these. /ask works in every channel (privately outside these).",
        tone=SUCCESS if changed else INFO,
    )


def role_mention_card() -> AnswerCard:
    """The answer to a mention of the bot's role whose text the bot cannot read."""
    return AnswerCard(
        title="I can't read that message",
        description="You mentioned my role, so Discord did not show me your text. Mention me "
        "directly (pick the member, not the role) or use /ask.",
        tone=WARNING,
    )


def error_card(error: BaseException) -> AnswerCard:
    """A short, safe card for a domain error (anything else gets a generic sentence)."""
    if isinstance(error, RateLimited):
        return cooldown_card(error.retry_after, str(error))
    if isinstance(error, PermissionDenied):
        title = "Not allowed"
    elif isinstance(error, NotFound):
        title = "Not found"
    elif isinstance(error, VizbotError):
        title = "Sorry"
    else:
        return AnswerCard(
            title="Something went wrong",
            description="That did not work because of an internal error; it has been logged.",
            tone=ERROR,
        )
    return AnswerCard(title=title, description=clean_text(str(error), 1000), tone=ERROR)


def cooldown_card(retry_after: float, message: str | None = None) -> AnswerCard:
    """Slow down: says when to retry."""
    seconds = max(1, int(-(-retry_after // 1)))
    text = clean_text(message or "You are asking faster than I answer.", 300)
    if "try again" not in text.lower():  # the message may say when already ("try again in 56 minutes")
        text = f"{text} Try again in {seconds} s."
    return AnswerCard(title="Slow down", description=text, tone=WARNING)


def tag_titles(tags: Iterable[Tag]) -> list[str]:
    """``title (slug)`` labels for tag choices."""
    return [f"{clean_text(t.title, 80)} ({t.slug})" for t in tags]


_QUESTION_WORDS = frozenset(
    "how what why where which who when can could does do did is are any anyone anybody "
    "is there explain recommend recommendations suggest visualize visualise show looking".split()
)


def looks_like_question(text: str) -> bool:
    """Whether a message in a listening channel reads like a question worth answering."""
    text = clean_text(text)
    if len(text) < 8 or len(text) > QUESTION_MAX:
        return False
    if text.rstrip().endswith("?"):
        return True
    first = re.split(r"[\s,]+", text.lower(), maxsplit=1)[0].strip("'\"")
    return first in _QUESTION_WORDS and len(text.split()) >= 3


class EngineLike(Protocol):
    """The part of ``bot.core.search.SearchEngine`` the card helpers use."""

    catalog: Catalog

    def search(self, query: str, *, limit: int = 5, offset: int = 0) -> "SearchResponse": ...
    def resolve_tag(self, name: str) -> "TagLookup": ...
    def complete_tags(self, text: str, limit: int = 25) -> list[Tag]: ...
    def resources_for_tag(self, slug: str, *, kind: str | None = None, level: str | None = None) -> list[Resource]: ...
    def tag_counts(self) -> dict[str, int]: ...


def page_card(engine: EngineLike, question: str, *, offset: int, page_size: int = PAGE_SIZE) -> AnswerCard:
    """A further page of an answer (not logged again: it is the same question)."""
    question = clean_question(question)
    response = engine.search(question, limit=page_size + 1, offset=offset)
    return answer_card(response, question=question, offset=offset, page_size=page_size)


def tags_page_card(engine: EngineLike, *, page: int = 1) -> AnswerCard:
    """One page of every tag with its count."""
    return tags_card(engine.catalog, engine.tag_counts(), page=page)


def tag_page_card(
    engine: EngineLike, name: str, *, kind: str | None = None, level: str | None = None, page: int = 1
) -> AnswerCard:
    """One page of a tag's resources; the name is (re-)validated: aliases and typos resolve."""
    lookup = engine.resolve_tag(name)
    if lookup.tag is None:
        return unknown_tag_card(lookup)
    resources = engine.resources_for_tag(lookup.tag.slug, kind=kind, level=level)
    return tag_card(lookup, resources, kind=kind, level=level, page=page)


def tag_choices(engine: EngineLike, current: str, limit: int = 25) -> list[tuple[str, str]]:
    """Autocomplete for one tag: ``(label, slug)`` pairs, at most ``limit``."""
    tags = engine.complete_tags(current, limit)[:limit]
    return [(label[:100], tag.slug) for label, tag in zip(tag_titles(tags), tags)]


def tag_list_choices(engine: EngineLike, current: str, limit: int = 25) -> list[tuple[str, str]]:
    """Autocomplete for a comma-separated tag list: completes the last item, keeps the others."""
    head, _, last = current.rpartition(",")
    kept = parse_tags(head)
    choices: list[tuple[str, str]] = []
    for tag in engine.complete_tags(last.strip(), limit):
        if tag.slug in kept:
            continue
        value = ", ".join([*kept, tag.slug])
        if len(value) <= 100:
            choices.append((value, value))
    return choices[:limit]


def vote_card(resource: Resource | None, resource_id: str, *, up: bool) -> AnswerCard:
    """Thanks for a vote."""
    name = clean_text(resource.title, 200) if resource is not None else resource_id
    return AnswerCard(
        title="Thanks for the feedback",
        description=f"Recorded {'👍' if up else '👎'} for {name}. Voting again replaces your vote.",
        tone=SUCCESS,
    )


class Reloadable(Protocol):
    """The part of ``bot.app.Vizbot`` a reload needs."""

    @property
    def catalog_dir(self) -> Path: ...

    @property
    def catalog(self) -> Catalog: ...

    def use_catalog(self, curated: Catalog) -> Catalog: ...

    async def refresh(self) -> None: ...

    async def announce_reload(self) -> None: ...


async def reload_catalog(service: Reloadable, *, announce: bool = True) -> AnswerCard:
    """Re-read the catalog in a worker thread and swap it in on the event loop (so it never races
    an approval), then pick up approvals and votes from the store; a broken catalog keeps the old one.

    ``announce``: tell the other processes sharing the database to reload too (not when following
    another process's reload)."""
    try:
        curated = await asyncio.to_thread(load_catalog, service.catalog_dir)
    except CatalogError as exc:
        return reload_failed_card(exc)
    service.use_catalog(curated)
    try:
        await service.refresh()
    except StoreError as exc:
        _log.warning("catalog reloaded, but approvals and votes were not re-read: %s", exc)
    if announce:
        try:
            await service.announce_reload()
        except StoreError as exc:
            _log.warning("catalog reloaded here, but other processes sharing the database were not told: %s", exc)
    return reload_card(service.catalog)  # after the refresh: approvals made elsewhere count too


def footer_with_hints(card: AnswerCard, wording: Mapping[str, str]) -> str:
    """The card's footer followed by its hints in a front-end's wording (``wording``: HINT_* -> text;
    an empty text leaves that hint out)."""
    return " · ".join(part for part in (card.footer, *(wording[h] for h in card.hints)) if part)
