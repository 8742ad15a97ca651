"""Settings, read from the environment (and an optional ``.env`` file) by entry points only."""

from __future__ import annotations

import os
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

from bot.core.errors import ConfigError
from bot.core.limits import LOG_RETENTION_DAYS, QUESTION_COOLDOWN_SECONDS, SUGGESTIONS_PER_HOUR
from bot.store.conn import database_target, is_url


def _data_home(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "vizbot"


def _cache_home(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "vizbot"


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse a simple ``KEY=value`` file; missing file gives an empty mapping."""
    values: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        return values
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key] = value
    return values


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}", field=name) from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}", field=name)
    return value


def _ids(env: Mapping[str, str], name: str) -> tuple[int, ...]:
    raw = env.get(name, "").strip()
    if not raw:
        return ()
    try:
        return tuple(int(part) for part in raw.split(",") if part.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a comma-separated list of numeric ids, got {raw!r}", field=name) from None


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be on or off (or true/false, yes/no, 1/0), got {raw!r}", field=name)


LINK_CHECK_MODES = ("off", "daily")


def _link_check(env: Mapping[str, str]) -> bool:
    """``VIZBOT_LINK_CHECK``: ``daily`` checks the catalog's links in the background; ``off`` (the
    default) sends nothing anywhere but Discord."""
    raw = env.get("VIZBOT_LINK_CHECK", "").strip().lower()
    if raw in ("", "off", "0", "false", "no"):
        return False
    if raw == "daily":
        return True
    raise ConfigError(
        f"VIZBOT_LINK_CHECK must be daily or off, got {env.get('VIZBOT_LINK_CHECK')!r}", field="VIZBOT_LINK_CHECK"
    )


def _id(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise ConfigError(f"{name} must be a numeric id, got {raw!r}", field=name)
    return int(raw)


def _defaults(cls: type) -> dict[str, Any]:
    """The dataclass's own field defaults (plain values only): ``from_env`` falls back to them, so each
    default is written once."""
    return {f.name: f.default for f in fields(cls) if f.default is not MISSING}


@dataclass(frozen=True)
class Settings:
    """Every setting vizbot reads. Built by :meth:`from_env` in entry points, never at import."""

    catalog_dir: Path | None = None  # None: the shipped catalog
    # A SQLite file, or a PostgreSQL URL (text: ``postgresql://user:password@host:port/database``;
    # not in repr(), as it may hold a password).
    db_path: Path | str = field(default_factory=lambda: _data_home(os.environ) / "vizbot.db", repr=False)
    data_home: Path = field(default_factory=lambda: _data_home(os.environ))  # local files beside a PostgreSQL store
    log_questions: bool = True
    log_retention_days: int = LOG_RETENTION_DAYS
    suggestions_per_hour: int = SUGGESTIONS_PER_HOUR
    question_cooldown_seconds: int = QUESTION_COOLDOWN_SECONDS
    discord_token: str | None = field(default=None, repr=False)
    guild_id: int | None = None
    listen_channels: tuple[int, ...] = ()
    mod_role: str | None = None
    home_guilds: tuple[int, ...] = ()  # the servers where moderation happens; none: moderation is off
    semantic: bool = True  # hybrid search with the embedding model; False: words alone
    cache_dir: Path = field(default_factory=lambda: _cache_home(os.environ))  # embedding vectors
    model_path: Path | None = None  # the embedding model file; None: the one shipped in bot/core/data/
    shard_count: int | None = None  # None: one connection (Discord requires shards from 2,500 servers)
    shard_ids: tuple[int, ...] = ()  # the shards this process runs; (): all of shard_count
    link_check: bool = False  # VIZBOT_LINK_CHECK=daily: check the catalog's links, spread over each day
    mod_channel: int | None = None  # where moderators are told of dead and moved links (a home server's channel)
    sync_seconds: float = 2.0  # how often changes made by other processes on the database are looked for; 0: off

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")) -> "Settings":
        """Read settings from ``env`` (default ``os.environ``), with ``.env`` filling gaps."""
        merged: dict[str, str] = {}
        if dotenv is not None:
            merged.update(read_dotenv(dotenv))
        merged.update(os.environ if env is None else env)
        guild = merged.get("VIZBOT_GUILD_ID", "").strip()
        try:
            guild_id = int(guild) if guild else None
        except ValueError:
            raise ConfigError(f"VIZBOT_GUILD_ID must be a numeric id, got {guild!r}", field="VIZBOT_GUILD_ID") from None
        shard_count = (
            _int(merged, "VIZBOT_SHARD_COUNT", 0, minimum=1) if merged.get("VIZBOT_SHARD_COUNT", "").strip() else None
        )
        shard_ids = _ids(merged, "VIZBOT_SHARD_IDS")
        if shard_ids and shard_count is None:
            raise ConfigError(
                "VIZBOT_SHARD_IDS needs VIZBOT_SHARD_COUNT (how many shards there are in all)", field="VIZBOT_SHARD_IDS"
            )
        if any(not 0 <= shard < (shard_count or 0) for shard in shard_ids):
            raise ConfigError(
                f"VIZBOT_SHARD_IDS must be shard numbers from 0 to {(shard_count or 1) - 1}, got {','.join(map(str, shard_ids))}",
                field="VIZBOT_SHARD_IDS",
            )
        if len(set(shard_ids)) != len(shard_ids):
            raise ConfigError(
                f"VIZBOT_SHARD_IDS names a shard twice: {','.join(map(str, shard_ids))}", field="VIZBOT_SHARD_IDS"
            )
        default = _defaults(cls)
        catalog = merged.get("VIZBOT_CATALOG", "").strip()
        db = merged.get("VIZBOT_DB", "").strip()
        return cls(
            catalog_dir=Path(catalog).expanduser() if catalog else None,
            db_path=database_target(db) if db else _data_home(merged) / "vizbot.db",
            data_home=_data_home(merged),
            log_questions=_bool(merged, "VIZBOT_LOG_QUESTIONS", default["log_questions"]),
            log_retention_days=_int(merged, "VIZBOT_LOG_RETENTION_DAYS", default["log_retention_days"], minimum=1),
            suggestions_per_hour=_int(
                merged, "VIZBOT_SUGGESTIONS_PER_HOUR", default["suggestions_per_hour"], minimum=1
            ),
            question_cooldown_seconds=_int(merged, "VIZBOT_QUESTION_COOLDOWN", default["question_cooldown_seconds"]),
            discord_token=merged.get("DISCORD_TOKEN", "").strip() or None,
            guild_id=guild_id,
            listen_channels=_ids(merged, "VIZBOT_LISTEN_CHANNELS"),
            mod_role=merged.get("VIZBOT_MOD_ROLE", "").strip() or None,
            home_guilds=_ids(merged, "VIZBOT_HOME_GUILDS"),
            semantic=_bool(merged, "VIZBOT_SEMANTIC", default["semantic"]),
            cache_dir=_cache_home(merged),
            model_path=Path(model).expanduser() if (model := merged.get("VIZBOT_MODEL", "").strip()) else None,
            shard_count=shard_count,
            shard_ids=shard_ids,
            link_check=_link_check(merged),
            mod_channel=_id(merged, "VIZBOT_MOD_CHANNEL"),
            sync_seconds=_int(merged, "VIZBOT_SYNC_SECONDS", int(default["sync_seconds"])),
        )

    @property
    def data_dir(self) -> Path:
        """Where local state files go: beside the SQLite file, or the data home with PostgreSQL."""
        return self.data_home if is_url(self.db_path) else Path(self.db_path).parent

    def with_overrides(self, **changes: Any) -> "Settings":
        """A copy with the given fields replaced (``None`` values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})
