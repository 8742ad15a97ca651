"""Button views: layout and custom_id templates, checked through View.to_components()."""

from __future__ import annotations

import re

import pytest

from bot.core.answers import AnswerCard, ResultItem
from bot.discord_app import views

ASKER = 123456789012345678


def item(n: int) -> ResultItem:
    """A result item numbered ``n``."""
    return ResultItem(f"res-{n}", f"Title {n}", f"https://example.org/{n}", "d", ("cnn",), "article", "beginner")


def components(view) -> list[list[dict]]:  # noqa: ANN001
    """Rows of component dicts."""
    return [row["components"] for row in view.to_components()]


def ids(view) -> list[str]:  # noqa: ANN001
    """Every custom_id in the view, in order."""
    return [c["custom_id"] for row in components(view) for c in row]


def test_answer_view_layout() -> None:
    """One 👍/👎 row per result, then More and Post to channel."""
    card = AnswerCard(title="t", items=(item(1), item(2), item(3)), has_more=True)
    view = views.answer_view(card, asker=ASKER, can_post=True)
    rows = components(view)
    assert [c["custom_id"] for c in rows[0]] == ["vizbot:vote:up:res-1", "vizbot:vote:down:res-1"]
    assert [c["label"] for c in rows[1]] == ["2", "2"]
    assert [c["custom_id"] for c in rows[3]] == [f"vizbot:more:{ASKER}:3", f"vizbot:post:{ASKER}:0"]
    assert rows[0][0]["emoji"]["name"] == "👍" and rows[0][1]["emoji"]["name"] == "👎"
    assert view.timeout is None


def test_answer_view_last_page_goes_back_to_the_top() -> None:
    """Without further results, More restarts at offset 0."""
    card = AnswerCard(title="t", items=(item(4),), offset=3)
    view = views.answer_view(card, asker=ASKER)
    assert ids(view)[-1] == f"vizbot:more:{ASKER}:0"
    assert components(view)[-1][0]["label"] == "Back to the top"


def test_public_answer_has_no_post_button() -> None:
    """A public answer cannot be posted again."""
    card = AnswerCard(title="t", items=(item(1),))
    assert not [i for i in ids(views.answer_view(card, asker=ASKER)) if i.startswith("vizbot:post")]


def test_empty_answer_has_no_view() -> None:
    """Nothing found, first page: no buttons."""
    assert views.answer_view(AnswerCard(title="none"), asker=ASKER) is None


def test_overlong_resource_ids_get_no_vote_buttons() -> None:
    """custom_id stays within Discord's 100 characters."""
    long = ResultItem("x" * 95, "t", "https://e.org", "d", (), "article", "beginner")
    view = views.answer_view(AnswerCard(title="t", items=(long,), has_more=True), asker=ASKER)
    assert all(len(i) <= 100 for i in ids(view))
    assert not [i for i in ids(view) if i.startswith("vizbot:vote")]


@pytest.mark.parametrize(
    ("page", "pages", "expected"),
    [(1, 3, ["vizbot:tags:2"]), (2, 3, ["vizbot:tags:1", "vizbot:tags:3"]), (3, 3, ["vizbot:tags:2"])],
)
def test_tags_pager(page: int, pages: int, expected: list[str]) -> None:
    """Previous / Next only where there is somewhere to go."""
    view = views.tags_view(AnswerCard(title="Tags", page=page, pages=pages))
    assert ids(view) == expected


def test_single_page_has_no_pager() -> None:
    """One page: no buttons."""
    assert views.tags_view(AnswerCard(title="Tags", page=1, pages=1)) is None


@pytest.mark.parametrize(
    ("kind", "level", "expected"),
    [(None, None, "vizbot:tag:::2:cnn"), ("video", "beginner", "vizbot:tag:video:beginner:2:cnn")],
)
def test_tag_pager_carries_filters(kind: str | None, level: str | None, expected: str) -> None:
    """The /tag pager encodes slug, kind, level and page."""
    view = views.tag_view(AnswerCard(title="cnn", page=1, pages=2), "cnn", kind, level)
    assert ids(view) == [expected]


def test_review_view() -> None:
    """Approve, Reject and Skip carry the suggestion id and queue offset."""
    view = views.review_view(AnswerCard(title="s", suggestion_id=42), offset=2)
    assert ids(view) == ["vizbot:approve:42:2", "vizbot:reject:42:2", "vizbot:skip:3"]
    assert [c["style"] for c in components(view)[0]] == [3, 4, 2]


def test_review_view_without_a_suggestion() -> None:
    """An empty queue has no buttons."""
    assert views.review_view(AnswerCard(title="none")) is None


@pytest.mark.parametrize(
    ("custom_id", "cls", "groups"),
    [
        (f"vizbot:more:{ASKER}:3", views.MoreButton, {"asker": str(ASKER), "offset": "3"}),
        (f"vizbot:post:{ASKER}:0", views.PostButton, {"asker": str(ASKER), "offset": "0"}),
        ("vizbot:vote:down:res:with:colons", views.VoteButton, {"value": "down", "resource": "res:with:colons"}),
        ("vizbot:tags:4", views.TagsPageButton, {"page": "4"}),
        (
            "vizbot:tag:video::2:neural-networks",
            views.TagPageButton,
            {"kind": "video", "level": "", "page": "2", "slug": "neural-networks"},
        ),
        ("vizbot:approve:42:0", views.ApproveButton, {"id": "42", "offset": "0"}),
        ("vizbot:reject:42:0", views.RejectButton, {"id": "42", "offset": "0"}),
        ("vizbot:skip:1", views.SkipButton, {"offset": "1"}),
    ],
)
def test_templates_parse_their_ids(custom_id: str, cls: type, groups: dict[str, str]) -> None:
    """Each custom_id is matched by exactly its own template."""
    matching = [c for c in views.DYNAMIC_ITEMS if c.__discord_ui_compiled_template__.fullmatch(custom_id)]
    assert matching == [cls]
    match = cls.__discord_ui_compiled_template__.fullmatch(custom_id)
    assert match.groupdict() == groups


@pytest.mark.parametrize(
    "custom_id", ["vizbot:more:abc:1", "vizbot:vote:sideways:x", "vizbot:approve:1", "other:more:1:1"]
)
def test_foreign_ids_match_nothing(custom_id: str) -> None:
    """Malformed or foreign ids are ignored."""
    assert not [c for c in views.DYNAMIC_ITEMS if c.__discord_ui_compiled_template__.fullmatch(custom_id)]


def test_every_template_is_documented() -> None:
    """The client docstring lists every custom_id prefix (the e2e tests read it)."""
    from bot.discord_app import client

    for cls in views.DYNAMIC_ITEMS:
        prefix = re.match(r"vizbot:[a-z-]+", cls.__discord_ui_compiled_template__.pattern).group(0)
        assert f"``{prefix}:" in client.__doc__
