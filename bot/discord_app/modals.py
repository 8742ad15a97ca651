"""The reject-reason modal of /review, and its submission (handled by custom_id, so it survives a restart).

The modal ``vizbot:reject-reason:{suggestion_id}:{offset}`` is never kept in discord.py's memory:
every submission, before or after a restart, is handled by :func:`handle_reject_reason`
(called from ``ReviewCog``'s ``on_interaction`` listener).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.core.limits import REASON_MAX, REASON_MIN
from bot.core.suggestion_schema import validate_reason
from bot.discord_app.checks import require_moderator
from bot.discord_app.errors import send_error

if TYPE_CHECKING:
    from bot.discord_app.client import VizbotClient

REASON_FIELD = "reason"
REJECT_REASON = re.compile(r"vizbot:reject-reason:(?P<id>[0-9]+)(?::(?P<offset>[0-9]+))?")


class RejectModal(discord.ui.Modal):
    """Asks the moderator why a suggestion is rejected; the reason is sent to the submitter."""

    reason: discord.ui.TextInput = discord.ui.TextInput(
        label="Reason (sent to the submitter)",
        style=discord.TextStyle.paragraph,
        min_length=REASON_MIN,
        max_length=REASON_MAX,  # the one reason limit: a longer reason would be refused after typing it
        placeholder="e.g. already covered by an entry on the same topic",
        custom_id=REASON_FIELD,
    )

    def __init__(self, suggestion_id: int, offset: int = 0):
        super().__init__(
            title=f"Reject suggestion #{suggestion_id}",
            timeout=None,
            custom_id=f"vizbot:reject-reason:{suggestion_id}:{offset}",
        )
        self.suggestion_id = suggestion_id
        self.offset = offset
        # Finished before it is sent, so discord.py does not store it: the submission is handled
        # by custom_id (handle_reject_reason), the same way before and after a restart.
        self.stop()


def submitted_values(data: Any) -> dict[str, str]:
    """The text values of a modal submission by custom_id (action rows and label components)."""
    values: dict[str, str] = {}

    def visit(component: Any) -> None:
        if not isinstance(component, dict):
            return
        if "custom_id" in component and isinstance(component.get("value"), str):
            values[component["custom_id"]] = component["value"]
        for child in component.get("components", []) or []:
            visit(child)
        visit(component.get("component"))

    for row in (data or {}).get("components", []) if isinstance(data, dict) else []:
        visit(row)
    return values


async def handle_reject_reason(interaction: discord.Interaction) -> bool:
    """Handle a ``vizbot:reject-reason:...`` modal submission; ``False`` for any other interaction."""
    if interaction.type is not discord.InteractionType.modal_submit or not isinstance(interaction.data, dict):
        return False
    match = REJECT_REASON.fullmatch(str(interaction.data.get("custom_id", "")))
    if match is None:
        return False
    from bot.discord_app.views import show_next_review

    client: "VizbotClient" = interaction.client  # type: ignore[assignment]
    try:
        await require_moderator(interaction, client.settings)
        values = submitted_values(interaction.data)
        reason = (values.get(REASON_FIELD) or next(iter(values.values()), "")).strip()
        validate_reason(reason)  # before deferring: a refused reason is answered at once
        await interaction.response.defer()
        decided = await client.service.reject(int(match["id"]), moderator=str(interaction.user.id), reason=reason)
        await show_next_review(interaction, decided, offset=int(match["offset"] or 0))
    except Exception as exc:  # noqa: BLE001 - the edge: every error is answered
        await send_error(interaction, exc)
    return True
