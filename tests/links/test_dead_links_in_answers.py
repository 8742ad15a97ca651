"""Dead links in the service: left out of answers and pages, noted in the question log, back when they work."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.app import dead_link_note, open_vizbot
from bot.config import Settings
from bot.core import answers
from bot.links.outcome import FAILED, MOVED, OK, CheckResult
from bot.store.records import LinkHealth, Report

SOBEL = "https://example.com/sobel"
TAGS = """
kernels:
  title: Image kernels
  description: Small matrices that blur or sharpen.
  aliases: [filter]
"""
RESOURCES = [
    ("sobel-demo", "Sobel edge detection demo", SOBEL, "Find edges in a photo with the Sobel operator."),
    (
        "sobel-notes",
        "Sobel operator lecture notes",
        "https://example.org/sobel-notes",
        "Notes on the Sobel edge filter.",
    ),
    ("blur", "Blur kernels playground", "https://example.org/blur", "Blur a photo with a box kernel."),
    ("sharpen", "Sharpening filters", "https://example.org/sharpen", "Make a photo crisper with an unsharp mask."),
    ("gaussian", "Gaussian kernel explorer", "https://example.org/gauss", "Change sigma and see the bell curve."),
    ("emboss", "Emboss effect", "https://example.org/emboss", "Relief shading from a three by three kernel."),
]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A three-resource catalog and a temporary database; words alone (no model needed)."""
    root = tmp_path / "catalog"
    (root / "resources").mkdir(parents=True)
    (root / "tags.yaml").write_text(TAGS, encoding="utf-8")
    (root / "resources" / "all.yaml").write_text(
        "".join(
            f"- id: {rid}\n  title: {title}\n  url: {url}\n  description: {desc}\n  tags: [kernels]\n"
            "  kind: article\n  level: beginner\n"
            for rid, title, url, desc in RESOURCES
        ),
        encoding="utf-8",
    )
    return Settings(catalog_dir=root, db_path=tmp_path / "vizbot.db", semantic=False)


async def _kill(settings: Settings, url: str = SOBEL) -> None:
    """Record the link as dead (one strike needed) through a separate store, as `vizbot links check` does."""
    async with open_vizbot(settings, semantic=False) as other:
        await other.need_store().record_link_check(CheckResult(url, FAILED, "404 Not Found", 404), strikes=1)


async def test_dead_link_is_left_out_and_noted(settings: Settings) -> None:
    """A dead resource is not answered; the question log says it was left out."""
    await _kill(settings)
    async with open_vizbot(settings) as bot:
        assert SOBEL in bot.dead_links
        response = await bot.ask("sobel", user="ann")
        assert [r.resource.id for r in response.results] == ["sobel-notes"]
        assert bot.catalog.get("sobel-demo") is None and bot.full_catalog.get("sobel-demo") is not None
        report = await bot.report(days=1)
    assert report.left_out == 1
    assert {line.label: line.value for line in answers.report_card(report).lines}[
        "Answers without dead links"
    ] == "1 left out a dead link"
    with sqlite3.connect(settings.db_path) as conn:
        assert conn.execute("SELECT note FROM questions").fetchall() == [("left out dead link: sobel-demo",)]


async def test_no_note_when_nothing_was_left_out(settings: Settings) -> None:
    """A question the dead link would not have answered gets no note."""
    await _kill(settings)
    async with open_vizbot(settings) as bot:
        await bot.ask("blur a photo", user="ann")
        await bot.flush()
    with sqlite3.connect(settings.db_path) as conn:
        assert conn.execute("SELECT note FROM questions").fetchall() == [(None,)]


async def test_dead_link_is_left_out_of_tag_pages_and_votes_still_count(settings: Settings) -> None:
    """Every front-end's engine lacks the dead resource; a vote on it (from an older answer) is kept."""
    await _kill(settings)
    async with open_vizbot(settings) as bot:
        assert "sobel-demo" not in [r.id for r in bot.engine.resources_for_tag("kernels")]
        assert len(bot.engine.resources_for_tag("kernels")) == len(RESOURCES) - 1
        await bot.vote(user="ann", question="sobel", resource_id="sobel-demo", value=-1)


async def test_refresh_picks_up_dead_and_revived_links(settings: Settings) -> None:
    """A running service learns of a dead link on refresh, and serves it again once it works."""
    async with open_vizbot(settings) as bot:
        assert "sobel-demo" in [r.resource.id for r in (await bot.ask("sobel", user="a")).results]
        await _kill(settings)
        await bot.refresh()
        assert "sobel-demo" not in [r.resource.id for r in (await bot.ask("sobel", user="a")).results]
        await bot.need_store().record_link_check(CheckResult(SOBEL, OK, "200 OK", 200))
        await bot.refresh()
        assert "sobel-demo" in [r.resource.id for r in (await bot.ask("sobel", user="a")).results]


async def test_moved_link_is_still_answered(settings: Settings) -> None:
    """Moved is not dead: the resource is answered (curators are asked to update it)."""
    async with open_vizbot(settings) as bot:
        await bot.need_store().record_link_check(
            CheckResult(SOBEL, MOVED, "moved", 200, suggested_url="https://new.org/s")
        )
        await bot.refresh()
        assert "sobel-demo" in [r.resource.id for r in (await bot.ask("sobel", user="a")).results]


async def test_link_targets_cover_curated_and_approved(settings: Settings) -> None:
    """Every link, approved suggestions marked as such, dead ones included."""
    await _kill(settings)
    async with open_vizbot(settings) as bot:
        out = await bot.suggest("https://example.net/sharpen", "Sharpen kernel demo", "kernels", "", user="ann")
        await bot.approve(out.suggestion.id, moderator="mod")
        targets = {t.url: (t.resource_id, t.source) for t in bot.link_targets()}
    assert targets[SOBEL] == ("sobel-demo", "catalog")
    assert targets["https://example.net/sharpen"][1] == "approved" and len(targets) == len(RESOURCES) + 1


def test_dead_link_note_names_every_left_out_resource() -> None:
    """One or several ids; none gives no note."""
    from bot.core.model import Resource
    from bot.core.results import SearchResult

    def hit(rid: str, url: str) -> SearchResult:
        return SearchResult(Resource(rid, rid, url, "", ("kernels",), "article", "beginner"), 1.0, "", ())

    assert dead_link_note([hit("a", "u1"), hit("b", "u2")], {"u1", "u2"}) == "left out dead links: a, b"
    assert dead_link_note([hit("a", "u1")], {"u9"}) is None


def _health(verdict: str, **extra: object) -> LinkHealth:
    now = datetime(2026, 12, 3, tzinfo=timezone.utc)
    fields = dict(
        url="https://old.org/p",
        resource_id="res",
        verdict=verdict,
        strikes=3,
        checked_at=now,
        since=now,
        last_ok_at=None,
        status=404,
        reason="404 Not Found",
        final_url=None,
        suggested_url=None,
    )
    fields.update(extra)
    return LinkHealth(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("health", "title", "needle"),
    [
        (_health("dead"), "A catalog link is dead", "3 different days"),
        (_health("moved", suggested_url="https://new.org/p", strikes=0), "A catalog link moved", "vizbot links fix"),
    ],
)
def test_link_alert_card(health: LinkHealth, title: str, needle: str) -> None:
    """The moderators' message says what happened and what to do."""
    card = answers.link_alert_card(health)
    assert card.title == title and needle in card.description
    assert card.lines[0].value == "https://old.org/p"


def test_report_card_has_links_needing_attention() -> None:
    """The curator report's card lists the links, with the new address of a moved one."""
    now = datetime(2026, 12, 3, tzinfo=timezone.utc)
    report = Report(
        30,
        now,
        0,
        0,
        (),
        (),
        (),
        0,
        links=(_health("dead"), _health("moved", resource_id="m", suggested_url="https://new.org/p")),
    )
    values = {line.label: line.value for line in answers.report_card(report).lines}
    assert values["Links needing attention"] == "res (dead: 404 Not Found (3 days)); m (moved to https://new.org/p)"
    empty = Report(30, now, 0, 0, (), (), (), 0)
    assert {line.label: line.value for line in answers.report_card(empty).lines}["Links needing attention"] == "-"
