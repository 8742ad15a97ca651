"""Syncing the command tree, one scope at a time: to the development guild (``VIZBOT_GUILD_ID``)
at every start-up, or else globally when what it would upload changed; and each home server's
own commands when they changed.

The hash of the global tree's payload is kept in ``command-tree.sha256`` next to the
database, a home server's in ``command-tree-<server id>.sha256``; ``vizbot sync`` forces
every sync. With no stored hash (a new data directory) the commands Discord already has are
listed first (``fetch_commands``), and an unchanged tree is not uploaded again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

from bot.config import Settings

_log = logging.getLogger(__name__)

HASH_FILE = "command-tree.sha256"


def tree_payload(tree: app_commands.CommandTree, guild: discord.abc.Snowflake | None = None) -> list[dict]:
    """What a sync (global, or of one guild's own commands) would upload, in a stable order."""
    commands = tree.get_commands(guild=guild, type=None)
    payload = [command.to_dict(tree) for command in commands]
    return sorted(payload, key=lambda c: (c.get("type", 1), c["name"]))


def tree_hash(tree: app_commands.CommandTree, guild: discord.abc.Snowflake | None = None) -> str:
    """A hash that changes whenever a command, option, choice or permission changes, or the
    application does (another bot's token with the same data directory must sync its own)."""
    payload = {"application": tree.client.application_id, "commands": tree_payload(tree, guild)}
    text = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def hash_path(settings: Settings, guild: int | None = None) -> Path:
    """Where the last synced hash is kept (the data directory, beside the database)."""
    name = HASH_FILE if guild is None else HASH_FILE.replace(".sha256", f"-{guild}.sha256")
    return settings.data_dir / name


def read_hash(path: Path) -> str | None:
    """The stored hash, or ``None`` when there is none."""
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def write_hash(path: Path, value: str) -> None:
    """Store the hash; failure only costs a sync next time."""
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # A temp file in the same directory, then one rename: a crash never leaves half a hash.
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        tmp = Path(name)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(value + "\n")
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        _log.warning("could not store the command tree hash in %s: %s", path, exc)
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


async def sync_commands(tree: app_commands.CommandTree, settings: Settings, *, force: bool = False) -> list[str]:
    """Sync as the settings say; returns what was done (for logs and ``vizbot sync``)."""
    done: list[str] = []
    if settings.guild_id is not None:
        # One scope at a time: with a development guild the global commands are not synced (a
        # guild showing both would list every command twice).
        guild = discord.Object(id=settings.guild_id)
        tree.copy_global_to(guild=guild)
        synced = await tree.sync(guild=guild)
        done.append(f"synced {len(synced)} commands to guild {settings.guild_id}")
    for home in settings.home_guilds:
        if home != settings.guild_id:  # the development guild was synced whole just above
            done.append(await _sync_home(tree, settings, home, force=force))
    if settings.guild_id is not None:
        return done
    path = hash_path(settings)
    current = tree_hash(tree)
    stored = read_hash(path)
    if not force and stored is None and await _registered_match(tree):
        write_hash(path, current)  # no hash (a new data directory): Discord already has this tree
        done.append("global commands already registered as they are; not synced")
        return done
    if force or stored != current:
        synced = await tree.sync()
        write_hash(path, current)
        done.append(f"synced {len(synced)} commands globally")
    else:
        done.append("global commands unchanged; not synced")
    return done


_KEPT = (
    "type",
    "name",
    "description",
    "options",
    "choices",
    "channel_types",
    "required",
    "autocomplete",
    "min_value",
    "max_value",
    "min_length",
    "max_length",
    "default_member_permissions",
    "nsfw",
    "contexts",
)
_DEFAULTS = {"required": False, "autocomplete": False, "nsfw": False, "type": 1}


def comparable(command: Any) -> Any:
    """A command (or option) as uploaded or as Discord lists it, reduced to what decides whether
    a sync would change anything (ids, versions and Discord's defaults left out)."""
    if isinstance(command, list):
        return [comparable(item) for item in command]
    if not isinstance(command, dict):
        return command
    kept = {}
    for key in _KEPT:
        value = command.get(key)
        if value is None or value == [] or value == "" or _DEFAULTS.get(key) == value:
            continue
        kept[key] = str(value) if key == "default_member_permissions" else comparable(value)
    return kept


async def _registered_match(tree: app_commands.CommandTree) -> bool:
    """Whether the global commands Discord has are the tree's (asked when there is no stored hash,
    so a new data directory does not re-upload an unchanged tree; uploads are rate-limited)."""
    try:
        registered = await listed_commands(tree)
    except discord.DiscordException as exc:
        _log.info("could not list the registered commands (%s); syncing", exc)
        return False

    def order(command: dict[str, Any]) -> tuple[int, str]:
        return command.get("type", 1), command["name"]

    return sorted(map(comparable, tree_payload(tree)), key=order) == sorted(map(comparable, registered), key=order)


async def listed_commands(tree: app_commands.CommandTree) -> list[dict[str, Any]]:
    """The global commands as Discord lists them, raw (``fetch_commands``' objects drop the
    permissions and contexts that a comparison needs)."""
    client = tree.client
    if client.application_id is None:
        raise discord.ClientException("the application id is not known yet")
    return [dict(command) for command in await client.http.get_global_commands(client.application_id)]


async def _sync_home(tree: app_commands.CommandTree, settings: Settings, home: int, *, force: bool) -> str:
    """Upload a home server's own commands (moderation) when they changed; a server the bot is
    not in is reported, not fatal: questions are still answered everywhere."""
    guild = discord.Object(id=home)
    path = hash_path(settings, home)
    current = tree_hash(tree, guild)
    if not force and read_hash(path) == current:
        return f"moderation commands of home server {home} unchanged; not synced"
    try:
        synced = await tree.sync(guild=guild)
    except discord.Forbidden:
        _log.warning(
            "could not register the moderation commands in home server %s: is vizbot in that "
            "server, invited with the applications.commands scope?",
            home,
        )
        return f"home server {home}: not allowed to register commands there (is vizbot in it?)"
    write_hash(path, current)
    return f"synced {len(synced)} moderation commands to home server {home}"
