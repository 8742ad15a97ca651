"""vizbot settings: list, show and change a server's /settings from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import run

from bot.cli.main import main


def test_nothing_set_lists_no_server_and_says_the_defaults(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An empty list in JSON, with the bot's defaults; a sentence in text."""
    code, out, _ = run(capsys, "settings", "--json")
    assert code == 0 and json.loads(out) == {"servers": [], "defaults": {"log_questions": True, "cooldown_seconds": 5}}
    code, out, _ = run(capsys, "settings")
    assert code == 0 and "no server has changed its settings" in out


def test_change_then_show_one_server(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Changes are stored with the local user as editor and shown back, in text and JSON."""
    code, out, _ = run(capsys, "settings", "--server", "123", "--answer-in", "55", "66", "--cooldown", "20")
    assert code == 0 and out.startswith(
        "✓ Settings for server 123\nChanged: mentions are answered in channel 55 and channel 66, cooldown 20 s.\n"
    )  # the /settings card, as the console renders it
    assert (
        "  Answers mentions in: 55, 66 (and their threads)\n" in out and "  Question cooldown: 20 s per person\n" in out
    )
    run(capsys, "settings", "--server", "123", "--log-questions", "no")
    code, out, _ = run(capsys, "settings", "--server", "123", "--json")
    (server,) = json.loads(out)["servers"]
    assert (server["answer_channels"], server["log_questions"], server["cooldown_seconds"]) == (["55", "66"], False, 20)
    assert server["updated_by"].startswith("local:")
    code, out, _ = run(capsys, "settings", "--server", "123", "--answer-everywhere")
    assert (
        "  Answers mentions in: every channel\n" in out and "  Logs questions: no (turned off for this server)\n" in out
    )
    code, out, _ = run(capsys, "settings")  # every server that changed one: a line each
    assert (code, out) == (0, "server 123: answers mentions in every channel; logs questions: no; cooldown 20 s\n")


@pytest.mark.parametrize(
    "argv",
    [
        ("--cooldown", "3"),
        ("--server", "123", "--cooldown", "3601"),
        ("--server", "abc"),
        ("--server", "123", "--answer-in", "5", "--answer-everywhere"),
        ("--server", "123", "--log-questions", "maybe"),
    ],
)
def test_usage_errors_exit_2_and_change_nothing(
    env: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    """A missing --server, an out-of-range or contradictory value: exit 2, message on stderr, nothing stored."""
    with pytest.raises(SystemExit) as caught:
        main(["settings", *argv])
    assert caught.value.code == 2
    assert "error" in capsys.readouterr().err
    code, out, _ = run(capsys, "settings", "--json")
    assert json.loads(out)["servers"] == []
