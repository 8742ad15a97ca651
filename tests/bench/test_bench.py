"""python -m bot.bench: synthetic catalogs and a quick smoke run (no timing assertions)."""

from __future__ import annotations

import pytest

from bot.bench.__main__ import main, table
from bot.bench.synthetic import synthetic_catalog, synthetic_questions
from bot.core.search import SearchEngine


def test_synthetic_catalog_is_seeded_and_valid() -> None:
    """The same seed gives the same catalog; every resource uses known tags."""
    first, second = synthetic_catalog(300), synthetic_catalog(300)
    assert first.resources == second.resources
    assert len(first.resources) == 300 and len(first.tags) >= 35
    assert all(set(r.tags) <= set(first.tags) for r in first.resources)


def test_synthetic_questions_are_answerable() -> None:
    """Most synthetic questions find something in their own catalog."""
    catalog = synthetic_catalog(500)
    engine = SearchEngine(catalog)
    questions = synthetic_questions(catalog, 50)
    answered = sum(bool(engine.search(q).results) for q in questions)
    assert answered >= 0.8 * len(questions)


def test_table_is_markdown() -> None:
    """Tables are GitHub markdown with aligned columns."""
    assert table(["a", "bb"], [["1", "2"]]).splitlines() == ["| a | bb |", "|---|----|", "| 1 |  2 |"]


def test_quick_run_prints_both_tables(capsys: pytest.CaptureFixture[str]) -> None:
    """A small run (no baseline) prints the shipped-catalog and synthetic tables."""
    assert main(["--sizes", "200", "--queries", "30", "--no-baseline"]) == 0
    out = capsys.readouterr().out
    assert "## Shipped catalog" in out and "### Quality" in out and "## Synthetic catalogs" in out
    assert any(line.startswith("|") and " 200 |" in line for line in out.splitlines())
