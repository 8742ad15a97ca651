"""``vizbot run``, ``vizbot sync`` and ``vizbot chat`` at the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fakediscord import FakeDiscord
from fakediscord.fixtures import fake_discord

from bot.cli.main import main
from bot.config import Settings
from bot.discord_app.runner import run_bot

__all__ = ["fake_discord"]

HINT = "try `vizbot chat` to use vizbot offline"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No token or paths from the caller's environment, no .env from the working directory."""
    for name in ("DISCORD_TOKEN", "VIZBOT_CATALOG", "VIZBOT_DB", "VIZBOT_GUILD_ID", "VIZBOT_LISTEN_CHANNELS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize("command", ["run", "sync"])
def test_missing_token_is_one_clear_line(capsys: pytest.CaptureFixture[str], command: str) -> None:
    """No DISCORD_TOKEN: exit 2, one line on stderr with the hint."""
    assert main([command]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"vizbot: error: DISCORD_TOKEN is not set (environment or .env); {HINT}"]


async def test_rejected_token_is_one_clear_line(
    fake_discord: FakeDiscord, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A token Discord refuses: exit 2, one line with the hint, and the token is not printed."""
    settings = Settings(db_path=tmp_path / "vizbot.db", discord_token="not-the-right-token")
    assert await run_bot(settings, handle_signals=False) == 2
    err = capsys.readouterr().err
    assert err.startswith("vizbot: error: Discord rejected the token (") and err.rstrip().endswith(HINT)
    assert "not-the-right-token" not in err


def test_token_is_not_in_the_settings_repr() -> None:
    """Settings never show the token when logged."""
    assert "s3cret" not in repr(Settings(discord_token="s3cret"))


@pytest.mark.parametrize("command", ["run", "sync", "chat"])
def test_help_describes_the_command(capsys: pytest.CaptureFixture[str], command: str) -> None:
    """Each command has a help text with its options."""
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    assert "--catalog" in out and "--db" in out


def test_chat_works_through_a_pipe_without_importing_discord(valid_catalog_dir: Path, tmp_path: Path) -> None:
    """`printf 'question\\n/quit\\n' | vizbot chat` answers, and discord.py is never imported."""
    script = (
        "import sys\n"
        "from bot.cli.main import main\n"
        "code = main(sys.argv[1:])\n"
        "assert 'discord' not in sys.modules, 'discord was imported'\n"
        "sys.exit(code)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-c", script, "chat", "--catalog", str(valid_catalog_dir), "--db", str(tmp_path / "v.db")],
        input="convolutional neural networks\n/quit\nnot read\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "https://cs231n.github.io/convolutional-networks/" in result.stdout
    assert "not read" not in result.stdout
    assert "vizbot>" not in result.stdout  # no prompt when reading a pipe


def test_chat_no_log_keeps_questions_out_of_the_report(
    valid_catalog_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--no-log: questions are not logged."""
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("convolutional neural networks\n/report\n"))
    assert main(["chat", "--no-log", "--catalog", str(valid_catalog_dir), "--db", str(tmp_path / "v.db")]) == 0
    assert "0 in the last 30 days" in capsys.readouterr().out


def test_chat_answers_questions_when_the_database_cannot_be_opened(
    valid_catalog_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file that is not a vizbot database: one warning, questions answered, /report explains, file untouched."""
    import io

    not_a_db = tmp_path / "notes.db"
    not_a_db.write_text("shopping list\n", encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", io.StringIO("convolutional neural networks\n/report\n"))
    assert main(["chat", "--catalog", str(valid_catalog_dir), "--db", str(not_a_db)]) == 0
    out, err = capsys.readouterr()
    assert err.startswith("vizbot: warning: ") and "not a vizbot database" in err
    assert "https://cs231n.github.io/convolutional-networks/" in out and "needs the database" in out
    assert not_a_db.read_text(encoding="utf-8") == "shopping list\n"


async def test_sync_uploads_every_command(
    fake_discord: FakeDiscord, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """vizbot sync logs in, uploads the tree without the gateway (moderation to the home server only), and says so."""
    from bot.discord_app.runner import sync_main

    home = fake_discord.guild.id
    settings = Settings(db_path=tmp_path / "vizbot.db", discord_token=fake_discord.token, home_guilds=(home,))
    assert await sync_main(settings) == 0
    names = sorted(c["name"] for c in fake_discord.commands[None])
    assert names == sorted(
        ["ask", "tags", "tag", "suggest", "report", "help", "forget", "settings", "Find visualizations"]
    )
    assert sorted(c["name"] for c in fake_discord.commands[home]) == ["reload", "review"]
    err = capsys.readouterr().err
    assert "synced 9 commands globally" in err and f"synced 2 moderation commands to home server {home}" in err
    assert not fake_discord.connected


NEW_RESOURCE = """\
- id: pooling-animated
  title: Max pooling animated step by step
  url: https://example.org/pooling-animated
  description: Watch a max pooling window slide over a feature map and keep the largest value.
  tags: [cnn]
  keywords: [max pooling, downsampling]
  kind: interactive
  level: beginner
"""


async def test_sighup_reloads_the_catalog(fake_discord: FakeDiscord, tmp_path: Path, valid_catalog_dir: Path) -> None:
    """`kill -HUP` makes the running bot re-read its catalog: a new entry is answered without a restart."""
    import asyncio
    import shutil
    import signal

    from fakediscord.fixtures import stop_task
    from fakediscord.reading import embed_links

    catalog = tmp_path / "catalog"
    shutil.copytree(valid_catalog_dir, catalog)
    settings = Settings(
        catalog_dir=catalog,
        db_path=tmp_path / "vizbot.db",
        discord_token=fake_discord.token,
        question_cooldown_seconds=0,
    )
    task = asyncio.create_task(run_bot(settings))
    try:
        await fake_discord.wait_identified()
        (catalog / "resources" / "pooling.yaml").write_text(NEW_RESOURCE, encoding="utf-8")
        os.kill(os.getpid(), signal.SIGHUP)
        for _ in range(20):  # let the loop run the signal handler
            await asyncio.sleep(0.01)
        await fake_discord.send_message("how does max pooling work?", mention_bot=True)
        reply = await fake_discord.wait_for_message()
        assert "https://example.org/pooling-animated" in embed_links(reply)
    finally:
        await stop_task(task)


@pytest.mark.parametrize(("value", "homes"), [("", ()), ("123", (123,)), ("123, 456", (123, 456)), (" 789 ,", (789,))])
def test_home_guilds_setting(value: str, homes: tuple[int, ...]) -> None:
    """VIZBOT_HOME_GUILDS is a comma-separated list of server ids."""
    assert Settings.from_env({"VIZBOT_HOME_GUILDS": value}, dotenv=None).home_guilds == homes


def test_a_malformed_home_guild_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A home that is not a numeric id stops `vizbot run` with exit 2 naming the setting (nothing else starts)."""
    monkeypatch.setenv("VIZBOT_HOME_GUILDS", "my-server")
    monkeypatch.setenv("DISCORD_TOKEN", "x")
    assert main(["run"]) == 2
    assert "VIZBOT_HOME_GUILDS" in capsys.readouterr().err
