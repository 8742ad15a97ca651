"""/reload and SIGHUP: read in a worker thread, swap on the event loop, then refresh from the store."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bot.core import answers
from bot.core.catalog import load_catalog
from bot.core.errors import CatalogError, Problem


class _Service:
    def __init__(self, catalog_dir: Path) -> None:
        self.catalog_dir = catalog_dir
        self.calls: list[tuple[str, int]] = []
        self.catalog = None

    def use_catalog(self, curated: object) -> object:
        self.calls.append(("use_catalog", threading.get_ident()))
        self.catalog = curated
        return curated

    async def refresh(self) -> None:
        self.calls.append(("refresh", threading.get_ident()))

    async def announce_reload(self) -> None:
        self.calls.append(("announce_reload", threading.get_ident()))

    def reload(self) -> object:  # the old path: must not be used (it swaps from a worker thread)
        raise AssertionError("service.reload() called")


async def test_reload_reads_in_a_thread_and_swaps_on_the_loop(
    monkeypatch: pytest.MonkeyPatch, valid_catalog_dir: Path
) -> None:
    """The catalog is read off the loop; use_catalog and refresh run on the loop thread, in that order."""
    loaded = load_catalog(valid_catalog_dir)
    readers: list[int] = []

    def load(directory: Path) -> object:
        readers.append(threading.get_ident())
        return loaded

    monkeypatch.setattr(answers, "load_catalog", load)
    service = _Service(valid_catalog_dir)
    card = await answers.reload_catalog(service)  # type: ignore[arg-type]
    loop_thread = threading.get_ident()
    assert readers and readers[0] != loop_thread
    assert service.calls == [("use_catalog", loop_thread), ("refresh", loop_thread), ("announce_reload", loop_thread)]
    assert card.title == "Catalog reloaded"


async def test_following_another_process_reload_does_not_announce_again(valid_catalog_dir: Path) -> None:
    """announce=False (a reload made elsewhere): swap and refresh, but publish nothing (no echo between processes)."""
    service = _Service(valid_catalog_dir)
    await answers.reload_catalog(service, announce=False)  # type: ignore[arg-type]
    assert [name for name, _ in service.calls] == ["use_catalog", "refresh"]


async def test_a_broken_catalog_swaps_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A catalog error gives the failure card; nothing is swapped or refreshed."""

    def load(directory: Path) -> object:
        raise CatalogError([Problem("tags.yaml", 1, "broken")])

    monkeypatch.setattr(answers, "load_catalog", load)
    service = _Service(tmp_path)
    card = await answers.reload_catalog(service)  # type: ignore[arg-type]
    assert card.title == "Catalog not reloaded" and service.calls == []
