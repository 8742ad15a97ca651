"""The background link check (``VIZBOT_LINK_CHECK=daily``) and telling moderators about broken links.

:func:`link_check_loop` checks one link at a time, spread evenly over the day (147 links: one every
ten minutes or so), always the one checked longest ago, so a restart picks up where it stopped and
no site sees a burst. Each result is recorded at once; when a link turns dead (or comes back) the
live engine is rebuilt; when one turns dead or moved, :func:`announce_links` tells the moderators
once, in ``VIZBOT_MOD_CHANNEL`` (else the home server's community-updates channel, else its system
channel). Nothing here runs unless the setting asks for it.

A failure with no HTTP response waits for the next link that answers before it is recorded
(:class:`~bot.links.reach.RollingHold`): when three checks in a row get no response, this machine is
taken to be offline and those failures (and later ones, until a link answers) are never recorded, so
a bot that lost its network neither condemns its links nor tells the moderators about them.
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
from bot.links.reach import RollingHold
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


async def check_one(
    client: "VizbotClient", checker: LinkChecker, target: "LinkTarget", hold: "RollingHold[LinkTarget] | None" = None
) -> None:
    """Check one link and record what can be recorded (with ``hold``, a failure with no response waits
    for a link that answers, and an offline stretch is never recorded); rebuild the engine when a link
    turned dead or came back; tell moderators."""
    service = client.service
    store = service.need_store()
    result = await checker.check(target.url)
    was_offline = hold is not None and hold.offline
    released = hold.arrive(target, result) if hold is not None else [(target, result)]
    if hold is not None and hold.offline and not was_offline:
        _log.warning(
            "background link check: no link answered the last %d checks (first: %s); is this machine offline? "
            "No failure is recorded until a link answers again",
            len(hold.dropped),
            hold.dropped[0][1].reason,
        )
    elif was_offline and hold is not None and not hold.offline:
        _log.warning("background link check: a link answered again; results are recorded again")
    if not released:
        _log.info("link %s (%s): %s, not recorded (no response yet)", target.resource_id, target.url, result.reason)
    refresh = False
    for checked, found in released:
        health = await store.record_link_check(found, resource_id=checked.resource_id)
        _log.info("link %s (%s): %s, %s", checked.resource_id, checked.url, found.reason, health.verdict)
        refresh = refresh or (health.verdict == V_DEAD) != (checked.url in service.dead_links)
    if refresh:
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
    once per ``every`` seconds, spread out). One failure never stops the loop. A check not recorded
    (held back, or made offline) counts as made for choosing the next link, until a link answers: then
    the links checked offline are due again."""
    await client.wait_until_ready()
    hold: RollingHold[LinkTarget] = RollingHold()
    unrecorded: dict[str, float] = {}  # URL -> when it was checked without the check being recorded
    async with checker_factory() as checker:
        while True:
            wait = IDLE_RECHECK
            try:
                targets = client.service.link_targets()
                last = await client.service.need_store().links_last_checked()
                made = {**last, **{url: at for url, at in unrecorded.items() if at > last.get(url, float("-inf"))}}
                target, wait = next_due(targets, made, clock(), every)
                if target is not None:
                    unrecorded[target.url] = clock()
                    few = len(targets) < hold.minimum  # too few links to tell offline from dead: record all
                    await check_one(client, checker, target, None if few else hold)
                    if not hold.held and not hold.dropped:  # an answer: what was held is recorded
                        unrecorded.clear()
                    wait = every / max(len(targets), 1)
            except VizbotError as exc:
                _log.warning("background link check: %s", exc)
            except Exception:  # noqa: BLE001 - the loop must outlive any one failure
                _log.exception("unexpected error in the background link check")
            await asyncio.sleep(wait)
