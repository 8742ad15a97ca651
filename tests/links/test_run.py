"""check_links against a local site and names that do not resolve: what an offline run records (nothing)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import AsyncIterator

import pytest
from sites import Site

from bot.links import FAILED, OK, Checked, CheckResult, LinkTarget, check_links
from bot.links.checker import LinkChecker
from bot.store import Store

NOWHERE = [f"http://nowhere-{i}.test/page" for i in range(4)]  # LocalResolver does not know them: DNS fails


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """A store on a new SQLite file."""
    async with await Store.open(tmp_path / "v.db") as opened:
        yield opened


def targets(*urls: str) -> list[LinkTarget]:
    """One target per URL, named r0, r1 ..."""
    return [LinkTarget(url, f"r{i}") for i, url in enumerate(urls)]


async def test_nothing_answers_nothing_is_recorded(checker: LinkChecker, store: Store) -> None:
    """Every link fails before a response: offline, no check recorded, earlier verdicts kept, the run left open."""
    await store.record_link_check(CheckResult(NOWHERE[0], OK, "200 OK", status=200), resource_id="r0")
    before = await store.link_health(NOWHERE[0])
    summary = await check_links(targets(*NOWHERE[:3]), checker, store, concurrency=2)
    assert (summary.offline, summary.complete, summary.recorded) == (True, False, 0)
    assert summary.offline_reason == "the host name does not resolve"
    assert [c.result.outcome for c in summary.checked] == [FAILED] * 3
    assert all(c.health is None and c.to_json()["recorded"] is False for c in summary.checked)
    assert await store.link_health(NOWHERE[0]) == before  # still ok, same check time
    assert [h.url for h in await store.links()] == [NOWHERE[0]]
    again = await check_links(targets(*NOWHERE[:3]), checker, store)  # the open run is resumed: all checked again
    assert (again.run_id, again.resumed, len(again.checked), again.offline) == (summary.run_id, 0, 3, True)


async def test_one_answer_among_the_unreachable_records_every_failure(
    site: Site, checker: LinkChecker, store: Store
) -> None:
    """One host answers, last: the network works, so the failures held back until then are strikes."""
    summary = await check_links(targets(*NOWHERE[:3], site.url("/ok")), checker, store, concurrency=1)
    assert (summary.offline, summary.complete, summary.recorded) == (False, True, 4)
    verdicts = {h.url: (h.verdict, h.strikes) for h in await store.links()}
    assert verdicts == {**{url: ("failing", 1) for url in NOWHERE[:3]}, site.url("/ok"): ("ok", 0)}
    assert [c.to_json()["verdict"] for c in summary.checked] == ["failing", "failing", "failing", "ok"]


async def test_a_404_is_an_answer(site: Site, checker: LinkChecker, store: Store) -> None:
    """Any HTTP status proves the network works, a 404 too: everything is recorded."""
    summary = await check_links(targets(site.url("/missing"), *NOWHERE[:3]), checker, store, concurrency=1)
    assert (summary.offline, summary.recorded) == (False, 4)
    assert {h.verdict for h in await store.links()} == {"failing"}


@pytest.mark.parametrize("count", [1, 2])
async def test_fewer_than_three_unanswered_are_recorded(checker: LinkChecker, store: Store, count: int) -> None:
    """One or two links, none answering: too few to call the machine offline, so recorded as usual."""
    summary = await check_links(targets(*NOWHERE[:count]), checker, store)
    assert (summary.offline, summary.complete, summary.recorded) == (False, True, count)
    assert {(h.verdict, h.strikes) for h in await store.links()} == {("failing", 1)}


async def test_interrupted_while_holding_back_records_nothing_and_resumes(
    site: Site, checker: LinkChecker, store: Store
) -> None:
    """Ctrl-C while failures wait for an answer: they are not recorded; the resumed run checks them again."""
    made: list[Checked] = []
    run = asyncio.create_task(
        check_links(targets(*NOWHERE[:3], site.url("/hang")), checker, store, concurrency=4, on_checked=made.append)
    )
    for _ in range(300):
        await asyncio.sleep(0.01)
        if len(made) == 3:
            break
    assert len(made) == 3 and not run.done()  # the DNS failures are in (held back); /hang is still waiting
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert await store.links() == []
    summary = await check_links(targets(*NOWHERE[:3], site.url("/ok")), checker, store, concurrency=1)
    assert (summary.resumed, len(summary.checked), summary.recorded, summary.complete) == (0, 4, 4, True)
