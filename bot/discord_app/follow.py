"""Following the changes other processes make to the shared database, within seconds.

Processes sharing one database (one per group of shards, ``vizbot`` on the command line, the console)
publish each approval, rejection, ``/settings`` change and catalog reload as an event in the same
transaction as the change (``bot.store.events``). :func:`follow_loop` waits for a change
(``store.wait_for_change``: a plain sleep of ``VIZBOT_SYNC_SECONDS`` on SQLite), reads the events
its cursor has not seen (``bot.core.feed_cursor``) and applies those published by other processes:
re-read the approvals, a server's settings or the catalog, and tell submitters (claimed in the
database, so once in all). The once-a-minute ``notify.refresh_loop`` stays as the safety net.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Sequence

from bot.core import answers
from bot.core.errors import VizbotError
from bot.core.feed_cursor import FeedCursor
from bot.discord_app.notify import notify_quietly
from bot.core.records import CHANGE_CATALOG, CHANGE_SETTINGS, CHANGE_SUGGESTION

if TYPE_CHECKING:
    from bot.core.records import ChangeEvent
    from bot.discord_app.client import VizbotClient

_log = logging.getLogger(__name__)

PAGE = 200  # events read at once
PRUNE_EVERY = 3600.0  # seconds between deletions of old events and cooldowns
KEEP_FOR = 86400.0  # events older than this are deleted (a process behind by more relies on the refresh)


async def apply_changes(client: "VizbotClient", changes: Sequence["ChangeEvent"]) -> None:
    """Bring this process up to date with ``changes`` made elsewhere (each kind applied once per batch)."""
    service = client.service
    kinds = {change.kind for change in changes}
    if CHANGE_CATALOG in kinds:  # re-reads the approvals too
        card = await answers.reload_catalog(service, announce=False)
        _log.info("catalog reloaded by another process: %s", card.title)
    elif CHANGE_SUGGESTION in kinds:
        await service.refresh()
    for server in sorted({change.subject for change in changes if change.kind == CHANGE_SETTINGS}):
        client.remember_server_settings(await service.server_settings(server))
    if CHANGE_SUGGESTION in kinds:
        await notify_quietly(client)


async def follow_once(client: "VizbotClient", cursor: FeedCursor) -> None:
    """Apply every change published by other processes that ``cursor`` has not seen, and move it on.

    Raises ``VizbotError`` if the database fails; the events not applied are read again next time.
    """
    store = client.service.need_store()
    start = cursor.after
    while True:
        changes = await store.events_after(start, limit=PAGE)
        fresh = cursor.new(changes)
        foreign = [change for change in fresh if change.origin != store.origin]  # our own are applied already
        if foreign:
            await apply_changes(client, foreign)
        cursor.applied(change.id for change in fresh)
        if len(changes) < PAGE:
            return
        start = changes[-1].id


async def follow_loop(client: "VizbotClient", interval: float, cursor: FeedCursor) -> None:
    """Every ``interval`` seconds at most (sooner when the store says so): :func:`follow_once`, until
    cancelled; old events and cooldowns are pruned once an hour."""
    store = client.service.need_store()
    loop = asyncio.get_running_loop()
    pruned_at = loop.time()
    while True:
        await store.wait_for_change(interval)
        try:
            await follow_once(client, cursor)
            if loop.time() - pruned_at >= PRUNE_EVERY:
                pruned_at = loop.time()
                await store.prune_shared_state(max_age=KEEP_FOR)
        except VizbotError as exc:
            _log.warning("could not read changes made by other processes: %s", exc)
        except Exception:  # noqa: BLE001 - the loop must outlive any one failure
            _log.exception("unexpected error following changes made by other processes")
