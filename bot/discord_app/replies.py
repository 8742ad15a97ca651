"""Sending cards in answer to interactions, and DMs (answers to messages: ``delivery``).

One helper answers an interaction whether or not it was already answered; all of them
build the embeds with ``card_to_embed`` and fit them into Discord's per-message limits
(``fit_message``), and send with ``AllowedMentions.none()``.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.core.answers import AnswerCard
from bot.discord_app.embeds import card_to_embed, fit_message

NO_MENTIONS = discord.AllowedMentions.none()
_DEFERRED_PRIVATELY = "vizbot:deferred-privately"  # key in Interaction.extras


async def defer_thinking(interaction: discord.Interaction, *, ephemeral: bool = True) -> None:
    """Acknowledge now ("vizbot is thinking..."), answer later with ``respond`` (which fills it in)."""
    interaction.extras[_DEFERRED_PRIVATELY] = ephemeral
    await interaction.response.defer(ephemeral=ephemeral, thinking=True)


def _kwargs(cards: AnswerCard | list[AnswerCard], view: discord.ui.View | None) -> dict[str, Any]:
    cards = cards if isinstance(cards, list) else [cards]
    kwargs: dict[str, Any] = {"embeds": fit_message([card_to_embed(c) for c in cards])}
    if view is not None:
        kwargs["view"] = view
    return kwargs


async def respond(
    interaction: discord.Interaction,
    cards: AnswerCard | list[AnswerCard],
    *,
    view: discord.ui.View | None = None,
    ephemeral: bool = True,
) -> None:
    """Send cards as the interaction's response; after a "thinking" deferral, fill the deferred
    message in (``edit_original_response``); after a message, send a follow-up.

    An error (``ephemeral``) after a public deferral is not shown in the public message: the
    placeholder is removed and the error goes to the user alone."""
    kwargs = _kwargs(cards, view)
    response = interaction.response
    if not response.is_done():
        await response.send_message(**kwargs, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS)
        return
    if response.type is discord.InteractionResponseType.deferred_channel_message:
        if ephemeral and not interaction.extras.get(_DEFERRED_PRIVATELY, True):
            await interaction.delete_original_response()
            await interaction.followup.send(**kwargs, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        await interaction.edit_original_response(**kwargs, allowed_mentions=NO_MENTIONS)
        return
    await interaction.followup.send(**kwargs, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS)


async def follow_up(
    interaction: discord.Interaction,
    cards: AnswerCard | list[AnswerCard],
    *,
    view: discord.ui.View | None = None,
    ephemeral: bool = False,
) -> None:
    """A new message after the interaction was answered (public unless ``ephemeral``)."""
    await interaction.followup.send(**_kwargs(cards, view), ephemeral=ephemeral, allowed_mentions=NO_MENTIONS)


async def update(
    interaction: discord.Interaction, cards: AnswerCard | list[AnswerCard], *, view: discord.ui.View | None = None
) -> None:
    """Replace the message a component or modal belongs to (after a deferred update too)."""
    kwargs = _kwargs(cards, view)
    if view is None:
        kwargs["view"] = None
    if interaction.response.is_done():
        await interaction.edit_original_response(**kwargs, allowed_mentions=NO_MENTIONS)
    else:
        await interaction.response.edit_message(**kwargs, allowed_mentions=NO_MENTIONS)


async def send_dm(user: discord.abc.Messageable, cards: AnswerCard | list[AnswerCard]) -> discord.Message:
    """Send cards to a user's DMs (raises ``discord.HTTPException`` when DMs are closed)."""
    return await user.send(**_kwargs(cards, None), allowed_mentions=NO_MENTIONS)


async def send_to_channel(channel: discord.abc.Messageable, cards: AnswerCard | list[AnswerCard]) -> discord.Message:
    """Post cards in a channel without pinging anyone."""
    return await channel.send(**_kwargs(cards, None), allowed_mentions=NO_MENTIONS)
