"""/reload and SIGHUP: read in a worker thread, swap on the event loop, then refresh from the store."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import bot.app
from bot.config import Settings
from bot.core.errors import CatalogError, Problem
from bot.discord_app.reload import reload_service


class _Service:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []
        self.catalog = None

    def use_catalog(self, curated: object) -> object:
        self.calls.append(("use_catalog", threading.get_ident()))
        self.catalog = curated
        return curated

    async def refresh(self) -> None:
        self.calls.append(("refresh", threading.get_ident()))

    def reload(self) -> object:  # the old path: must not be used (it swaps from a worker thread)
        raise AssertionError("service.reload() called")


async def test_reload_reads_in_a_thread_and_swaps_on_the_loop(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The catalog is read off the loop; use_catalog and refresh run on the loop thread, in that order."""
    loaded = bot.app.load_settings_catalog(Settings(db_path=tmp_path / "v.db"))
    readers: list[int] = []

    def load(settings: Settings) -> object:
        readers.append(threading.get_ident())
        return loaded

    monkeypatch.setattr(bot.app, "load_settings_catalog", load)
    service = _Service()
    card = await reload_service(service, Settings(db_path=tmp_path / "v.db"))  # type: ignore[arg-type]
    loop_thread = threading.get_ident()
    assert readers and readers[0] != loop_thread
    assert service.calls == [("use_catalog", loop_thread), ("refresh", loop_thread)]
    assert card.title == "Catalog reloaded"


async def test_a_broken_catalog_swaps_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A catalog error gives the failure card; nothing is swapped or refreshed."""
    def load(settings: Settings) -> object:
        raise CatalogError([Problem("tags.yaml", 1, "broken")])

    monkeypatch.setattr(bot.app, "load_settings_catalog", load)
    service = _Service()
    card = await reload_service(service, Settings(db_path=tmp_path / "v.db"))  # type: ignore[arg-type]
    assert card.title == "Catalog not reloaded" and service.calls == []
