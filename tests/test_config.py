"""Settings read from the environment: the link-check switch and the moderators' channel."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.core.errors import ConfigError


@pytest.mark.parametrize(("raw", "on"), [(None, False), ("", False), ("off", False), ("daily", True), (" Daily ", True)])
def test_link_check_is_off_unless_daily(raw: str | None, on: bool) -> None:
    """No outbound traffic beyond Discord unless VIZBOT_LINK_CHECK=daily."""
    env = {} if raw is None else {"VIZBOT_LINK_CHECK": raw}
    assert Settings.from_env(env, dotenv=None).link_check is on


@pytest.mark.parametrize(("name", "value"), [("VIZBOT_LINK_CHECK", "hourly"), ("VIZBOT_MOD_CHANNEL", "#mods")])
def test_bad_values_are_config_errors(name: str, value: str) -> None:
    """A malformed value names the setting."""
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value}, dotenv=None)


def test_mod_channel_is_an_id() -> None:
    """VIZBOT_MOD_CHANNEL is read as a channel id."""
    assert Settings.from_env({"VIZBOT_MOD_CHANNEL": "123456789012345678"}, dotenv=None).mod_channel == 123456789012345678
    assert Settings.from_env({}, dotenv=None).mod_channel is None
