"""/review: moderators decide on pending suggestions one by one (Approve / Reject / Skip)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import answers
from bot.discord_app.checks import require_moderator
from bot.discord_app.modals import handle_reject_reason
from bot.discord_app.replies import defer_thinking, respond
from bot.discord_app.views import review_view

if TYPE_CHECKING:
    from bot.discord_app.client import VizbotClient


class ReviewCog(commands.Cog):
    """The moderation queue; decisions are handled by the buttons in ``views``."""

    def __init__(self, bot: "VizbotClient"):
        self.bot = bot

    @app_commands.command(name="review", description="Moderators: review pending suggestions")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def review(self, interaction: discord.Interaction) -> None:
        await require_moderator(interaction, self.bot.settings)
        await defer_thinking(interaction, ephemeral=True)
        pending = await self.bot.service.pending(limit=1, offset=0)
        card = answers.review_card(
            pending[0] if pending else None,
            pending=await self.bot.service.pending_count(),
            viewer_server=str(interaction.guild_id),
        )
        await respond(interaction, card, view=review_view(card, offset=0), ephemeral=True)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Reject-reason modal submissions, by custom_id (so they work after a restart)."""
        await handle_reject_reason(interaction)
