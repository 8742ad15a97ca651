"""/reload: re-read the catalog without a restart (a broken catalog keeps the old one live).

SIGHUP (``runner``) goes through :func:`reload_service` too: the catalog is read in a worker
thread, then made live on the event loop (``service.use_catalog``), then approvals and votes are
re-read (``service.refresh()``), so a reload never races an approval.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

import bot.app
from bot.config import Settings
from bot.core import answers
from bot.core.answers import AnswerCard
from bot.core.errors import CatalogError, VizbotError
from bot.discord_app.checks import require_moderator
from bot.discord_app.replies import respond

if TYPE_CHECKING:
    from bot.app import Vizbot
    from bot.discord_app.client import VizbotClient

_log = logging.getLogger(__name__)


async def reload_service(service: "Vizbot", settings: Settings) -> AnswerCard:
    """Re-read the catalog off the loop, swap it in on the loop, refresh from the store; the card to show."""
    try:
        curated = await asyncio.to_thread(bot.app.load_settings_catalog, settings)
    except CatalogError as exc:
        return answers.reload_failed_card(exc)
    service.use_catalog(curated)
    try:
        await service.refresh()
    except VizbotError as exc:
        _log.warning("catalog reloaded, but approvals and votes not re-read: %s", exc)
    return answers.reload_card(service.catalog)


class ReloadCog(commands.Cog):
    """Catalog reloads for moderators (SIGHUP does the same for the process owner)."""

    def __init__(self, bot: "VizbotClient"):
        self.bot = bot

    @app_commands.command(name="reload", description="Moderators: re-read the catalog")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def reload(self, interaction: discord.Interaction) -> None:
        require_moderator(interaction, self.bot.settings)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await respond(interaction, await reload_service(self.bot.service, self.bot.settings), ephemeral=True)
