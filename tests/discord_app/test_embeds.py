"""Embeds built from cards, checked through Embed.to_dict()."""

from __future__ import annotations

import discord
import pytest
from discord import app_commands

from bot.core import answers
from bot.core.errors import InvalidInput, PermissionDenied
from bot.core.answers import AnswerCard, Line, ResultItem, TagRow
from bot.discord_app import embeds, errors


def item(**changes: object) -> ResultItem:
    """A result item."""
    fields: dict[str, object] = dict(
        resource_id="cnn-explainer",
        title="CNN Explainer",
        url="https://poloclub.github.io/cnn-explainer/",
        description="Watch a CNN classify images.",
        tags=("cnn", "convolution"),
        kind="interactive",
        level="beginner",
        why='"cnn" -> tag cnn',
    )
    fields.update(changes)
    return ResultItem(**fields)  # type: ignore[arg-type]


def answer(*items: ResultItem, question: str = "how do convolutions work") -> AnswerCard:
    """An answer card."""
    return AnswerCard(
        title="Visualizations for your question", items=items, question=question, footer="Page 1", has_more=True
    )


def test_answer_embed_has_linked_titles_and_metadata() -> None:
    """Each result: linked bold title, one-line description, tags, kind · level, why."""
    data = embeds.card_to_embed(answer(item())).to_dict()
    assert data["author"]["name"] == "how do convolutions work"
    assert "**1. [CNN Explainer](https://poloclub.github.io/cnn-explainer/)**" in data["description"]
    assert "`cnn` `convolution` · interactive · beginner" in data["description"]
    assert '*why:* "cnn" -> tag cnn' in data["description"]
    assert data["footer"]["text"] == "Page 1"


def test_results_are_numbered_from_the_offset() -> None:
    """Page two starts at the offset plus one."""
    card = AnswerCard(title="More", items=(item(), item(resource_id="b")), offset=3)
    description = embeds.card_to_embed(card).to_dict()["description"]
    assert "**4. " in description and "**5. " in description


@pytest.mark.parametrize(
    ("text", "forbidden"),
    [
        ("[click me](https://evil.example)", "](https://evil"),
        ("**bold** and __under__", "**bold**"),
        ("hi @everyone and @here", "@everyone"),
        ("<@123456789012345678> ping", "<@123456789012345678>"),
        ("<@&123456789012345678> role", "<@&123456789012345678>"),
        ("`code` ||spoiler||", "||spoiler||"),
    ],
)
def test_user_text_is_inert(text: str, forbidden: str) -> None:
    """Titles, descriptions and questions cannot inject links, mentions or markdown."""
    card = answer(item(title=text, description=text, why=text), question=text)
    data = embeds.card_to_embed(card).to_dict()
    assert forbidden not in data["description"]
    assert forbidden not in data["author"]["name"] or forbidden.startswith(("**", "`", "||", "]("))


@pytest.mark.parametrize(
    "url", ["https://example.org/a_(b)", "https://example.org/x y", "https://example.org/a)**[x](https://evil)"]
)
def test_urls_cannot_break_out_of_the_link(url: str) -> None:
    """Parentheses and spaces in a URL are percent-encoded."""
    link = embeds.link("t", url)
    target = link[link.index("](") + 2 : -1]
    assert ")" not in target and " " not in target and "(" not in target


def test_question_round_trips_through_the_author_line() -> None:
    """The question is recovered from the embed for More and votes."""
    card = answer(item(), question="why @everyone loves attention?")
    name = embeds.card_to_embed(card).to_dict()["author"]["name"]
    assert "@everyone" not in name
    assert embeds.unwrap_question(name) == "why @everyone loves attention?"


def test_limits_are_respected() -> None:
    """Long text is cut to Discord's limits."""
    long = "x" * 5000
    card = AnswerCard(
        title=long, description=long, question=long, footer=long, lines=tuple(Line(long, long) for _ in range(30))
    )
    data = embeds.card_to_embed(card).to_dict()
    assert len(data["title"]) <= 256 and len(data["description"]) <= 4096
    assert len(data["author"]["name"]) <= 256 and len(data["footer"]["text"]) <= 2048
    assert len(data["fields"]) == 25
    assert all(len(f["name"]) <= 256 and len(f["value"]) <= 1024 for f in data["fields"])


@pytest.mark.parametrize(("tone", "colour"), [(answers.ERROR, 0xE74C3C), (answers.SUCCESS, 0x2ECC71)])
def test_tone_sets_the_colour(tone: str, colour: int) -> None:
    """Errors are red, successes green."""
    assert embeds.card_to_embed(AnswerCard(title="t", tone=tone)).to_dict()["color"] == colour


def test_tags_and_suggested_tags_render() -> None:
    """Tag rows show slug, title, count and aliases; related tags are listed."""
    card = AnswerCard(
        title="Tags",
        tag_rows=(TagRow("cnn", "Convolutional networks", 12, ("convnet",)),),
        suggested_tags=("cnn", "attention"),
    )
    description = embeds.card_to_embed(card).to_dict()["description"]
    assert "`cnn` Convolutional networks · 12 · aka convnet" in description
    assert "Related tags: `cnn` `attention`" in description


def test_a_tag_row_says_how_many_aliases_it_leaves_out() -> None:
    """A row names the first 4 aliases and how many more there are; 4 or fewer are all named."""
    many = TagRow(
        "cnn", "Convolutional networks", 12, ("convnet", "conv net", "cnns", "convolutional", "lenet", "alexnet")
    )
    exact = TagRow("kernels", "Image kernels", 3, ("filter", "kernel", "mask", "stencil"))
    description = embeds.card_to_embed(AnswerCard(title="Tags", tag_rows=(many, exact))).to_dict()["description"]
    assert "· aka convnet, conv net, cnns, convolutional and 2 more" in description
    assert "· aka filter, kernel, mask, stencil" in description and "stencil and" not in description


def test_lines_become_fields() -> None:
    """Labelled values become non-inline fields, values escaped."""
    card = AnswerCard(title="Suggestion #1", lines=(Line("Note", "see [here](https://evil)"),))
    field = embeds.card_to_embed(card).to_dict()["fields"][0]
    assert field["name"] == "Note" and "](https://evil" not in field["value"]


def test_empty_description_is_omitted() -> None:
    """A card with only a title has no description key."""
    assert "description" not in embeds.card_to_embed(AnswerCard(title="Review")).to_dict()


@app_commands.command(name="suggest", description="a command for wrapping errors")
async def _command(interaction: discord.Interaction) -> None:  # pragma: no cover - never invoked
    """Unused."""


@pytest.mark.parametrize(
    ("error", "title"),
    [
        (PermissionDenied("Only moderators can do this."), "Not allowed"),
        (app_commands.CommandInvokeError(_command, InvalidInput("url", "must be http")), "Sorry"),
        (app_commands.NoPrivateMessage(), "Not here"),
        (app_commands.MissingPermissions(["manage_guild"]), "Not allowed"),
    ],
)
def test_error_embeds_for_known_errors(error: Exception, title: str) -> None:
    """Domain and check errors become short error embeds."""
    data = embeds.card_to_embed(errors.card_for(error)).to_dict()
    assert data["title"] == title and data["color"] == 0xE74C3C


def test_unexpected_errors_are_logged_not_shown(caplog: pytest.LogCaptureFixture) -> None:
    """An unexpected exception is logged; the user sees a generic sentence."""
    with caplog.at_level("ERROR", logger="bot.discord_app.errors"):
        card = errors.card_for(ZeroDivisionError("internal detail"))
    assert "internal detail" not in embeds.card_to_embed(card).to_dict()["description"]
    assert "unexpected error" in caplog.text


async def test_help_embed_names_every_command() -> None:
    """/help mentions every slash command and the context menu the bot registers."""
    from bot.config import Settings
    from bot.discord_app.client import VizbotClient

    client = VizbotClient(object(), Settings(), sync=False)
    await client.setup_hook()
    data = embeds.card_to_embed(answers.help_card()).to_dict()
    text = " ".join([data["description"]] + [f["name"] + " " + f["value"] for f in data["fields"]])
    for command in client.tree.get_commands(type=None):
        expected = command.name if isinstance(command, app_commands.ContextMenu) else f"/{command.name}"
        assert expected in text, command.name
    await client.close()


def _worst_suggestion(status: str, **changes: object):
    from datetime import datetime, timezone

    from bot.store.records import Suggestion

    fields: dict[str, object] = dict(
        id=7,
        url="https://example.org/" + "a_very_long_path/" * 120,
        title="*_`|~>" * 40,
        tags=("cnn", "convolution"),
        note="**__~~||`[x](https://e.example)`||~~__**\\ " * 60,
        user="123456789012345678",
        user_name="<@123456789012345678> " + "*_" * 40,
        seconds=3,
        guild=None,
        status=status,
        created_at=datetime.now(timezone.utc),
        reason="_*`|" * 250 if status == "rejected" else None,
    )
    fields.update(changes)
    return Suggestion(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("status", ["approved", "rejected"])
def test_a_review_update_fits_discords_message_total(status: str) -> None:
    """Decision card + next review card (long URL, note of escaped markdown) stay within 6000 and valid."""
    from bot.discord_app.replies import _kwargs
    from fakediscord.validate import message_errors

    decided = _worst_suggestion(status)
    cards = [answers.decision_card(decided), answers.review_card(_worst_suggestion("pending", id=8), pending=2)]
    unfitted = [embeds.card_to_embed(c) for c in cards]
    if status == "rejected":
        assert sum(len(e) for e in unfitted) > embeds.MESSAGE_TOTAL_MAX  # the worst case really is too long
    payload = [e.to_dict() for e in _kwargs(cards, None)["embeds"]]
    assert sum(len(discord.Embed.from_dict(e)) for e in payload) <= embeds.MESSAGE_TOTAL_MAX
    assert message_errors({"embeds": payload}) == []
    assert [e["title"] for e in payload] == [e.title for e in unfitted]
    for e in payload:
        assert all(f["name"] and f["value"] for f in e.get("fields", []))
        assert not (e.get("description") or "").endswith("\\…")


def test_fit_message_leaves_short_messages_alone() -> None:
    """Embeds already within the total are not changed."""
    embed = embeds.card_to_embed(answer(item()))
    before = embed.to_dict()
    assert [e.to_dict() for e in embeds.fit_message([embed])] == [before]


def test_hints_are_worded_for_discord_in_the_footer() -> None:
    """An answer's rating hint and an empty answer's invitation appear in Discord's words (👍, /suggest)."""
    rated = embeds.card_to_embed(answers.AnswerCard(title="t", footer="Page 1", hints=(answers.HINT_RATE,))).to_dict()
    invited = embeds.card_to_embed(answers.AnswerCard(title="t", hints=(answers.HINT_SUGGEST,))).to_dict()
    assert rated["footer"]["text"] == "Page 1 · rate them with 👍 / 👎"
    assert "/suggest" in invited["footer"]["text"]
    assert "/suggest" in embeds.card_to_text(answers.AnswerCard(title="t", hints=(answers.HINT_SUGGEST,)))
