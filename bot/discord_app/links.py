"""The background link check (``VIZBOT_LINK_CHECK=daily``) and telling moderators about broken links.

:func:`link_check_loop` checks one link at a time, spread evenly over the day (147 links: one every
ten minutes or so), always the one checked longest ago, so a restart picks up where it stopped and
no site sees a burst. Each result is recorded at once; when a link turns dead (or comes back) the
live engine is rebuilt; when one turns dead or moved, :func:`announce_links` tells the moderators
once, in ``VIZBOT_MOD_CHANNEL`` (else the home server's community-updates channel, else its system
channel). Nothing here runs unless the setting asks for it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Callable

import discord

from bot.core import answers
from bot.core.errors import VizbotError
from bot.discord_app.replies import send_to_channel
from bot.links.checker import LinkChecker
from bot.links.verdict import DAY, V_DEAD

if TYPE_CHECKING:
    from bot.discord_app.client import VizbotClient
    from bot.links.run import LinkTarget

_log = logging.getLogger(__name__)

IDLE_RECHECK = 600.0  # with nothing due, look again this often (the catalog may have grown)


def moderator_channel(client: "VizbotClient") -> discord.abc.Messageable | None:
    """Where moderators are told: ``VIZBOT_MOD_CHANNEL`` when it is a channel of a home server,
    else a home server's community-updates channel (moderators only), else its system channel."""
    settings = client.settings
    if settings.mod_channel is not None:
        channel = client.get_channel(settings.mod_channel)
        guild = getattr(channel, "guild", None)
        if isinstance(channel, discord.abc.Messageable) and guild is not None and guild.id in settings.home_guilds:
            return channel
        _log.warning("VIZBOT_MOD_CHANNEL %s is not a text channel of a home server I can see", settings.mod_channel)
    for guild_id in settings.home_guilds:
        guild = client.get_guild(guild_id)
        if guild is None:
            continue
        for channel in (guild.public_updates_channel, guild.system_channel):
            if channel is not None and channel.permissions_for(guild.me).send_messages:
                return channel
    return None


async def announce_links(client: "VizbotClient") -> int:
    """Tell the moderators, once each, about links that turned dead or moved; returns how many were posted.

    Every such link is marked told even when no channel can be found or Discord refuses (logged),
    so nothing is retried forever; the curator report lists them regardless."""
    store = client.service.store
    if store is None or not client.settings.home_guilds:
        return 0
    posted = 0
    async with client.notify_lock:
        pending = await store.unannounced_links()
        channel = moderator_channel(client) if pending else None
        if pending and channel is None:
            _log.warning(
                "%d dead or moved link(s) not announced: set VIZBOT_MOD_CHANNEL to a channel of the home "
                "server (they are in the curator report)",
                len(pending),
            )
        for link in pending:
            if channel is not None:
                try:
                    await send_to_channel(channel, answers.link_alert_card(link))
                    posted += 1
                except discord.HTTPException as exc:
                    _log.warning("could not tell moderators that %s is %s: %s", link.url, link.verdict, exc)
            await store.mark_link_announced(link.url, link.verdict)
    return posted


def next_due(
    targets: list["LinkTarget"], last: dict[str, float], now: float, every: float
) -> tuple["LinkTarget | None", float]:
    """The link to check now (never checked first, then the longest ago), or ``None`` and how long
    until one is due."""
    if not targets:
        return None, IDLE_RECHECK
    target = min(targets, key=lambda t: last.get(t.url, float("-inf")))
    due_at = last.get(target.url, float("-inf")) + every
    if due_at <= now:
        return target, 0.0
    return None, min(due_at - now, IDLE_RECHECK)


async def check_one(client: "VizbotClient", checker: LinkChecker, target: "LinkTarget") -> None:
    """Check and record one link; rebuild the engine when it turned dead or came back; tell moderators."""
    service = client.service
    store = service.need_store()
    result = await checker.check(target.url)
    health = await store.record_link_check(result, resource_id=target.resource_id)
    _log.info("link %s (%s): %s, %s", target.resource_id, target.url, result.reason, health.verdict)
    if (health.verdict == V_DEAD) != (target.url in service.dead_links):
        await service.refresh()
    await announce_links(client)


async def link_check_loop(
    client: "VizbotClient",
    *,
    every: float = DAY,
    checker_factory: Callable[[], LinkChecker] = LinkChecker,
    clock: Callable[[], float] = time.time,
) -> None:
    """Until cancelled: check the link due next, then wait ``every / number of links`` (each link
    once per ``every`` seconds, spread out). One failure never stops the loop."""
    await client.wait_until_ready()
    async with checker_factory() as checker:
        while True:
            wait = IDLE_RECHECK
            try:
                targets = client.service.link_targets()
                last = await client.service.need_store().links_last_checked()
                target, wait = next_due(targets, last, clock(), every)
                if target is not None:
                    await check_one(client, checker, target)
                    wait = every / max(len(targets), 1)
            except VizbotError as exc:
                _log.warning("background link check: %s", exc)
            except Exception:  # noqa: BLE001 - the loop must outlive any one failure
                _log.exception("unexpected error in the background link check")
            await asyncio.sleep(wait)
