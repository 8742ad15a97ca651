"""/report: the curator report, for moderators."""

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


class ReportCog(commands.Cog):
    """What people ask, what is missing, what is disliked, what waits for review."""

    def __init__(self, bot: "VizbotClient"):
        self.bot = bot

    @app_commands.command(name="report", description="Moderators: the curator report")
    @app_commands.describe(days="How many days back (default 30)")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def report(self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 3650] = 30) -> None:
        await require_moderator(interaction, self.bot.settings)
        await defer_thinking(interaction, ephemeral=True)
        report = await self.bot.service.report(days=days)
        await respond(interaction, answers.report_card(report), ephemeral=True)
