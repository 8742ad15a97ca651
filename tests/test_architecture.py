"""Architecture rules: only bot/discord_app may import discord."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"


def _modules_outside_discord_app() -> list[Path]:
    return sorted(
        path
        for path in BOT.rglob("*.py")
        if "__pycache__" not in path.parts and path.relative_to(BOT).parts[0] != "discord_app"
    )


def discord_imports(source: str) -> list[int]:
    """Lines of every ``import discord...`` / ``from discord... import`` in ``source``, at any depth."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        if any(name == "discord" or name.startswith("discord.") for name in names):
            lines.append(node.lineno)
    return lines


@pytest.mark.parametrize(
    ("source", "lines"),
    [
        ("import discord\n", [1]),
        ("import os, discord.ext.commands\n", [1]),
        ("from discord import Embed\n", [1]),
        ("def f():\n    from discord.ui import View\n", [2]),
        ("import discordant\nfrom bot.discord_app import x\nfrom . import discord\n", []),
    ],
)
def test_discord_import_detector(source, lines):
    """The detector finds discord imports at any depth and ignores look-alikes."""
    assert discord_imports(source) == lines


def test_core_store_cli_do_not_import_discord():
    """Every module outside bot/discord_app is free of discord imports (even inside functions)."""
    modules = _modules_outside_discord_app()
    assert any(p.parts[-2] == "core" for p in modules) and any(p.name == "app.py" for p in modules)
    offenders = [
        f"{path.relative_to(BOT.parent)}:{line}"
        for path in modules
        for line in discord_imports(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_importing_the_cli_does_not_load_discord():
    """`import bot.cli.main` (and the app, core and store) leaves discord out of sys.modules."""
    code = (
        "import sys, bot.cli.main, bot.app, bot.core.catalog, bot.store\n"
        "print(sorted(m for m in sys.modules if m == 'discord' or m.startswith('discord.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout.strip()) == (0, "[]"), done.stderr
