"""python -m bot.bench.store on a small run: the SQLite row stores exactly what was sent and refuses exactly the extras."""

from __future__ import annotations

import json

import pytest

from bot.bench.store import main, table


def test_small_run_on_sqlite_is_exact(capsys: pytest.CaptureFixture[str]) -> None:
    """2 processes x 3 users x 2 suggestions: 12 stored, 6 refused by the rate limit, latencies reported."""
    assert main(["--processes", "2", "--users", "3", "--per-user", "2", "--changes", "0", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["rows"]
    assert (row["backend"], row["stored"], row["expected"], row["refused"], row["exact"]) == (
        "SQLite (WAL file)",
        12,
        12,
        6,
        True,
    )
    assert row["suggestions"] == 12 and row["p50_ms"] <= row["p99_ms"] and row["per_second"] > 0


def test_table_marks_an_inexact_row() -> None:
    """A backend that stored the wrong rows says NO, and the ratio is against the first row."""
    rows: list[dict[str, object]] = [
        {"backend": "a", "suggestions": 10, "per_second": 100.0, "p50_ms": 1, "mean_ms": 1, "p99_ms": 2},
        {"backend": "b", "suggestions": 9, "per_second": 50.0, "p50_ms": 1, "mean_ms": 1, "p99_ms": 2},
    ]
    rows[0].update(stored=10, expected=10, refused=5, exact=True)
    rows[1].update(stored=9, expected=10, refused=5, exact=False)
    lines = table(rows).splitlines()
    assert "| 1.00x |" in lines[2] and "| yes |" in lines[2]
    assert "| 0.50x |" in lines[3] and lines[3].endswith("| NO |")


def test_small_run_on_postgresql_is_exact(pg_dsn: str, capsys: pytest.CaptureFixture[str]) -> None:
    """With --postgres: a second row, measured the same way, exact as well, with its ratio against SQLite."""
    assert (
        main(["--processes", "2", "--users", "3", "--per-user", "2", "--postgres", pg_dsn, "--changes", "0", "--json"])
        == 0
    )
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [r["backend"] for r in rows] == ["SQLite (WAL file)", "PostgreSQL"]
    assert [(r["stored"], r["refused"], r["exact"]) for r in rows] == [(12, 6, True), (12, 6, True)]


def test_propagation_rows_time_every_change(pg_dsn: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The second table: each backend's follower saw every one of the changes, with p50 <= p99."""
    args = ["--processes", "1", "--users", "1", "--per-user", "1", "--postgres", pg_dsn]
    assert main([*args, "--changes", "3", "--sync-seconds", "0.2", "--json"]) == 0
    spread = json.loads(capsys.readouterr().out)["propagation"]
    assert [(r["backend"], r["changes"], r["poll_seconds"]) for r in spread] == [
        ("SQLite (WAL file)", 3, 0.2),
        ("PostgreSQL", 3, 0.2),
    ]
    assert all(0 < r["p50_ms"] <= r["p99_ms"] for r in spread)
