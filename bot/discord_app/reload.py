"""/reload: re-read the catalog without a restart (a broken catalog keeps the old one live).

/reload, SIGHUP (``runner``) and the console's /reload all use ``answers.reload_catalog``: the
catalog is read in a worker thread, made live on the event loop (``service.use_catalog``), then
approvals and votes are re-read (``service.refresh()``), so a reload never races an approval.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import answers
from bot.discord_app.checks import require_moderator
from bot.discord_app.replies import defer_thinking, respond

if TYPE_CHECKING:
    from bot.discord_app.client import VizbotClient


class ReloadCog(commands.Cog):
    """Catalog reloads for moderators (SIGHUP does the same for the process owner)."""

    def __init__(self, bot: "VizbotClient"):
        self.bot = bot

    @app_commands.command(name="reload", description="Moderators: re-read the catalog")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def reload(self, interaction: discord.Interaction) -> None:
        await require_moderator(interaction, self.bot.settings)
        await defer_thinking(interaction, ephemeral=True)
        await respond(interaction, await answers.reload_catalog(self.bot.service), ephemeral=True)
