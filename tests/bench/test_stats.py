"""The benchmarks' shared summaries."""

from __future__ import annotations

from bot.bench.stats import percentile


def test_percentile_is_nearest_rank() -> None:
    """p99 of 100 values is the 99th; of 10 values, the largest; one value is every percentile."""
    assert percentile(list(range(1, 101)), 0.99) == 99
    assert percentile(list(range(1, 11)), 0.99) == 10
    assert percentile(list(range(1, 11)), 0.5) == 5
    assert percentile([7.0], 0.99) == 7.0


def test_percentile_of_nothing_is_zero() -> None:
    """No values (every suggestion refused, no link checked): 0.0, not an error."""
    assert percentile([], 0.99) == 0.0
