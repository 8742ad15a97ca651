"""Run-time permission checks (default permissions only hide commands; the bot re-checks)."""

from __future__ import annotations

import discord

from bot.config import Settings
from bot.core.errors import PermissionDenied


def is_moderator(interaction: discord.Interaction, settings: Settings) -> bool:
    """Manage Server in this guild, or the role named (or numbered) by ``VIZBOT_MOD_ROLE``."""
    member = interaction.user
    if interaction.guild is None or not isinstance(member, discord.Member):
        return False
    if interaction.permissions.manage_guild or interaction.permissions.administrator:
        return True
    wanted = (settings.mod_role or "").strip()
    if not wanted:
        return False
    if wanted.isdigit() and member.get_role(int(wanted)) is not None:
        return True
    return any(role.name == wanted or str(role.id) == wanted for role in member.roles)


def require_moderator(interaction: discord.Interaction, settings: Settings) -> None:
    """Raise ``PermissionDenied`` unless the user is a moderator here."""
    if not is_moderator(interaction, settings):
        role = f" or the {settings.mod_role} role" if settings.mod_role else ""
        raise PermissionDenied(f"Only moderators (Manage Server permission{role}) can do this, in a server.")
