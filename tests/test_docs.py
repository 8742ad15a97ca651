"""The README documents every command and CI runs the README's test command."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from bot.cli.main import build_parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _command_paths(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for action in parser._actions:  # argparse exposes no public walker
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                paths.append(prefix + (name,))
                paths.extend(_command_paths(sub, prefix + (name,)))
    return paths


def mentions_command(text: str, words: str) -> bool:
    """``vizbot WORDS`` appears in ``text`` as whole words (``vizbot tag`` is not found in ``vizbot tags``)."""
    return re.search(rf"vizbot {re.escape(words)}(?![\w-])", text) is not None


def mentions_slash_command(text: str, name: str) -> bool:
    """```/NAME`` appears in ``text`` as a whole name (``/tag`` is not found in ``/tags``)."""
    return re.search(rf"`/{re.escape(name)}(?![\w-])", text) is not None


@pytest.mark.parametrize(
    ("text", "words", "found"),
    [
        ("`vizbot tags [--json]`", "tag", False),
        ("`vizbot tag NAME`", "tag", True),
        ("`vizbot suggestions list`", "suggest", False),
        ("`vizbot suggest URL`", "suggest", True),
        ("run `vizbot catalog check`.", "catalog check", True),
        ("`vizbot catalog check-all`", "catalog check", False),
        ("`vizbot db backup`", "db", True),
    ],
)
def test_command_mention_is_whole_words(text: str, words: str, found: bool) -> None:
    """The README check matches whole command words, so a longer command does not vouch for a shorter one."""
    assert mentions_command(text, words) is found


@pytest.mark.parametrize(
    ("text", "name", "found"), [("`/tags`", "tag", False), ("`/tag NAME`", "tag", True), ("`/tag`", "tag", True)]
)
def test_slash_mention_is_whole_name(text: str, name: str, found: bool) -> None:
    """The same for slash commands: `/tags` does not document `/tag`."""
    assert mentions_slash_command(text, name) is found


@pytest.mark.parametrize("path", _command_paths(build_parser()), ids=" ".join)
def test_every_cli_command_is_in_readme(path: tuple[str, ...]) -> None:
    """Each `vizbot ...` subcommand appears in the README (as whole words)."""
    assert mentions_command(README, " ".join(path))


def _bash_blocks() -> list[str]:
    return [b.strip() for b in re.findall(r"```bash\n(.*?)\n```", README, flags=re.DOTALL)]


def test_ci_runs_the_readme_test_command() -> None:
    """.ci/run executes exactly the test command shown in the README."""
    test_commands = [b for b in _bash_blocks() if "pytest" in b]
    assert test_commands, "README has no test command"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_commands[0] in ci.splitlines()


def test_set_up_commands_use_a_virtual_environment() -> None:
    """The README's two set-up commands create .venv and install and run inside it, so they work
    where the system Python is externally managed (no pip against the system Python)."""
    ask, tests = _bash_blocks()[:2]
    assert "vizbot ask" in ask and "pytest" in tests
    for command in (ask, tests):
        assert "\n" not in command and command.startswith("python3 -m venv .venv && .venv/bin/pip install ")
        steps = [step.strip() for step in command.split("&&")]
        assert all(step.startswith((".venv/bin/", "python3 -m venv ")) for step in steps), steps
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".venv/" in ignored


def test_the_service_installs_into_a_virtual_environment() -> None:
    """No command in the README installs with `pip install --user` (refused by externally managed
    Pythons); the service user's vizbot lives in a virtual environment the unit runs."""
    blocks = re.findall(r"^```\w+\n(.*?)\n```$", README, flags=re.DOTALL | re.MULTILINE)
    assert len(blocks) >= 5 and not any(
        "--user" in line and "pip" in line for block in blocks for line in block.splitlines()
    )
    unit = next(block for block in blocks if "[Service]" in block)
    start = re.search(r"^ExecStart=(\S+) run", unit, flags=re.MULTILINE)
    assert start is not None
    venv = start.group(1).removesuffix("/bin/vizbot")
    assert f"python3 -m venv {venv}" in README and f"{venv}/bin/pip install" in README


def _slash_commands() -> list[str]:
    import importlib
    import inspect
    import pkgutil

    from discord.ext import commands

    import bot.discord_app as package

    names = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, commands.Cog) and cls.__module__ == module.__name__:
                names += [command.name for command in cls.__cog_app_commands__]
    return sorted(names)


def test_slash_commands_are_found() -> None:
    """The walk below sees the bot's slash commands (so the next test cannot pass vacuously)."""
    assert {"ask", "tags", "tag", "suggest", "review", "report", "help", "reload"} <= set(_slash_commands())


@pytest.mark.parametrize("name", _slash_commands())
def test_every_slash_command_is_in_readme(name: str) -> None:
    """Each Discord slash command appears in the README's Discord table (as a whole name)."""
    assert mentions_slash_command(README, name)


def test_context_menu_is_in_readme() -> None:
    """The message context menu is documented under the name users see in Discord."""
    source = (ROOT / "bot" / "discord_app" / "ask.py").read_text(encoding="utf-8")
    menu = re.search(r'ContextMenu\(name="([^"]+)"', source)
    assert menu is not None and f"**{menu.group(1)}**" in README
