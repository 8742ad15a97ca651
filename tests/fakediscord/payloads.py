"""Builders for the JSON payloads a real Discord sends: users, the guild, messages, interactions."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

DISCORD_EPOCH_MS = 1420070400000
_counter = itertools.count(1)

# Permission bits (https://discord.com/developers/docs/topics/permissions).
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
READ_MESSAGE_HISTORY = 1 << 16
USE_APPLICATION_COMMANDS = 1 << 31
SEND_MESSAGES_IN_THREADS = 1 << 38
MANAGE_GUILD = 1 << 5
ADMINISTRATOR = 1 << 3
MEMBER_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | READ_MESSAGE_HISTORY
    | USE_APPLICATION_COMMANDS
    | SEND_MESSAGES_IN_THREADS
)
MODERATOR_PERMISSIONS = MEMBER_PERMISSIONS | MANAGE_GUILD

# Gateway intents that matter to the fake.
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

EPHEMERAL = 1 << 6
LOADING = 1 << 7


def snowflake() -> int:
    """A fresh, increasing snowflake id."""
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return (ms << 22) | (next(_counter) & 0x3FFFFF)


def now_iso() -> str:
    """The current time as Discord formats timestamps."""
    return datetime.now(timezone.utc).isoformat()


@dataclass(frozen=True)
class FakeUser:
    """A user known to the fake, optionally a guild member with roles."""

    id: int
    name: str
    bot: bool = False
    roles: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The user object."""
        return {
            "id": str(self.id),
            "username": self.name,
            "global_name": self.name.title(),
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }

    def member(self, permissions: int | None = None) -> dict[str, Any]:
        """The guild member object (``permissions`` is set inside interactions)."""
        data: dict[str, Any] = {
            "user": self.to_dict(),
            "roles": [str(r) for r in self.roles],
            "joined_at": "2024-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "nick": None,
            "avatar": None,
        }
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass
class FakeGuild:
    """A guild the bot sits in: two text channels (more with ``add_channel``, threads with
    ``add_thread``), a moderator role, the bot's managed role, four members."""

    id: int
    general_id: int
    other_id: int
    mod_role_id: int
    bot_role_id: int
    owner: FakeUser
    bot: FakeUser
    moderator: FakeUser
    member: FakeUser
    name: str = "Vision Learners"
    extra_channels: dict[int, dict[str, Any]] = field(default_factory=dict)  # id -> channel or thread object
    send_all_members: bool = (
        True  # False: GUILD_CREATE carries the bot and the owner only (no Presences intent, large guild)
    )
    command_roles: dict[str, set[int]] = field(
        default_factory=dict
    )  # Server Settings > Integrations: command -> roles allowed

    def allow_command(self, name: str, role_id: int) -> None:
        """Let a role use a command whatever its default_member_permissions (an admin's Integrations override)."""
        self.command_roles.setdefault(name, set()).add(role_id)

    @classmethod
    def build(cls, bot: FakeUser, name: str = "Vision Learners") -> "FakeGuild":
        """A fresh guild with new ids."""
        gid, mod_role = snowflake(), snowflake()
        return cls(
            id=gid,
            general_id=snowflake(),
            other_id=snowflake(),
            mod_role_id=mod_role,
            bot_role_id=(bot_role := snowflake()),
            owner=FakeUser(snowflake(), "owner"),
            bot=FakeUser(bot.id, bot.name, bot=True, roles=(bot_role,)),
            moderator=FakeUser(snowflake(), "moddy", roles=(mod_role,)),
            member=FakeUser(snowflake(), "learner"),
            name=name,
        )

    def add_channel(self, name: str, *, bot_deny: int = 0) -> int:
        """A new text channel; ``bot_deny`` are permission bits denied to the bot's role there (an overwrite)."""
        channel_id = snowflake()
        overwrites = [{"id": str(self.bot_role_id), "type": 0, "allow": "0", "deny": str(bot_deny)}] if bot_deny else []
        self.extra_channels[channel_id] = {
            **self._text_channel(channel_id, name, position=len(self.extra_channels) + 2),
            "permission_overwrites": overwrites,
        }
        return channel_id

    def add_thread(self, parent_id: int, name: str = "a thread") -> int:
        """A public thread in ``parent_id`` (permissions follow the parent, sending needs Send Messages in Threads)."""
        thread_id = snowflake()
        self.extra_channels[thread_id] = {
            "id": str(thread_id),
            "type": 11,
            "guild_id": str(self.id),
            "parent_id": str(parent_id),
            "name": name,
            "owner_id": str(self.member.id),
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
            "message_count": 0,
            "member_count": 1,
            "total_message_sent": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": now_iso(),
                "locked": False,
            },
        }
        return thread_id

    def has_channel(self, channel_id: int) -> bool:
        """Whether the channel or thread is in this guild."""
        return channel_id in (self.general_id, self.other_id) or channel_id in self.extra_channels

    def bot_permissions(self, channel_id: int) -> int:
        """The bot's permissions in a channel (a thread: its parent's), overwrites applied as Discord does."""
        channel = self.channel(channel_id)
        if channel.get("parent_id") and channel["type"] in (10, 11, 12):
            channel = self.channel(int(channel["parent_id"]))
        allowed = MEMBER_PERMISSIONS  # @everyone and the bot's role grant the same
        for overwrite in channel.get("permission_overwrites", []):
            if int(overwrite["id"]) in (self.id, self.bot_role_id):
                allowed = (allowed & ~int(overwrite["deny"])) | int(overwrite["allow"])
        return allowed

    @property
    def members(self) -> tuple[FakeUser, ...]:
        """Everyone in the guild."""
        return (self.owner, self.bot, self.moderator, self.member)

    def permissions_of(self, user: FakeUser) -> int:
        """Guild-level permissions, as Discord computes them for interactions."""
        if user.id == self.owner.id:
            return (1 << 41) - 1
        return MODERATOR_PERMISSIONS if self.mod_role_id in user.roles else MEMBER_PERMISSIONS

    def channel(self, channel_id: int) -> dict[str, Any]:
        """A channel or thread object of this guild."""
        if channel_id in self.extra_channels:
            return self.extra_channels[channel_id]
        name = "general" if channel_id == self.general_id else "help"
        return self._text_channel(channel_id, name, position=0 if channel_id == self.general_id else 1)

    def _text_channel(self, channel_id: int, name: str, *, position: int) -> dict[str, Any]:
        return {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(self.id),
            "name": name,
            "position": position,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
        }

    def roles(self) -> list[dict[str, Any]]:
        """@everyone and Moderator."""
        base = {
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }
        return [
            {**base, "id": str(self.id), "name": "@everyone", "position": 0, "permissions": str(MEMBER_PERMISSIONS)},
            {
                **base,
                "id": str(self.mod_role_id),
                "name": "Moderator",
                "position": 1,
                "permissions": str(MODERATOR_PERMISSIONS),
            },
            {
                **base,
                "id": str(self.bot_role_id),
                "name": self.bot.name,
                "position": 2,
                "managed": True,
                "permissions": str(MEMBER_PERMISSIONS),
                "tags": {"bot_id": str(self.bot.id)},
            },
        ]

    def to_dict(self) -> dict[str, Any]:
        """The GUILD_CREATE payload."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "owner_id": str(self.owner.id),
            "roles": self.roles(),
            "channels": [self.channel(self.general_id), self.channel(self.other_id)]
            + [c for c in self.extra_channels.values() if c["type"] not in (10, 11, 12)],
            "members": [u.member() for u in self.members if self.send_all_members or u in (self.bot, self.owner)],
            "member_count": len(self.members),
            "large": not self.send_all_members,
            "unavailable": False,
            "features": [],
            "emojis": [],
            "stickers": [],
            "threads": [c for c in self.extra_channels.values() if c["type"] in (10, 11, 12)],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "joined_at": "2024-01-01T00:00:00+00:00",
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "premium_progress_bar_enabled": False,
        }


def message(
    *,
    channel_id: int,
    author: dict[str, Any],
    content: str = "",
    guild_id: int | None = None,
    member: dict[str, Any] | None = None,
    mentions: list[dict[str, Any]] | None = None,
    embeds: list[dict[str, Any]] | None = None,
    components: list[dict[str, Any]] | None = None,
    flags: int = 0,
    reference: dict[str, Any] | None = None,
    referenced: dict[str, Any] | None = None,
    interaction_metadata: dict[str, Any] | None = None,
    webhook_id: int | None = None,
    mention_everyone: bool = False,
    message_id: int | None = None,
    mention_roles: list[str] | None = None,
) -> dict[str, Any]:
    """A message object, as in MESSAGE_CREATE or a REST response."""
    data: dict[str, Any] = {
        "id": str(message_id or snowflake()),
        "channel_id": str(channel_id),
        "author": author,
        "content": content,
        "timestamp": now_iso(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": mention_everyone,
        "mentions": mentions or [],
        "mention_roles": mention_roles or [],
        "attachments": [],
        "embeds": embeds or [],
        "components": components or [],
        "pinned": False,
        "type": 19 if reference else (20 if interaction_metadata else 0),
        "flags": flags,
    }
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    if member is not None:
        data["member"] = member
    if reference is not None:
        data["message_reference"] = reference
        data["referenced_message"] = referenced
    if interaction_metadata is not None:
        data["interaction_metadata"] = interaction_metadata
    if webhook_id is not None:
        data["webhook_id"] = str(webhook_id)
    return data


def interaction(
    *,
    type: int,
    data: dict[str, Any] | None,
    application_id: int,
    user: FakeUser,
    guild: FakeGuild | None,
    channel: dict[str, Any],
    message: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An INTERACTION_CREATE payload (``guild`` None for a DM)."""
    payload: dict[str, Any] = {
        "id": str(snowflake()),
        "application_id": str(application_id),
        "type": type,
        "token": f"itoken-{snowflake()}-" + "x" * 40,
        "version": 1,
        "channel_id": channel["id"],
        "channel": channel,
        "locale": "en-US",
        "app_permissions": str(guild.bot_permissions(int(channel["id"])) if guild is not None else MEMBER_PERMISSIONS),
        "entitlements": [],
        "attachment_size_limit": 10 * 1024 * 1024,
        "context": 0 if guild is not None else 1,
    }
    if data is not None:
        payload["data"] = data
    if guild is not None:
        payload["guild_id"] = str(guild.id)
        payload["guild_locale"] = "en-US"
        payload["guild"] = {"id": str(guild.id), "locale": "en-US", "features": []}
        payload["member"] = user.member(guild.permissions_of(user))
        payload["authorizing_integration_owners"] = {"0": str(guild.id)}
    else:
        payload["user"] = user.to_dict()
        payload["authorizing_integration_owners"] = {"1": str(user.id)}
    if message is not None:
        payload["message"] = message
    return payload
