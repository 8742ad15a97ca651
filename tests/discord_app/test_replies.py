"""Where a card goes: the response, the deferred message filled in, or a follow-up; errors stay private."""

from __future__ import annotations

from unittest.mock import AsyncMock, create_autospec

import discord
import pytest

from bot.core.answers import AnswerCard
from bot.discord_app.replies import defer_thinking, respond

CARD = AnswerCard(title="Answer", description="text")


def _interaction(done: bool, kind: discord.InteractionResponseType | None) -> discord.Interaction:
    interaction = create_autospec(discord.Interaction, instance=True)
    interaction.extras = {}
    interaction.response = create_autospec(discord.InteractionResponse, instance=True)
    interaction.response.is_done.return_value = done
    type(interaction.response).type = kind
    interaction.response.defer = AsyncMock()
    interaction.followup = create_autospec(discord.Webhook, instance=True)
    return interaction


async def test_not_yet_answered_is_the_response() -> None:
    """A fresh interaction is answered with the card itself."""
    interaction = _interaction(False, None)
    await respond(interaction, CARD, ephemeral=True)
    interaction.response.send_message.assert_awaited_once()
    assert interaction.response.send_message.await_args.kwargs["ephemeral"] is True


@pytest.mark.parametrize("private", [True, False])
async def test_a_deferred_answer_is_filled_in(private: bool) -> None:
    """After "thinking", the deferred message is edited (the follow-up route for it is deprecated)."""
    interaction = _interaction(False, None)
    await defer_thinking(interaction, ephemeral=private)
    interaction.response.defer.assert_awaited_once_with(ephemeral=private, thinking=True)
    interaction.response.is_done.return_value = True
    type(interaction.response).type = discord.InteractionResponseType.deferred_channel_message
    await respond(interaction, CARD, ephemeral=private)
    interaction.edit_original_response.assert_awaited_once()
    interaction.followup.send.assert_not_awaited()


async def test_an_error_after_a_public_deferral_stays_private() -> None:
    """The public placeholder is removed and the error goes to the user alone."""
    interaction = _interaction(False, None)
    await defer_thinking(interaction, ephemeral=False)
    interaction.response.is_done.return_value = True
    type(interaction.response).type = discord.InteractionResponseType.deferred_channel_message
    await respond(interaction, CARD, ephemeral=True)
    interaction.delete_original_response.assert_awaited_once()
    interaction.edit_original_response.assert_not_awaited()
    assert interaction.followup.send.await_args.kwargs["ephemeral"] is True


async def test_after_a_message_a_follow_up() -> None:
    """An interaction already answered with a message gets a new message."""
    interaction = _interaction(True, discord.InteractionResponseType.channel_message)
    await respond(interaction, CARD, ephemeral=False)
    interaction.followup.send.assert_awaited_once()
    interaction.edit_original_response.assert_not_awaited()
