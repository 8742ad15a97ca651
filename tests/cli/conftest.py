"""CLI fixtures: a clean environment with the fixture catalog and a temporary database."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def env(tmp_path: Path, valid_catalog_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No VIZBOT_* settings and no .env (the working directory is empty); the fixture catalog and a
    database under a directory that does not exist yet; returns the database path."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("VIZBOT_"):
            monkeypatch.delenv(name)
    db = tmp_path / "data" / "vizbot.db"
    monkeypatch.setenv("VIZBOT_DB", str(db))
    monkeypatch.setenv("VIZBOT_CATALOG", str(valid_catalog_dir))
    return db
