"""Questions: mentions and DMs, listening channels, /ask, and the "Find visualizations" context menu."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import answers
from bot.core.errors import InvalidInput, RateLimited, VizbotError
from bot.core.limits import QUESTION_MAX
from bot.core.sanitize import clean_text
from bot.discord_app.delivery import answer_message
from bot.discord_app.replies import defer_thinking, respond
from bot.discord_app.views import answer_view
from bot.core.records import DIRECT_MESSAGES

if TYPE_CHECKING:
    from bot.discord_app.client import VizbotClient

_log = logging.getLogger(__name__)

PRIVATE_HERE = "Only you see this: this server answers publicly in other channels"


def strip_mentions_of(text: str, user_id: int, role_id: int | None = None) -> str:
    """The message text without mentions of the bot (user mention, nickname form, its role)."""
    text = re.sub(rf"<@!?{user_id}>", " ", text)
    if role_id is not None:
        text = re.sub(rf"<@&{role_id}>", " ", text)
    return clean_text(text)


def addresses(text: str, user_id: int, role_id: int | None = None) -> bool:
    """Whether ``text`` mentions the bot explicitly (``<@id>``, ``<@!id>`` or its role ``<@&id>``).

    ``message.mentions`` is not enough: a reply to the bot puts the bot there (the reply ping)
    although the user only wrote "thanks!".
    """
    if re.search(rf"<@!?{user_id}>", text or ""):
        return True
    return role_id is not None and f"<@&{role_id}>" in (text or "")


class AskCog(commands.Cog):
    """Every way of asking a question; all of them use ``answers.ask_card``."""

    def __init__(self, bot: "VizbotClient"):
        self.bot = bot
        self.cooldown = bot.question_cooldown  # shared with Post to channel
        self.menu = app_commands.ContextMenu(name="Find visualizations", callback=self.find_visualizations)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    def _bot_role_id(self, message: discord.Message) -> int | None:
        guild = message.guild
        role = guild.self_role if guild is not None and guild.me is not None else None
        return role.id if role is not None else None

    def question_in(self, message: discord.Message) -> tuple[str, bool] | None:
        """``(question, listening)`` when the message is for the bot, else ``None``."""
        me = self.bot.user
        if me is None or message.author.bot or message.author.id == me.id or message.webhook_id:
            return None
        role_id = self._bot_role_id(message)
        if message.guild is None:
            return strip_mentions_of(message.content, me.id), False
        if not self.answers_here(message):
            return None  # this server's admins chose other channels (/settings)
        if addresses(message.content, me.id, role_id):
            return strip_mentions_of(message.content, me.id, role_id), False
        channel_ids = {message.channel.id, getattr(message.channel, "parent_id", None)}
        if self.bot.settings.listen_channels and channel_ids & set(self.bot.settings.listen_channels):
            if answers.looks_like_question(message.content):
                return clean_text(message.content), True
        return None

    def answers_here(self, message: discord.Message) -> bool:
        """Whether this server's /settings let the bot answer mentions in the message's channel (or its thread's parent)."""
        settings = self.bot.settings_for(message.guild.id if message.guild else None)
        return settings.answers_in(message.channel.id, getattr(message.channel, "parent_id", None))

    def unreadable_role_mention(self, message: discord.Message) -> bool:
        """A mention of the bot's managed role (Discord's mention picker offers it) that arrived
        without text, because Discord sends message content for mentions of the bot, not its role."""
        role_id = self._bot_role_id(message)
        return (
            message.guild is not None
            and role_id is not None
            and not message.content
            and not message.author.bot
            and any(role.id == role_id for role in message.role_mentions)
            and self.answers_here(message)
        )

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if self.bot.draining:
            return  # stopping: no new questions (answers in flight still finish)
        async with self.bot.answering():
            await self._on_message(message)

    async def _on_message(self, message: discord.Message) -> None:
        if self.unreadable_role_mention(message):
            try:
                await answer_message(message, answers.role_mention_card(), guard=self.bot.channel_guard)
            except discord.HTTPException as exc:
                _log.warning("could not answer a role mention in channel %s: %s", message.channel.id, exc)
            return
        found = self.question_in(message)
        if found is None:
            return
        question, listening = found
        server = self.bot.settings_for(message.guild.id if message.guild else None)
        try:
            if not question:
                await answer_message(
                    message,
                    answers.help_card(retention_days=self.bot.settings.log_retention_days),
                    guard=self.bot.channel_guard,
                )
                return
            try:
                await self.cooldown.check(message.author.id, server.cooldown_seconds)
            except RateLimited as exc:
                # A reply to a message is public: say it once per window, then stay quiet.
                if not listening and self.cooldown.first_warning(message.author.id):
                    await answer_message(
                        message,
                        answers.cooldown_card(exc.retry_after, str(exc)),
                        guard=self.bot.channel_guard,
                        dm_fallback=False,
                    )
                return
            card = await answers.ask_card(
                self.bot.service,
                question,
                user=str(message.author.id),
                guild=str(message.guild.id) if message.guild else DIRECT_MESSAGES,
                log=server.log_questions,
            )
            if listening and not card.items:
                return  # in a listening channel, stay quiet unless there is something to offer
            await answer_message(
                message,
                card,
                view=answer_view(card, asker=message.author.id),
                guard=self.bot.channel_guard,
                dm_fallback=not listening,
            )
        except VizbotError as exc:
            await answer_message(
                message, answers.error_card(exc), guard=self.bot.channel_guard, dm_fallback=not listening
            )
        except discord.HTTPException as exc:
            _log.warning("could not answer message %s in channel %s: %s", message.id, message.channel.id, exc)
        except Exception:
            _log.exception(
                "unexpected error answering message %s from user %s in channel %s",
                message.id,
                message.author.id,
                message.channel.id,
            )
            try:
                await answer_message(
                    message, answers.error_card(RuntimeError()), guard=self.bot.channel_guard, dm_fallback=False
                )
            except discord.HTTPException:
                pass

    @app_commands.command(name="ask", description="Find learning visualizations for a question")
    @app_commands.describe(
        question="What do you want to understand? e.g. how do convolutions work",
        public="Post the answer in the channel for everyone (default: only you see it)",
    )
    async def ask(
        self, interaction: discord.Interaction, question: app_commands.Range[str, 1, QUESTION_MAX], public: bool = False
    ) -> None:
        server = self.bot.settings_for(interaction.guild_id)
        await self.cooldown.check(interaction.user.id, server.cooldown_seconds)
        moved = public and not self.public_here(interaction)
        public = public and not moved  # the server's admins chose other channels for public answers
        async with self.bot.answering():
            await defer_thinking(interaction, ephemeral=not public)
            card = await answers.ask_card(
                self.bot.service,
                question,
                user=str(interaction.user.id),
                guild=str(interaction.guild_id) if interaction.guild_id else DIRECT_MESSAGES,
                log=server.log_questions,
            )
            if moved:
                card = replace(card, footer=PRIVATE_HERE + (" · " + card.footer if card.footer else ""))
            await respond(
                interaction,
                card,
                view=answer_view(card, asker=interaction.user.id, can_post=not public and not moved),
                ephemeral=not public,
            )

    def public_here(self, interaction: discord.Interaction) -> bool:
        """Whether this server's /settings allow public answers in the interaction's channel."""
        channel = interaction.channel
        return self.bot.settings_for(interaction.guild_id).answers_in(
            interaction.channel_id, getattr(channel, "parent_id", None)
        )

    async def find_visualizations(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Context menu: answer someone's message in a reply to it."""
        me = self.bot.user
        question = strip_mentions_of(message.content or "", me.id if me else 0, self._bot_role_id(message))
        if not question:
            raise InvalidInput("message", "it has no text I can search for")
        server = self.bot.settings_for(interaction.guild_id)
        await self.cooldown.check(interaction.user.id, server.cooldown_seconds)
        await defer_thinking(interaction, ephemeral=True)
        card = await answers.ask_card(
            self.bot.service,
            question,
            user=str(interaction.user.id),
            guild=str(interaction.guild_id) if interaction.guild_id else DIRECT_MESSAGES,
            log=server.log_questions,
        )
        if not self.public_here(interaction):
            card = replace(card, footer=PRIVATE_HERE + (" · " + card.footer if card.footer else ""))
            await respond(interaction, card, view=answer_view(card, asker=interaction.user.id), ephemeral=True)
            return
        try:
            # The invoker asked for this answer, so the invoker pages it (More). Never a DM to the
            # message's author: they did not ask.
            sent = await answer_message(
                message,
                card,
                view=answer_view(card, asker=interaction.user.id),
                guard=self.bot.channel_guard,
                dm_fallback=False,
            )
        except discord.HTTPException as exc:
            _log.info("could not reply to message %s (%s); answering privately", message.id, exc)
            sent = None
        if sent is None:
            await respond(interaction, card, view=answer_view(card, asker=interaction.user.id), ephemeral=True)
            return
        await interaction.followup.send(
            "Answered in a reply to that message.", ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )
