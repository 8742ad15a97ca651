"""Settings: the environment beats .env, which beats the defaults; every malformed value is a ConfigError naming it."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest

from bot.config import Settings, read_dotenv
from bot.core.errors import ConfigError
from bot.discord_app.client import ShardedVizbotClient, VizbotClient, build_client


def from_env(env: dict[str, str], dotenv: Path | None = None) -> Settings:
    """Settings from exactly ``env`` (never the process environment) and an optional .env file."""
    return Settings.from_env({"HOME": "/home/ann", **env}, dotenv=dotenv)


# ----------------------------------------------------------------------------- .env


def test_dotenv_syntax(tmp_path: Path) -> None:
    """Comments, blank lines, `export`, quotes, `=` inside values and lines without `=` are read as a shell would."""
    path = tmp_path / ".env"
    path.write_text(
        "# a comment\n"
        "\n"
        "DISCORD_TOKEN=abc.def=ghi\n"
        'export VIZBOT_MOD_ROLE = "Curators team"\n'
        "VIZBOT_DB='/srv/vizbot/db.sqlite'\n"
        "  VIZBOT_SEMANTIC=off  \n"
        "not a setting\n"
        "VIZBOT_GUILD_ID=\n",
        encoding="utf-8",
    )
    assert read_dotenv(path) == {
        "DISCORD_TOKEN": "abc.def=ghi",
        "VIZBOT_MOD_ROLE": "Curators team",
        "VIZBOT_DB": "/srv/vizbot/db.sqlite",
        "VIZBOT_SEMANTIC": "off",
        "VIZBOT_GUILD_ID": "",
    }


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_dotenv_absent_or_unreadable_is_empty(tmp_path: Path, kind: str) -> None:
    """No .env (or a directory by that name) is no settings, not an error."""
    path = tmp_path / ".env"
    if kind == "directory":
        path.mkdir()
    assert read_dotenv(path) == {}


def test_environment_beats_dotenv_which_beats_defaults(tmp_path: Path) -> None:
    """A variable set in both places takes the environment's value; .env fills the gaps."""
    path = tmp_path / ".env"
    path.write_text(
        "VIZBOT_SUGGESTIONS_PER_HOUR=9\nVIZBOT_QUESTION_COOLDOWN=30\nDISCORD_TOKEN=from-file\n", encoding="utf-8"
    )
    settings = from_env({"VIZBOT_QUESTION_COOLDOWN": "2"}, dotenv=path)
    assert (settings.suggestions_per_hour, settings.question_cooldown_seconds, settings.discord_token) == (
        9,
        2,
        "from-file",
    )
    assert settings.log_retention_days == 90  # neither: the default


# ----------------------------------------------------------------------------- defaults and paths


def test_defaults() -> None:
    """With nothing set: the shipped catalog, the user data directory, logging on, hybrid search, no Discord."""
    settings = from_env({"XDG_DATA_HOME": "/data", "XDG_CACHE_HOME": "/cache"})
    assert settings.catalog_dir is None and settings.model_path is None
    assert settings.db_path == Path("/data/vizbot/vizbot.db")
    assert settings.cache_dir == Path("/cache/vizbot")
    assert (settings.log_questions, settings.semantic, settings.log_retention_days) == (True, True, 90)
    assert (settings.suggestions_per_hour, settings.question_cooldown_seconds) == (5, 5)
    assert (settings.discord_token, settings.guild_id, settings.mod_role) == (None, None, None)
    assert (settings.listen_channels, settings.home_guilds) == ((), ())


def test_defaults_have_one_source() -> None:
    """from_env with nothing set, the dataclass and Store.open agree, all from bot.core.limits."""
    import inspect

    from bot.core import limits
    from bot.store import Store

    read, built = from_env({}), Settings()
    for name in (
        "log_questions",
        "semantic",
        "log_retention_days",
        "suggestions_per_hour",
        "question_cooldown_seconds",
    ):
        assert getattr(read, name) == getattr(built, name), name
    assert (built.suggestions_per_hour, built.log_retention_days, built.question_cooldown_seconds) == (
        limits.SUGGESTIONS_PER_HOUR,
        limits.LOG_RETENTION_DAYS,
        limits.QUESTION_COOLDOWN_SECONDS,
    )
    opened = inspect.signature(Store.open).parameters
    assert (opened["suggestions_per_hour"].default, opened["retention_days"].default) == (
        limits.SUGGESTIONS_PER_HOUR,
        limits.LOG_RETENTION_DAYS,
    )


def test_paths_expand_the_home_directory() -> None:
    """~ in VIZBOT_DB, VIZBOT_CATALOG and VIZBOT_MODEL is the user's home."""
    settings = from_env({"VIZBOT_DB": "~/v.db", "VIZBOT_CATALOG": "~/cat", "VIZBOT_MODEL": " ~/m.onnx "})
    home = Path("~").expanduser()
    assert (settings.db_path, settings.catalog_dir, settings.model_path) == (
        home / "v.db",
        home / "cat",
        home / "m.onnx",
    )


@pytest.mark.parametrize(
    ("raw", "url"),
    [
        ("postgresql://ann:pw-123@db.example.org:5432/vizbot", "postgresql://ann:pw-123@db.example.org:5432/vizbot"),
        ("postgres://ann:pw-123@db.example.org/vizbot", "postgres://ann:pw-123@db.example.org/vizbot"),
        (" POSTGRESQL://ann:pw-123@h/v ", "postgresql://ann:pw-123@h/v"),
    ],
)
def test_a_postgresql_url_is_kept_as_text(raw: str, url: str) -> None:
    """VIZBOT_DB as a PostgreSQL URL stays text (no path, no ~ expansion); local files go to the data
    home; repr() never shows the password."""
    settings = from_env({"VIZBOT_DB": raw, "XDG_DATA_HOME": "/data"})
    assert settings.db_path == url
    assert settings.data_dir == Path("/data/vizbot")
    assert "pw-123" not in repr(settings)


def test_a_database_file_keeps_its_files_beside_it() -> None:
    """With a SQLite file, local state files go to its directory."""
    assert from_env({"VIZBOT_DB": "/srv/bot/v.db"}).data_dir == Path("/srv/bot")


def test_token_is_trimmed_and_never_shown() -> None:
    """Surrounding spaces leave the token; an empty one is none; repr() does not reveal it."""
    assert from_env({"DISCORD_TOKEN": "  secret-token \n"}).discord_token == "secret-token"
    assert from_env({"DISCORD_TOKEN": "   "}).discord_token is None
    assert "secret-token" not in repr(from_env({"DISCORD_TOKEN": "secret-token"}))


# ----------------------------------------------------------------------------- booleans, numbers, id lists


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("YES", True),
        (" On ", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("off", False),
        ("", True),
    ],
)
def test_booleans(raw: str, expected: bool) -> None:
    """true/false, yes/no, on/off, 1/0 in any case; empty means the default."""
    assert from_env({"VIZBOT_SEMANTIC": raw}).semantic is expected
    assert from_env({"VIZBOT_LOG_QUESTIONS": raw}).log_questions is expected


@pytest.mark.parametrize("raw", ["maybe", "2", "enabled", "t"])
def test_bad_boolean_names_the_variable(raw: str) -> None:
    """Anything else is refused, naming the variable and the value."""
    with pytest.raises(ConfigError, match=f"VIZBOT_SEMANTIC must be on or off .*, got '{raw}'"):
        from_env({"VIZBOT_SEMANTIC": raw})


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("VIZBOT_LOG_RETENTION_DAYS", "0", "must be at least 1, got 0"),
        ("VIZBOT_LOG_RETENTION_DAYS", "ninety", "must be a whole number, got 'ninety'"),
        ("VIZBOT_SUGGESTIONS_PER_HOUR", "0", "must be at least 1"),
        ("VIZBOT_SUGGESTIONS_PER_HOUR", "2.5", "must be a whole number"),
        ("VIZBOT_QUESTION_COOLDOWN", "-1", "must be at least 0, got -1"),
        ("VIZBOT_GUILD_ID", "my-server", "must be a numeric id, got 'my-server'"),
    ],
)
def test_bad_numbers_name_the_variable(name: str, raw: str, message: str) -> None:
    """Out-of-range or non-numeric values are refused with the variable's name."""
    with pytest.raises(ConfigError, match=f"{name} {message}"):
        from_env({name: raw})


def test_numbers() -> None:
    """Numbers are read as given (a zero cooldown is allowed: no cooldown)."""
    settings = from_env({"VIZBOT_LOG_RETENTION_DAYS": "7", "VIZBOT_QUESTION_COOLDOWN": "0", "VIZBOT_GUILD_ID": " 42 "})
    assert (settings.log_retention_days, settings.question_cooldown_seconds, settings.guild_id) == (7, 0, 42)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("123", (123,)), ("1,2,3", (1, 2, 3)), (" 1 , 2 ,", (1, 2)), (",,", ()), ("", ())],
)
def test_id_lists(raw: str, expected: tuple[int, ...]) -> None:
    """Comma-separated ids, spaces and empty items ignored."""
    assert from_env({"VIZBOT_HOME_GUILDS": raw}).home_guilds == expected
    assert from_env({"VIZBOT_LISTEN_CHANNELS": raw}).listen_channels == expected


@pytest.mark.parametrize("raw", ["general", "1;2", "1,two", "#123"])
def test_bad_id_list_names_the_variable(raw: str) -> None:
    """A list with anything but numeric ids is refused whole."""
    with pytest.raises(ConfigError, match="VIZBOT_LISTEN_CHANNELS must be a comma-separated list of numeric ids"):
        from_env({"VIZBOT_LISTEN_CHANNELS": raw})


def test_mod_role_is_trimmed() -> None:
    """VIZBOT_MOD_ROLE keeps inner spaces (a role name may have them); blank is none."""
    assert from_env({"VIZBOT_MOD_ROLE": "  Curators team "}).mod_role == "Curators team"
    assert from_env({"VIZBOT_MOD_ROLE": "  "}).mod_role is None


def test_with_overrides_ignores_none() -> None:
    """Command-line options replace settings; an option not given (None) keeps the setting."""
    base = from_env({"VIZBOT_DB": "/a.db"})
    changed = base.with_overrides(db_path=Path("/b.db"), catalog_dir=None, log_questions=False)
    assert (changed.db_path, changed.catalog_dir, changed.log_questions) == (Path("/b.db"), None, False)
    assert base.db_path == Path("/a.db")  # frozen: the original is unchanged


# ----------------------------------------------------------------------------- link checks


@pytest.mark.parametrize(
    ("raw", "on"), [(None, False), ("", False), ("off", False), ("daily", True), (" Daily ", True)]
)
def test_link_check_is_off_unless_daily(raw: str | None, on: bool) -> None:
    """No outbound traffic beyond Discord unless VIZBOT_LINK_CHECK=daily."""
    env = {} if raw is None else {"VIZBOT_LINK_CHECK": raw}
    assert Settings.from_env(env, dotenv=None).link_check is on


@pytest.mark.parametrize(("name", "value"), [("VIZBOT_LINK_CHECK", "hourly"), ("VIZBOT_MOD_CHANNEL", "#mods")])
def test_bad_link_settings_are_config_errors(name: str, value: str) -> None:
    """A malformed value names the setting."""
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value}, dotenv=None)


def test_mod_channel_is_an_id() -> None:
    """VIZBOT_MOD_CHANNEL is read as a channel id."""
    assert (
        Settings.from_env({"VIZBOT_MOD_CHANNEL": "123456789012345678"}, dotenv=None).mod_channel == 123456789012345678
    )
    assert Settings.from_env({}, dotenv=None).mod_channel is None


# ----------------------------------------------------------------------------- shards


@pytest.mark.parametrize(
    ("env", "count", "ids"),
    [
        ({}, None, ()),
        ({"VIZBOT_SHARD_COUNT": "4"}, 4, ()),
        ({"VIZBOT_SHARD_COUNT": "4", "VIZBOT_SHARD_IDS": "2,3"}, 4, (2, 3)),
        ({"VIZBOT_SHARD_COUNT": " ", "VIZBOT_SHARD_IDS": ""}, None, ()),
    ],
)
def test_shard_settings_are_read(env: dict[str, str], count: int | None, ids: tuple[int, ...]) -> None:
    """Unset means one connection; a count alone means every shard in this process."""
    settings = Settings.from_env(env, dotenv=None)
    assert (settings.shard_count, settings.shard_ids) == (count, ids)


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"VIZBOT_SHARD_IDS": "0"}, "needs VIZBOT_SHARD_COUNT"),
        ({"VIZBOT_SHARD_COUNT": "0"}, "at least 1"),
        ({"VIZBOT_SHARD_COUNT": "two"}, "whole number"),
        ({"VIZBOT_SHARD_COUNT": "2", "VIZBOT_SHARD_IDS": "2"}, "from 0 to 1"),
        ({"VIZBOT_SHARD_COUNT": "2", "VIZBOT_SHARD_IDS": "1,1"}, "twice"),
    ],
)
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
