"""``vizbot links check|fix``: check every catalog and approved link, and print fixes for moved ones.

``check`` records each result in the database as it arrives: interrupted (Ctrl-C), it keeps
what it recorded and the next ``check`` resumes where it stopped. Progress goes to standard error
(a bar on a terminal); the table or the ``--json`` document to standard output (interrupted, the
document still comes, marked ``"complete": false``, with what was checked and recorded). A run in
which no link got any HTTP response (at least 3 links failing on DNS, connect, TLS or a timeout) is
taken as this machine being offline: nothing is recorded, one line says so, and ``--json`` says
``"offline": true``. Exit status: 0 every link is fine, 1 some link needs attention (dead, moved or
suspicious) or an error, 2 a usage error, 3 offline (no link answered), 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import yaml

from bot.app import Vizbot
from bot.cli.common import add_catalog_option, add_db_options, settings_from_args, whole_number, with_service
from bot.cli.output import emit_json, error, info
from bot.core.catalog import resolve_catalog_dir
from bot.core.errors import VizbotError
from bot.links import NEEDS_ATTENTION, STRIKES, VERDICTS, Checked, check_links
from bot.links.run import APPROVED, LinkTarget, RunSummary
from bot.store.records import LinkHealth, iso

_log = logging.getLogger(__name__)

OFFLINE = 3  # not 2: that is a usage error
INTERRUPTED = 130


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError("must be more than 0 and at most 600 seconds")
    return value


def _delay(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= value <= 60:
        raise argparse.ArgumentTypeError("must be from 0 to 60 seconds")
    return value


def _progress(total: int) -> tuple[Callable[[Checked], None], Callable[[], None]]:
    """(advance, close): a tqdm bar on standard error when it is a terminal, else nothing."""
    if total <= 0 or not sys.stderr.isatty():
        return (lambda checked: None), (lambda: None)
    from tqdm import tqdm

    bar = tqdm(total=total, desc="checking links", unit="link", file=sys.stderr, leave=False)

    def advance(checked: Checked) -> None:
        bar.update(1)
        if checked.health is not None and checked.health.verdict in NEEDS_ATTENTION:
            bar.set_postfix_str(f"{checked.target.resource_id}: {checked.health.verdict}", refresh=False)

    return advance, bar.close


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def link_table(rows: Iterable[tuple[LinkTarget, LinkHealth]], *, everything: bool = False) -> str:
    """The links that need looking at (every link with ``everything``), one line each."""
    urgency = {v: i for i, v in enumerate(("dead", "moved", "suspicious", "failing", "unknown", "ok"))}
    lines = [f"{'verdict':<11} {'strikes':>7}  {'resource':<28} {'reason':<44} url"]
    for target, health in sorted(rows, key=lambda row: urgency.get(row[1].verdict, 9)):
        if not everything and health.verdict in ("ok", "unknown"):
            continue
        reason = health.reason + (
            f" -> {health.suggested_url}" if health.verdict == "moved" and health.suggested_url else ""
        )
        lines.append(
            f"{health.verdict:<11} {health.strikes:>7}  {_cut(target.resource_id, 28):<28} {_cut(reason, 44):<44} {target.url}"
        )
    return "\n".join(lines) + "\n" if len(lines) > 1 else ""


_UNCHECKED = {
    key: None
    for key in (
        "verdict",
        "strikes",
        "checked_at",
        "since",
        "last_ok_at",
        "status",
        "reason",
        "final_url",
        "suggested_url",
    )
}


def _link_json(target: LinkTarget, health: LinkHealth | None) -> dict[str, object]:
    """One link in ``links check --json``: the resource, where it comes from, and its stored verdict
    (every key present; ``null`` for a link never checked)."""
    state = (
        health.to_json() if health is not None else {"url": target.url, "resource_id": target.resource_id, **_UNCHECKED}
    )
    return {**state, "resource_id": target.resource_id, "source": target.source}


def _counts(healths: Iterable[LinkHealth | None]) -> dict[str, int]:
    counted = Counter(h.verdict if h is not None else "unchecked" for h in healths)
    return {verdict: counted.get(verdict, 0) for verdict in (*VERDICTS, "unchecked")}


def _check_json(
    args: argparse.Namespace,
    targets: list[LinkTarget],
    checked: list[Checked],
    health: dict[str, LinkHealth],
    *,
    run: int | None,
    complete: bool,
    resumed: int | None,
    seconds: float,
    interrupted: bool = False,
    offline: bool = False,
) -> dict[str, object]:
    """The ``links check --json`` document, the same keys whether the run finished, was interrupted or
    found this machine offline."""
    return {
        "run": run,
        "complete": complete,
        "interrupted": interrupted,
        "offline": offline,
        "total": len(targets),
        "checked_now": len(checked),
        "resumed": resumed,
        "strikes_to_dead": args.strikes,
        "seconds": round(seconds, 3),
        "counts": _counts(health.get(t.url) for t in targets),
        "checks": [c.to_json() for c in checked],
        "links": [_link_json(t, health.get(t.url)) for t in targets],
    }


@dataclass
class _SoFar:
    """What a check knows so far: read after an interruption (Ctrl-C) to report what was checked and recorded."""

    targets: list[LinkTarget] = field(default_factory=list)
    health: dict[str, LinkHealth] | None = None  # every recorded verdict, read from the store once stopped
    run: RunSummary | None = None  # the run, once opened (its id, what it resumed, the checks made so far)
    started: float = field(default_factory=time.monotonic)

    @property
    def checked(self) -> list[Checked]:
        """The checks made so far (recorded or not)."""
        return self.run.checked if self.run is not None else []


def cmd_check(args: argparse.Namespace) -> int:
    """vizbot links check"""
    so_far = _SoFar()

    async def check(service: Vizbot):
        from bot.links.checker import LinkChecker  # aiohttp: imported only by the command that uses it

        store = service.need_store()
        targets = service.link_targets()
        so_far.targets, so_far.started = targets, time.monotonic()
        advance, close = _progress(len(targets))

        try:
            try:
                async with LinkChecker(per_host=args.per_host, delay=args.delay, timeout=args.timeout) as checker:
                    summary = await check_links(
                        targets,
                        checker,
                        store,
                        concurrency=args.concurrency,
                        strikes=args.strikes,
                        resume=not args.fresh,
                        on_checked=advance,
                        on_run=lambda opened: setattr(so_far, "run", opened),
                    )
            finally:
                close()
            health = {h.url: h for h in await store.links()}
        except asyncio.CancelledError:  # Ctrl-C: read what is recorded (earlier runs' verdicts too), then stop
            try:
                so_far.health = {h.url: h for h in await store.links()}
            except VizbotError as exc:
                _log.warning("could not read the recorded link verdicts after the interruption: %s", exc)
            raise
        return targets, summary, health

    try:
        targets, summary, health = with_service(args, check)
    except KeyboardInterrupt:
        if args.json:  # the document still comes, complete: false, with what was checked and recorded
            recorded = (
                so_far.health
                if so_far.health is not None
                else {c.target.url: c.health for c in so_far.checked if c.health is not None}
            )
            emit_json(
                _check_json(
                    args,
                    so_far.targets,
                    so_far.checked,
                    recorded,
                    run=so_far.run.run_id if so_far.run is not None else None,
                    complete=False,
                    resumed=so_far.run.resumed if so_far.run is not None else None,
                    seconds=time.monotonic() - so_far.started,
                    interrupted=True,
                )
            )
        recorded_now = sum(1 for c in so_far.checked if c.recorded)
        error(
            f"interrupted: {recorded_now} of {len(so_far.targets)} links checked and recorded; "
            "run 'vizbot links check' again to check the rest"
        )
        return INTERRUPTED
    elapsed = time.monotonic() - so_far.started
    rows = [(t, health[t.url]) for t in targets if t.url in health]
    counts = _counts(health.get(t.url) for t in targets)
    attention = sum(counts[v] for v in NEEDS_ATTENTION)
    if args.json:
        emit_json(
            _check_json(
                args,
                targets,
                summary.checked,
                health,
                run=summary.run_id,
                complete=summary.complete,
                resumed=summary.resumed,
                seconds=elapsed,
                offline=summary.offline,
            )
        )
    if summary.offline:  # nothing recorded: the stored verdicts are as they were, and nothing was judged
        error(
            f"no link answered: {len(summary.checked) - summary.recorded} links checked got no response "
            f"(first: {summary.offline_reason}); is this machine offline? Their failures were not recorded; "
            "run 'vizbot links check' again once it is online"
        )
        return OFFLINE
    if not args.json:
        if summary.resumed:
            info(f"resumed an interrupted run: {summary.resumed} links were already checked")
        sys.stdout.write(link_table(rows, everything=args.all))
        summary_line = ", ".join(f"{n} {v}" for v, n in counts.items() if n)
        print(f"{summary.total} links: {summary_line or 'none'} ({len(summary.checked)} checked in {elapsed:.1f} s)")
        if counts["moved"]:
            info("'vizbot links fix' prints the catalog edits for moved links")
    return 1 if attention else 0


def _find_in_files(directory: Path, url: str) -> tuple[str, int] | None:
    """The catalog file and line holding ``url`` (as a ``url:`` value), or ``None``."""
    for path in sorted((directory / "resources").glob("*.yaml")):
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            key, _, value = line.strip().removeprefix("- ").partition(":")
            if key.strip() == "url" and value.strip().strip("'\"") == url:
                return str(path), number
    return None


def cmd_fix(args: argparse.Namespace) -> int:
    """vizbot links fix"""
    settings = settings_from_args(args)

    async def moved_links(service: Vizbot):
        moved = {h.url: h for h in await service.need_store().links(verdicts=("moved",))}
        return [(t, moved[t.url]) for t in service.link_targets() if t.url in moved and moved[t.url].suggested_url]

    fixes = with_service(args, moved_links, settings=settings)
    directory = resolve_catalog_dir(settings.catalog_dir)
    edits = []
    for target, health in fixes:
        where = _find_in_files(directory, target.url) if target.source != APPROVED else None
        edits.append(
            {
                "resource_id": target.resource_id,
                "source": target.source,
                "file": where[0] if where else None,
                "line": where[1] if where else None,
                "old_url": target.url,
                "new_url": health.suggested_url,
                "reason": health.reason,
                "checked_at": iso(health.checked_at),
            }
        )
    if args.json:
        emit_json(edits)
        return 0
    if not edits:
        info("no moved links (run 'vizbot links check' first to find them)")
        return 0
    out = ["# vizbot links fix: moved links and their new addresses (checked by vizbot links check)"]
    for edit in edits:
        place = (
            f"{edit['file']}:{edit['line']}"
            if edit["file"]
            else "an approved suggestion (in the database)"
            if edit["source"] == APPROVED
            else "not found in the catalog files"
        )
        out.append(f"\n# {edit['resource_id']} in {place}\n# was: {edit['old_url']}")
        out.append(
            yaml.safe_dump(
                [{"id": edit["resource_id"], "url": edit["new_url"]}], sort_keys=False, allow_unicode=True, width=1000
            ).rstrip()
        )
    sys.stdout.write("\n".join(out) + "\n")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``links check`` and ``links fix``."""
    parser = sub.add_parser("links", help="check the catalog's links and fix moved ones")
    actions = parser.add_subparsers(dest="links_command", metavar="ACTION")
    actions.required = True

    check = actions.add_parser(
        "check",
        help="check every catalog and approved link over HTTP",
        description="Check every link (HEAD, else GET; redirects followed; polite per host) and record the "
        "results. A link is dead after failures on --strikes different days with no success between. "
        "Exits 0 when every link is fine, 1 when some need attention, 3 when no link answered at all "
        "(at least 3 checked: this machine looks offline, and nothing is recorded), 130 when interrupted "
        "(run it again to resume).",
    )
    add_catalog_option(check)
    add_db_options(check)
    check.add_argument("--json", action="store_true", help="print every link's outcome as one JSON document")
    check.add_argument(
        "--concurrency", type=whole_number(1, 64), default=8, metavar="N", help="links checked at once (default 8)"
    )
    check.add_argument("--timeout", type=_seconds, default=10.0, metavar="S", help="seconds per request (default 10)")
    check.add_argument(
        "--per-host", type=whole_number(1, 4), default=2, metavar="N", help="requests at once to one host (default 2)"
    )
    check.add_argument(
        "--delay", type=_delay, default=0.5, metavar="S", help="seconds between requests to one host (default 0.5)"
    )
    check.add_argument(
        "--strikes",
        type=whole_number(1, 30),
        default=STRIKES,
        metavar="N",
        help=f"failure days before a link is dead (default {STRIKES})",
    )
    check.add_argument("--fresh", action="store_true", help="start a new run instead of resuming an interrupted one")
    check.add_argument("--all", action="store_true", help="list every link in the table, the fine ones too")
    check.set_defaults(handler=cmd_check)

    fix = actions.add_parser(
        "fix",
        help="print catalog-ready YAML edits for moved links",
        description="For every link the last checks found moved permanently, print the entry's id and new url "
        "as YAML, with the file and line of the old one (nothing is changed).",
    )
    add_catalog_option(fix)
    add_db_options(fix)
    fix.add_argument("--json", action="store_true", help="print the edits as a JSON list")
    fix.set_defaults(handler=cmd_fix)
