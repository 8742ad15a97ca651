"""Shared fixtures: where the test data lives."""

from __future__ import annotations

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
