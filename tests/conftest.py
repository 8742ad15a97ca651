"""Shared fixtures: where the test data lives."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

from tests.pgserver import PgServer, find_bin_dir

DATA_DIR = Path(__file__).parent / "data"
# Read once at start-up: the autouse fixture below clears every VIZBOT_* variable for each test.
# .ci/run sets it, so CI fails instead of skipping when PostgreSQL cannot start.
REQUIRE_POSTGRES = os.environ.get("VIZBOT_REQUIRE_POSTGRES") == "1"


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


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A throw-away PostgreSQL server for the whole run (skipped where PostgreSQL is not installed, except in CI)."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        if REQUIRE_POSTGRES:
            pytest.fail("VIZBOT_REQUIRE_POSTGRES=1 but no PostgreSQL server binaries (initdb, pg_ctl) were found")
        pytest.skip("PostgreSQL is not installed (no initdb/pg_ctl): PostgreSQL tests skipped")
    try:
        server = PgServer(bin_dir)
        server.start()
    except (RuntimeError, OSError, KeyError) as exc:
        if REQUIRE_POSTGRES:
            pytest.fail(f"could not start a throw-away PostgreSQL server: {exc}")
        pytest.skip(f"could not start a throw-away PostgreSQL server: {exc}")
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture
def pg_dsn(pg_server: PgServer) -> str:
    """The URL of a fresh, empty PostgreSQL database for one test."""
    return pg_server.create_database()
