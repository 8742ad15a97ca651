"""/settings: a server's admins choose where mentions are answered, whether the server's questions
are logged, and its question cooldown. Stored in the database; checked when it runs."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import answers
from bot.core.errors import InvalidInput
from bot.core.limits import COOLDOWN_MAX
from bot.discord_app.checks import require_server_admin
from bot.discord_app.replies import respond
from bot.store import ServerSettings

if TYPE_CHECKING:
    from bot.discord_app.client import VizbotClient

_log = logging.getLogger(__name__)

AnswerChannel = discord.TextChannel | discord.ForumChannel  # mentions come in these and their threads


def channel_names(guild: discord.Guild | None, channel_ids: tuple[int, ...]) -> list[str]:
    """``#name`` for each channel still in the server (a deleted one shows its id)."""
    names = []
    for channel_id in channel_ids:
        channel = guild.get_channel(channel_id) if guild is not None else None
        names.append(f"#{channel.name}" if channel is not None else f"deleted channel {channel_id}")
    return names


def settings_card(
    client: "VizbotClient", guild: discord.Guild | None, current: ServerSettings, changed: list[str] | None = None
) -> answers.AnswerCard:
    """The /settings card for ``current`` (the bot's defaults filled in)."""
    bot_settings = client.settings
    cooldown = current.cooldown_seconds
    return answers.server_settings_card(
        guild.name if guild is not None else current.server,
        answer_channels=channel_names(guild, current.answer_channels),
        log_questions=current.log_questions,
        operator_logs=bot_settings.log_questions,
        retention_days=bot_settings.log_retention_days,
        cooldown_seconds=bot_settings.question_cooldown_seconds if cooldown is None else cooldown,
        cooldown_is_default=cooldown is None,
        changed=changed or (),
    )


def _own_channel(interaction: discord.Interaction, channel: Any, option: str) -> int:
    """The id of ``channel`` if it is one of this server's channels (a forged id is refused)."""
    guild = interaction.guild
    if (
        guild is None
        or getattr(channel, "guild", None) is None
        or channel.guild.id != guild.id
        or guild.get_channel(channel.id) is None
    ):
        raise InvalidInput(option, "is not a channel of this server")
    return int(channel.id)


class ServerSettingsCog(commands.Cog):
    """One server's own settings, for its admins (Manage Server)."""

    def __init__(self, bot: "VizbotClient"):
        self.bot = bot

    @app_commands.command(
        name="settings", description="Admins: where I answer mentions, question logging, the cooldown"
    )
    @app_commands.describe(
        answer_in="Answer mentions in this channel (once one is named, only in the named ones)",
        stop_answering_in="Stop answering mentions in this channel",
        answer_everywhere="True: answer mentions in every channel again",
        log_questions="Log this server's questions (without names) for /report",
        cooldown="Seconds each person waits between questions (0: no wait)",
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def settings(
        self,
        interaction: discord.Interaction,
        answer_in: AnswerChannel | None = None,
        stop_answering_in: AnswerChannel | None = None,
        answer_everywhere: bool | None = None,
        log_questions: bool | None = None,
        cooldown: app_commands.Range[int, 0, COOLDOWN_MAX] | None = None,
    ) -> None:
        require_server_admin(interaction, "change or see its settings")
        guild_id = interaction.guild_id
        assert guild_id is not None  # guild_only, and require_server_admin refuses DMs
        current = await self.bot.service.server_settings(str(guild_id))
        changes: dict[str, object] = {}
        changed: list[str] = []
        channels = list(current.answer_channels)
        if answer_everywhere:
            channels = []
            changed.append("mentions are answered in every channel")
        if answer_in is not None:
            added = _own_channel(interaction, answer_in, "answer_in")
            if added not in channels:
                channels.append(added)
            changed.append(f"mentions are answered in #{answer_in.name}")
        if stop_answering_in is not None:
            removed = _own_channel(interaction, stop_answering_in, "stop_answering_in")
            if removed in channels:
                channels.remove(removed)
            elif not channels:
                raise InvalidInput(
                    "stop_answering_in",
                    "mentions are answered in every channel; name the channels to answer in with answer_in instead",
                )
            changed.append(f"not in #{stop_answering_in.name}")
        if tuple(channels) != current.answer_channels:
            changes["answer_channels"] = tuple(channels)
        if log_questions is not None:
            changes["log_questions"] = log_questions
            changed.append("questions are logged" if log_questions else "questions are not logged")
        if cooldown is not None:
            changes["cooldown_seconds"] = int(cooldown)
            changed.append(f"cooldown {int(cooldown)} s")
        if changes:
            current = await self.bot.service.update_server_settings(
                str(guild_id), by=str(interaction.user.id), **changes
            )
            self.bot.remember_server_settings(current)
            _log.info("server %s: settings changed by %s: %s", guild_id, interaction.user.id, "; ".join(changed))
        await respond(interaction, settings_card(self.bot, interaction.guild, current, changed), ephemeral=True)
