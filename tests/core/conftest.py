"""Engines shared by the core tests: the shipped catalog searched as vizbot ships, one embedding cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.catalog import default_catalog_dir, load_catalog
from bot.core.embedder import load_embedder
from bot.core.search import SearchEngine


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One embedding cache for the module."""
    return tmp_path_factory.getbasetemp() / "shared-cache" / "vizbot"


@pytest.fixture(scope="module")
def shipped(cache: Path) -> SearchEngine:
    """The shipped catalog, searched as vizbot ships."""
    return SearchEngine(load_catalog(default_catalog_dir()), embedder=load_embedder(cache_dir=cache))
