"""Asking questions through the real client: mentions, DMs, buttons, the context menu, safety."""

from __future__ import annotations

import pytest
from e2e_support import RunningBot
from fakediscord.reading import custom_ids, embed_links, everything_said

from bot.core.catalog import default_catalog_dir, load_catalog

CONVOLUTION_TAGS = {"convolution", "cnn"}


def _tags_of_url(url: str) -> set[str]:
    catalog = load_catalog(default_catalog_dir())
    return {tag for r in catalog.resources if r.url.rstrip("/") == url.rstrip("/") for tag in r.tags}


async def _ask_by_mention(bot: RunningBot, question: str, **kwargs) -> tuple[dict, dict]:
    sent = await bot.fake.send_message(question, mention_bot=True, **kwargs)
    reply = await bot.fake.wait_for_message(int(sent["channel_id"]))
    return sent, reply


async def test_mention_question_gets_a_reply_with_convolution_links(running_bot: RunningBot) -> None:
    """ "how do convolutions work?" in a mention is answered in a reply whose top link is a convolution/CNN resource."""
    sent, reply = await _ask_by_mention(running_bot, "how do convolutions work?")
    assert reply["message_reference"]["message_id"] == sent["id"]
    links = embed_links(reply)
    assert 1 <= len(links) <= 3
    assert _tags_of_url(links[0]) & CONVOLUTION_TAGS
    ids = custom_ids(reply)
    assert any(i.startswith("vizbot:vote:up:") for i in ids)
    assert any(i.startswith("vizbot:more:") for i in ids)
    call = running_bot.fake.find_requests("POST", "/channels/{channel_id}/messages")[0]
    assert call.json["allowed_mentions"]["parse"] == []
    assert not running_bot.fake.invalid


async def test_direct_message_is_answered_in_the_dm(running_bot: RunningBot) -> None:
    """A DM without any mention gets an answer in the same DM channel."""
    sent = await running_bot.fake.send_message("what is backpropagation?", dm=True)
    reply = await running_bot.fake.wait_for_message(int(sent["channel_id"]))
    assert embed_links(reply)
    assert "guild_id" not in reply


async def test_everyone_in_a_question_pings_nobody(running_bot: RunningBot) -> None:
    """@everyone and a role mention in a question come back escaped, with allowed_mentions parse == []."""
    question = "@everyone @here <@&123> how do convolutions work?"
    _, reply = await _ask_by_mention(running_bot, question)
    call = running_bot.fake.find_requests("POST", "/channels/{channel_id}/messages")[0]
    assert call.json["allowed_mentions"]["parse"] == []
    assert reply["mention_everyone"] is False
    said = everything_said(reply)
    assert "@everyone" not in said and "@here" not in said
    rendered = [reply["content"]] + [e.get("description") or "" for e in reply["embeds"]]
    assert not any("<@&123>" in text for text in rendered)  # author lines are plain text, never rendered


async def test_more_pages_for_the_asker_and_refuses_others(running_bot: RunningBot) -> None:
    """More edits the answer in place with the next results; another user gets an ephemeral refusal."""
    fake = running_bot.fake
    sent, reply = await _ask_by_mention(running_bot, "how do convolutions work?")
    more = next(i for i in custom_ids(reply) if i.startswith("vizbot:more:"))
    first_links = embed_links(reply)

    stranger = await fake.click(reply, more, user=fake.guild.moderator)
    refusal = await fake.wait_reply(stranger)
    assert refusal["flags"] & 64

    click = await fake.click(reply, more, user=fake.guild.member)
    callback = await fake.wait_callback(click)
    assert callback["type"] == 7
    paged = fake.messages[int(reply["id"])]
    assert embed_links(paged) and not set(embed_links(paged)) & set(first_links)


async def test_thumbs_up_is_stored(running_bot: RunningBot) -> None:
    """👍 on the first result records a +1 vote for that resource and that question."""
    fake = running_bot.fake
    _, reply = await _ask_by_mention(running_bot, "how do convolutions work?")
    up = next(i for i in custom_ids(reply) if i.startswith("vizbot:vote:up:"))
    resource_id = up.removeprefix("vizbot:vote:up:")
    click = await fake.click(reply, up, user=fake.guild.moderator)
    thanks = await fake.wait_reply(click)
    assert thanks["flags"] & 64
    votes = running_bot.query("SELECT user_id, resource_id, value, question FROM votes")
    assert [(u, r, v) for u, r, v, _ in votes] == [(str(fake.guild.moderator.id), resource_id, 1)]
    assert "convolutions" in votes[0][3]


async def test_context_menu_answers_in_a_reply_to_the_target(running_bot: RunningBot) -> None:
    """ "Find visualizations" on someone's message replies to that message and tells the invoker privately."""
    fake = running_bot.fake
    target = await fake.send_message("can someone explain how CNNs see edges?", author=fake.guild.member)
    inter = await fake.message_command("Find visualizations", target, user=fake.guild.moderator)
    reply = await fake.wait_for_message(fake.guild.general_id)
    assert reply["message_reference"]["message_id"] == target["id"]
    assert _tags_of_url(embed_links(reply)[0]) & CONVOLUTION_TAGS
    private = await fake.wait_reply(inter)
    assert private["flags"] & 64
    more = next(i for i in custom_ids(reply) if i.startswith("vizbot:more:"))
    click = await fake.click(reply, more, user=fake.guild.moderator)  # the invoker pages the answer
    assert (await fake.wait_callback(click))["type"] == 7


@pytest.mark.parametrize(
    "question",
    [
        "[click me](https://evil.example/phish) how do convolutions work?",
        "**bold** __under__ `code` ||spoiler|| how do convolutions work?",
        "<@{member}> <#{channel}> how do convolutions work?",
        "how do convolutions work? " + "really " * 600,
        "```\nhow do convolutions work?\n```",
    ],
)
async def test_hostile_questions_get_a_valid_inert_reply(running_bot: RunningBot, question: str) -> None:
    """Masked links, markdown, mentions and 4000-character questions give a reply Discord accepts, with nothing injected."""
    fake = running_bot.fake
    question = question.replace("{member}", str(fake.guild.moderator.id)).replace("{channel}", str(fake.guild.other_id))
    _, reply = await _ask_by_mention(running_bot, question)
    call = fake.find_requests("POST", "/channels/{channel_id}/messages", status=200)[0]
    assert call.json["allowed_mentions"]["parse"] == []
    assert "evil.example" not in " ".join(embed_links(reply))
    author = reply["embeds"][0]["author"]["name"]  # where the question is shown (plain text, never rendered)
    assert "how do convolutions work" in author and len(author) <= 256
    member_mention = f"<@{fake.guild.moderator.id}>"
    said = list(_strings(call.json))  # everything the bot sent (the stored reply also quotes the user's message)
    assert author in said
    for text in said:
        assert member_mention not in text and f"<@!{fake.guild.moderator.id}>" not in text
        assert "@everyone" not in text and "@here" not in text
        if text != author:  # rendered markdown: nothing the user wrote may format or link
            for raw in (
                "](https://evil",
                "[click me]",
                "**bold**",
                "__under__",
                "||spoiler||",
                f"<#{fake.guild.other_id}>",
            ):
                assert raw not in text
    assert not fake.invalid


def _strings(value: object):
    """Every string anywhere in a JSON payload."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


async def test_empty_mention_gets_help(running_bot: RunningBot) -> None:
    """A bare mention with no question is answered with the help text, not an error."""
    _, reply = await _ask_by_mention(running_bot, "")
    assert "/ask" in everything_said(reply)


async def test_a_reply_to_the_bot_without_a_mention_is_not_a_question(running_bot: RunningBot) -> None:
    """Replying "thanks!" to an answer pings the bot (it is in mentions) but is not answered; an explicit mention in a reply is."""
    fake = running_bot.fake
    _, answer = await _ask_by_mention(running_bot, "how do convolutions work?")
    since = len(fake.requests)
    thanks = await fake.send_message("thanks! how do convolutions work?", reply_to=answer)
    assert any(m["id"] == str(fake.bot_user.id) for m in thanks["mentions"])
    sent = await fake.send_message("what is backpropagation?", mention_bot=True, reply_to=answer)
    reply = await fake.wait_for_message(fake.guild.general_id, since=since)
    assert reply["message_reference"]["message_id"] == sent["id"]
    assert not fake.find_requests(
        "POST",
        "/channels/{channel_id}/messages",
        since=since,
        where=lambda c: str((c.json.get("message_reference") or {}).get("message_id")) == thanks["id"],
    )


async def test_a_mention_of_the_bots_role_without_text_gets_a_hint(running_bot: RunningBot) -> None:
    """Mentioning the bot's managed role (no Message Content intent, so no text arrives) gets a short hint, not silence."""
    fake = running_bot.fake
    sent = await fake.send_message("how do convolutions work?", mention_bot_role=True)
    reply = await fake.wait_for_message(int(sent["channel_id"]))
    said = str(reply)
    assert "/ask" in said and "role" in said
    assert not embed_links(reply)  # a hint, not an answer to a question nobody could read
