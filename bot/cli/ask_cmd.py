"""``vizbot ask | tags | tag | eval``: search the catalog from the command line.

Results go to standard output (one JSON document with ``--json``; one JSON line per
question with ``--batch``); notices and errors go to standard error.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Iterable, TextIO

from bot.app import Vizbot, build_embedder, load_settings_catalog
from bot.cli.catalog_source import catalog_in_use
from bot.cli.common import (
    add_catalog_option,
    add_db_options,
    local_user,
    settings_from_args,
    whole_number,
    with_service,
)
from bot.cli.errors import UnknownName, UsageError
from bot.cli.output import card_text, emit_json, info
from bot.core import answers
from bot.core.errors import InvalidInput, StoreError
from bot.core.evaluate import Report, check_gold, engine_answer, evaluate, load_questions
from bot.core.model import KINDS, LEVELS, Resource, Tag
from bot.core.search import MAX_LIMIT, SearchEngine, SearchResponse


_limit = whole_number(1, MAX_LIMIT)
TEXT_LIMIT = 5  # results shown by `ask` in text when --limit is not given (--json and --batch have every one)


def _curated_engine(args: argparse.Namespace) -> SearchEngine:
    """The curated catalog alone (what ``eval`` scores), searched as the settings say (hybrid by default)."""
    settings = settings_from_args(args)
    return SearchEngine(load_settings_catalog(settings), embedder=build_embedder(settings))


def _store_unavailable(exc: StoreError) -> None:
    info(f"vizbot: warning: {exc}; answering from the curated catalog only (nothing logged)")


def _live_engine(args: argparse.Namespace) -> tuple[SearchEngine, str]:
    """The live catalog, as Discord sees it: curated entries plus approved suggestions; and the
    catalog directory read."""
    settings = settings_from_args(args)

    async def engine(service: Vizbot) -> SearchEngine:
        return service.engine

    return with_service(args, engine, settings=settings, on_store_error=_store_unavailable), str(
        catalog_in_use(settings)
    )


def _count(n: int, noun: str) -> str:
    """``1 resource``, ``3 resources``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


# -- ask ----------------------------------------------------------------------------------


def print_response(
    response: SearchResponse, out: TextIO, *, question: str | None = None, limit: int = TEXT_LIMIT
) -> None:
    """The human-readable answer: the answer card, as the console shows it, with the first ``limit``
    results of ``response`` (which holds every result) and, when there are more, how to see them."""
    card = answers.answer_card(response, question=question, page_size=limit)
    total = len(response.results)
    if card.items:  # `ask` has no page 2: the footer says how many there are and how to see more
        footer = ""
        if card.has_more:
            more = (
                f"--limit {total} shows them all"
                if total <= MAX_LIMIT
                else f"--limit {MAX_LIMIT} shows {MAX_LIMIT}, --json every one"
            )
            footer = f"{len(card.items)} of {total} shown; {more}"
        card = replace(card, footer=footer, hints=())
    out.write(card_text(card) + "\n")


async def every_result(
    service: Vizbot, question: str, *, tag: str | None = None, kind: str | None = None, level: str | None = None
) -> SearchResponse:
    """The answer to ``question`` with every result the engine gives (``--json`` is never truncated),
    fetched ``MAX_LIMIT`` at a time; the service logs the first page alone."""
    user = local_user()
    first = await service.ask(question, user=user, limit=MAX_LIMIT, tag=tag, kind=kind, level=level)
    results = list(first.results)
    page = first
    while len(page.results) == MAX_LIMIT:
        page = await service.ask(
            question, user=user, limit=MAX_LIMIT, offset=len(results), tag=tag, kind=kind, level=level, log=False
        )
        results += page.results
    return replace(first, results=tuple(results))


def _questions(source: str) -> Iterable[str]:
    if source == "-":
        for line in sys.stdin:
            yield line.rstrip("\r\n")
        return
    try:
        with open(source, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                yield line.rstrip("\r\n")
    except OSError as exc:
        raise InvalidInput("--batch", f"cannot read {source}: {exc.strerror or exc}") from None


def run_ask(args: argparse.Namespace) -> int:
    """Answer one question, or every line of a batch file."""
    if args.question is None and args.batch is None:
        raise UsageError("question", "give a QUESTION, or --batch FILE (- for standard input)")
    if args.question is not None and args.batch is not None:
        raise UsageError("question", "give one QUESTION, or --batch FILE (- for standard input), not both")
    settings = settings_from_args(args)
    catalog = str(catalog_in_use(settings))
    if args.batch is not None:  # scripts and evaluations: their questions stay out of the curator report
        settings = settings.with_overrides(log_questions=False)
    filters: dict[str, str | None] = {"tag": args.tag, "kind": args.kind, "level": args.level}

    def as_json(response: SearchResponse) -> dict[str, object]:
        """Every result, or the first --limit when it was given."""
        results = response.results if args.limit is None else response.results[: args.limit]
        return {**replace(response, results=results).to_json(), "catalog": catalog}

    async def answer(service: Vizbot) -> SearchResponse | None:
        if args.batch is None:  # every result: text shows the first --limit and says how many there are
            return await every_result(service, args.question, **filters)
        for question in _questions(args.batch):
            emit_json(as_json(await every_result(service, question, **filters)))
            sys.stdout.flush()
        return None

    response = with_service(args, answer, settings=settings, semantic=True, on_store_error=_store_unavailable)
    if response is None:
        return 0
    if args.json:
        emit_json(as_json(response))
        if response.notice:
            info(response.notice)
        return 0
    if response.results and response.notice:
        info(response.notice)
    print_response(response, sys.stdout, question=args.question, limit=args.limit or TEXT_LIMIT)
    info(f"{_count(len(response.results), 'result')} (catalog {catalog})")
    return 0


# -- tags and tag ----------------------------------------------------------------------------


def tag_json(tag: Tag, count: int) -> dict[str, object]:
    """One tag as JSON."""
    return {
        "slug": tag.slug,
        "title": tag.title,
        "description": tag.description,
        "count": count,
        "aliases": list(tag.aliases),
    }


def resource_json(r: Resource) -> dict[str, object]:
    """One resource in a tag listing."""
    return {"id": r.id, "title": r.title, "url": r.url, "kind": r.kind, "level": r.level, "tags": list(r.tags)}


def run_tags(args: argparse.Namespace) -> int:
    """List every tag with its title, number of resources and aliases."""
    engine, catalog = _live_engine(args)
    counts = engine.tag_counts()
    tags = sorted(engine.catalog.tags.values(), key=lambda t: t.slug)
    if args.json:
        emit_json({"catalog": catalog, "tags": [tag_json(t, counts[t.slug]) for t in tags]})
        return 0
    card = answers.tags_card(engine.catalog, counts, per_page=max(len(tags), 1))
    print(card_text(replace(card, footer="")))  # every tag on one page: no "Page 1 of 1"
    info(f"{len(tags)} tags, {len(engine.catalog.resources)} resources (catalog {catalog})")
    return 0


def run_tag(args: argparse.Namespace) -> int:
    """List one tag's resources; an alias or a typo resolves, an unknown name gets suggestions."""
    engine, catalog = _live_engine(args)
    found = engine.resolve_tag(args.name)
    if found.tag is None:
        names = [t.slug for t in found.suggestions]
        hint = f"; closest: {', '.join(names)}" if names else "; see vizbot tags"
        raise UnknownName(f"no tag {args.name[:60]!r}{hint}", names, field="name")
    tag = found.tag
    resources = engine.resources_for_tag(tag.slug, kind=args.kind, level=args.level)
    if args.json:
        emit_json(
            {
                "catalog": catalog,
                "tag": tag_json(tag, engine.tag_counts()[tag.slug]),
                "how": found.how,
                "suggestions": [],
                "resources": [resource_json(r) for r in resources],
            }
        )
        return 0
    if found.how != "exact":
        info(f"{args.name!r} is read as tag {tag.slug} ({found.how})")
    card = answers.tag_card(found, resources, kind=args.kind, level=args.level, per_page=max(len(resources), 1))
    count = _count(len(resources), "resource")
    print(card_text(replace(card, footer=count)))  # all of them, on one page
    info(f"{count} with tag {tag.slug} (catalog {catalog})")
    return 0


# -- eval -------------------------------------------------------------------------------------


def _cell(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.3f}"


def print_report(report: Report, out: TextIO, *, failures: bool = True) -> None:
    """Scores, the scores per kind of question, then every failing question with what came back."""
    rows = [
        ("questions", f"{len(report.outcomes)} ({report.answerable} answerable, {report.unanswerable} unanswerable)"),
        ("hit@1", f"{report.hit_at_1:.3f}"),
        ("hit@3", f"{report.hit_at_3:.3f}"),
        ("MRR@10", f"{report.mrr_at_10:.3f}"),
        ("nDCG@10", f"{report.ndcg_at_10:.3f}"),
        ("unanswerable refused", f"{report.refused_correctly:.3f}"),
        ("answerable refused", f"{report.wrongly_refused:.3f}"),
    ]
    for name, value in rows:
        out.write(f"{name:<22}{value}\n")
    lost = round(report.wrongly_refused * report.answerable)
    refused = round(report.refused_correctly * report.unanswerable)
    out.write(
        f"refusal trade-off     {refused} of {report.unanswerable} unanswerable refused, "
        f"{lost} of {report.answerable} answerable lost\n"
    )
    out.write("\nby kind of question   n    hit@1  hit@3  MRR@10 refused lost (- : no such question)\n")
    for kind, part in report.by_type().items():
        ranked = [part.hit_at_1, part.hit_at_3, part.mrr_at_10] if part.answerable else [None] * 3
        cells = [_cell(v) for v in ranked + [part.refused_correctly if part.unanswerable else None]]
        cells.append(_cell(part.wrongly_refused if part.answerable else None))
        out.write(f"  {kind[:19]:<19} {len(part.outcomes):>3}  " + "  ".join(cells) + "\n")
    failed = report.failures
    out.write(f"\n{len(failed)} failing question{'s' * (len(failed) != 1)}\n")
    if not failures:
        out.write("(not listed: --summary)\n")
        return
    for o in failed:
        got = ", ".join(o.returned[:5]) or "(nothing)"
        want = ", ".join(o.question.gold[:5]) or "(nothing)"
        rank = f"first good answer at {o.rank}" if o.rank else "no good answer in the top 10"
        out.write(f"- [{o.question.type}] {o.question.q!r}\n    got: {got}\n    want: {want}\n")
        if o.question.answerable:
            out.write(f"    {rank}\n")


def run_eval(args: argparse.Namespace) -> int:
    """Score the engine on a labelled-questions file."""
    questions = load_questions(Path(args.queries))
    engine = _curated_engine(args)
    catalog = str(catalog_in_use(settings_from_args(args)))
    check_gold(questions, engine.catalog)
    report = evaluate(questions, engine_answer(engine))
    if args.json:
        emit_json({**report.to_json(), "catalog": catalog})
    else:
        sys.stdout.write(f"{'catalog':<22}{catalog}\n")
        print_report(report, sys.stdout, failures=not args.summary)
    return 0


# -- registration -------------------------------------------------------------------------------


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``ask``, ``tags``, ``tag`` and ``eval``."""
    ask = sub.add_parser(
        "ask",
        help="find learning visualizations for a question",
        description="Print the best matches for a question: title, URL, tags and why each matched. "
        "Nothing is printed when nothing fits, only the closest tags.",
    )
    ask.add_argument("question", nargs="?", metavar="QUESTION", help="the question, in your own words")
    ask.add_argument(
        "--batch", metavar="FILE", help="answer every line of FILE (- for standard input), one JSON line each"
    )
    ask.add_argument(
        "--limit",
        type=_limit,
        metavar="N",
        help=f"at most N results (1-{MAX_LIMIT}; default {TEXT_LIMIT} in text, every result with --json or --batch)",
    )
    ask.add_argument("--tag", metavar="TAG", help="only resources with this tag (aliases and typos resolve)")
    ask.add_argument("--kind", choices=KINDS, help="only resources of this kind")
    ask.add_argument("--level", choices=LEVELS, help="only resources of this level")
    ask.add_argument(
        "--json", action="store_true", help='print {"query", "results", "suggested_tags", "gaps", "catalog"} as JSON'
    )
    add_catalog_option(ask)
    add_db_options(ask, logging_switch=True)
    ask.set_defaults(handler=run_ask)

    tags = sub.add_parser(
        "tags", help="list every tag", description="Every tag with its title, number of resources and aliases."
    )
    tags.add_argument("--json", action="store_true", help="print the tags as JSON")
    add_catalog_option(tags)
    add_db_options(tags)
    tags.set_defaults(handler=run_tags)

    tag = sub.add_parser(
        "tag",
        help="list the resources of one tag",
        description="The resources of a tag. An alias or a small typo resolves to the tag; "
        "an unknown name lists the closest tags and exits 1.",
    )
    tag.add_argument("name", metavar="NAME", help="tag slug, title or alias")
    tag.add_argument("--kind", choices=KINDS, help="only resources of this kind")
    tag.add_argument("--level", choices=LEVELS, help="only resources of this level")
    tag.add_argument("--json", action="store_true", help="print the tag and its resources as JSON")
    add_catalog_option(tag)
    add_db_options(tag)
    tag.set_defaults(handler=run_tag)

    ev = sub.add_parser(
        "eval",
        help="score search quality on labelled questions",
        description="Print hit@1, hit@3, MRR@10, nDCG@10, the share of unanswerable questions refused, "
        "the share of answerable ones wrongly refused, the same per kind of question, and every failing "
        "question. Scores the shipped setting (hybrid unless VIZBOT_SEMANTIC=off).",
    )
    ev.add_argument("queries", metavar="QUERIES.yaml", help="labelled questions (see tests/data/queries.yaml)")
    ev.add_argument("--json", action="store_true", help="print the scores, per kind, and failures as JSON")
    ev.add_argument(
        "--summary",
        action="store_true",
        help="do not list the failing questions (for a blind set, read only to report)",
    )
    add_catalog_option(ev)
    ev.set_defaults(handler=run_eval)
