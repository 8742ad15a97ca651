"""Suggestions in SQL: deduping, rate limits, moderation and the audit log (what users send is checked
by :mod:`bot.core.suggestion_schema` before it gets here)."""

from __future__ import annotations

import json
import math
from typing import Any, Collection, Sequence

from bot.store.conn import Connection

from bot.core.errors import InvalidInput, NotFound, RateLimited
from bot.core.model import KINDS, LEVELS, Resource
from bot.core.sanitize import clean_text
from bot.core.suggestion_schema import slugify
from bot.store.records import (
    ALREADY_SUGGESTED,
    APPROVED,
    CREATED,
    IN_CATALOG,
    PENDING,
    SECONDED,
    STATUSES,
    AuditEntry,
    Suggestion,
    SuggestionDraft,
    SuggestionOutcome,
    to_datetime,
)

RATE_WINDOW = 3600.0
DEFAULT_KIND, DEFAULT_LEVEL = "article", "beginner"


# ----------------------------------------------------------------------------- rows -> records

_COLUMNS = (
    "s.id, s.url, s.title, s.tags, s.note, s.user_id, s.user_name, s.guild, s.status, s.created_at, "
    "(SELECT count(*) FROM suggestion_seconds x WHERE x.suggestion_id = s.id), "
    "s.decided_at, s.decided_by, s.reason, s.resource_id, s.kind, s.level, s.notified_at"
)


def _record(row: Sequence[Any]) -> Suggestion:
    return Suggestion(
        id=row[0],
        url=row[1],
        title=row[2],
        tags=tuple(json.loads(row[3])),
        note=row[4],
        user=row[5],
        user_name=row[6],
        guild=row[7],
        status=row[8],
        created_at=to_datetime(row[9]),
        seconds=row[10],
        decided_at=to_datetime(row[11]),
        decided_by=row[12],
        reason=row[13],
        resource_id=row[14],
        kind=row[15],
        level=row[16],
        notified=row[17] is not None,
    )


def to_resource(suggestion: Suggestion) -> Resource:
    """The catalog entry an approved suggestion becomes."""
    if suggestion.resource_id is None:
        raise ValueError("only approved suggestions become resources")
    return Resource(
        id=suggestion.resource_id,
        title=suggestion.title,
        url=suggestion.url,
        description=clean_text(suggestion.note) or suggestion.title,
        tags=suggestion.tags,
        kind=suggestion.kind or DEFAULT_KIND,
        level=suggestion.level or DEFAULT_LEVEL,
    )


# ----------------------------------------------------------------------------- queries


async def get(conn: Connection, suggestion_id: int) -> Suggestion:
    """The suggestion with this id; ``NotFound`` otherwise."""
    async with conn.execute(f"SELECT {_COLUMNS} FROM suggestions s WHERE s.id = ?", (suggestion_id,)) as cur:
        row = await cur.fetchone()
    if row is None:
        raise NotFound(f"no suggestion #{suggestion_id}")
    return _record(row)


async def listing(
    conn: Connection, *, status: str | None = PENDING, limit: int = 10, offset: int = 0
) -> list[Suggestion]:
    """Suggestions with ``status`` (``None``: all), oldest first, one page."""
    if status is not None and status not in STATUSES:
        raise InvalidInput("status", f"must be one of {', '.join(STATUSES)}")
    if limit < 1 or offset < 0:
        raise InvalidInput("page", "limit must be positive and offset not negative")
    where, args = ("WHERE s.status = ?", [status]) if status else ("", [])
    sql = f"SELECT {_COLUMNS} FROM suggestions s {where} ORDER BY s.created_at, s.id LIMIT ? OFFSET ?"
    async with conn.execute(sql, (*args, limit, offset)) as cur:
        return [_record(row) for row in await cur.fetchall()]


async def count(conn: Connection, status: str = PENDING) -> int:
    """How many suggestions have ``status``."""
    async with conn.execute("SELECT count(*) FROM suggestions WHERE status = ?", (status,)) as cur:
        row = await cur.fetchone()
    assert row is not None  # an aggregate query always returns one row
    (n,) = row
    return int(n)


async def approved(conn: Connection) -> list[Suggestion]:
    """Every approved suggestion, in approval order."""
    sql = f"SELECT {_COLUMNS} FROM suggestions s WHERE s.status = 'approved' ORDER BY s.decided_at, s.id"
    async with conn.execute(sql) as cur:
        return [_record(row) for row in await cur.fetchall()]


async def unnotified(conn: Connection, *, limit: int = 50) -> list[Suggestion]:
    """Decided suggestions whose submitter has not been told yet, oldest decision first."""
    sql = (
        f"SELECT {_COLUMNS} FROM suggestions s WHERE s.status != 'pending' AND s.notified_at IS NULL "
        "ORDER BY s.decided_at, s.id LIMIT ?"
    )
    async with conn.execute(sql, (limit,)) as cur:
        return [_record(row) for row in await cur.fetchall()]


async def audit_log(conn: Connection, *, suggestion_id: int | None = None, limit: int = 50) -> list[AuditEntry]:
    """Recorded actions, newest first (optionally for one suggestion)."""
    where, args = ("WHERE suggestion_id = ?", [suggestion_id]) if suggestion_id is not None else ("", [])
    sql = (
        f"SELECT id, at, actor, action, suggestion_id, detail FROM audit_log {where} ORDER BY at DESC, id DESC LIMIT ?"
    )
    async with conn.execute(sql, (*args, limit)) as cur:
        rows = await cur.fetchall()
    return [AuditEntry(r[0], to_datetime(r[1]), r[2], r[3], r[4], r[5]) for r in rows]


# ----------------------------------------------------------------------------- writes (inside a transaction)


async def _audit(
    conn: Connection,
    now: float,
    actor: str,
    action: str,
    suggestion_id: int | None,
    detail: str | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO audit_log (at, actor, action, suggestion_id, detail) VALUES (?, ?, ?, ?, ?)",
        (now, actor, action, suggestion_id, detail),
    )


def _minutes(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


async def _check_rate(conn: Connection, user: str, now: float, per_hour: int) -> None:
    since = now - RATE_WINDOW
    async with conn.execute(
        "SELECT count(*), min(at) FROM audit_log WHERE actor = ? AND action IN ('submit', 'second') AND at > ?",
        (user, since),
    ) as cur:
        row = await cur.fetchone()
    assert row is not None  # an aggregate query always returns one row
    used, oldest = row
    if used >= per_hour:
        retry = max(1.0, oldest + RATE_WINDOW - now)
        raise RateLimited(
            f"you can suggest {per_hour} resource{'' if per_hour == 1 else 's'} per hour; try again in {_minutes(retry)}",
            retry_after=retry,
        )


async def submit(
    conn: Connection,
    draft: SuggestionDraft,
    *,
    user: str,
    user_name: str | None,
    guild: str | None,
    now: float,
    per_hour: int,
) -> SuggestionOutcome:
    """Record ``draft`` (or second the pending one with the same URL); call inside a transaction."""
    async with conn.execute(
        "SELECT id, status, user_id, resource_id, title, url FROM suggestions "
        "WHERE url_key = ? AND status IN ('pending', 'approved')",
        (draft.url_key,),
    ) as cur:
        existing = await cur.fetchone()
    if existing is not None:
        sid, status, submitter, resource_id, title, url = existing
        if status == APPROVED:
            return SuggestionOutcome(IN_CATALOG, f"already there: {title} {url}", None, resource_id)
        async with conn.execute(
            "SELECT 1 FROM suggestion_seconds WHERE suggestion_id = ? AND user_id = ?", (sid, user)
        ) as cur:
            seconded = await cur.fetchone() is not None
        if submitter == user or seconded:
            found = await get(conn, sid)
            return SuggestionOutcome(
                ALREADY_SUGGESTED, f"you already suggested this; it is waiting for review (#{sid})", found
            )
        await _check_rate(conn, user, now, per_hour)
        await conn.execute(
            "INSERT INTO suggestion_seconds (suggestion_id, user_id, user_name, guild, created_at) VALUES (?, ?, ?, ?, ?)",
            (sid, user, user_name, guild, now),
        )
        await _audit(conn, now, user, "second", sid)
        found = await get(conn, sid)
        return SuggestionOutcome(
            SECONDED,
            f"someone already suggested this; counted your vote for it (#{sid}, {found.seconds + 1} asking)",
            found,
        )
    await _check_rate(conn, user, now, per_hour)
    async with conn.execute(
        "INSERT INTO suggestions (url, url_key, title, tags, note, user_id, user_name, guild, status, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?) RETURNING id",
        (draft.url, draft.url_key, draft.title, json.dumps(list(draft.tags)), draft.note, user, user_name, guild, now),
    ) as cur:
        row = await cur.fetchone()
    assert row is not None  # RETURNING gives the one row inserted
    sid = int(row[0])
    await _audit(conn, now, user, "submit", sid, draft.url)
    created = await get(conn, sid)
    return SuggestionOutcome(CREATED, f"thanks! suggestion #{sid} is waiting for review", created)


async def _pending(conn: Connection, suggestion_id: int) -> Suggestion:
    found = await get(conn, suggestion_id)
    if found.status != PENDING:
        raise InvalidInput("suggestion", f"#{suggestion_id} was already {found.status}")
    return found


async def _unique_slug(conn: Connection, base: str, taken: Collection[str]) -> str:
    async with conn.execute(
        "SELECT resource_id FROM suggestions WHERE resource_id = ? OR resource_id LIKE ?", (base, base + "-%")
    ) as cur:
        used = {row[0] for row in await cur.fetchall()}
    candidate, n = base, 1
    while candidate in used or candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


async def approve(
    conn: Connection,
    suggestion_id: int,
    *,
    moderator: str,
    now: float,
    kind: str | None = None,
    level: str | None = None,
    taken_ids: Collection[str] = (),
) -> Suggestion:
    """Approve a pending suggestion: it gets a unique resource id, kind and level; call inside a transaction."""
    kind = kind or DEFAULT_KIND
    level = level or DEFAULT_LEVEL
    if kind not in KINDS:
        raise InvalidInput("kind", f"must be one of {', '.join(KINDS)}")
    if level not in LEVELS:
        raise InvalidInput("level", f"must be one of {', '.join(LEVELS)}")
    found = await _pending(conn, suggestion_id)
    resource_id = await _unique_slug(conn, slugify(found.title), taken_ids)
    await conn.execute(
        "UPDATE suggestions SET status = 'approved', decided_at = ?, decided_by = ?, resource_id = ?, kind = ?, level = ? "
        "WHERE id = ?",
        (now, moderator, resource_id, kind, level, suggestion_id),
    )
    await _audit(conn, now, moderator, "approve", suggestion_id, f"{resource_id} ({kind}, {level})")
    return await get(conn, suggestion_id)


async def reject(conn: Connection, suggestion_id: int, *, moderator: str, reason: str, now: float) -> Suggestion:
    """Reject a pending suggestion with a reason; call inside a transaction."""
    found = await _pending(conn, suggestion_id)
    await conn.execute(
        "UPDATE suggestions SET status = 'rejected', decided_at = ?, decided_by = ?, reason = ? WHERE id = ?",
        (now, moderator, reason, found.id),
    )
    await _audit(conn, now, moderator, "reject", suggestion_id, reason)
    return await get(conn, suggestion_id)


async def mark_notified(conn: Connection, suggestion_id: int, *, actor: str, now: float) -> Suggestion:
    """Record that the submitter was told the outcome; call inside a transaction."""
    found = await get(conn, suggestion_id)
    if found.status == PENDING:
        raise InvalidInput("suggestion", f"#{suggestion_id} has not been decided yet")
    if not found.notified:
        await conn.execute("UPDATE suggestions SET notified_at = ? WHERE id = ?", (now, suggestion_id))
        await _audit(conn, now, actor, "notify", suggestion_id)
    return await get(conn, suggestion_id)
