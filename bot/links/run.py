"""A check run: which links to check, in what order, and recording each result as it completes.

Links are interleaved by host so that a pool of workers never queues on one site while others
wait; each result is recorded in the store the moment it is known, under a *run*: an interrupted
run is resumed by the next (only the links it had not checked yet are checked). A failure that got
no HTTP response waits until some link answers (:mod:`bot.links.reach`): a run in which nothing
answered is *offline*, records none of them and stays open, so the next run checks them again.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable

from bot.core.model import Catalog
from bot.links.hosts import host_key
from bot.links.outcome import CheckResult
from bot.links.reach import OFFLINE_MIN, HoldBack
from bot.links.verdict import STRIKES

if TYPE_CHECKING:
    from bot.links.checker import LinkChecker
    from bot.store import Store
    from bot.store.records import LinkHealth

_log = logging.getLogger(__name__)

CATALOG, APPROVED = "catalog", "approved"


@dataclass(frozen=True, slots=True)
class LinkTarget:
    """One link to check: its URL and the resource that shows it."""

    url: str
    resource_id: str
    title: str = ""
    source: str = CATALOG  # catalog (a curated entry) or approved (an approved suggestion)


@dataclass(frozen=True, slots=True)
class Checked:
    """One link checked in a run: what the check found and the link's verdict after it (``health`` is
    ``None`` while the check is not recorded: a failure with no response, held back or never recorded
    because the run was offline)."""

    target: LinkTarget
    result: CheckResult
    health: "LinkHealth | None"

    @property
    def recorded(self) -> bool:
        """Whether this check is in the store (and counted in the link's verdict)."""
        return self.health is not None

    def to_json(self) -> dict[str, object]:
        """A stable JSON shape: the resource, the check, whether it was recorded and the verdict after it."""
        return {
            "resource_id": self.target.resource_id,
            "source": self.target.source,
            "check": self.result.to_json(),
            "recorded": self.recorded,
            "verdict": self.health.verdict if self.health is not None else None,
            "strikes": self.health.strikes if self.health is not None else None,
            "suggested_url": self.health.suggested_url if self.health is not None else None,
        }


@dataclass
class RunSummary:
    """What a run did: the links checked now, and how many an earlier interrupted run had done."""

    run_id: int
    total: int
    resumed: int = 0  # checked by the interrupted run this one resumed
    checked: list[Checked] = field(default_factory=list)
    complete: bool = False
    offline: bool = False  # nothing answered: no check was recorded, the run stays open for the next
    offline_reason: str | None = None  # when offline: the reason of the first check that got no response
    peaks: dict[str, int] = field(default_factory=dict)  # host -> most requests in flight at once

    @property
    def recorded(self) -> int:
        """Checks of this run recorded in the store."""
        return sum(1 for checked in self.checked if checked.recorded)


def link_targets(catalog: Catalog, approved_ids: Iterable[str] = ()) -> list[LinkTarget]:
    """Every link of the live catalog (curated entries and approved suggestions), once per URL."""
    approved = set(approved_ids)
    seen: set[str] = set()
    targets = []
    for resource in catalog.resources:
        if resource.url in seen:
            continue
        seen.add(resource.url)
        source = APPROVED if resource.id in approved else CATALOG
        targets.append(LinkTarget(resource.url, resource.id, resource.title, source))
    return targets


def polite_order(targets: Iterable[LinkTarget]) -> list[LinkTarget]:
    """Round-robin over hosts (the first link of every host, then the second ...), so workers spread."""
    by_host: OrderedDict[str, list[LinkTarget]] = OrderedDict()
    for target in targets:
        by_host.setdefault(host_key(target.url), []).append(target)
    ordered: list[LinkTarget] = []
    queues = [list(reversed(q)) for q in by_host.values()]
    while queues:
        for queue in queues:
            ordered.append(queue.pop())
        queues = [q for q in queues if q]
    return ordered


async def check_links(
    targets: list[LinkTarget],
    checker: "LinkChecker",
    store: "Store",
    *,
    concurrency: int = 8,
    strikes: int = STRIKES,
    resume: bool = True,
    on_checked: Callable[[Checked], None] | None = None,
    on_run: Callable[[RunSummary], None] | None = None,
    offline_min: int = OFFLINE_MIN,
) -> RunSummary:
    """Check ``targets`` with ``concurrency`` workers, recording each result at once.

    Resumes the latest unfinished run (skipping links it already checked) unless ``resume`` is
    false. Cancelled (Ctrl-C), the run stays unfinished and what was recorded stays recorded.
    ``on_run`` is given the summary as soon as the run is opened (before any check); it fills in as
    the run goes, so a caller interrupted mid-run still knows the run's id and what it resumed.
    ``on_checked`` is called once per check, when it is made (``health`` ``None`` if held back).

    A failure with no HTTP response (DNS, connect, TLS, timeout) is held back until some link of
    this run answers, then recorded (held ones first). When nothing answered and at least
    ``offline_min`` links got no response, the run is *offline*: none is recorded (verdicts stay as
    they were), the run is left open so the next one checks them again, and ``summary.offline`` is
    set. Fewer no-response failures than that, with nothing answering, are recorded as usual.
    """
    run, done = await store.link_run(total=len(targets), resume=resume)
    todo = [t for t in targets if t.url not in done]
    summary = RunSummary(run.id, len(targets), resumed=len(targets) - len(todo))
    if on_run is not None:
        on_run(summary)
    if summary.resumed:
        _log.info("resuming run %d: %d of %d links already checked", run.id, summary.resumed, len(targets))
    queue: asyncio.Queue[LinkTarget] = asyncio.Queue()
    for target in polite_order(todo):
        queue.put_nowait(target)

    hold: HoldBack[int] = HoldBack(minimum=offline_min)  # items: indexes into summary.checked

    async def record(released: list[tuple[int, CheckResult]]) -> None:
        for index, result in released:
            target = summary.checked[index].target
            health = await store.record_link_check(result, resource_id=target.resource_id, strikes=strikes)
            summary.checked[index] = Checked(target, result, health)

    async def worker() -> None:
        while True:
            try:
                target = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            result = await checker.check(target.url)
            index = len(summary.checked)
            summary.checked.append(Checked(target, result, None))
            await record(hold.arrive(index, result))
            if on_checked is not None:
                on_checked(summary.checked[index])

    workers = [
        asyncio.create_task(worker(), name=f"vizbot-links-{i}") for i in range(max(1, min(concurrency, len(todo))))
    ]
    try:
        await asyncio.gather(*workers)
    except BaseException:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        raise
    finally:
        summary.peaks = checker.gate.peaks()
    await record(hold.settle())
    if hold.offline:
        summary.offline, summary.offline_reason = True, hold.held[0][1].reason
        _log.info("run %d: no link answered (%d without a response); nothing recorded", run.id, len(hold.held))
        return summary
    await store.finish_link_run(run.id)
    summary.complete = True
    return summary
