"""/help: what the bot does and how to suggest."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import answers
from bot.discord_app.replies import respond

if TYPE_CHECKING:
    from bot.discord_app.client import VizbotClient


class HelpCog(commands.Cog):
    """The help card (the console shows the same one)."""

    def __init__(self, bot: "VizbotClient"):
        self.bot = bot

    @app_commands.command(name="help", description="What vizbot does and how to use it")
    async def help(self, interaction: discord.Interaction) -> None:
        await respond(interaction, answers.help_card(), ephemeral=True)
