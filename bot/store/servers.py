"""Per-server settings (``/settings``): SQL only; the store validates, Discord checks who may change them."""

from __future__ import annotations

from typing import Any

from bot.store.conn import Connection

from bot.core.errors import InvalidInput
from bot.core.limits import ANSWER_CHANNELS_MAX, COOLDOWN_MAX
from bot.store.records import ServerSettings, to_datetime

UNSET: Any = object()  # "leave this setting as it is"

_COLUMNS = "guild, answer_channels, log_questions, cooldown_seconds, updated_at, updated_by"


def _channels(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part)


def _row(row: tuple[Any, ...]) -> ServerSettings:
    guild, channels, log, cooldown, at, by = row
    return ServerSettings(
        server=guild,
        answer_channels=_channels(channels),
        log_questions=bool(log),
        cooldown_seconds=cooldown,
        updated_at=to_datetime(at),
        updated_by=by,
    )


def check_channels(channels: object) -> tuple[int, ...]:
    """Channel ids as positive snowflakes, without repeats, at most ``ANSWER_CHANNELS_MAX``."""
    if not isinstance(channels, (tuple, list)):
        raise InvalidInput("answer_channels", "must be a list of channel ids")
    seen: list[int] = []
    for value in channels:
        if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit() or int(value) <= 0:
            raise InvalidInput("answer_channels", f"{value!r} is not a channel id")
        if int(value) not in seen:
            seen.append(int(value))
    if len(seen) > ANSWER_CHANNELS_MAX:
        raise InvalidInput("answer_channels", f"at most {ANSWER_CHANNELS_MAX} channels can be named")
    return tuple(seen)


def check_cooldown(seconds: object) -> int | None:
    """``None`` (the bot's default) or whole seconds from 0 to ``COOLDOWN_MAX``."""
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 <= seconds <= COOLDOWN_MAX:
        raise InvalidInput("cooldown", f"must be whole seconds from 0 to {COOLDOWN_MAX}")
    return seconds


async def get(conn: Connection, guild: str) -> ServerSettings:
    """One server's settings (the defaults if it never set any)."""
    async with conn.execute(f"SELECT {_COLUMNS} FROM server_settings WHERE guild = ?", (guild,)) as cur:
        row = await cur.fetchone()
    return _row(row) if row else ServerSettings(server=guild)


async def every(conn: Connection) -> dict[str, ServerSettings]:
    """Every server that set something, by server id."""
    async with conn.execute(f"SELECT {_COLUMNS} FROM server_settings ORDER BY guild") as cur:
        return {row[0]: _row(row) for row in await cur.fetchall()}


async def update(
    conn: Connection,
    guild: str,
    *,
    by: str,
    now: float,
    answer_channels: tuple[int, ...] | Any = UNSET,
    log_questions: bool | Any = UNSET,
    cooldown_seconds: int | None | Any = UNSET,
) -> ServerSettings:
    """Change the given settings of ``guild`` (others kept); call inside a transaction."""
    current = await get(conn, guild)
    channels = current.answer_channels if answer_channels is UNSET else answer_channels
    log = current.log_questions if log_questions is UNSET else log_questions
    cooldown = current.cooldown_seconds if cooldown_seconds is UNSET else cooldown_seconds
    await conn.execute(
        f"""INSERT INTO server_settings ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (guild) DO UPDATE SET answer_channels = excluded.answer_channels,
                log_questions = excluded.log_questions, cooldown_seconds = excluded.cooldown_seconds,
                updated_at = excluded.updated_at, updated_by = excluded.updated_by""",
        (guild, ",".join(str(c) for c in channels), int(bool(log)), cooldown, now, by),
    )
    return await get(conn, guild)


async def forget(conn: Connection, *, user: str, placeholder: str) -> int:
    """Replace ``user`` as the last editor of any server's settings; returns how many rows."""
    cur = await conn.execute("UPDATE server_settings SET updated_by = ? WHERE updated_by = ?", (placeholder, user))
    count = max(0, cur.rowcount)
    await cur.close()
    return count
