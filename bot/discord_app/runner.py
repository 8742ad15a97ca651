"""Starting the bot: open the service, build the client, connect; clear exit statuses."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from typing import TYPE_CHECKING

import aiohttp
import discord

from bot.app import open_vizbot
from bot.config import Settings
from bot.core import answers
from bot.discord_app.client import LINK_CHECK_EVERY, REFRESH_SECONDS, VizbotClient, build_client

if TYPE_CHECKING:
    from bot.app import Vizbot

_log = logging.getLogger(__name__)

HINT = "try `vizbot chat` to use vizbot offline"


def _fail(message: str) -> int:
    sys.stderr.write(f"vizbot: error: {message}; {HINT}\n")
    return 2


async def _reload(service: "Vizbot", settings: Settings) -> None:
    """SIGHUP: the same reload as /reload (worker-thread read, swap on the loop, refresh)."""
    try:
        card = await answers.reload_catalog(service)
    except Exception:  # noqa: BLE001 - a signal handler has nobody else to report to
        _log.exception("unexpected error reloading the catalog on SIGHUP")
        return
    if card.tone == answers.ERROR:
        _log.error("catalog not reloaded on SIGHUP (the previous one stays live): %s", card.description)
        for line in card.lines:
            _log.error("  %s", line.value)
    else:
        _log.info("catalog reloaded on SIGHUP: %d resources", len(service.catalog.resources))


def _install(loop: asyncio.AbstractEventLoop, sig: int, callback: object) -> bool:
    try:
        loop.add_signal_handler(sig, callback)  # type: ignore[arg-type]
    except (NotImplementedError, RuntimeError, ValueError, AttributeError):
        return False  # not the main thread, or not a Unix loop
    return True


async def run_bot(
    settings: Settings,
    *,
    handle_signals: bool = True,
    refresh_seconds: float = REFRESH_SECONDS,
    link_check_every: float = LINK_CHECK_EVERY,
) -> int:
    """Run until the client closes: 0 on a clean close, 2 on a missing or rejected token.

    ``refresh_seconds``: how often decisions made outside Discord are picked up (tests make it tiny);
    ``link_check_every``: the period over which every link is checked once (``VIZBOT_LINK_CHECK=daily``: a day).
    """
    if not settings.discord_token:
        return _fail("DISCORD_TOKEN is not set (environment or .env)")
    loop = asyncio.get_running_loop()
    installed: list[int] = []
    async with open_vizbot(settings) as service:
        client = build_client(service, settings, refresh_seconds=refresh_seconds, link_check_every=link_check_every)
        reloads: set[asyncio.Task[None]] = set()

        def on_sighup() -> None:
            task = asyncio.ensure_future(_reload(service, settings))
            reloads.add(task)
            task.add_done_callback(reloads.discard)

        if handle_signals:
            if _install(loop, signal.SIGHUP, on_sighup):
                installed.append(signal.SIGHUP)
            if _install(loop, signal.SIGTERM, lambda: asyncio.ensure_future(client.close())):
                installed.append(signal.SIGTERM)
        try:
            async with client:
                await client.start(settings.discord_token)
        except discord.LoginFailure as exc:
            return _fail(f"Discord rejected the token ({exc})")
        except (aiohttp.ClientError, OSError) as exc:
            sys.stderr.write(f"vizbot: error: could not reach Discord ({exc})\n")
            return 1
        except discord.PrivilegedIntentsRequired:
            sys.stderr.write(
                "vizbot: error: VIZBOT_LISTEN_CHANNELS needs the Message Content intent; enable it "
                "for the bot in the Discord developer portal\n"
            )
            return 2
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)
    return 0


async def sync_main(settings: Settings) -> int:
    """``vizbot sync``: log in without the gateway, force a sync, close; prints what was done."""
    if not settings.discord_token:
        return _fail("DISCORD_TOKEN is not set (environment or .env)")
    async with open_vizbot(settings, with_store=False, semantic=False) as service:
        client = VizbotClient(service, settings, force_sync=True)
        try:
            async with client:
                await client.login(settings.discord_token)
        except discord.LoginFailure as exc:
            return _fail(f"Discord rejected the token ({exc})")
        except discord.HTTPException as exc:
            sys.stderr.write(f"vizbot: error: Discord refused the sync ({exc})\n")
            return 1
        except (aiohttp.ClientError, OSError) as exc:
            sys.stderr.write(f"vizbot: error: could not reach Discord ({exc})\n")
            return 1
    for line in client.sync_report:
        sys.stderr.write(line + "\n")
    return 0
