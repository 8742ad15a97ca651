"""The Discord client: built with the service, adds one cog per feature, registers persistent buttons.

Who handles what
----------------
=====================  ==============================================================
``ask.AskCog``          mentions and DMs (``on_message``), ``VIZBOT_LISTEN_CHANNELS``,
                        ``/ask question [public]``, message context menu
                        "Find visualizations" (replies to the target message)
``tags.TagsCog``        ``/tags``, ``/tag name [kind] [level]`` (+ autocomplete on name)
``suggest.SuggestCog``  ``/suggest url title tags [note]`` (+ autocomplete on tags)
``review.ReviewCog``    ``/review`` (moderators); decisions via the buttons below
``report.ReportCog``    ``/report [days]``: a home's moderators see every server's report, another
                        server's admins (Manage Server) that server's alone
``reload.ReloadCog``    ``/reload`` (moderators)
(``/review`` and ``/reload`` are registered only in the home servers, ``VIZBOT_HOME_GUILDS``; with
none set they are not registered at all, and every moderation button refuses)
``help.HelpCog``        ``/help``, ``/forget``
``server_settings.ServerSettingsCog``  ``/settings`` (a server's admins): where mentions are answered,
                        whether its questions are logged, its cooldown (``client.settings_for``)
=====================  ==============================================================

Button ``custom_id`` templates (``views.py``; ``DynamicItem`` registered in ``setup_hook``,
so they keep working after a restart). Ids are decimal Discord snowflakes.

- ``vizbot:vote:up:{resource_id}`` / ``vizbot:vote:down:{resource_id}``: 👍 / 👎 on one result
  (rows 0-2 of an answer, one row per result, label = result number). Anyone may vote; the
  question voted on is read from the answer embed's author line. Reply: an ephemeral
  deferral (type 5), then the thanks as a follow-up (the store may be slow).
- ``vizbot:more:{asker_id}:{offset}``: next page of an answer (row 3, label "More"; offset 0
  and label "Back to the top" on the last page). Only the asker; others get an ephemeral refusal.
  The message is edited in place (interaction response type 7, UPDATE_MESSAGE).
- ``vizbot:post:{asker_id}:{offset}``: "Post to channel" under a private ``/ask`` answer: only the
  asker, once (the private answer is updated without the button, type 7, then the answer is sent
  publicly as a follow-up; a repeated click is refused); it counts against the question cooldown.
- ``vizbot:tags:{page}``: /tags pages (labels "◀ Previous" / "Next ▶"; page is 1-based).
- ``vizbot:tag:{kind}:{level}:{page}:{slug}``: /tag pages; kind and level may be empty.
- ``vizbot:approve:{suggestion_id}:{offset}``: approve (moderators); deferred update, then the
  message is edited to show the decision and the next pending suggestion; the submitter gets a DM.
- ``vizbot:reject:{suggestion_id}:{offset}``: opens the modal ``vizbot:reject-reason:{suggestion_id}:{offset}``
  with one text input ``reason`` (at most ``bot.core.limits.REASON_MAX`` characters); submitting it
  rejects and edits the review message. The modal is not kept in memory: ``ReviewCog``'s
  ``on_interaction`` handles every submission by custom_id, so it works after a restart.
- ``vizbot:skip:{offset}``: show the pending suggestion at ``offset`` (moderators).

Background: every ``refresh_seconds`` (default 60; started in ``on_ready``, cancelled in ``close``)
``notify.refresh_loop`` calls ``service.refresh()`` (approvals and votes made by ``vizbot`` on
the command line) and DMs the submitters of decided, unnotified suggestions; /review's own
decisions go through the same ``notify.notify_decided``.

Processes sharing the database (``follow.follow_loop``, every ``VIZBOT_SYNC_SECONDS``, default 2;
started in ``on_ready``, cancelled in ``close``): approvals, rejections, ``/settings`` and reloads made
by another process (another group of shards, ``vizbot`` on the command line) are applied within
seconds. When this process runs only some of the shards, the question cooldown is also checked in the
database (``Cooldown(shared=...)``), so it holds per user across the processes.

Background link check (``VIZBOT_LINK_CHECK=daily``; ``links.link_check_loop``, started in
``setup_hook``, cancelled in ``close``): one link at a time, each once a day; moderators are told
once in ``VIZBOT_MOD_CHANNEL`` when a link turns dead or moved.

Answers are embeds: author line = the question, title, description with numbered results
(``**1. [Title](url)**``, a one-line description, `` `tag` `` list · kind · level, ``*why:*``).
Every send uses ``AllowedMentions.none()`` (also the client default).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any, AsyncIterator

import discord
from discord.ext import commands

from bot.config import Settings
from bot.core.errors import InvalidInput, VizbotError
from bot.discord_app.ask import AskCog
from bot.discord_app.cooldown import Cooldown
from bot.discord_app.delivery import ChannelGuard
from bot.core.feed_cursor import FeedCursor
from bot.discord_app.errors import VizbotTree, send_error
from bot.discord_app.follow import follow_loop
from bot.discord_app.help import HelpCog
from bot.discord_app.links import link_check_loop
from bot.discord_app.notify import refresh_loop
from bot.discord_app.reload import ReloadCog
from bot.discord_app.report import ReportCog
from bot.discord_app.review import ReviewCog
from bot.discord_app.server_settings import ServerSettingsCog
from bot.discord_app.suggest import SuggestCog
from bot.discord_app.sync import sync_commands
from bot.discord_app.tags import TagsCog
from bot.discord_app.views import DYNAMIC_ITEMS, known_custom_id
from bot.store import ServerSettings

if TYPE_CHECKING:
    from bot.app import Vizbot

_log = logging.getLogger(__name__)

REFRESH_SECONDS = 60.0  # how often decisions and votes made by other processes are picked up
SHUTDOWN_GRACE = 5.0  # seconds answers in flight get to finish when the bot is stopped
LINK_CHECK_EVERY = 86400.0  # VIZBOT_LINK_CHECK=daily: each link once a day, spread over the day

COGS = (
    AskCog,
    TagsCog,
    SuggestCog,
    ReportCog,
    HelpCog,
    ServerSettingsCog,
)  # everywhere (/report is scoped when it runs)
MODERATION_COGS = (ReviewCog, ReloadCog)  # registered in the home servers only (VIZBOT_HOME_GUILDS)


def make_intents(settings: Settings) -> discord.Intents:
    """The events vizbot uses and no more: servers (channels, roles), messages in servers (mentions)
    and in DMs; Message Content (privileged) only when listening channels are configured."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = bool(settings.listen_channels)
    return intents


class VizbotClient(commands.Bot):
    """vizbot on Discord; the service and settings are handed in by the runner."""

    def __init__(
        self,
        service: "Vizbot",
        settings: Settings,
        *,
        force_sync: bool = False,
        sync: bool = True,
        refresh_seconds: float = REFRESH_SECONDS,
        link_check_every: float = LINK_CHECK_EVERY,
        **client_options: Any,
    ):
        # vizbot never joins voice: skip discord.py's "PyNaCl/davey is not installed" warnings.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        super().__init__(
            # commands.Bot needs a prefix, but there are no prefix commands and on_message below never
            # runs process_commands: questions by mention are AskCog's (explicit <@id> only).
            command_prefix=commands.when_mentioned,
            intents=make_intents(settings),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=VizbotTree,
            help_command=None,
            **client_options,
        )
        self.service = service
        self.settings = settings
        self.force_sync = force_sync
        self.sync_on_start = sync
        self.sync_report: list[str] = []
        self.refresh_seconds = refresh_seconds
        self.notify_lock = asyncio.Lock()
        # One question cooldown for mentions, /ask, the message menu and Post to channel; in the
        # database too when other processes run the other shards (a user's questions reach them too).
        shared = service if self.runs_some_shards and getattr(service, "store", None) is not None else None
        self.question_cooldown = Cooldown(settings.question_cooldown_seconds, shared=shared)
        self.sync_seconds = float(settings.sync_seconds)
        self._follow_from: FeedCursor | None = None  # the changes applied (set in setup_hook when following)
        self._follow_task: asyncio.Task[None] | None = None
        self.posted: set[int] = set()  # private answers already posted to their channel (Post to channel works once)
        self.draining = False  # set when stopping: new questions are not taken
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._refresh_task: asyncio.Task[None] | None = None
        self.server_settings: dict[str, ServerSettings] = {}  # server id -> its /settings (others: defaults)
        self.channel_guard = ChannelGuard()  # channels that refused the bot (403) and fallbacks already logged
        self.link_check_every = link_check_every
        self._link_task: asyncio.Task[None] | None = None  # the background link check (VIZBOT_LINK_CHECK=daily)

    def settings_for(self, guild_id: int | None) -> ServerSettings:
        """The /settings of a server (defaults for a server that set nothing, and for DMs)."""
        server = str(guild_id) if guild_id is not None else "dm"
        return self.server_settings.get(server) or ServerSettings(server=server)

    def remember_server_settings(self, settings: ServerSettings) -> None:
        """Use a server's settings from now on (after /settings changed them)."""
        self.server_settings[settings.server] = settings

    async def load_server_settings(self) -> None:
        """(Re-)read every server's settings from the database (changes made by another process too)."""
        if getattr(self.service, "store", None) is None:
            return  # no database: every server has the defaults
        try:
            self.server_settings = dict(await self.service.every_server_settings())
        except VizbotError as exc:
            _log.warning("could not read the servers' settings from the database: %s", exc)

    async def setup_hook(self) -> None:
        await self.start_following()
        await self.load_server_settings()
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        for cog in COGS:
            await self.add_cog(cog(self))
        homes = [discord.Object(id=guild) for guild in self.settings.home_guilds]
        if homes:  # guild-scoped: members of other servers never see them (and they are re-checked when run)
            for moderation_cog in MODERATION_COGS:
                await self.add_cog(moderation_cog(self), guilds=homes)
        else:
            _log.warning(
                "moderation is off: set VIZBOT_HOME_GUILDS to the id of the server where "
                "moderators review suggestions (questions are answered everywhere regardless)"
            )
        if self.sync_on_start or self.force_sync:
            try:
                self.sync_report = await sync_commands(self.tree, self.settings, force=self.force_sync)
            except discord.HTTPException as exc:
                _log.warning("could not sync application commands: %s", exc)
                if self.force_sync:
                    raise
            for line in self.sync_report:
                _log.info("%s", line)
        if self.settings.link_check and self.service.store is not None and self.runs_shard_of(0):  # one process checks
            self._link_task = asyncio.create_task(
                link_check_loop(self, every=self.link_check_every), name="vizbot-links"
            )

    async def on_interaction(self, interaction: discord.Interaction, /) -> None:
        """A button or form whose custom_id no handler knows (forged, or from an old version) gets a
        clear private answer instead of Discord's "interaction failed"."""
        if interaction.type not in (discord.InteractionType.component, discord.InteractionType.modal_submit):
            return
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        if known_custom_id(custom_id) or interaction.response.is_done():
            return
        _log.info(
            "unknown custom_id %r from user %s in guild %s", custom_id[:100], interaction.user.id, interaction.guild_id
        )
        await send_error(interaction, InvalidInput("button", "it is not one of mine, or it no longer works; ask again"))

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands (so no ``process_commands``): questions are handled by ``AskCog``'s listener."""

    async def on_ready(self) -> None:
        _log.info("connected as %s to %d guilds", self.user, len(self.guilds))
        for home in self.settings.home_guilds:
            if self.get_guild(home) is None and self.runs_shard_of(home):
                _log.warning(
                    "vizbot is not in home server %s (VIZBOT_HOME_GUILDS): nobody can moderate there "
                    "until the bot is invited to it with the bot and applications.commands scopes",
                    home,
                )
        if self.refresh_seconds > 0 and (self._refresh_task is None or self._refresh_task.done()):
            self._refresh_task = asyncio.create_task(refresh_loop(self, self.refresh_seconds), name="vizbot-refresh")
        if self._follow_from is not None and (self._follow_task is None or self._follow_task.done()):
            self._follow_task = asyncio.create_task(
                follow_loop(self, self.sync_seconds, self._follow_from), name="vizbot-follow"
            )

    async def start_following(self) -> None:
        """Note where the change feed stands, before the state it changes is first read (nothing is missed)."""
        store = getattr(self.service, "store", None)
        if store is None or self.sync_seconds <= 0:
            return
        try:
            self._follow_from = FeedCursor(await store.last_event_id())
        except VizbotError as exc:
            _log.warning("changes made by other processes are picked up once a minute only: %s", exc)

    @property
    def runs_some_shards(self) -> bool:
        """Whether other processes run the rest of the shards (``VIZBOT_SHARD_IDS`` names only some)."""
        count, ids = self.settings.shard_count, self.settings.shard_ids
        return count is not None and bool(ids) and set(ids) != set(range(count))

    def runs_shard_of(self, guild_id: int) -> bool:
        """Whether this process receives the server's events (always, unless it runs some shards only)."""
        count, ids = self.settings.shard_count, self.settings.shard_ids
        return count is None or not ids or (guild_id >> 22) % count in ids

    @contextlib.asynccontextmanager
    async def answering(self) -> AsyncIterator[None]:
        """Mark an answer in flight: ``close`` waits for it (up to ``SHUTDOWN_GRACE``) before
        closing the connection the answer needs."""
        self._in_flight += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.set()

    async def close(self) -> None:
        """Stop taking questions, let answers in flight finish (a few seconds at most), then close."""
        if not self.draining:
            self.draining = True
            if self._in_flight:
                _log.info("stopping: waiting for %d answer(s) in flight", self._in_flight)
            try:
                await asyncio.wait_for(self._idle.wait(), timeout=SHUTDOWN_GRACE)
            except asyncio.TimeoutError:
                _log.warning("stopping with %d answer(s) still in flight after %.0f s", self._in_flight, SHUTDOWN_GRACE)
        for task in (self._refresh_task, self._link_task, self._follow_task):
            if task is not None and not task.done():
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError:
                    pass
        self._refresh_task = self._link_task = self._follow_task = None
        await super().close()


class ShardedVizbotClient(VizbotClient, commands.AutoShardedBot):
    """vizbot over several gateway connections (``VIZBOT_SHARD_COUNT``; this process runs
    ``VIZBOT_SHARD_IDS``, default all). Discord requires sharding from 2,500 servers; each
    server's events arrive on shard ``(server_id >> 22) % shard_count``."""


def build_client(service: "Vizbot", settings: Settings, **options: Any) -> VizbotClient:
    """The client the settings ask for: sharded when ``shard_count`` is set, else one connection."""
    if settings.shard_count is None:
        return VizbotClient(service, settings, **options)
    shard_ids = list(settings.shard_ids) or None
    _log.info("running shards %s of %d", shard_ids or f"0-{settings.shard_count - 1}", settings.shard_count)
    return ShardedVizbotClient(service, settings, shard_count=settings.shard_count, shard_ids=shard_ids, **options)
