"""The answer layer: cards built from search responses, tags, suggestions and reports."""

from __future__ import annotations

import ast
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.core import answers
from bot.core.catalog import default_catalog_dir, load_catalog
from bot.core.errors import CatalogError, InvalidInput, NotFound, PermissionDenied, Problem, RateLimited, StoreError
from bot.core.model import Catalog, Resource, Tag
from bot.core.search import SearchEngine, SearchResponse, SearchResult
from bot.store.records import (
    ALREADY_SUGGESTED,
    CREATED,
    IN_CATALOG,
    SECONDED,
    Gap,
    Report,
    Suggestion,
    SuggestionOutcome,
    TopicCount,
    VoteTally,
)

ANSWERS_PY = Path(answers.__file__)


def resource(n: int, **changes: object) -> Resource:
    """A resource numbered ``n``."""
    fields: dict[str, object] = dict(
        id=f"r{n}",
        title=f"Title {n}",
        url=f"https://example.org/{n}",
        description=f"About {n}.\nSecond line.",
        tags=("cnn",),
        kind="article",
        level="beginner",
    )
    fields.update(changes)
    return Resource(**fields)


def response(count: int, *, query: str = "how do convolutions work", suggested=("cnn",), notice=None) -> SearchResponse:
    """A search response with ``count`` results."""
    results = tuple(SearchResult(resource(i), 1.0 / (i + 1), f"matched {i}", ()) for i in range(count))
    return SearchResponse(query, results, tuple(suggested), notice)


def suggestion(**changes: object) -> Suggestion:
    """A pending suggestion."""
    fields: dict[str, object] = dict(
        id=7,
        url="https://example.org/viz",
        title="A viz",
        tags=("cnn",),
        note="helps",
        user="123",
        user_name="ann",
        guild="1",
        status="pending",
        created_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
    )
    fields.update(changes)
    return Suggestion(**fields)


@pytest.fixture
def engine(valid_catalog_dir: Path) -> SearchEngine:
    """The search engine over the small valid fixture catalog."""
    return SearchEngine(load_catalog(valid_catalog_dir))


def test_answers_module_does_not_import_discord() -> None:
    """answers.py stays free of discord imports."""
    tree = ast.parse(ANSWERS_PY.read_text(encoding="utf-8"))
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert not [n for n in names if n.split(".")[0] == "discord"]


def test_answer_card_shows_a_page_and_says_more_exist() -> None:
    """Four results asked for a page of three: three shown, has_more set."""
    card = answers.answer_card(response(4), page_size=3)
    assert [i.resource_id for i in card.items] == ["r0", "r1", "r2"]
    assert card.has_more and card.page == 1 and card.question == "how do convolutions work"
    assert card.items[0].description == "About 0."
    assert card.items[0].why == "matched 0"


def test_answer_card_last_page_has_no_more() -> None:
    """An exact page means no further results."""
    card = answers.answer_card(response(2), offset=3, page_size=3)
    assert not card.has_more and card.page == 2 and card.offset == 3


@pytest.mark.parametrize(
    ("notice", "expected"), [(None, "I found nothing"), ("Ask about a topic.", "Ask about a topic.")]
)
def test_empty_answer_says_so_and_invites_suggest(notice: str | None, expected: str) -> None:
    """No results: plain words, related tags, an invitation to suggest one (worded by each front-end)."""
    card = answers.answer_card(response(0, suggested=("cnn", "kernels"), notice=notice))
    assert card.tone == answers.EMPTY and not card.items
    assert card.description.startswith(expected)
    assert card.suggested_tags == ("cnn", "kernels")
    assert card.hints == (answers.HINT_SUGGEST,)


async def test_ask_card_asks_for_one_extra_result() -> None:
    """The shared flow asks the service for page_size + 1 results at the offset."""

    class Service:
        calls: list[dict] = []

        async def ask(self, question: str, **kwargs: object) -> SearchResponse:
            self.calls.append({"question": question, **kwargs})
            return response(4, query=question)

    service = Service()
    card = await answers.ask_card(service, "  how do\nconvolutions work ", user="u1", guild="g1")
    assert service.calls == [
        {"question": "how do convolutions work", "user": "u1", "guild": "g1", "limit": 4, "offset": 0, "log": True}
    ]
    assert card.has_more
    await answers.ask_card(service, "what is a gan", user="u1", guild="g1", log=False)
    assert service.calls[-1]["log"] is False


def test_page_card_uses_the_engine(engine: SearchEngine) -> None:
    """Further pages come straight from the engine."""
    first = answers.page_card(engine, "convolutional neural networks", offset=0, page_size=1)
    second = answers.page_card(engine, "convolutional neural networks", offset=1, page_size=1)
    assert first.has_more and not second.has_more
    assert [first.items[0].resource_id, second.items[0].resource_id] == ["cs231n-convnets", "convnetjs-classify2d"]


def test_tags_card_pages(engine: SearchEngine) -> None:
    """Tags are listed with counts and aliases, paginated."""
    card = answers.tags_card(engine.catalog, engine.tag_counts(), page=1, per_page=1)
    assert card.pages == 2 and card.page == 1
    assert card.tag_rows[0].slug == "cnn" and card.tag_rows[0].count == 2
    assert "convnet" in card.tag_rows[0].aliases


@pytest.mark.parametrize("page", [0, -3, 99])
def test_tags_card_clamps_page(engine: SearchEngine, page: int) -> None:
    """Out-of-range pages are clamped."""
    card = answers.tags_card(engine.catalog, engine.tag_counts(), page=page, per_page=1)
    assert 1 <= card.page <= card.pages  # type: ignore[operator]


@pytest.mark.parametrize("name", ["cnn", "convnet"])
def test_tag_page_card_resolves_names(engine: SearchEngine, name: str) -> None:
    """A slug or an alias lists the tag's resources."""
    card = answers.tag_page_card(engine, name)
    assert "(cnn)" in card.title and card.tag == "cnn"
    assert {i.resource_id for i in card.items} == {"cs231n-convnets", "convnetjs-classify2d"}


def test_tag_page_card_filters(engine: SearchEngine) -> None:
    """Kind and level filters narrow the list and show in the title."""
    card = answers.tag_page_card(engine, "cnn", kind="course")
    assert [i.resource_id for i in card.items] == ["cs231n-convnets"]
    assert "course" in card.title
    assert card.footer == "1 resource · page 1 of 1"  # singular for one
    assert answers.tag_page_card(engine, "cnn").footer == "2 resources · page 1 of 1"


def test_unknown_tag_card(engine: SearchEngine) -> None:
    """An unknown name says so."""
    card = answers.tag_page_card(engine, "zzzqqq")
    assert card.title == "Unknown tag" and card.tone == answers.EMPTY


class ManyTagsEngine:
    """A small real stand-in whose tag completion returns more than Discord's 25 choices (60 tags, long titles)."""

    def __init__(self) -> None:
        self.tags = [Tag(f"tag-{n:02d}", f"A very long tag title number {n} " + "x" * 120, "", ()) for n in range(60)]

    def complete_tags(self, text: str, limit: int = 25) -> list[Tag]:
        return [t for t in self.tags if text in t.slug]  # ignores limit on purpose: the card must cap


def test_tag_choices_are_at_most_25() -> None:
    """Autocomplete gives (label, slug) pairs, never more than 25 nor a label over 100 characters,
    even when completion offers more."""
    engine = ManyTagsEngine()
    assert len(engine.complete_tags("tag")) == 60
    choices = answers.tag_choices(engine, "tag")
    assert [slug for _, slug in choices] == [f"tag-{n:02d}" for n in range(25)]
    assert all(len(label) <= 100 and label.endswith(f"({slug})") for label, slug in choices)
    many = answers.tag_list_choices(engine, "cnn, tag")
    assert len(many) == 25


def test_tag_choices_on_the_shipped_catalog_stop_at_25() -> None:
    """The shipped catalog has more than 25 tags; an empty prefix offers exactly 25 of them."""
    engine = SearchEngine(load_catalog(default_catalog_dir()))
    assert len(engine.catalog.tags) > 25
    assert len(answers.tag_choices(engine, "")) == 25


def test_tag_list_choices_complete_the_last_item(engine: SearchEngine) -> None:
    """In a comma list, earlier tags are kept and the last one completed."""
    values = [value for _, value in answers.tag_list_choices(engine, "kernels, cn")]
    assert "kernels, cnn" in values
    assert all(not v.startswith("kernels, kernels") for v in values)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("how do convolutions work", True),
        ("any good visual for attention?", True),
        ("lol", False),
        ("I had lunch with my friend today", False),
        ("what?", False),
    ],
)
def test_looks_like_question(text: str, expected: bool) -> None:
    """Listening channels only answer what reads like a question."""
    assert answers.looks_like_question(text) is expected


@pytest.mark.parametrize(
    ("status", "title", "tone"),
    [
        (CREATED, "Suggestion recorded", answers.SUCCESS),
        (SECONDED, "Already suggested: counted your vote", answers.SUCCESS),
        (ALREADY_SUGGESTED, "Already suggested", answers.WARNING),
        (IN_CATALOG, "Already in the catalog", answers.WARNING),
    ],
)
def test_suggest_card_says_what_happened(status: str, title: str, tone: str) -> None:
    """Each store outcome has its own title; the store's message is shown."""
    outcome = SuggestionOutcome(
        status,
        "the store says so",
        suggestion() if status != IN_CATALOG else None,
        "r1" if status == IN_CATALOG else None,
    )
    card = answers.suggest_card(outcome)
    assert (card.title, card.tone, card.description) == (title, tone, "the store says so")


def test_every_store_outcome_has_a_title() -> None:
    """The card titles cover exactly the store's outcome statuses."""
    assert set(answers.OUTCOME_TITLES) == {CREATED, SECONDED, ALREADY_SUGGESTED, IN_CATALOG}


def test_review_card_shows_the_suggestion() -> None:
    """A pending suggestion with its fields and position."""
    card = answers.review_card(suggestion(seconds=2), position=1, pending=3)
    labels = {line.label: line.value for line in card.lines}
    assert card.suggestion_id == 7 and labels["URL"] == "https://example.org/viz"
    assert labels["Suggested by"] == "ann" and "2" in labels["Seconded by"]
    assert card.footer == "Pending suggestion 1 of 3"


@pytest.mark.parametrize(("position", "text"), [(1, "No pending suggestions"), (2, "No further pending")])
def test_review_card_when_nothing_is_left(position: int, text: str) -> None:
    """An empty queue says so."""
    card = answers.review_card(None, position=position)
    assert card.suggestion_id is None and card.description.startswith(text)


@pytest.mark.parametrize(
    ("status", "reason", "needle"), [("approved", None, "part of the catalog"), ("rejected", "dup", "Reason: dup")]
)
def test_submitter_notice(status: str, reason: str | None, needle: str) -> None:
    """The submitter's DM says the outcome (and the reason)."""
    card = answers.submitter_notice_card(suggestion(status=status, reason=reason))
    assert status in card.title and needle in card.description


def test_decision_card_names_the_new_resource() -> None:
    """Approval shows the resource id it became."""
    card = answers.decision_card(suggestion(status="approved", resource_id="a-viz"))
    assert "a-viz" in card.description and card.tone == answers.SUCCESS


def test_report_card_lists_the_figures() -> None:
    """Topics, gaps, dislikes and pending count appear."""
    now = datetime(2026, 1, 2, tzinfo=timezone.utc)
    report = Report(
        30, now, 10, 2, (TopicCount("cnn", 5),), (Gap("weather", 2, False, None, now),), (VoteTally("r1", 0, 3),), 4
    )
    values = {line.label: line.value for line in answers.report_card(report).lines}
    assert values["Most asked topics"] == "cnn (5)"
    assert "weather (2x, nothing found)" in values["Gaps to fill"]
    assert "r1" in values["Most disliked"] and values["Pending suggestions"] == "4"


def test_reload_failed_card_lists_problems() -> None:
    """A broken catalog lists its problems and says the old one stays."""
    bad = Problem("a.yaml", 3, "bad tag")
    error = CatalogError([bad, Problem("b.yaml", None, "odd", severity="warning")])
    card = answers.reload_failed_card(error)
    assert card.tone == answers.ERROR and "stays live" in card.description
    assert [line.value for line in card.lines] == [str(bad)]


class _Service:
    """The reload part of the service, recording what reload_catalog did to it."""

    def __init__(self, catalog_dir: Path):
        self.catalog_dir = catalog_dir
        self.swapped: list[Catalog] = []
        self.refreshed = 0
        self.announced = 0
        self.catalog: Catalog | None = None

    def use_catalog(self, curated: Catalog) -> Catalog:
        self.swapped.append(curated)
        self.catalog = curated
        return curated

    async def refresh(self) -> None:
        self.refreshed += 1

    async def announce_reload(self) -> None:
        self.announced += 1


async def test_reload_catalog_keeps_the_old_one_on_error(tmp_path: Path) -> None:
    """A broken catalog gives the failure card and nothing is swapped in."""
    (tmp_path / "tags.yaml").write_text("cnn: [not, a, mapping\n", encoding="utf-8")
    service = _Service(tmp_path)
    assert (await answers.reload_catalog(service)).title == "Catalog not reloaded"
    assert service.swapped == [] and service.refreshed == 0 and service.announced == 0


async def test_reload_catalog_swaps_then_refreshes(valid_catalog_dir: Path) -> None:
    """A good catalog is swapped in and approvals and votes are re-read."""
    service = _Service(valid_catalog_dir)
    card = await answers.reload_catalog(service)
    assert card.tone == answers.SUCCESS
    assert [len(c.resources) for c in service.swapped] == [3] and service.refreshed == service.announced == 1


@pytest.mark.parametrize(
    ("error", "title"),
    [
        (InvalidInput("url", "must start with http"), "Sorry"),
        (NotFound("no such suggestion"), "Not found"),
        (PermissionDenied("moderators only"), "Not allowed"),
        (StoreError("could not save"), "Sorry"),
        (RateLimited("slow down", 2.2), "Slow down"),
        (RuntimeError("secret internals"), "Something went wrong"),
    ],
)
def test_error_card(error: Exception, title: str) -> None:
    """Domain errors show their message; anything else a generic sentence."""
    card = answers.error_card(error)
    assert card.title == title and card.tone in (answers.ERROR, answers.WARNING)
    assert "secret internals" not in card.description


def test_cooldown_card_rounds_up() -> None:
    """The retry time is whole seconds, rounded up."""
    assert "Try again in 3 s." in answers.cooldown_card(2.1).description


def test_cooldown_card_says_when_once() -> None:
    """A message that already says when to try again gets no second 'Try again in N s.'."""
    text = answers.cooldown_card(3348, "You made 5 suggestions in the last hour; try again in 56 minutes.").description
    assert text.lower().count("try again") == 1 and "56 minutes" in text


@pytest.mark.parametrize("console", [True, False])
def test_help_card_mentions_suggest(console: bool) -> None:
    """Both help cards explain how to suggest."""
    card = answers.help_card(console=console)
    assert any("suggest" in line.label for line in card.lines)


def test_direct_messages_are_named_as_the_store_marks_them() -> None:
    """The report card's names for where questions came from follow the store's marker for DMs."""
    from bot.store.records import DIRECT_MESSAGES

    assert answers.where_asked(DIRECT_MESSAGES) == "direct messages"
    assert answers.where_asked(None) == "command line" and answers.where_asked("42") == "server 42"


@pytest.mark.parametrize(
    ("made_in", "viewer", "shown"),
    [
        ("1", "1", "Ann"),
        ("2", "1", "a member of server 2"),
        (None, "1", "someone, in a direct message"),
        ("2", None, "Ann"),
    ],
)
def test_review_shows_names_only_from_the_reviewing_server(made_in: str | None, viewer: str | None, shown: str) -> None:
    """A home's moderators see the names of their own members only; the command line (no viewer) sees all."""
    from datetime import datetime, timezone

    from bot.store.records import Suggestion

    suggestion = Suggestion(
        id=1,
        url="https://example.org/x",
        title="X explained",
        tags=("cnn",),
        note="",
        user="123",
        user_name="Ann",
        guild=made_in,
        status="pending",
        created_at=datetime.now(timezone.utc),
        decided_at=None,
        decided_by=None,
        reason=None,
    )
    card = answers.review_card(suggestion, viewer_server=viewer)
    by = next(line.value for line in card.lines if line.label == "Suggested by")
    assert by.startswith(shown) and (shown == "Ann" or "Ann" not in str(card))


def test_report_card_says_when_a_line_is_cut() -> None:
    """More entries than the limit: the first ones, saying so (how many of how many, when every row is there); pending suggestions are listed."""
    now = datetime(2026, 1, 2, tzinfo=timezone.utc)
    topics = tuple(TopicCount(f"t{i}", 10 - i) for i in range(5))
    gaps = (Gap("weather", 2, False, None, now), Gap("cats", 1, True, 0.41, now))
    report = Report(30, now, 10, 2, topics, gaps, (), 3, pending=(suggestion(), suggestion()))
    values = {line.label: line.value for line in answers.report_card(report, limit=2, every_row=True).lines}
    assert values["Most asked topics"] == "t0 (10), t1 (9) (2 of 5 shown)"
    first = {line.label: line.value for line in answers.report_card(report, limit=2).lines}  # the store's first rows
    assert first["Most asked topics"] == "t0 (10), t1 (9) (first 2 shown)"
    assert values["Gaps to fill"] == "weather (2x, nothing found); cats (1x, best score 0.41)"
    assert values["Pending suggestions"].startswith("3: #") and values["Pending suggestions"].endswith("(2 of 3 shown)")


@pytest.mark.parametrize(
    ("hints", "footer", "expected"),
    [
        ((), "Page 1", "Page 1"),
        ((answers.HINT_RATE,), "Page 1", "Page 1 · R"),
        ((answers.HINT_SUGGEST,), "", "S"),
        ((answers.HINT_RATE, answers.HINT_TAGS), "", "R · T"),
    ],
)
def test_footer_with_hints_words_each_hint_for_the_front_end(
    hints: tuple[str, ...], footer: str, expected: str
) -> None:
    """Hints follow the footer in the front-end's own words; an empty wording leaves a hint out."""
    wording = {answers.HINT_RATE: "R", answers.HINT_SUGGEST: "S", answers.HINT_TAG: "", answers.HINT_TAGS: "T"}
    card = answers.AnswerCard(title="t", footer=footer, hints=hints)
    assert answers.footer_with_hints(card, wording) == expected


def test_every_front_end_words_every_hint() -> None:
    """Discord, the console and the command line each have a wording for every hint a card can carry."""
    from bot.console import CLI_HINTS, CONSOLE_HINTS
    from bot.discord_app.embeds import HINT_WORDING

    for wording in (HINT_WORDING, CONSOLE_HINTS, CLI_HINTS):
        assert set(wording) == set(answers.HINTS)


@pytest.mark.parametrize(("front_end", "expected"), [("discord", "press More"), ("console", "/more")])
def test_more_results_are_offered_in_each_front_ends_own_words(front_end: str, expected: str) -> None:
    """A page with more behind it says how to get them as that front-end does it (the console has no button)."""
    from bot.console import CONSOLE_HINTS
    from bot.discord_app.embeds import HINT_WORDING

    wording = HINT_WORDING if front_end == "discord" else CONSOLE_HINTS
    more = answers.footer_with_hints(answers.answer_card(response(4), page_size=3), wording)
    last = answers.footer_with_hints(answers.answer_card(response(2), offset=3, page_size=3), wording)
    assert expected in more and "further results" not in last
    assert ("press More" in more) == (front_end == "discord")
