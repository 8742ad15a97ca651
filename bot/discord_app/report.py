"""/report: the curator report. In a home server, for its moderators, about every server; in any
other server, for that server's admins, about that server alone (never another's)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import answers
from bot.core.limits import REPORT_DAYS_DEFAULT, REPORT_DAYS_MAX
from bot.discord_app.checks import require_moderator, require_server_admin
from bot.discord_app.replies import defer_thinking, respond

if TYPE_CHECKING:
    from bot.discord_app.client import VizbotClient


class ReportCog(commands.Cog):
    """What people ask, what is missing, what is disliked, what waits for review."""

    def __init__(self, bot: "VizbotClient"):
        self.bot = bot

    @app_commands.command(
        name="report", description="Admins: what this server asked (in the home server: every server)"
    )
    @app_commands.describe(days="How many days back (default 30)")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def report(
        self, interaction: discord.Interaction, days: app_commands.Range[int, 1, REPORT_DAYS_MAX] = REPORT_DAYS_DEFAULT
    ) -> None:
        settings = self.bot.settings
        if interaction.guild_id in settings.home_guilds:
            await require_moderator(interaction, settings)
            server = None
        else:
            require_server_admin(interaction)
            server = str(interaction.guild_id)
        await defer_thinking(interaction, ephemeral=True)
        report = await self.bot.service.report(days=days, server=server)
        await respond(interaction, answers.report_card(report), ephemeral=True)
