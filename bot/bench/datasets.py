"""The labelled development questions the benchmarks use by default: the checkout's
``tests/data``, or the copy shipped in the wheel as ``bot.bench_data`` (never the blind sets)."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import bot

DEVELOPMENT_SETS = (
    "queries.yaml",
    "heldout/queries.yaml",
    "dev_learners.yaml",
    "dev_learners2.yaml",
    "dev_learners3.yaml",
    "dev_learners4.yaml",
    "dev_learners5.yaml",
    "dev_learners6.yaml",
)


def data_dir() -> Path:
    """The checkout's ``tests/data`` when running from a checkout, else the shipped copy."""
    checkout = Path(bot.__file__).resolve().parent.parent / "tests" / "data"
    if (checkout / DEVELOPMENT_SETS[0]).is_file():
        return checkout
    # bot.bench_data has no __init__.py: join a file name to get a real path (wheels install unzipped).
    return Path(str(importlib.resources.files("bot.bench_data") / DEVELOPMENT_SETS[0])).parent


def development_sets() -> tuple[Path, ...]:
    """Every development set, as paths that exist."""
    base = data_dir()
    return tuple(base / name for name in DEVELOPMENT_SETS)
