"""Architecture rules: only bot/discord_app may import discord; the core imports neither the store nor any
front-end; the store imports no front-end; bot/discord_app uses the store's public surface only."""

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


# ----------------------------------------------------------------------------- import contracts between packages


def imported_modules(source: str, module: str) -> list[tuple[int, str]]:
    """``(line, absolute module name)`` of every import in ``source`` (the text of ``module``), at any
    depth (inside functions and ``if TYPE_CHECKING:`` too); relative imports are resolved, and
    ``from pkg import name`` also yields ``pkg.name`` (it may be a submodule)."""
    package = module.rsplit(".", 1)[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            found.append((node.lineno, origin))
            found += [(node.lineno, f"{origin}.{alias.name}") for alias in node.names if alias.name != "*"]
    return found


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


# (package whose modules are checked, rule name, predicate on an imported module name: True = forbidden)
CONTRACTS = [
    (
        "bot.core",
        "the core imports neither the store nor discord nor a front-end",
        lambda name: any(
            _under(name, p) for p in ("bot.store", "discord", "bot.discord_app", "bot.cli", "bot.console", "bot.app")
        ),
    ),
    (
        "bot.store",
        "the store imports no discord and no front-end",
        lambda name: any(_under(name, p) for p in ("discord", "bot.discord_app", "bot.cli", "bot.console", "bot.app")),
    ),
    (
        "bot.discord_app",
        "bot/discord_app uses the store's public surface (bot.store), not its modules",
        lambda name: (
            _under(name, "bot.store")
            and name != "bot.store"
            and name.count(".") >= 2
            and name.split(".")[2] not in _public_store_names()
        ),
    ),
]


def _public_store_names() -> set[str]:
    import bot.store

    return set(bot.store.__all__)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(BOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def contract_violations(package: str, forbidden) -> list[str]:
    root = BOT.parent.joinpath(*package.split("."))
    modules = sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)
    assert modules, f"no modules found under {root}"
    return [
        f"{path.relative_to(BOT.parent)}:{line}: {name}"
        for path in modules
        for line, name in imported_modules(path.read_text(encoding="utf-8"), _module_name(path))
        if forbidden(name)
    ]


@pytest.mark.parametrize(("package", "rule", "forbidden"), CONTRACTS, ids=[c[0] for c in CONTRACTS])
def test_import_contracts(package: str, rule: str, forbidden) -> None:
    """Each package keeps to its import contract (checked in every module, at any depth)."""
    assert contract_violations(package, forbidden) == [], rule


@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        (
            "from bot.store.records import Suggestion\n",
            "bot.core.answers",
            [(1, "bot.store.records"), (1, "bot.store.records.Suggestion")],
        ),
        (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot.store import Store\n",
            "bot.core.x",
            [(1, "typing"), (1, "typing.TYPE_CHECKING"), (3, "bot.store"), (3, "bot.store.Store")],
        ),
        ("def f():\n    import bot.store.db as db\n", "bot.core.x", [(2, "bot.store.db")]),
        ("from ..store import suggestions\n", "bot.core.answers", [(1, "bot.store"), (1, "bot.store.suggestions")]),
        ("from . import text\n", "bot.core.answers", [(1, "bot.core"), (1, "bot.core.text")]),
    ],
    ids=["from-import", "type-checking", "in-function", "relative-up", "relative-here"],
)
def test_import_finder(source: str, module: str, expected: list[tuple[int, str]]) -> None:
    """The finder sees imports at any depth and resolves relative ones."""
    assert imported_modules(source, module) == expected


@pytest.mark.parametrize(
    ("package", "name", "forbidden"),
    [
        ("bot.core", "bot.store.records", True),
        ("bot.core", "bot.store", True),
        ("bot.core", "discord.ui", True),
        ("bot.core", "bot.app", True),
        ("bot.core", "bot.core.records", False),
        ("bot.core", "bot.storefront", False),
        ("bot.store", "bot.discord_app.views", True),
        ("bot.store", "bot.core.records", False),
        ("bot.discord_app", "bot.store.suggestions", True),
        ("bot.discord_app", "bot.store.suggestions.REASON_MAX", True),
        ("bot.discord_app", "bot.store.records", True),
        ("bot.discord_app", "bot.store", False),
        ("bot.discord_app", "bot.store.ServerSettings", False),
        ("bot.discord_app", "bot.store.Store", False),
    ],
)
def test_contract_rules(package: str, name: str, forbidden: bool) -> None:
    """Each rule forbids what it says and allows the rest (so the contract test can fail)."""
    rule = next(c for c in CONTRACTS if c[0] == package)
    assert rule[2](name) is forbidden
