"""Errors at the Discord edge: domain errors become ephemeral embeds, the rest is logged."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.core.answers import AnswerCard, error_card
from bot.core.errors import VizbotError
from bot.discord_app.replies import respond

_log = logging.getLogger(__name__)


def _describe(interaction: discord.Interaction) -> str:
    command = interaction.command.qualified_name if interaction.command else None
    custom_id = (interaction.data or {}).get("custom_id") if isinstance(interaction.data, dict) else None
    return (
        f"command={command!r} custom_id={custom_id!r} user={interaction.user.id} "
        f"guild={interaction.guild_id} channel={interaction.channel_id}"
    )


def card_for(error: BaseException, interaction: discord.Interaction | None = None) -> AnswerCard:
    """The card a user sees for an error; unexpected errors are logged with context."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, VizbotError):
        return error_card(error)
    if isinstance(error, app_commands.CommandNotFound):  # not registered here: another server's command, or forged
        return AnswerCard(title="Not here", description="That command is not available in this server.", tone="error")
    if isinstance(error, app_commands.NoPrivateMessage):
        return AnswerCard(title="Not here", description="This command only works in a server.", tone="error")
    if isinstance(error, (app_commands.MissingPermissions, app_commands.CheckFailure)):
        return AnswerCard(title="Not allowed", description="You may not use this command here.", tone="error")
    if isinstance(error, app_commands.TransformerError) and error.type is discord.AppCommandOptionType.channel:
        return AnswerCard(
            title="Not a channel here",
            description="That is not one of this server's text or forum channels.",
            tone="error",
        )
    if isinstance(error, app_commands.TransformerError):
        return AnswerCard(title="Sorry", description="One of the values given was not understood.", tone="error")
    where = _describe(interaction) if interaction is not None else "-"
    _log.error("unexpected error handling an interaction (%s)", where, exc_info=error)
    return error_card(error)


EXPIRED_CODES = {10062, 50027}  # Unknown interaction (answered too late), Invalid Webhook Token (older than 15 minutes)


def expired(error: BaseException) -> bool:
    """Whether the error says the interaction can no longer be answered at all."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    return isinstance(error, discord.HTTPException) and error.code in EXPIRED_CODES


async def send_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Tell the user, ephemerally, whether or not the interaction was already answered (not when
    Discord said the interaction expired: a second try would only be refused again)."""
    if expired(error):
        _log.warning(
            "interaction expired before it was answered (%s): %s",
            _describe(interaction),
            getattr(error, "original", error),
        )
        return
    card = card_for(error, interaction)
    if interaction.type is discord.InteractionType.autocomplete:
        return  # suggestions cannot carry a message; the failure was logged if unexpected
    try:
        await respond(interaction, card, ephemeral=True)
    except discord.HTTPException as exc:
        _log.warning("could not report an error to the user (%s): %s", _describe(interaction), exc)


class VizbotTree(app_commands.CommandTree):
    """The command tree whose errors become ephemeral embeds."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError, /) -> None:
        await send_error(interaction, error)
