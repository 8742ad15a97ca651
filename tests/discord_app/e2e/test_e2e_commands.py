"""Slash commands through the real client: /ask, /tags, /tag, /suggest, /review, /report, /help."""

from __future__ import annotations

import copy
import re

import pytest
from e2e_support import RunningBot
from fakediscord import FakeDiscord, FakeInteraction
from fakediscord.actions import NotOffered
from fakediscord.reading import custom_ids, embed_links, everything_said

from bot.core.catalog import default_catalog_dir, load_catalog

EPHEMERAL = 64
NEW_URL = "https://example.org/zebra-quokka-visualizer"


def _title(message: dict) -> str:
    return message["embeds"][0]["title"] if message.get("embeds") else message.get("content", "")


async def _suggest(
    fake: FakeDiscord,
    user=None,
    url: str = NEW_URL,
    title: str = "Zebra quokka convolution visualizer",
    tags: str = "convolution",
) -> dict:
    inter = await fake.slash("suggest", user, url=url, title=title, tags=tags, note="interactive, zebra quokka")
    return await fake.wait_reply(inter)


async def test_ask_is_private_then_post_to_channel_shares_it(running_bot: RunningBot) -> None:
    """/ask answers ephemerally with Post to channel; pressing it posts the same links publicly."""
    fake = running_bot.fake
    inter = await fake.slash("ask", question="how do convolutions work?")
    private = await fake.wait_reply(inter)
    assert private["flags"] & EPHEMERAL
    post = next(i for i in custom_ids(private) if i.startswith("vizbot:post:"))
    links = embed_links(private)
    shown = copy.deepcopy(private)  # what the asker's client shows until the update arrives
    clicks = [await fake.click(shown, post, as_shown=True) for _ in range(3)]  # an impatient asker
    assert (await fake.wait_callback(clicks[0]))["type"] == 7  # the private answer is updated first...
    public = await fake.wait_reply(
        clicks[0], index=1
    )  # ...then the answer is posted (message 0: the updated private one)
    assert not public["flags"] & EPHEMERAL
    assert embed_links(public) == links
    assert not any(i.startswith("vizbot:post:") for i in custom_ids(fake.messages[int(private["id"])]))
    for later in clicks[1:]:
        refusal = await fake.wait_callback(later)
        assert refusal["data"]["flags"] & EPHEMERAL and "already posted" in str(refusal)
    posted = [
        c
        for c in fake.find_requests("POST", "/webhooks/{app_id}/{token}", since=0, status=200)
        if not (c.json or {}).get("flags", 0) & EPHEMERAL
    ]
    assert len(posted) == 1
    assert not fake.invalid


async def test_ask_public_posts_directly(running_bot: RunningBot) -> None:
    """/ask public:true answers in the channel, without a Post button."""
    fake = running_bot.fake
    inter = await fake.slash("ask", question="what is attention in transformers?", public=True)
    reply = await fake.wait_reply(inter)
    assert not reply["flags"] & EPHEMERAL
    assert embed_links(reply)
    assert not any(i.startswith("vizbot:post:") for i in custom_ids(reply))


async def test_tags_lists_tags_with_counts_and_pages(running_bot: RunningBot) -> None:
    """/tags shows tag slugs with counts and a Next button that pages in place."""
    fake = running_bot.fake
    inter = await fake.slash("tags")
    reply = copy.deepcopy(await fake.wait_reply(inter))
    assert re.search(r"`[a-z-]+` .* · \d+", everything_said(reply))
    pages = [i for i in custom_ids(reply) if i.startswith("vizbot:tags:")]
    assert pages == ["vizbot:tags:2"]
    click = await fake.click(reply, pages[0])
    assert (await fake.wait_callback(click))["type"] == 7
    assert everything_said(fake.messages[int(reply["id"])]) != everything_said(reply)


async def test_tag_autocomplete_resolves_aliases_and_typos(running_bot: RunningBot) -> None:
    """Autocomplete on /tag name gives at most 25 fuzzy choices; "convolution" is offered for "convlution"."""
    fake = running_bot.fake
    inter = await fake.autocomplete("tag", "name", name="convlution")
    callback = await fake.wait_callback(inter)
    choices = callback["data"]["choices"]
    assert callback["type"] == 8 and 1 <= len(choices) <= 25
    assert "convolution" in [c["value"] for c in choices]
    empty = await fake.autocomplete("tag", "name", name="")
    assert len((await fake.wait_callback(empty))["data"]["choices"]) <= 25
    assert not fake.invalid


async def test_tag_lists_the_tags_resources_with_filters(running_bot: RunningBot) -> None:
    """/tag name:cnn lists CNN resources; a kind filter narrows the list."""
    fake = running_bot.fake
    inter = await fake.slash("tag", name="cnn")
    reply = await fake.wait_reply(inter)
    assert set(embed_links(reply)) <= set(_all_links("cnn"))
    filtered = await fake.slash("tag", name="cnn", kind="interactive")
    narrowed = await fake.wait_reply(filtered)
    assert embed_links(narrowed) and set(embed_links(narrowed)) <= set(_all_links("cnn", kind="interactive"))


async def test_tag_unknown_name_is_revalidated(running_bot: RunningBot) -> None:
    """A submitted name that is no tag gets a short answer with suggestions, not an error."""
    fake = running_bot.fake
    inter = await fake.slash("tag", name="zzzz-not-a-tag")
    reply = await fake.wait_reply(inter)
    assert reply["embeds"] and not embed_links(reply)


async def test_suggest_valid_is_recorded(running_bot: RunningBot) -> None:
    """A valid suggestion is stored as pending and the user sees "Suggestion recorded"."""
    fake = running_bot.fake
    reply = await _suggest(fake)
    assert reply["flags"] & EPHEMERAL
    assert _title(reply) == "Suggestion recorded"
    rows = running_bot.query("SELECT url, status, user_id FROM suggestions")
    assert rows == [(NEW_URL, "pending", str(fake.guild.member.id))]


@pytest.mark.parametrize(
    ("second_user", "url", "expected_title"),
    [
        ("member", NEW_URL, "Already suggested"),
        ("moderator", NEW_URL, "Already suggested: counted your vote"),
        ("member", "https://poloclub.github.io/cnn-explainer/", "Already in the catalog"),
    ],
)
async def test_suggest_duplicates_say_exactly_what_happened(
    running_bot: RunningBot, second_user: str, url: str, expected_title: str
) -> None:
    """Suggesting again, seconding, or suggesting a catalog URL each get their own answer and no new row."""
    fake = running_bot.fake
    await _suggest(fake)
    reply = await _suggest(fake, getattr(fake.guild, second_user), url=url)
    assert _title(reply) == expected_title
    assert running_bot.query("SELECT COUNT(*) FROM suggestions") == [(1,)]


@pytest.mark.parametrize(
    ("url", "tags"),
    [
        ("javascript:alert(1)", "convolution"),
        ("not a url", "convolution"),
        ("https://example.org/x", "no-such-tag-at-all"),
    ],
)
async def test_suggest_invalid_is_refused(running_bot: RunningBot, url: str, tags: str) -> None:
    """A bad URL or unknown tags get an ephemeral error and nothing is stored."""
    fake = running_bot.fake
    reply = await _suggest(fake, url=url, tags=tags)
    assert reply["flags"] & EPHEMERAL
    assert _title(reply) != "Suggestion recorded"
    assert running_bot.query("SELECT COUNT(*) FROM suggestions") == [(0,)]


@pytest.mark.parametrize("command", ["review", "report", "reload"])
async def test_moderator_commands_refuse_a_plain_member(running_bot: RunningBot, command: str) -> None:
    """/review, /report and /reload are hidden by default permissions and re-checked at run time."""
    fake = running_bot.fake
    registered = next(c for c in fake.commands[fake.guild.id] if c["name"] == command)
    assert int(registered["default_member_permissions"]) & (1 << 5)
    with pytest.raises(NotOffered):  # Discord does not offer it to a member without Manage Server
        await fake.slash(command, fake.guild.member)
    inter = await fake.slash(command, fake.guild.member, forge=True)
    reply = await fake.wait_reply(inter)
    assert reply["flags"] & EPHEMERAL
    assert "moderator" in everything_said(reply).lower() or "not allowed" in everything_said(reply).lower()
    assert not custom_ids(reply)


async def _review(fake: FakeDiscord) -> dict:
    inter = await fake.slash("review", fake.guild.moderator)
    return await fake.wait_reply(inter)


async def test_moderator_approves_and_the_resource_is_answered_at_once(running_bot: RunningBot) -> None:
    """Approve in /review makes the suggestion searchable immediately and DMs the submitter."""
    fake = running_bot.fake
    await _suggest(fake)
    review = await _review(fake)
    approve = next(i for i in custom_ids(review) if i.startswith("vizbot:approve:"))
    since = len(fake.requests)
    click = await fake.click(review, approve, user=fake.guild.moderator)
    await fake.wait_for_request("PATCH", "/webhooks/{app_id}/{token}/messages/{message_id}", since=since)
    assert "approved" in everything_said(fake.messages[int(review["id"])]).lower()
    assert click.callbacks[0]["type"] == 6
    dm_channel = fake.dm_channels[fake.guild.member.id]
    notice = await fake.wait_for_message(dm_channel, since=since)
    assert NEW_URL in everything_said(notice)

    _, answer = await _mention(fake, "zebra quokka visualizer")
    assert NEW_URL in embed_links(answer)
    assert running_bot.query("SELECT status FROM suggestions") == [("approved",)]


async def test_moderator_rejects_with_a_reason_in_a_modal(running_bot: RunningBot) -> None:
    """Reject opens a modal; submitting a reason rejects and the submitter's closed DMs break nothing."""
    fake = running_bot.fake
    fake.closed_dms.add(fake.guild.member.id)
    await _suggest(fake)
    review = await _review(fake)
    reject = next(i for i in custom_ids(review) if i.startswith("vizbot:reject:"))
    click = await fake.click(review, reject, user=fake.guild.moderator)
    modal = await fake.wait_callback(click)
    assert modal["type"] == 9
    field = _text_inputs(modal["data"])[0]
    submit = await fake.submit_modal(
        modal["data"],
        {field: "not a visualization"},
        user=fake.guild.moderator,
        message=fake.messages[int(review["id"])],
    )
    await fake.wait_callback(submit)
    await fake.wait_until(
        lambda: running_bot.query("SELECT status, reason FROM suggestions") == [("rejected", "not a visualization")],
        what="the rejection to be stored",
    )
    assert not _unanswered(fake)


async def test_help_explains_and_points_at_suggest(running_bot: RunningBot) -> None:
    """/help mentions /ask and /suggest."""
    fake = running_bot.fake
    inter = await fake.slash("help")
    text = everything_said(await fake.wait_reply(inter))
    assert "/suggest" in text and "/ask" in text


async def test_report_for_a_moderator(running_bot: RunningBot) -> None:
    """/report by a moderator shows the curator report after a question was asked."""
    fake = running_bot.fake
    await _mention(fake, "how do convolutions work?")
    inter = await fake.slash("report", fake.guild.moderator)
    reply = await fake.wait_reply(inter)
    assert reply["flags"] & EPHEMERAL
    assert "Questions" in everything_said(reply)


async def _mention(fake: FakeDiscord, question: str) -> tuple[dict, dict]:
    sent = await fake.send_message(question, mention_bot=True)
    return sent, await fake.wait_for_message(fake.guild.general_id)


def _text_inputs(modal: dict) -> list[str]:
    ids = []
    for row in modal.get("components", []):
        for item in row.get("components", []) or [row.get("component", {})]:
            if item.get("type") == 4:
                ids.append(item["custom_id"])
    return ids


def _unanswered(fake: FakeDiscord) -> list[FakeInteraction]:
    return [i for i in fake.interactions.values() if not i.callbacks]


def _all_links(tag: str, kind: str | None = None) -> list[str]:
    catalog = load_catalog(default_catalog_dir())
    return [r.url for r in catalog.resources if tag in r.tags and (kind is None or r.kind == kind)]


async def test_suggest_tags_autocomplete_completes_the_last_tag(running_bot: RunningBot) -> None:
    """Autocomplete on /suggest tags keeps what was typed and offers at most 25 completions."""
    fake = running_bot.fake
    inter = await fake.autocomplete("suggest", "tags", url=NEW_URL, title="x", tags="cnn, convol")
    choices = (await fake.wait_callback(inter))["data"]["choices"]
    assert 1 <= len(choices) <= 25
    assert any("convolution" in c["value"] and "cnn" in c["value"] for c in choices)


async def test_forget_leaves_no_row_of_that_user(running_bot: RunningBot) -> None:
    """/forget after a suggestion and a vote: no row in the database names the user any more."""
    fake = running_bot.fake
    user = fake.guild.member
    await fake.wait_reply(
        await fake.slash(
            "suggest", user, url="https://example.org/forget-me", title="Forget me visualizer", tags="convolution"
        )
    )
    sent = await fake.send_message("how do convolutions work?", author=user, mention_bot=True)
    answer = await fake.wait_for_message(int(sent["channel_id"]))
    vote = next(i for i in custom_ids(answer) if i.startswith("vizbot:vote:up:"))
    await fake.wait_reply(await fake.click(answer, vote, user))
    uid = str(user.id)
    assert running_bot.query("SELECT count(*) FROM votes WHERE user_id = ?", uid) == [(1,)]
    reply = await fake.wait_reply(await fake.slash("forget", user))
    assert reply["flags"] & EPHEMERAL and "Forgotten" in str(reply)
    for table, column in (
        ("votes", "user_id"),
        ("suggestions", "user_id"),
        ("suggestion_seconds", "user_id"),
        ("audit_log", "actor"),
    ):
        assert running_bot.query(f"SELECT count(*) FROM {table} WHERE {column} = ?", uid) == [(0,)]
