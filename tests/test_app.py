"""The composition root: questions logged, suggestions live at once and after a restart, votes as a prior."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot.app import Vizbot, load_settings_catalog, merge_approved, open_vizbot
from bot.config import Settings
from bot.core.catalog import load_catalog
from bot.core.errors import InvalidInput, NotFound, StoreError
from bot.core.model import Resource

NEW_URL = "https://example.org/pooling-explained"


TAGS = """
cnn:
  title: Convolutional neural networks
  description: Networks of learned filters.
  aliases: [convnet, conv net]
kernels:
  title: Image kernels
  description: Small matrices that blur or sharpen.
  aliases: [filter]
optimizers:
  title: Optimizers
  description: How training steps are taken.
  aliases: [optimiser]
"""

RESOURCES = [
    (
        "image-kernels",
        "Image Kernels Explained Visually",
        "https://setosa.io/ev/image-kernels/",
        "kernels",
        "Pick a blur or sharpen kernel and watch pixels change.",
    ),
    (
        "sobel-demo",
        "Sobel edge detection demo",
        "https://example.com/sobel",
        "kernels",
        "Find edges in a photo with the Sobel operator.",
    ),
    (
        "cs231n",
        "CS231n convolutional networks notes",
        "https://cs231n.github.io/convolutional-networks/",
        "cnn",
        "Course notes on stride, padding and receptive fields.",
    ),
    (
        "feature-vis",
        "Feature visualization",
        "https://distill.pub/2017/feature-visualization/",
        "cnn",
        "What neurons in a trained classifier respond to.",
    ),
    (
        "momentum",
        "Why momentum really works",
        "https://distill.pub/2017/momentum/",
        "optimizers",
        "Interactive look at momentum in gradient descent.",
    ),
    (
        "adam-race",
        "Optimizer race, Adam versus SGD",
        "https://example.com/race",
        "optimizers",
        "Watch Adam and SGD roll down a loss surface.",
    ),
]


@pytest.fixture
def catalog_dir(tmp_path: Path) -> Path:
    """A small catalog with distinct words per resource, written for these tests."""
    root = tmp_path / "catalog"
    (root / "resources").mkdir(parents=True)
    (root / "tags.yaml").write_text(TAGS, encoding="utf-8")
    entries = "".join(
        f"- id: {rid}\n  title: {title}\n  url: {url}\n  description: {desc}\n  tags: [{tag}]\n"
        "  kind: article\n  level: beginner\n"
        for rid, title, url, tag, desc in RESOURCES
    )
    (root / "resources" / "all.yaml").write_text(entries, encoding="utf-8")
    return root


@pytest.fixture
def settings(catalog_dir: Path, tmp_path: Path) -> Settings:
    """Settings on the small test catalog and a temporary database."""
    return Settings(catalog_dir=catalog_dir, db_path=tmp_path / "db" / "vizbot.db")


async def _suggest_and_approve(bot: Vizbot) -> str:
    out = await bot.suggest(NEW_URL, "Max pooling explained", "convnet", "Watch max pooling shrink a map.", user="ann")
    approved = await bot.approve(out.suggestion.id, moderator="mod", kind="interactive")
    return approved.resource_id


async def test_ask_logs_the_question(settings: Settings) -> None:
    """An answered question is logged with its top score and the answer's tags; a miss as unanswered."""
    async with open_vizbot(settings) as bot:
        hit = await bot.ask("Why does momentum work?", user="ann", guild="42")
        await bot.ask("weather in paris", user="ann")
        report = await bot.report(days=1)
    assert hit.results
    assert (report.questions, report.unanswered) == (2, 1)
    assert [t.tag for t in report.topics] == ["optimizers"]
    assert "weather in paris" in [g.question for g in report.gaps]


@pytest.mark.parametrize(("log_questions", "offset", "expected"), [(True, 0, 1), (False, 0, 0), (True, 3, 0)])
async def test_ask_logging_switches(settings: Settings, log_questions: bool, offset: int, expected: int) -> None:
    """Nothing is logged with logging off, nor for later pages of the same question."""
    async with open_vizbot(settings.with_overrides(log_questions=log_questions)) as bot:
        await bot.ask("sobel edge detection", user="ann", offset=offset)
        assert (await bot.report(days=1)).questions == expected


async def test_ask_answers_even_when_logging_fails(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    """A database that cannot be written does not stop the answer; the questions wait in memory and are
    written, in order and with their own times, after the next question that can be written."""
    async with open_vizbot(settings) as bot:
        assert bot.store is not None
        await bot.store._conn.execute("PRAGMA query_only = ON")
        with caplog.at_level(logging.WARNING, logger="bot.app"):
            response = await bot.ask("sobel edge detection", user="ann")
            await bot.ask("gradient descent", user="ann")
            await bot.flush()
        kept = len(bot._unlogged)
        await bot.store._conn.execute("PRAGMA query_only = OFF")
        await bot.ask("what is a convolution", user="bob")  # the first success writes the two kept ones too
        await bot.flush()
        report = await bot.report(days=1)
        logged = await bot.store._read(
            lambda c: c.execute("SELECT text FROM questions ORDER BY at, id")  # type: ignore[arg-type, return-value]
        )
        texts = [row[0] for row in await logged.fetchall()]
    assert response.results and kept == 2
    assert report.questions == 3
    assert texts == ["sobel edge detection", "gradient descent", "what is a convolution"]
    assert [r.getMessage() for r in caplog.records if r.name == "bot.app"] == [
        f"question not logged yet ({n} waiting to be written): could not save to {settings.db_path}: "
        "the database is read-only"
        for n in (1, 2)
    ]


async def test_the_log_backlog_keeps_the_newest(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Past LOG_BACKLOG waiting questions the oldest is dropped, and the operator is told."""
    monkeypatch.setattr("bot.app.LOG_BACKLOG", 2)
    async with open_vizbot(settings) as bot:
        assert bot.store is not None
        await bot.store._conn.execute("PRAGMA query_only = ON")
        with caplog.at_level(logging.WARNING, logger="bot.app"):
            for question in ("sobel edge detection", "gradient descent", "max pooling"):
                await bot.ask(question, user="ann")
                await bot.flush()
        await bot.store._conn.execute("PRAGMA query_only = OFF")
        await bot.flush()
        report = await bot.report(days=1)
    assert report.questions == 2
    assert any("backlog full" in r.getMessage() for r in caplog.records)


async def test_the_backlog_is_written_by_the_background_refresh(settings: Settings) -> None:
    """With no new question, the periodic refresh writes the questions kept while the database was away."""
    async with open_vizbot(settings) as bot:
        assert bot.store is not None
        await bot.store._conn.execute("PRAGMA query_only = ON")
        await bot.ask("sobel edge detection", user="ann")
        await bot.flush()
        await bot.store._conn.execute("PRAGMA query_only = OFF")
        await bot.refresh()
        assert not bot._unlogged
        assert (await bot.store.report(days=1)).questions == 1


async def test_unexpected_logging_failure_is_logged(
    settings: Settings, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error other than StoreError in the background log write is logged with its traceback, not swallowed."""

    async def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("boom in the log writer")

    async with open_vizbot(settings) as bot:
        assert bot.store is not None
        monkeypatch.setattr(bot.store, "log_question", broken)
        with caplog.at_level(logging.WARNING, logger="bot.app"):
            response = await bot.ask("sobel edge detection", user="ann")
            await bot.flush()
    assert response.results
    logged = [r for r in caplog.records if r.name == "bot.app"]
    assert [r.getMessage() for r in logged] == ["question not logged: unexpected error"]
    assert logged[0].exc_info is not None and isinstance(logged[0].exc_info[1], ZeroDivisionError)


async def test_without_store_answers_but_cannot_suggest(settings: Settings) -> None:
    """with_store=False answers questions; store features say the database is not open."""
    async with open_vizbot(settings, with_store=False) as bot:
        assert bot.store is None
        assert (await bot.ask("sobel edge detection", user="ann")).results
        with pytest.raises(StoreError, match="database"):
            await bot.suggest(NEW_URL, "Max pooling", "cnn", "", user="ann")


async def test_suggesting_a_catalog_url_answers_already_there(settings: Settings) -> None:
    """A URL in the catalog (in any spelling) answers with the entry, recording nothing."""
    async with open_vizbot(settings) as bot:
        out = await bot.suggest("http://www.setosa.io/ev/image-kernels", "Kernels", "filter", "", user="ann")
        assert (out.status, out.existing_id) == ("in_catalog", "image-kernels")
        assert out.message == "already there: Image Kernels Explained Visually https://setosa.io/ev/image-kernels/"
        assert await bot.pending() == []


async def test_suggestion_tags_resolve_through_the_engine(settings: Settings) -> None:
    """Tag aliases resolve to slugs; an unknown tag is refused."""
    async with open_vizbot(settings) as bot:
        out = await bot.suggest(NEW_URL, "Max pooling explained", "conv net, filter", "", user="ann")
        assert out.suggestion.tags == ("cnn", "kernels")
        with pytest.raises(InvalidInput, match="unknown tag"):
            await bot.suggest(NEW_URL + "2", "Max pooling explained", "astrology", "", user="ann")


async def test_approved_is_searchable_at_once_and_after_restart(settings: Settings) -> None:
    """Approval puts the resource in the live catalog; a restart loads it again from the store."""
    async with open_vizbot(settings) as bot:
        resource_id = await _suggest_and_approve(bot)
        assert bot.catalog.get(resource_id) is not None
        assert resource_id in [r.resource.id for r in bot.engine.search("max pooling").results]
        assert bot.curated.get(resource_id) is None
    async with open_vizbot(settings) as bot:
        assert resource_id in [r.resource.id for r in (await bot.ask("max pooling", user="bob")).results]
        again = await bot.suggest(NEW_URL, "Pooling", "cnn", "", user="bob")
        assert again.status == "in_catalog"


async def test_reload_keeps_approved_suggestions(settings: Settings) -> None:
    """Re-reading the catalog keeps approved suggestions live."""
    async with open_vizbot(settings) as bot:
        resource_id = await _suggest_and_approve(bot)
        bot.reload()
        assert bot.catalog.get(resource_id) is not None


async def test_approving_a_url_that_reached_the_catalog_is_refused(settings: Settings, catalog_dir: Path) -> None:
    """If the curated catalog gained the URL meanwhile, approval is refused and nothing changes."""
    async with open_vizbot(settings) as bot:
        out = await bot.suggest(NEW_URL, "Max pooling explained", "cnn", "", user="ann")
        extra = catalog_dir / "resources" / "zz.yaml"
        extra.write_text(
            f"- id: pooling\n  title: Pooling\n  url: {NEW_URL}\n  description: Pooling.\n"
            "  tags: [cnn]\n  kind: article\n  level: beginner\n",
            encoding="utf-8",
        )
        bot.reload()
        with pytest.raises(InvalidInput, match="already in the catalog as pooling"):
            await bot.approve(out.suggestion.id, moderator="mod")
        assert len(await bot.pending()) == 1


def test_merge_skips_duplicates_and_unknown_tags(catalog_dir: Path) -> None:
    """Approved entries join unless their id or URL is curated already; unknown tags are dropped."""
    curated = load_catalog(catalog_dir)

    def res(rid: str, url: str, tags: tuple[str, ...]) -> Resource:
        return Resource(rid, "Title", url, "Description.", tags, "article", "beginner")

    merged = merge_approved(
        curated,
        [
            res("image-kernels", "https://example.org/a", ("cnn",)),
            res("dup-url", "https://setosa.io/ev/image-kernels", ("cnn",)),
            res("gone-tag", "https://example.org/b", ("astrology",)),
            res("kept", "https://example.org/c", ("astrology", "cnn")),
        ],
    )
    added = [r for r in merged.resources if curated.get(r.id) is None]
    assert [(r.id, r.tags) for r in added] == [("kept", ("cnn",))]


async def test_votes_need_a_real_resource_and_shape_the_prior(settings: Settings) -> None:
    """Votes on unknown resources are refused; refreshed feedback nudges the score gently."""
    async with open_vizbot(settings) as bot:
        with pytest.raises(NotFound):
            await bot.vote(user="ann", question="convnet", resource_id="nope", value=1)
        before = {r.resource.id: r.score for r in bot.engine.search("why momentum works").results}
        target = next(iter(before))
        for n in range(20):
            await bot.vote(user=f"user{n}", question="convnet", resource_id=target, value=-1)
        await bot.refresh()
        after = {r.resource.id: r.score for r in bot.engine.search("why momentum works").results}
    assert before[target] * 0.9 < after[target] < before[target]


async def test_moderation_flow_and_notifications(settings: Settings) -> None:
    """Reject keeps the reason; decided suggestions wait to be notified until marked."""
    async with open_vizbot(settings) as bot:
        out = await bot.suggest(NEW_URL, "Max pooling explained", "cnn", "", user="123", user_name="Ann", guild="9")
        assert await bot.pending_count() == 1
        rejected = await bot.reject(out.suggestion.id, moderator="mod", reason="paywalled")
        assert (rejected.status, rejected.reason) == ("rejected", "paywalled")
        waiting = await bot.unnotified()
        assert [(s.id, s.user, s.guild) for s in waiting] == [(out.suggestion.id, "123", "9")]
        await bot.mark_notified(out.suggestion.id)
        assert await bot.unnotified() == []


async def test_refresh_picks_up_an_approval_made_by_another_process(settings: Settings) -> None:
    """A running service sees a suggestion approved elsewhere (the CLI) after refresh()."""
    async with open_vizbot(settings) as running:
        assert not [r for r in running.engine.search("max pooling explained").results if r.resource.url == NEW_URL]
        async with open_vizbot(settings) as cli:
            await _suggest_and_approve(cli)
        await running.refresh()
        urls = [r.resource.url for r in running.engine.search("max pooling explained").results]
    assert NEW_URL in urls


async def test_use_catalog_keeps_approved_suggestions(settings: Settings) -> None:
    """Swapping in a freshly read catalog keeps the approved suggestions live."""
    async with open_vizbot(settings) as bot:
        resource_id = await _suggest_and_approve(bot)
        bot.use_catalog(load_settings_catalog(settings))
        assert bot.catalog.get(resource_id) is not None


async def test_refresh_keeps_the_engine_when_nothing_changed(settings: Settings) -> None:
    """A refresh with no new approvals or votes does not rebuild the index."""
    async with open_vizbot(settings) as bot:
        before = bot.engine
        await bot.refresh()
        assert bot.engine is before
        await _suggest_and_approve(bot)
        after_approval = bot.engine
        await bot.refresh()
        assert bot.engine is after_approval


async def test_low_confidence_answers_are_gaps_in_the_report(settings: Settings) -> None:
    """A question answered with little of it covered shows up among the report's gaps; a clean one does not."""
    async with open_vizbot(settings) as bot:
        clean = await bot.ask("momentum", user="ann")
        assert clean.results and clean.confidence >= 0.55
        await bot.store.log_question("diluted question", top_score=3.0, answered=True, confidence=0.52)
        gaps = [g.question for g in (await bot.report(days=1)).gaps]
    assert "diluted question" in gaps and "momentum" not in gaps


async def test_question_log_written_in_background_is_never_lost(settings: Settings) -> None:
    """Questions logged in the background are all in the database once the service closes."""
    async with open_vizbot(settings) as bot:
        for n in range(5):
            await bot.ask(f"momentum {n}", user="ann")
    async with open_vizbot(settings) as bot:
        assert (await bot.report(days=1)).questions == 5


async def test_hybrid_questions_are_searched_off_the_event_loop(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the model loaded, ask() runs the search on the one search thread, and closing stops it."""
    import threading

    async with open_vizbot(settings) as bot:
        assert bot.engine.hybrid
        threads: list[str] = []
        real = bot.engine.search
        monkeypatch.setattr(
            bot.engine, "search", lambda *a, **k: threads.append(threading.current_thread().name) or real(*a, **k)
        )
        first = await bot.ask("convnet stride", user="ann")
        second = await bot.ask("sobel edges", user="ann")
        assert first.results and second.results
        assert len(threads) == 2 and all(name.startswith("vizbot-search") for name in threads)
        pool = bot._search_thread
    assert pool is not None
    with pytest.raises(RuntimeError):  # shut down on exit: nothing more runs there
        pool.submit(int)


async def test_postgresql_restart_answers_go_on_and_writes_wait(settings: Settings, pg_server, pg_dsn: str) -> None:
    """On PostgreSQL, while the server restarts: answers come from the catalog at once, the question log
    and a suggestion wait and land, and the service works on without reopening."""
    async with open_vizbot(settings.with_overrides(db_path=pg_dsn), semantic=False) as bot:
        await asyncio.to_thread(pg_server.stop)
        try:
            response = await bot.ask("sobel edge detection", user="ann")  # the server is down
            suggesting = asyncio.create_task(
                bot.suggest(NEW_URL, "Max pooling explained", "convnet", "Watch max pooling.", user="ann")
            )
            await asyncio.sleep(0.3)
            assert not suggesting.done()  # waiting for the server, not failed
        finally:
            await asyncio.to_thread(pg_server.start)
        assert response.results
        assert (await suggesting).status == "created"
        report = await bot.report(days=1)
        assert (report.questions, report.pending_count) == (1, 1)
