"""Each command's --help agrees with the README and with what the command does."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cli_helpers import run

from bot.cli.main import main

README = (Path(__file__).resolve().parent.parent.parent / "README.md").read_text(encoding="utf-8")


def help_text(capsys: pytest.CaptureFixture[str], *command: str) -> str:
    """The --help of ``command``, its lines joined (argparse wraps them)."""
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    return " ".join(capsys.readouterr().out.split())


def readme_row(command: str) -> str:
    """The README's table row documenting ``vizbot COMMAND``."""
    row = next((line for line in README.splitlines() if line.startswith(f"| `vizbot {command}")), None)
    assert row is not None, command
    return row


def test_ask_help_names_every_key_ask_json_prints(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`ask --help` lists the top-level keys `ask --json` prints, which the README lists too."""
    listed = re.search(r"--json print \{(.*?)\} as JSON", help_text(capsys, "ask"))
    assert listed is not None
    keys = re.findall(r'"(\w+)"', listed.group(1))
    code, out, _ = run(capsys, "ask", "cnn", "--json", "--no-log")
    assert code == 0 and keys == list(json.loads(out))
    assert all(f'"{key}"' in readme_row("ask") for key in keys)


def test_catalog_check_help_says_a_warning_exits_1(capsys: pytest.CaptureFixture[str], catalogs_dir: Path) -> None:
    """The help and the README both say a warning exits 1, as a catalog with only an unused tag does."""
    assert "exits 1 when there is any problem (a warning too" in help_text(capsys, "catalog", "check")
    assert "exit 1 when there is any (a warning too" in readme_row("catalog check")
    code, _, err = run(capsys, "catalog", "check", str(catalogs_dir / "unused_tag"))
    assert code == 1 and "warning" in err and "error" not in err


def test_sync_help_says_one_scope_as_the_readme_does(capsys: pytest.CaptureFixture[str]) -> None:
    """`sync` uploads to VIZBOT_GUILD_ID when set, else globally, never both (bot/discord_app/sync.py)."""
    text = help_text(capsys, "sync")
    assert "to VIZBOT_GUILD_ID when set, else globally (one scope, never both" in text
    assert "to `VIZBOT_GUILD_ID` when set, else globally (one scope, never both" in readme_row("sync")
    assert (
        "moderation commands to each home server" in text
        and "moderation commands to each home server" in readme_row("sync")
    )


def test_report_help_and_readme_agree_on_limit_in_json(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Both say --json has every row unless --limit is given, and --limit does shorten --json."""
    assert "--json has every row unless --limit is given" in help_text(capsys, "report")
    assert "`--json` has every row unless `--limit` is given" in readme_row("report")
    for n in range(3):
        assert (
            run(
                capsys,
                "suggest",
                f"https://example.org/{n}",
                "--title",
                f"Pooling {n}",
                "--tags",
                "cnn",
                "--user",
                f"u{n}",
            )[0]
            == 0
        )
    code, out, _ = run(capsys, "report", "--json")
    assert code == 0 and len(json.loads(out)["pending"]) == 3
    code, out, _ = run(capsys, "report", "--json", "--limit", "2")
    assert code == 0 and len(json.loads(out)["pending"]) == 2
