"""Per-user question cooldown (``Settings.question_cooldown_seconds``), in memory and, when several
processes share the bot's shards, in the database they share."""

from __future__ import annotations

import logging
import time
from typing import Callable, Hashable, Protocol

from bot.core.errors import RateLimited, VizbotError

_log = logging.getLogger(__name__)


class SharedCooldowns(Protocol):
    """The database side (``Vizbot.cooldown_hit``): one atomic check-and-record for every process."""

    async def cooldown_hit(self, user: str, seconds: float) -> float: ...


class Cooldown:
    """At most one question per user every ``seconds``; ``0`` turns it off."""

    MAX_TRACKED = 10_000

    def __init__(
        self, seconds: float, clock: Callable[[], float] = time.monotonic, *, shared: SharedCooldowns | None = None
    ):
        self.seconds = float(seconds)
        self._clock = clock
        self.shared = shared  # None: this process sees every question (one process, or all the shards)
        self._last: dict[Hashable, float] = {}
        self._longest = self.seconds  # the longest window used so far: pruning keeps everyone inside it
        self._warned: dict[Hashable, float] = {}  # key -> the hit whose window was already warned about

    def __len__(self) -> int:
        """How many users are tracked."""
        return len(self._last)

    def retry_after(self, key: Hashable, seconds: float | None = None) -> float:
        """Seconds until ``key`` may ask again (0 when it may ask now); ``seconds`` overrides the
        window (a server's own cooldown)."""
        window = self.seconds if seconds is None else float(seconds)
        last = self._last.get(key)
        if last is None or window <= 0:
            return 0.0
        return max(0.0, last + window - self._clock())

    def hit(self, key: Hashable, seconds: float | None = None) -> None:
        """Record a question by ``key``; raise ``RateLimited`` if it comes too soon (within ``seconds``,
        default the cooldown's own)."""
        window = self.seconds if seconds is None else float(seconds)
        wait = self.retry_after(key, window)
        if wait > 0:
            raise RateLimited("You are asking questions faster than the cooldown allows.", retry_after=wait)
        if window <= 0:
            return
        self._record(key, self._clock(), window)

    def _record(self, key: Hashable, at: float, window: float) -> None:
        now = self._clock()
        self._longest = max(self._longest, window)
        if len(self._last) >= self.MAX_TRACKED:
            self._last = {k: t for k, t in self._last.items() if now - t < self._longest}
            self._warned = {k: t for k, t in self._warned.items() if k in self._last}
        self._last[key] = at

    async def check(self, key: Hashable, seconds: float | None = None) -> None:
        """:meth:`hit` for every process sharing the database when ``shared`` is set, else in memory alone.

        Memory first: a question this process let through inside the window is refused without asking
        the database. Otherwise the database decides in one atomic step (questions through other
        processes count); if it cannot be reached the question is judged in memory (logged).
        """
        window = self.seconds if seconds is None else float(seconds)
        if self.shared is None or window <= 0:
            self.hit(key, window)
            return
        wait = self.retry_after(key, window)
        if wait <= 0:
            try:
                wait = await self.shared.cooldown_hit(str(key), window)
            except VizbotError as exc:
                _log.warning("question cooldown checked in this process alone: %s", exc)
                self.hit(key, window)
                return
            if wait > 0:  # asked through another process: refuse here too (and warn once, as for our own)
                self._record(key, self._clock() - (window - wait), window)
        if wait > 0:
            raise RateLimited("You are asking questions faster than the cooldown allows.", retry_after=wait)
        self._record(key, self._clock(), window)

    def first_warning(self, key: Hashable) -> bool:
        """``True`` once per cooldown window of ``key`` (call it when a hit was refused).

        Public replies to mentions use it so a user hammering the bot is told once, not every time.
        """
        last = self._last.get(key)
        if last is None or self._warned.get(key) == last:
            return False
        self._warned[key] = last
        return True
