"""/help: what the bot does, how to suggest, and what it keeps; /forget: delete what it keeps about you."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import answers
from bot.discord_app.replies import defer_thinking, respond

if TYPE_CHECKING:
    from bot.discord_app.client import VizbotClient


class HelpCog(commands.Cog):
    """The help card (the console shows the same one) and /forget."""

    def __init__(self, bot: "VizbotClient"):
        self.bot = bot

    @app_commands.command(name="help", description="What vizbot does and how to use it")
    async def help(self, interaction: discord.Interaction) -> None:
        await respond(
            interaction, answers.help_card(retention_days=self.bot.settings.log_retention_days), ephemeral=True
        )

    @app_commands.command(name="forget", description="Delete what vizbot keeps about you (votes, suggestions)")
    async def forget(self, interaction: discord.Interaction) -> None:
        await defer_thinking(interaction, ephemeral=True)
        report = await self.bot.service.forget(user=str(interaction.user.id))
        await respond(interaction, answers.forget_card(report), ephemeral=True)
