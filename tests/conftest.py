"""Shared fixtures: where the test data lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DATA_DIR = Path(__file__).parent / "data"


@pytest.fixture
def catalogs_dir() -> Path:
    """The directory holding one small catalog per fixture (valid, and one per kind of problem)."""
    return DATA_DIR / "catalogs"


@pytest.fixture
def valid_catalog_dir(catalogs_dir: Path) -> Path:
    """A small, valid catalog: 2 tags, 3 resources in 2 files (several test modules rely on its exact content)."""
    return catalogs_dir / "valid"


@pytest.fixture(autouse=True)
def _isolated_user_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs with an empty home and data directory, no VIZBOT_* or token variables, and no .env.

    The embedding cache is one directory for the whole run (outside the user's home too), so
    the catalog is embedded once, not once per test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "shared-cache"))
    for name in list(os.environ):
        if name.startswith("VIZBOT_") or name == "DISCORD_TOKEN":
            monkeypatch.delenv(name)
    monkeypatch.chdir(home)
