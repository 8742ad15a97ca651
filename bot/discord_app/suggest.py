"""/suggest: propose a resource for the catalog; the user sees exactly what the store did."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import answers
from bot.core.limits import NOTE_MAX, TAGS_TEXT_MAX, TITLE_MAX, URL_MAX
from bot.discord_app.replies import defer_thinking, respond

if TYPE_CHECKING:
    from bot.discord_app.client import VizbotClient


class SuggestCog(commands.Cog):
    """Suggestions from users (validated, deduplicated and rate limited by the service)."""

    def __init__(self, bot: "VizbotClient"):
        self.bot = bot

    @app_commands.command(name="suggest", description="Suggest a learning visualization for the catalog")
    @app_commands.describe(
        url="Link to the resource (http or https)",
        title="Its title",
        tags="Tags, comma separated (e.g. cnn, convolution)",
        note="Why it helps (optional)",
    )
    async def suggest(
        self,
        interaction: discord.Interaction,
        url: app_commands.Range[str, 1, URL_MAX],
        title: app_commands.Range[str, 1, TITLE_MAX],
        tags: app_commands.Range[str, 1, TAGS_TEXT_MAX],
        note: app_commands.Range[str, 0, NOTE_MAX] | None = None,
    ) -> None:
        await defer_thinking(interaction, ephemeral=True)
        outcome = await self.bot.service.suggest(
            url,
            title,
            tags,
            note or "",
            user=str(interaction.user.id),
            user_name=str(interaction.user),
            guild=str(interaction.guild_id) if interaction.guild_id else None,
        )
        await respond(interaction, answers.suggest_card(outcome), ephemeral=True)

    @suggest.autocomplete("tags")
    async def tags_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=label, value=value)
            for label, value in answers.tag_list_choices(self.bot.service.engine, current)
        ]
