"""Where a process stands in the change feed of a shared database (``bot.store.events``).

Event ids only grow, but they need not become visible in id order: on PostgreSQL two transactions
take ids 10 and 11 from the sequence and 11 may commit first; a rolled-back one leaves a gap for
good. So the cursor is not simply "the last id read": it is the highest id below which everything
was applied (``after``), plus the ids applied above it. A gap is waited for ``gap_wait`` seconds,
then skipped (its transaction rolled back, or the once-a-minute refresh catches it). On SQLite,
writers are serialised and a rolled-back insert gives its id back, so there are no gaps and the
cursor is just the last id.
"""

from __future__ import annotations

import time
from typing import Callable, Iterable, Sequence

from bot.core.records import ChangeEvent

GAP_WAIT = 10.0  # seconds a missing id is waited for before it is skipped


class FeedCursor:
    """The events a process has applied; ask it which of a batch are new, tell it which were applied."""

    def __init__(self, after: int, *, gap_wait: float = GAP_WAIT, clock: Callable[[], float] = time.monotonic):
        self.after = after  # every event up to this id has been applied (or given up on)
        self.gap_wait = gap_wait
        self._clock = clock
        self._applied: set[int] = set()  # applied ids above ``after`` (a gap lies below them)
        self._gap_since: float | None = None

    def new(self, changes: Sequence[ChangeEvent]) -> list[ChangeEvent]:
        """The events of ``changes`` (read after ``after``) not applied yet, in id order."""
        return [c for c in changes if c.id > self.after and c.id not in self._applied]

    def applied(self, ids: Iterable[int]) -> None:
        """Record events as applied and move ``after`` up over every id without a gap below it."""
        self._applied.update(i for i in ids if i > self.after)
        self._close_gaps()
        if not self._applied:
            self._gap_since = None
            return
        now = self._clock()
        if self._gap_since is None:
            self._gap_since = now
        elif now - self._gap_since >= self.gap_wait:  # the missing ids are not coming: skip past them
            self.after = min(self._applied) - 1
            self._close_gaps()
            self._gap_since = now if self._applied else None

    def _close_gaps(self) -> None:
        while self.after + 1 in self._applied:
            self.after += 1
            self._applied.discard(self.after)
