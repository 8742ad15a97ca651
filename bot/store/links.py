"""Link health: every check of every link, each link's verdict, and check runs (for resuming).

A check is recorded the moment it completes, so an interrupted run loses nothing; the verdict is
recomputed from the history on every record (:func:`bot.links.verdict.decide`).
"""

from __future__ import annotations

from typing import Any, Iterable, cast

from bot.store.conn import Connection

from bot.links.outcome import FAILED, MOVED, OK, CheckResult
from bot.links.verdict import ANNOUNCED, NEEDS_ATTENTION, STRIKES, V_DEAD, day_of, decide
from bot.store.records import LinkHealth, LinkRun, to_datetime

_COLUMNS = "url, resource_id, verdict, strikes, checked_at, since, last_ok_at, status, reason, final_url, suggested_url"
KEEP_CHECKS_DAYS = 120  # history kept per link (strikes only look back to the last success)


def _health(row: Any) -> LinkHealth:
    return LinkHealth(
        url=row[0],
        resource_id=row[1],
        verdict=row[2],
        strikes=int(row[3]),
        checked_at=to_datetime(row[4]),
        since=to_datetime(row[5]),
        last_ok_at=to_datetime(row[6]),
        status=row[7],
        reason=row[8] or "",
        final_url=row[9],
        suggested_url=row[10],
    )


async def health(conn: Connection, url: str) -> LinkHealth | None:
    """The link's state, or ``None`` when it was never checked."""
    async with conn.execute(f"SELECT {_COLUMNS} FROM links WHERE url = ?", (url,)) as cur:
        row = await cur.fetchone()
    return None if row is None else _health(row)


async def record(
    conn: Connection, result: CheckResult, *, resource_id: str | None, now: float, strikes: int = STRIKES
) -> LinkHealth:
    """Record one check and update the link's verdict; call inside a transaction."""
    await conn.execute(
        "INSERT INTO link_checks (url, at, outcome, status, final_url, reason) VALUES (?, ?, ?, ?, ?, ?)",
        (result.url, now, result.outcome, result.status, result.final_url, result.reason),
    )
    before = await health(conn, result.url)
    success = result.outcome in (OK, MOVED)
    last_ok = now if success else (before.last_ok_at.timestamp() if before and before.last_ok_at else None)
    async with conn.execute(
        "SELECT at FROM link_checks WHERE url = ? AND outcome = ? AND at > ?",
        (result.url, FAILED, float("-inf") if last_ok is None else last_ok),
    ) as cur:
        failure_days = len({day_of(at) for (at,) in await cur.fetchall()})
    verdict, strike_count = decide(result.outcome, failure_days, before.verdict if before else None, strikes)
    since = now if before is None or before.verdict != verdict else before.since.timestamp()
    await conn.execute(
        f"INSERT INTO links ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (url) DO UPDATE SET resource_id = coalesce(excluded.resource_id, links.resource_id), "
        "verdict = excluded.verdict, strikes = excluded.strikes, checked_at = excluded.checked_at, "
        "since = excluded.since, last_ok_at = excluded.last_ok_at, status = excluded.status, "
        "reason = excluded.reason, final_url = excluded.final_url, suggested_url = excluded.suggested_url, "
        "announced = CASE WHEN links.verdict = excluded.verdict THEN links.announced ELSE NULL END",
        (
            result.url,
            resource_id,
            verdict,
            strike_count,
            now,
            since,
            last_ok,
            result.status,
            result.reason,
            result.final_url,
            result.suggested_url,
        ),
    )
    await conn.execute(
        "DELETE FROM link_checks WHERE url = ? AND at < ?", (result.url, now - KEEP_CHECKS_DAYS * 86400.0)
    )
    found = await health(conn, result.url)
    assert found is not None
    return found


async def listing(
    conn: Connection, *, verdicts: Iterable[str] | None = None, limit: int | None = None
) -> list[LinkHealth]:
    """Links (with ``verdicts`` only, when given): dead first, then moved, suspicious, failing; by URL."""
    where, args = "", cast(tuple[str, ...], ())
    if verdicts is not None:
        chosen = tuple(verdicts)
        where = f" WHERE verdict IN ({', '.join('?' * len(chosen))})" if chosen else " WHERE 1 = 0"
        args = chosen
    order = (
        " ORDER BY CASE verdict WHEN 'dead' THEN 0 WHEN 'moved' THEN 1 WHEN 'suspicious' THEN 2 "
        "WHEN 'failing' THEN 3 WHEN 'unknown' THEN 4 ELSE 5 END, url"
    )
    sql = f"SELECT {_COLUMNS} FROM links{where}{order}" + (" LIMIT ?" if limit is not None else "")
    async with conn.execute(sql, (*args, *((limit,) if limit is not None else ()))) as cur:
        return [_health(r) for r in await cur.fetchall()]


async def attention(conn: Connection, *, limit: int | None = None) -> list[LinkHealth]:
    """Links a curator should look at: dead, moved, suspicious."""
    return await listing(conn, verdicts=NEEDS_ATTENTION, limit=limit)


async def left_out(conn: Connection, *, since: float) -> int:
    """Questions since ``since`` whose answer left out a dead link (the question log's note says which)."""
    async with conn.execute("SELECT count(*) FROM questions WHERE at >= ? AND note IS NOT NULL", (since,)) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def counts(conn: Connection) -> dict[str, int]:
    """Verdict -> number of links."""
    async with conn.execute("SELECT verdict, count(*) FROM links GROUP BY verdict") as cur:
        return {v: int(n) for v, n in await cur.fetchall()}


async def dead_urls(conn: Connection) -> set[str]:
    """The URLs judged dead (left out of answers)."""
    async with conn.execute("SELECT url FROM links WHERE verdict = ?", (V_DEAD,)) as cur:
        return {r[0] for r in await cur.fetchall()}


async def last_checked(conn: Connection) -> dict[str, float]:
    """URL -> when it was last checked (epoch seconds)."""
    async with conn.execute("SELECT url, checked_at FROM links") as cur:
        return {r[0]: float(r[1]) for r in await cur.fetchall()}


async def unannounced(conn: Connection) -> list[LinkHealth]:
    """Links that turned dead or moved and whose moderators were not told yet."""
    marks = ", ".join("?" * len(ANNOUNCED))
    sql = f"SELECT {_COLUMNS} FROM links WHERE verdict IN ({marks}) AND (announced IS NULL OR announced != verdict) ORDER BY since, url"
    async with conn.execute(sql, ANNOUNCED) as cur:
        return [_health(r) for r in await cur.fetchall()]


async def mark_announced(conn: Connection, url: str, verdict: str) -> None:
    """Record that moderators were told ``url`` is ``verdict`` (only while it still is)."""
    await conn.execute("UPDATE links SET announced = ? WHERE url = ? AND verdict = ?", (verdict, url, verdict))


def _run(row: Any) -> LinkRun:
    return LinkRun(int(row[0]), to_datetime(row[1]), to_datetime(row[2]), int(row[3]))


async def open_run(conn: Connection, *, since: float) -> LinkRun | None:
    """The latest unfinished run started after ``since``, or ``None``."""
    sql = "SELECT id, started_at, finished_at, total FROM link_runs WHERE finished_at IS NULL AND started_at >= ? ORDER BY id DESC LIMIT 1"
    async with conn.execute(sql, (since,)) as cur:
        row = await cur.fetchone()
    return None if row is None else _run(row)


async def start_run(conn: Connection, *, total: int, now: float) -> LinkRun:
    """A new run (earlier unfinished ones are closed: they will not be resumed); call inside a transaction."""
    await conn.execute("UPDATE link_runs SET finished_at = ? WHERE finished_at IS NULL", (now,))
    async with conn.execute(
        "INSERT INTO link_runs (started_at, total) VALUES (?, ?) RETURNING id", (now, total)
    ) as cur:
        row = await cur.fetchone()
    assert row is not None  # RETURNING gives the one row inserted
    return LinkRun(int(row[0]), to_datetime(now), None, total)


async def finish_run(conn: Connection, run_id: int, *, now: float) -> None:
    """Mark a run complete; call inside a transaction."""
    await conn.execute("UPDATE link_runs SET finished_at = ? WHERE id = ?", (now, run_id))


async def checked_since(conn: Connection, since: float) -> set[str]:
    """URLs with a check recorded at or after ``since``."""
    async with conn.execute("SELECT DISTINCT url FROM link_checks WHERE at >= ?", (since,)) as cur:
        return {r[0] for r in await cur.fetchall()}
