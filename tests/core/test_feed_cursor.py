"""The change-feed cursor: ids applied in order, out of order, and gaps that never fill."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.core.feed_cursor import FeedCursor
from bot.core.records import ChangeEvent


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def events(*ids: int) -> list[ChangeEvent]:
    return [ChangeEvent(id=i, kind="catalog", subject="", origin="p", at=datetime.now(timezone.utc)) for i in ids]


def test_in_order_the_cursor_is_the_last_id() -> None:
    """SQLite: ids become visible in order; the cursor moves to the last one and forgets nothing else."""
    cursor = FeedCursor(4)
    batch = events(5, 6, 7)
    assert [e.id for e in cursor.new(batch)] == [5, 6, 7]
    cursor.applied(e.id for e in batch)
    assert cursor.after == 7 and cursor.new(batch) == []


def test_an_id_committed_late_is_still_applied_once() -> None:
    """PostgreSQL: 7 commits before 6; 7 is applied, 6 is read and applied when it appears, neither twice."""
    clock = Clock()
    cursor = FeedCursor(5, clock=clock)
    first = events(7)
    cursor.applied(e.id for e in cursor.new(first))
    assert cursor.after == 5
    clock.now += 3
    later = events(6, 7)
    fresh = cursor.new(later)
    assert [e.id for e in fresh] == [6]
    cursor.applied(e.id for e in fresh)
    assert cursor.after == 7 and cursor.new(later) == []


@pytest.mark.parametrize(("waited", "after"), [(9.0, 5), (10.0, 8)])
def test_a_gap_is_skipped_after_the_wait(waited: float, after: int) -> None:
    """A rolled-back id never appears: the cursor waits ``gap_wait`` seconds for it, then moves past it."""
    clock = Clock()
    cursor = FeedCursor(5, gap_wait=10, clock=clock)
    cursor.applied([7, 8])
    clock.now += waited
    cursor.applied([])  # a poll with nothing new
    assert cursor.after == after
    assert [e.id for e in cursor.new(events(6, 7, 8, 9))] == ([6, 9] if after == 5 else [9])
