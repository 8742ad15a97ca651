"""Can this machine reach the web? Failures that got no HTTP response are held back until some link answers.

A machine with no network sees every link fail before any response (the name does not resolve, the
connection is refused, the TLS handshake or the request times out). Recorded, those failures would be
strikes, and after three such days every link would be dead. So a failure with no response is *held
back*: as soon as one link answers (any HTTP status, a redirect, a 429), the network works and what
was held back is recorded; when nothing has answered after at least :data:`OFFLINE_MIN` such failures,
the web is unreachable from here and none of them counts against its link.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from bot.links.outcome import FAILED, CheckResult

OFFLINE_MIN = 3  # failures with no response, and no answer at all, before this machine is taken to be offline

T = TypeVar("T")


def no_response(result: CheckResult) -> bool:
    """A request was sent and nothing answered it (DNS, connect, TLS, timeout, a dropped connection)."""
    return result.outcome == FAILED and result.status is None and not result.redirects and result.attempts > 0


def answered(result: CheckResult) -> bool:
    """Some HTTP response came back (a status, a redirect followed, a 429): the web is reachable."""
    return result.attempts > 0 and not no_response(result)


@dataclass
class HoldBack(Generic[T]):
    """Holds back failures with no response until a link answers; ``item`` travels with each result.

    :meth:`arrive` returns what to record now, in order (what was held back first); :meth:`settle`
    what to record once nothing more will arrive: the held failures, unless they are at least
    ``minimum`` and nothing answered (:attr:`offline`), in which case none is recorded.
    """

    minimum: int = OFFLINE_MIN
    reached: bool = False  # some link answered
    held: list[tuple[T, CheckResult]] = field(default_factory=list)

    def arrive(self, item: T, result: CheckResult) -> list[tuple[T, CheckResult]]:
        """What to record now that ``result`` is known: nothing (held back), it alone, or the held ones and it."""
        if answered(result) and not self.reached:
            self.reached = True
            released, self.held = self.held, []
            return [*released, (item, result)]
        if no_response(result) and not self.reached:
            self.held.append((item, result))
            return []
        return [(item, result)]

    @property
    def offline(self) -> bool:
        """Nothing answered and at least ``minimum`` requests got no response: the web is out of reach."""
        return not self.reached and len(self.held) >= self.minimum

    def settle(self) -> list[tuple[T, CheckResult]]:
        """What is left to record at the end: the held failures, or nothing when :attr:`offline`."""
        if self.offline:
            return []
        released, self.held = self.held, []
        return released


@dataclass
class RollingHold(Generic[T]):
    """:class:`HoldBack` for a check that never ends (the bot's background check, one link at a time).

    A failure with no response waits for the next check that gets an answer, which records it (then
    itself). ``minimum`` of them in a row with no answer mean this machine is offline: they are dropped
    (never recorded), and so is every further one until a link answers again. :meth:`arrive` returns
    what to record now, and :attr:`dropped` what went unrecorded since the last answer.
    """

    minimum: int = OFFLINE_MIN
    offline: bool = False
    held: list[tuple[T, CheckResult]] = field(default_factory=list)
    dropped: list[tuple[T, CheckResult]] = field(default_factory=list)

    def arrive(self, item: T, result: CheckResult) -> list[tuple[T, CheckResult]]:
        """What to record now that ``result`` is known (held failures first); nothing while waiting or offline."""
        if no_response(result):
            if self.offline:
                self.dropped.append((item, result))
            else:
                self.held.append((item, result))
                if len(self.held) >= self.minimum:
                    self.offline = True
                    self.dropped, self.held = self.held, []
            return []
        if answered(result):
            released, self.held, self.dropped, self.offline = self.held, [], [], False
            return [*released, (item, result)]
        return [(item, result)]
