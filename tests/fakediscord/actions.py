"""What users do: post messages, run commands, type into autocomplete, click, submit modals."""

from __future__ import annotations

import asyncio
from typing import Any

from . import payloads as p
from .records import FakeInteraction


class NotOffered(AssertionError):
    """Discord would not let this user run that command here (not registered, or gated by permissions)."""


class UserActions:
    """Dispatch helpers and interaction waiting; mixed into FakeDiscord (uses its state)."""

    def _content_visible(self, data: dict[str, Any]) -> bool:
        if self.intents & p.INTENT_MESSAGE_CONTENT or "guild_id" not in data:
            return True
        # Documented exceptions: DMs and messages that mention the app. Whether a mention of the
        # bot's managed role counts is not documented; the fake assumes it does not.
        return any(m["id"] == str(self.bot_user.id) for m in data["mentions"])

    async def send_message(
        self,
        content: str,
        *,
        author: p.FakeUser | None = None,
        channel_id: int | None = None,
        mention_bot: bool = False,
        dm: bool = False,
        message_id: int | str | None = None,
        mention_bot_role: bool = False,
        reply_to: dict[str, Any] | None = None,
        reply_ping: bool = True,
        guild: p.FakeGuild | None = None,
    ) -> dict[str, Any]:
        """A user posts a message (in the general channel, or in a DM with ``dm``); returns it.

        ``mention_bot`` prefixes ``<@bot>``; ``mention_bot_role`` prefixes the bot's managed role.
        ``reply_to`` makes it a reply to that stored message; as on Discord, a reply pings the
        replied-to author (``reply_ping``, the client's default) by putting them in ``mentions``
        although the content has no ``<@id>``. ``guild`` (default the first) is the server
        posted in; ``channel_id`` may name one of its channels or threads.
        """
        guild = guild or (self.guild_of(channel_id) if channel_id else None) or self.guild
        author = author or guild.member
        mentions = []
        roles = []
        reference = referenced = None
        if reply_to is not None:
            referenced = self.messages.get(int(reply_to["id"]), reply_to)
            channel_id = int(referenced["channel_id"])
            reference = {"type": 0, "message_id": referenced["id"], "channel_id": referenced["channel_id"]}
            if "guild_id" in referenced:
                reference["guild_id"] = referenced["guild_id"]
            replied_author = referenced["author"]
            if reply_ping and replied_author["id"] != str(author.id):
                member = self.user(int(replied_author["id"]))
                extra = (
                    {"member": {k: v for k, v in member.member().items() if k != "user"}}
                    if member and "guild_id" in referenced
                    else {}
                )
                mentions.append({**replied_author, **extra})
        if mention_bot:
            content = f"<@{self.bot_user.id}> {content}"
            if not any(m["id"] == str(self.bot_user.id) for m in mentions):
                mentions.append({**self.bot_user.to_dict(), "member": guild.bot.member()})
        if mention_bot_role:
            content = f"<@&{guild.bot_role_id}> {content}"
            roles.append(str(guild.bot_role_id))
        if dm:
            channel = self.dm_channels.setdefault(author.id, p.snowflake())
            data = p.message(
                channel_id=channel,
                author=author.to_dict(),
                content=content,
                mentions=mentions,
                message_id=int(message_id or 0) or None,
                reference=reference,
                referenced=referenced,
            )
            needed = p.INTENT_DIRECT_MESSAGES
        else:
            data = p.message(
                channel_id=channel_id or guild.general_id,
                author=author.to_dict(),
                content=content,
                guild_id=guild.id,
                member={k: v for k, v in author.member().items() if k != "user"},
                mentions=mentions,
                mention_roles=roles,
                message_id=int(message_id or 0) or None,
                reference=reference,
                referenced=referenced,
            )
            needed = p.INTENT_GUILD_MESSAGES
        self.messages[int(data["id"])] = data
        if not self.intents & needed:
            self.mark = len(self.requests)
            return data
        sent = (
            data
            if self._content_visible(data)
            else {**data, "content": "", "embeds": [], "attachments": [], "components": []}
        )
        await self.dispatch("MESSAGE_CREATE", sent)
        return data

    def _registered(self, name: str, kind: int, guild: p.FakeGuild | None = None) -> dict[str, Any] | None:
        """The command a user in ``guild`` (``None``: a DM) can pick: the guild's own, else the global one."""
        for scope in (guild.id, None) if guild is not None else (None,):
            for cmd in self.commands.get(scope, []):
                if cmd["name"] == name and cmd.get("type", 1) == kind:
                    return cmd
        return None

    def _offered(
        self, name: str, kind: int, user: p.FakeUser, guild: p.FakeGuild | None, forge: bool
    ) -> dict[str, Any] | None:
        """The command as Discord offers it to ``user``; a command not registered where the user is,
        or gated by ``default_member_permissions`` the user lacks, cannot be run (``NotOffered``)
        unless the test forges the interaction (``forge``), as a modified client could."""
        command = self._registered(name, kind, guild)
        if forge:
            return command
        if command is None:
            raise NotOffered(f"/{name} is not registered {'in ' + guild.name if guild else 'for DMs'}")
        if guild is None and command.get("dm_permission") is False:
            raise NotOffered(f"/{name} is not offered in DMs")
        gate = command.get("default_member_permissions")
        overridden = guild is not None and bool(set(user.roles) & guild.command_roles.get(name, set()))
        if guild is not None and gate is not None and not overridden:
            have = guild.permissions_of(user)
            if not have & p.ADMINISTRATOR and int(gate) & have != int(gate):
                raise NotOffered(f"/{name} needs permissions {gate} that {user.name} lacks in {guild.name}")
        return command

    def _options(
        self, command: dict[str, Any] | None, options: dict[str, Any], focused: str | None
    ) -> list[dict[str, Any]]:
        declared = {o["name"]: o for o in (command or {}).get("options", [])}
        result = []
        for name, value in options.items():
            kind = declared.get(name, {}).get("type")
            if kind is None:
                kind = (
                    5
                    if isinstance(value, bool)
                    else 4
                    if isinstance(value, int)
                    else 10
                    if isinstance(value, float)
                    else 3
                )
            option: dict[str, Any] = {
                "name": name,
                "type": kind,
                "value": str(value) if kind in (6, 7, 8, 9) else value,
            }
            if name == focused:
                option["focused"] = True
            result.append(option)
        return result

    def _where(
        self, guild: p.FakeGuild | None, channel_id: int | None, message: dict[str, Any] | None, dm: bool
    ) -> p.FakeGuild | None:
        if dm:
            return None
        if guild is not None:
            return guild
        channel = channel_id or (int(message["channel_id"]) if message else None)
        return (self.guild_of(channel) if channel else None) or self.guild

    async def _interact(
        self,
        type: int,
        data: dict[str, Any] | None,
        user: p.FakeUser | None,
        message: dict[str, Any] | None = None,
        dm: bool = False,
        channel_id: int | None = None,
        guild: p.FakeGuild | None = None,
    ) -> FakeInteraction:
        guild = self._where(guild, channel_id, message, dm)
        user = user or (guild or self.guild).member
        if guild is None:
            channel = self._dm_channel(self.dm_channels.setdefault(user.id, p.snowflake()), user)
        else:
            channel = guild.channel(channel_id or (int(message["channel_id"]) if message else guild.general_id))
        payload = p.interaction(
            type=type,
            data=data,
            application_id=self.application_id,
            user=user,
            guild=guild,
            channel=channel,
            message=message,
        )
        inter = FakeInteraction(payload, created_at=self.now())
        self.interactions[inter.id] = inter
        await self.dispatch("INTERACTION_CREATE", payload)
        return inter

    def _command_data(
        self, command: dict[str, Any] | None, name: str, kind: int, options: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        data: dict[str, Any] = {"id": command["id"] if command else str(p.snowflake()), "name": name, "type": kind}
        if command and command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        if options is not None:
            data["options"] = options
        return data

    async def slash(
        self,
        command: str,
        user: p.FakeUser | None = None,
        /,
        *,
        dm: bool = False,
        channel_id: int | None = None,
        guild: p.FakeGuild | None = None,
        forge: bool = False,
        resolved: dict[str, Any] | None = None,
        **options: Any,
    ) -> FakeInteraction:
        """A user runs ``/command`` with options (types taken from the registered command) in ``guild``
        (default: the channel's, else the first); ``forge`` sends it even where Discord would not offer it.
        Channel options take the channel's id; ``resolved`` replaces the objects sent for them (default: looked up)."""
        where = self._where(guild, channel_id, None, dm)
        who = user or (where or self.guild).member
        registered = self._offered(command, 1, who, where, forge)
        opts = self._options(registered, options, None)
        data = self._command_data(registered, command, 1, opts)
        channels = {str(o["value"]): self._channel(int(o["value"])) for o in opts if o["type"] == 7}
        if resolved is not None or channels:
            # As Discord sends them: the channel, with the invoker's permissions in it.
            perms = str(where.permissions_of(who)) if where is not None else "0"
            data["resolved"] = (
                resolved
                if resolved is not None
                else {"channels": {k: {**v, "permissions": perms} for k, v in channels.items() if v}}
            )
        return await self._interact(2, data, who, dm=dm, channel_id=channel_id, guild=where)

    async def autocomplete(
        self, command: str, focused: str, user: p.FakeUser | None = None, /, **options: Any
    ) -> FakeInteraction:
        """A user types into option ``focused`` of ``/command`` (type 4)."""
        registered = self._registered(command, 1, self.guild)
        data = self._command_data(registered, command, 1, self._options(registered, options, focused))
        return await self._interact(4, data, user)

    async def message_command(
        self, name: str, target: dict[str, Any], user: p.FakeUser | None = None
    ) -> FakeInteraction:
        """A user picks a message context-menu command on ``target``."""
        data = self._command_data(self._registered(name, 3, self.guild_of(int(target["channel_id"]))), name, 3)
        data["target_id"] = target["id"]
        data["resolved"] = {"messages": {target["id"]: target}}
        return await self._interact(2, data, user, channel_id=int(target["channel_id"]))

    async def click(
        self,
        message: dict[str, Any],
        custom_id: str,
        user: p.FakeUser | None = None,
        *,
        settle: float = 0,
        as_shown: bool = False,
    ) -> FakeInteraction:
        """A user presses the button ``custom_id`` on ``message`` (as stored by the fake; with
        ``as_shown``, as given: a client that has not yet seen an edit, such as a double click).

        discord.py registers a non-persistent View only after the send's HTTP response
        returns, so the click first waits until every response was delivered and the client
        had a few loop iterations to read it (``wait_delivered``); ``settle`` adds a sleep.
        """
        found = [
            c
            for row in message.get("components", [])
            for c in row.get("components", [])
            if c.get("custom_id") == custom_id
        ]
        if not found:
            raise AssertionError(f"no component {custom_id!r} on message {message['id']}")
        await self.wait_delivered()
        if settle:
            await asyncio.sleep(settle)
        data = {"custom_id": custom_id, "component_type": found[0]["type"]}
        if found[0]["type"] == 3:
            data["values"] = [found[0]["options"][0]["value"]]
        stored = message if as_shown else self.messages.get(int(message["id"]), message)
        return await self._interact(3, data, user, message=stored, dm="guild_id" not in stored)

    async def submit_modal(
        self,
        modal: dict[str, Any],
        values: dict[str, str],
        user: p.FakeUser | None = None,
        message: dict[str, Any] | None = None,
    ) -> FakeInteraction:
        """A user submits ``modal`` (the ``data`` of a type 9 callback) with text values by custom_id."""
        rows = []
        for row in modal.get("components", []):
            if row.get("type") == 18:
                inner = row["component"]
                rows.append(
                    {
                        "type": 18,
                        "id": row.get("id", 0),
                        "component": {
                            "type": inner["type"],
                            "id": inner.get("id", 0),
                            "custom_id": inner["custom_id"],
                            "value": values.get(inner["custom_id"], ""),
                        },
                    }
                )
            else:
                items = [
                    {"type": c["type"], "custom_id": c["custom_id"], "value": values.get(c["custom_id"], "")}
                    for c in row.get("components", [])
                ]
                rows.append({"type": 1, "components": items})
        data = {"custom_id": modal["custom_id"], "components": rows}
        await self.wait_delivered()  # the modal callback's response (discord.py stores the Modal after it)
        return await self._interact(5, data, user, message=message)

    # ------------------------------------------------------------------ interaction waiting

    async def wait_callback(self, inter: FakeInteraction, *, timeout: float = 15) -> dict[str, Any]:
        """The bot's (first) callback body to ``inter``."""
        return await self.wait_until(
            lambda: inter.callbacks and inter.callbacks[0],
            timeout=timeout,
            what=f"a callback to interaction {inter.id}",
        )

    async def wait_reply(self, inter: FakeInteraction, *, index: int = 0, timeout: float = 15) -> dict[str, Any]:
        """The ``index``-th visible message answering ``inter`` (not a loading placeholder).

        The dict is the fake's live copy: later edits change it; deep-copy it to compare.
        """

        def check() -> dict[str, Any] | None:
            visible = [m for m in inter.messages if not m.get("flags", 0) & p.LOADING]
            return visible[index] if len(visible) > index else None

        return await self.wait_until(check, timeout=timeout, what=f"reply #{index} to interaction {inter.id}")
