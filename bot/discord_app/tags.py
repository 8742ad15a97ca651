"""Browsing the catalog: /tags and /tag NAME (with autocomplete and kind/level filters)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import answers
from bot.core.limits import TAG_NAME_MAX
from bot.core.model import KINDS, LEVELS
from bot.discord_app.replies import respond
from bot.discord_app.views import tag_view, tags_view

if TYPE_CHECKING:
    from bot.discord_app.client import VizbotClient

KIND_CHOICES = [app_commands.Choice(name=k, value=k) for k in KINDS]
LEVEL_CHOICES = [app_commands.Choice(name=v, value=v) for v in LEVELS]


class TagsCog(commands.Cog):
    """The tag vocabulary and each tag's resources."""

    def __init__(self, bot: "VizbotClient"):
        self.bot = bot

    @app_commands.command(name="tags", description="Every tag with its number of resources")
    async def tags(self, interaction: discord.Interaction) -> None:
        card = answers.tags_page_card(self.bot.service.engine, page=1)
        await respond(interaction, card, view=tags_view(card))

    @app_commands.command(name="tag", description="The resources of one tag")
    @app_commands.describe(
        name="A tag (aliases and typos are understood)", kind="Only this kind of resource", level="Only this level"
    )
    @app_commands.choices(kind=KIND_CHOICES, level=LEVEL_CHOICES)
    async def tag(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, TAG_NAME_MAX],
        kind: app_commands.Choice[str] | None = None,
        level: app_commands.Choice[str] | None = None,
    ) -> None:
        kind_value = kind.value if kind else None
        level_value = level.value if level else None
        card = answers.tag_page_card(self.bot.service.engine, name, kind=kind_value, level=level_value)
        view = tag_view(card, card.tag, kind_value, level_value) if card.tag else None
        await respond(interaction, card, view=view)

    @tag.autocomplete("name")
    async def tag_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=label, value=slug)
            for label, slug in answers.tag_choices(self.bot.service.engine, current)
        ]
