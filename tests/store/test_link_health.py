"""Link health in the store: strikes across days with a hand-moved clock, resets, announcements, runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_helpers import Clock, rows

from bot.links.outcome import FAILED, MOVED, OK, SUSPICIOUS, UNKNOWN, CheckResult
from bot.store import Store

URL = "https://example.org/page"
DAY = 86400.0
HOUR = 3600.0


def result(outcome: str, url: str = URL, **extra: object) -> CheckResult:
    """One check's result with a plausible reason."""
    reasons = {
        OK: "200 OK",
        FAILED: "404 Not Found",
        MOVED: "moved permanently",
        SUSPICIOUS: "redirects home",
        UNKNOWN: "rate limited",
    }
    return CheckResult(url=url, outcome=outcome, reason=reasons[outcome], **extra)  # type: ignore[arg-type]


async def test_dead_only_after_three_failures_on_different_days(store: Store, clock: Clock) -> None:
    """Day 1 and 2 failing (1 and 2 strikes), day 3 dead."""
    verdicts = []
    for _ in range(3):
        health = await store.record_link_check(result(FAILED), resource_id="page")
        verdicts.append((health.verdict, health.strikes))
        clock.now += DAY
    assert verdicts == [("failing", 1), ("failing", 2), ("dead", 3)]
    assert await store.dead_links() == {URL}


async def test_failures_on_one_day_count_once(store: Store, clock: Clock) -> None:
    """Ten failures in one day are one strike: a bad afternoon is not a dead link."""
    for _ in range(10):
        health = await store.record_link_check(result(FAILED))
        clock.now += HOUR
    assert (health.verdict, health.strikes) == ("failing", 1)


async def test_one_success_resets_the_strikes(store: Store, clock: Clock) -> None:
    """fail, fail, ok, fail, fail: never dead (the success between resets the count)."""
    seen = []
    for outcome in (FAILED, FAILED, OK, FAILED, FAILED):
        seen.append((await store.record_link_check(result(outcome))).verdict)
        clock.now += DAY
    assert seen == ["failing", "failing", "ok", "failing", "failing"]
    assert await store.dead_links() == set()


async def test_dead_link_comes_back(store: Store, clock: Clock) -> None:
    """A dead link that answers again is fine and served again."""
    for _ in range(3):
        await store.record_link_check(result(FAILED))
        clock.now += DAY
    health = await store.record_link_check(result(OK))
    assert (health.verdict, health.strikes) == ("ok", 0)
    assert health.last_ok_at is not None
    assert await store.dead_links() == set()


@pytest.mark.parametrize("neutral", [UNKNOWN, SUSPICIOUS])
async def test_rate_limits_and_suspicious_neither_strike_nor_reset(store: Store, clock: Clock, neutral: str) -> None:
    """fail, (429 or a redirect home), fail, fail on four days: dead after the third failure."""
    verdicts = []
    for outcome in (FAILED, neutral, FAILED, FAILED):
        verdicts.append((await store.record_link_check(result(outcome))).verdict)
        clock.now += DAY
    assert verdicts == ["failing", "failing" if neutral == UNKNOWN else "suspicious", "failing", "dead"]


async def test_strikes_threshold_is_configurable(store: Store, clock: Clock) -> None:
    """With strikes=1 one failure is enough."""
    health = await store.record_link_check(result(FAILED), strikes=1)
    assert health.verdict == "dead"


async def test_moved_keeps_the_suggestion(store: Store) -> None:
    """A permanent redirect records the new address."""
    health = await store.record_link_check(
        result(MOVED, suggested_url="https://example.org/new", final_url="https://example.org/new")
    )
    assert (health.verdict, health.suggested_url) == ("moved", "https://example.org/new")
    assert [h.url for h in await store.links_needing_attention()] == [URL]


async def test_unknown_first_check_is_unknown(store: Store) -> None:
    """A first check that learns nothing leaves the link unknown."""
    assert (await store.record_link_check(result(UNKNOWN))).verdict == "unknown"


async def test_moderators_are_told_once_per_change(store: Store, clock: Clock) -> None:
    """dead -> announced once; still dead -> not again; back and dead again -> announced again."""
    for _ in range(3):
        await store.record_link_check(result(FAILED))
        clock.now += DAY
    assert [(h.url, h.verdict) for h in await store.unannounced_links()] == [(URL, "dead")]
    await store.mark_link_announced(URL, "dead")
    await store.record_link_check(result(FAILED))
    assert await store.unannounced_links() == []
    clock.now += DAY
    await store.record_link_check(result(OK))
    assert await store.unannounced_links() == []  # fine again: nothing to tell
    for _ in range(3):
        clock.now += DAY
        await store.record_link_check(result(FAILED))
    assert [h.verdict for h in await store.unannounced_links()] == ["dead"]


async def test_announcement_of_an_old_verdict_is_ignored(store: Store) -> None:
    """Marking a verdict the link no longer has records nothing."""
    await store.record_link_check(result(MOVED, suggested_url="https://example.org/new"))
    await store.mark_link_announced(URL, "dead")
    assert [h.verdict for h in await store.unannounced_links()] == ["moved"]


async def test_listing_orders_by_urgency(store: Store, clock: Clock) -> None:
    """Dead first, then moved, suspicious, failing, ok."""
    await store.record_link_check(result(OK, url="https://a.org/ok"))
    await store.record_link_check(result(FAILED, url="https://a.org/failing"))
    await store.record_link_check(result(SUSPICIOUS, url="https://a.org/home"))
    await store.record_link_check(result(MOVED, url="https://a.org/moved", suggested_url="https://b.org/"))
    await store.record_link_check(result(FAILED, url="https://a.org/dead"), strikes=1)
    assert [h.verdict for h in await store.links()] == ["dead", "moved", "suspicious", "failing", "ok"]
    assert [h.verdict for h in await store.links_needing_attention()] == ["dead", "moved", "suspicious"]


async def test_report_lists_links_needing_attention(store: Store) -> None:
    """The every-server report has the links section; a server's own report does not."""
    await store.record_link_check(result(MOVED, suggested_url="https://example.org/new"), resource_id="page")
    report = await store.report()
    assert [(h.resource_id, h.verdict) for h in report.links] == [("page", "moved")]
    assert report.to_json()["links"][0]["suggested_url"] == "https://example.org/new"
    assert (await store.report(server="123")).links == ()


async def test_question_note_is_kept(store: Store, database: Path | str) -> None:
    """A question logged with a note keeps it."""
    await store.log_question("what is a kernel", top_score=3.0, answered=True, note="left out dead link: k1")
    assert await rows(database, "SELECT note FROM questions") == [("left out dead link: k1",)]


async def test_runs_resume_until_finished(store: Store, clock: Clock) -> None:
    """An unfinished run is resumed with the URLs it checked; a finished one is not."""
    run, done = await store.link_run(total=3)
    assert done == set()
    clock.now += 1
    await store.record_link_check(result(OK, url="https://a.org/1"))
    clock.now += 1
    again, done = await store.link_run(total=3)
    assert again.id == run.id and done == {"https://a.org/1"}
    await store.finish_link_run(run.id)
    fresh, done = await store.link_run(total=3)
    assert fresh.id != run.id and done == set()


async def test_stale_or_unwanted_run_is_not_resumed(store: Store, clock: Clock) -> None:
    """A run older than a day, or resume=False, starts afresh."""
    run, _ = await store.link_run(total=1)
    clock.now += 2 * DAY
    later, _ = await store.link_run(total=1)
    assert later.id != run.id
    again, _ = await store.link_run(total=1, resume=False)
    assert again.id != later.id


async def test_history_survives_reopening(database: Path | str, clock: Clock) -> None:
    """Strikes are counted from the file: two days in one process, the third in another."""
    for _ in range(2):
        async with await Store.open(database, clock=clock) as opened:
            await opened.record_link_check(result(FAILED))
        clock.now += DAY
    async with await Store.open(database, clock=clock) as opened:
        assert (await opened.record_link_check(result(FAILED))).verdict == "dead"


async def test_report_counts_answers_that_left_out_a_dead_link(store: Store, clock: Clock) -> None:
    """Notes in the window are counted in the every-server report; old ones and server reports are not."""
    await store.log_question("old question", top_score=1.0, answered=True, note="left out dead link: a")
    clock.now += 40 * DAY
    await store.log_question("sobel", top_score=1.0, answered=True, note="left out dead link: a")
    await store.log_question("blur", top_score=1.0, answered=True)
    assert (await store.report(days=30)).left_out == 1
    assert (await store.report(days=30)).to_json()["answers_without_dead_links"] == 1
    assert (await store.report(days=30, server="1")).left_out == 0
