"""Shard settings: VIZBOT_SHARD_COUNT and VIZBOT_SHARD_IDS, read and refused, and the client they build."""

from __future__ import annotations

import discord
import pytest

from bot.config import Settings
from bot.core.errors import ConfigError
from bot.discord_app.client import ShardedVizbotClient, VizbotClient, build_client


@pytest.mark.parametrize(("env", "count", "ids"), [
    ({}, None, ()),
    ({"VIZBOT_SHARD_COUNT": "4"}, 4, ()),
    ({"VIZBOT_SHARD_COUNT": "4", "VIZBOT_SHARD_IDS": "2,3"}, 4, (2, 3)),
    ({"VIZBOT_SHARD_COUNT": " ", "VIZBOT_SHARD_IDS": ""}, None, ()),
])
def test_shard_settings_are_read(env: dict[str, str], count: int | None, ids: tuple[int, ...]) -> None:
    """Unset means one connection; a count alone means every shard in this process."""
    settings = Settings.from_env(env, dotenv=None)
    assert (settings.shard_count, settings.shard_ids) == (count, ids)


@pytest.mark.parametrize(("env", "says"), [
    ({"VIZBOT_SHARD_IDS": "0"}, "needs VIZBOT_SHARD_COUNT"),
    ({"VIZBOT_SHARD_COUNT": "0"}, "at least 1"),
    ({"VIZBOT_SHARD_COUNT": "two"}, "whole number"),
    ({"VIZBOT_SHARD_COUNT": "2", "VIZBOT_SHARD_IDS": "2"}, "from 0 to 1"),
    ({"VIZBOT_SHARD_COUNT": "2", "VIZBOT_SHARD_IDS": "1,1"}, "twice"),
])
def test_bad_shard_settings_are_refused(env: dict[str, str], says: str) -> None:
    """Each mistake is a ConfigError that says what is wrong."""
    with pytest.raises(ConfigError, match=says):
        Settings.from_env(env, dotenv=None)


async def test_build_client_shards_only_when_asked() -> None:
    """No count: a plain client; a count: an AutoShardedBot with those shards."""
    plain = build_client(object(), Settings())  # type: ignore[arg-type]
    sharded = build_client(object(), Settings(shard_count=4, shard_ids=(1, 3)))  # type: ignore[arg-type]
    try:
        assert type(plain) is VizbotClient and not isinstance(plain, discord.AutoShardedClient)
        assert isinstance(sharded, ShardedVizbotClient) and isinstance(sharded, discord.AutoShardedClient)
        assert (sharded.shard_count, sharded.shard_ids) == (4, [1, 3])
    finally:
        await plain.close()  # (a sharded client that never started cannot close: discord.py makes its queue on start)
