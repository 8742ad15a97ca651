"""Answering a message in its channel with the permissions the bot has there.

Before sending, the bot's permissions in the channel are checked (Send Messages, or Send Messages
in Threads; Embed Links; Read Message History for a reply). Without Embed Links the answer goes
as plain text, without Read Message History as a message that is not a reply, and where the bot
may not send at all the asker gets it by DM (when they addressed the bot). Each fallback is
logged once per channel. A 403 from Discord anyway (permissions changed since the cache was
filled) closes the channel for ``BLOCK_SECONDS``, so repeated questions there cost no further
refused requests: Discord bans an IP for a while after 10,000 invalid requests in 10 minutes.
A reply to a message deleted in the meantime is sent without the reference
(``fail_if_not_exists=False``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Callable

import discord

from bot.core.answers import AnswerCard
from bot.discord_app.embeds import card_to_embed, card_to_text, fit_message

_log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
BLOCK_SECONDS = 600.0  # a channel that answered 403 is not tried again for this long
DM_NOTE = "I can't post in #{channel}, so here is my answer to your question there."


@dataclass(frozen=True, slots=True)
class ChannelRights:
    """What the bot may do in a channel, read from its permissions there."""

    send: bool
    embed: bool
    reply: bool

    @classmethod
    def of(cls, channel: discord.abc.Messageable, me: discord.Member | None) -> "ChannelRights":
        """Everything in DMs; in a server, the bot's permissions in the channel (a thread: its parent's)."""
        if me is None or not isinstance(channel, (discord.abc.GuildChannel, discord.Thread)):
            return cls(send=True, embed=True, reply=True)
        perms = channel.permissions_for(me)
        send = perms.send_messages_in_threads if isinstance(channel, discord.Thread) else perms.send_messages
        return cls(send=perms.view_channel and send, embed=perms.embed_links, reply=perms.read_message_history)


class ChannelGuard:
    """Channels the bot must not try for a while (they answered 403), and fallbacks already logged."""

    MAX_TRACKED = 10_000

    def __init__(self, clock: Callable[[], float] = time.monotonic, block_seconds: float = BLOCK_SECONDS):
        self._clock = clock
        self.block_seconds = block_seconds
        self._blocked: dict[int, float] = {}  # channel id -> until
        self._noted: set[tuple[int, str]] = set()

    def blocked(self, channel_id: int) -> bool:
        """Whether the channel refused the bot recently."""
        until = self._blocked.get(channel_id)
        if until is None:
            return False
        if self._clock() >= until:
            del self._blocked[channel_id]
            return False
        return True

    def block(self, channel_id: int) -> None:
        """Do not try this channel again for ``block_seconds``."""
        if len(self._blocked) >= self.MAX_TRACKED:
            now = self._clock()
            self._blocked = {c: t for c, t in self._blocked.items() if t > now}
        self._blocked[channel_id] = self._clock() + self.block_seconds

    def first(self, channel_id: int, what: str) -> bool:
        """``True`` the first time ``what`` happens in a channel (to log it once)."""
        key = (channel_id, what)
        if key in self._noted:
            return False
        if len(self._noted) >= self.MAX_TRACKED:
            self._noted.clear()
        self._noted.add(key)
        return True


def _note(guard: ChannelGuard, channel: discord.abc.Messageable, what: str, message: str) -> None:
    channel_id = getattr(channel, "id", 0)
    if guard.first(channel_id, what):
        _log.warning("channel %s: %s", channel_id, message)


async def _by_dm(message: discord.Message, cards: list[AnswerCard], guard: ChannelGuard) -> discord.Message | None:
    name = getattr(message.channel, "name", "that channel")
    try:
        return await message.author.send(
            content=DM_NOTE.format(channel=name),
            embeds=fit_message([card_to_embed(c) for c in cards]),
            allowed_mentions=NO_MENTIONS,
        )
    except discord.HTTPException as exc:
        _note(guard, message.channel, "dm-failed", f"could not answer user {message.author.id} by DM either: {exc}")
        return None


async def answer_message(
    message: discord.Message,
    cards: AnswerCard | list[AnswerCard],
    *,
    guard: ChannelGuard,
    view: discord.ui.View | None = None,
    dm_fallback: bool = True,
) -> discord.Message | None:
    """Answer ``message`` in its channel as well as the bot's permissions there allow; returns what
    was sent (``None``: nothing could be, which is logged once per channel).

    ``dm_fallback``: where the bot may not post, DM the author instead (for people who addressed
    the bot; not for questions it overheard in a listening channel)."""
    cards = cards if isinstance(cards, list) else [cards]
    channel = message.channel
    me = message.guild.me if message.guild is not None else None
    rights = ChannelRights.of(channel, me)
    if guard.blocked(channel.id) or not rights.send:
        _note(
            guard,
            channel,
            "no-send",
            "no permission to send messages here; answering by DM"
            if dm_fallback
            else "no permission to send messages here; questions overheard here go unanswered",
        )
        return await _by_dm(message, cards, guard) if dm_fallback else None
    kwargs: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
    if rights.embed:
        kwargs["embeds"] = fit_message([card_to_embed(c) for c in cards])
        if view is not None:
            kwargs["view"] = view  # the buttons read the question from the embed, so they go with it
    else:
        _note(guard, channel, "no-embed", "no Embed Links permission here; answering in plain text")
        kwargs["content"] = card_to_text(cards[0])
    if rights.reply:
        kwargs["reference"] = message.to_reference(fail_if_not_exists=False)
    else:
        _note(guard, channel, "no-history", "no Read Message History permission here; answering without a reply")
    try:
        return await channel.send(**kwargs)
    except discord.Forbidden as exc:
        guard.block(channel.id)
        _note(
            guard,
            channel,
            "forbidden",
            f"Discord refused the answer ({exc}); not trying this channel "
            f"for {guard.block_seconds:.0f} s" + ("; answering by DM" if dm_fallback else ""),
        )
        return await _by_dm(message, cards, guard) if dm_fallback else None
