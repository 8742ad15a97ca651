"""The reject-reason modal of /review."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot.discord_app.checks import require_moderator
from bot.discord_app.errors import send_error

if TYPE_CHECKING:
    from bot.discord_app.client import VizbotClient

REASON_MAX = 1000


class RejectModal(discord.ui.Modal):
    """Asks the moderator why a suggestion is rejected; the reason is sent to the submitter."""

    reason: discord.ui.TextInput = discord.ui.TextInput(
        label="Reason (sent to the submitter)",
        style=discord.TextStyle.paragraph,
        min_length=3,
        max_length=REASON_MAX,
        placeholder="e.g. already covered by an entry on the same topic",
    )

    def __init__(self, suggestion_id: int, offset: int = 0):
        super().__init__(title=f"Reject suggestion #{suggestion_id}", timeout=900,
                         custom_id=f"vizbot:reject-reason:{suggestion_id}")
        self.suggestion_id = suggestion_id
        self.offset = offset

    async def on_submit(self, interaction: discord.Interaction) -> None:
        from bot.discord_app.views import show_next_review

        client: "VizbotClient" = interaction.client  # type: ignore[assignment]
        require_moderator(interaction, client.settings)
        await interaction.response.defer()
        decided = await client.service.reject(self.suggestion_id, moderator=str(interaction.user.id),
                                              reason=self.reason.value)
        await show_next_review(interaction, decided, offset=self.offset)

    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:
        await send_error(interaction, error)
