"""Run-time permission checks (default permissions and guild-scoped commands only hide things;
the bot re-checks every moderation action when it runs, whatever Discord chose to show)."""

from __future__ import annotations

import discord
import discord.ext.commands

from bot.config import Settings
from bot.core.errors import PermissionDenied

NO_HOME = (
    "Moderation is off: the bot's owner has not named a home server "
    "(VIZBOT_HOME_GUILDS=<server id> in the bot's settings)."
)
NOT_HOME = "Moderation happens only in the bot's home server; suggestions from here go to its queue."


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


def require_server_admin(interaction: discord.Interaction, what: str = "see its report") -> None:
    """Raise ``PermissionDenied`` unless the user manages this server (Manage Server or Administrator)."""
    if interaction.guild is None or not (interaction.permissions.manage_guild or interaction.permissions.administrator):
        raise PermissionDenied(f"Only this server's admins (Manage Server permission) can {what}.")


async def require_moderator(interaction: discord.Interaction, settings: Settings) -> None:
    """Raise ``PermissionDenied`` unless this runs in a home server and the user is a moderator
    there (Manage Server, the moderator role, or the application's owner or team)."""
    if not settings.home_guilds:
        raise PermissionDenied(NO_HOME)
    if interaction.guild_id is None or interaction.guild_id not in settings.home_guilds:
        raise PermissionDenied(NOT_HOME)
    if is_moderator(interaction, settings):
        return
    client = interaction.client
    if isinstance(client, discord.ext.commands.Bot) and await client.is_owner(interaction.user):
        return
    role = f" or the {settings.mod_role} role" if settings.mod_role else ""
    raise PermissionDenied(f"Only moderators (Manage Server permission{role}) can do this.")
