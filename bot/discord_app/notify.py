"""Telling submitters what was decided, and picking up decisions made outside Discord.

One path for every decision: ``/review`` in Discord and ``vizbot suggestions approve|reject`` on
the command line both leave the suggestion "decided, not notified" in the store;
:func:`notify_decided` DMs each such submitter once and marks the suggestion notified, whether
or not the DM could be delivered (closed DMs, unknown users and CLI submitters such as
``local:ann`` are marked too, so nothing is retried forever). Each suggestion is first claimed in
the database (``service.claim_notices``), so of several processes sharing it exactly one tells the
submitter; a process that dies mid-DM leaves its claim to lapse and the DM is retried later.
:func:`refresh_loop` runs in the background of the client: it re-reads approvals and votes
(``service.refresh()``) and notifies.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING

import discord

from bot.core import answers
from bot.core.errors import VizbotError
from bot.discord_app.links import announce_links
from bot.discord_app.replies import send_dm

if TYPE_CHECKING:
    from bot.discord_app.client import VizbotClient
    from bot.core.records import Suggestion

_log = logging.getLogger(__name__)

SNOWFLAKE = re.compile(r"[0-9]{15,20}")


def discord_user_id(user: str | None) -> int | None:
    """The Discord user id a submitter string names, or ``None`` (``local:ann``, empty, junk)."""
    text = (user or "").strip()
    return int(text) if SNOWFLAKE.fullmatch(text) else None


async def _tell(client: "VizbotClient", suggestion: "Suggestion") -> bool | None:
    """``True``: DM delivered; ``False``: nobody to tell or Discord refused (done either way);
    ``None``: an unexpected failure (logged; left unnotified so the next round retries it)."""
    user_id = discord_user_id(suggestion.user)
    if user_id is None:
        return False  # suggested from the command line or console: nobody to DM
    try:
        user = client.get_user(user_id) or await client.fetch_user(user_id)
        await send_dm(user, answers.submitter_notice_card(suggestion))
    except discord.HTTPException as exc:  # Forbidden (DMs closed), NotFound, anything else Discord said
        _log.info("could not DM user %s about suggestion %s: %s", user_id, suggestion.id, exc)
        return False
    except Exception:  # noqa: BLE001 - e.g. the network: one failure must not stop the others
        _log.exception("unexpected error telling user %s about suggestion %s", user_id, suggestion.id)
        return None
    return True


async def notify_decided(client: "VizbotClient", *, limit: int = 50) -> int:
    """DM the submitters of decided, unnotified suggestions; returns how many DMs were delivered.

    Serialised by the client's lock, so /review and the background loop never DM twice; across
    processes by the claims, so two processes never DM the same submitter about the same decision.
    """
    if client.service.store is None:
        return 0
    delivered = 0
    async with client.notify_lock:
        for suggestion in await client.service.claim_notices(limit=limit):
            told = await _tell(client, suggestion)
            if told is None:
                try:
                    await client.service.release_notice(suggestion.id)  # the next round retries it
                except VizbotError as exc:
                    _log.info("suggestion %s: claim left to lapse: %s", suggestion.id, exc)
                continue
            delivered += int(told)
            try:
                await client.service.mark_notified(suggestion.id)
            except VizbotError as exc:
                _log.warning("suggestion %s: could not record the notification: %s", suggestion.id, exc)
    return delivered


async def notify_quietly(client: "VizbotClient") -> None:
    """:func:`notify_decided` for callers that must not fail because of it (logged instead)."""
    try:
        await notify_decided(client)
    except VizbotError as exc:
        _log.warning("submitters not notified: %s", exc)
    except Exception:  # noqa: BLE001 - a notification must never break the caller
        _log.exception("unexpected error notifying submitters")


async def refresh_once(client: "VizbotClient") -> None:
    """Re-read approvals, votes, servers' settings and dead links recorded by other processes, then tell
    submitters, and moderators about links that turned dead or moved (``vizbot links check`` included)."""
    try:
        await client.service.refresh()
    except VizbotError as exc:
        _log.warning("could not refresh approvals and votes from the database: %s", exc)
    await client.load_server_settings()
    await notify_quietly(client)
    try:
        await announce_links(client)
    except VizbotError as exc:
        _log.warning("moderators not told about links: %s", exc)


async def refresh_loop(client: "VizbotClient", interval: float) -> None:
    """Every ``interval`` seconds: :func:`refresh_once`, until cancelled."""
    while True:
        await asyncio.sleep(interval)
        try:
            await refresh_once(client)
        except Exception:  # noqa: BLE001 - the loop must outlive any one failure
            _log.exception("unexpected error in the background refresh")
