"""The composition root: one place builds catalog, engine and store and hands them down."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

from bot.config import Settings
from bot.core.catalog import load_catalog, resolve_catalog_dir
from bot.core.model import Catalog
from bot.core.search import SearchEngine, SearchResponse

_log = logging.getLogger(__name__)


class Vizbot:
    """The service every front-end talks to: the CLI, the console and Discord."""

    def __init__(self, settings: Settings, curated: Catalog, store: object | None = None):
        self.settings = settings
        self.store = store
        self._curated = curated
        self._engine = SearchEngine(curated)

    @property
    def catalog(self) -> Catalog:
        """The live catalog (curated entries plus approved suggestions)."""
        return self._engine.catalog

    @property
    def engine(self) -> SearchEngine:
        """The live search engine; replaced whole on reload or approval."""
        return self._engine

    @property
    def catalog_dir(self) -> Path:
        """Where the curated catalog is read from."""
        return resolve_catalog_dir(self.settings.catalog_dir)

    def _rebuild(self, curated: Catalog) -> None:
        self._curated = curated
        self._engine = SearchEngine(curated)

    def reload(self) -> Catalog:
        """Re-read the catalog; on error raise ``CatalogError`` and keep the old one live."""
        curated = load_catalog(self.catalog_dir)
        self._rebuild(curated)
        _log.info("catalog reloaded: %d resources", len(curated.resources))
        return self.catalog

    async def ask(
        self,
        question: str,
        *,
        user: str,
        guild: str | None = None,
        limit: int = 5,
        offset: int = 0,
        tag: str | None = None,
        kind: str | None = None,
        level: str | None = None,
    ) -> SearchResponse:
        """Answer a question (and log it, when logging is on and a store is open)."""
        return self._engine.search(question, limit=limit, offset=offset, tag=tag, kind=kind, level=level)


def load_settings_catalog(settings: Settings) -> Catalog:
    """Load the curated catalog named by the settings (raises ``CatalogError``)."""
    return load_catalog(resolve_catalog_dir(settings.catalog_dir))


@asynccontextmanager
async def open_vizbot(settings: Settings, *, with_store: bool = True) -> AsyncIterator[Vizbot]:
    """Build the service from settings; closes the store on exit."""
    curated = load_settings_catalog(settings)
    yield Vizbot(settings, curated)
