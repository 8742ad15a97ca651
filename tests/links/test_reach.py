"""Holding back failures that got no response until some link answers (pure, no network)."""

from __future__ import annotations

import pytest

from bot.links.outcome import FAILED, OK, UNKNOWN, CheckResult, Hop
from bot.links.reach import HoldBack, RollingHold, answered, no_response

DNS = CheckResult("https://a.org/", FAILED, "the host name does not resolve", attempts=1)
REFUSED = CheckResult("https://b.org/", FAILED, "could not connect (connection refused)", attempts=3)
TIMEOUT = CheckResult("https://c.org/", FAILED, "timed out after 10 s", attempts=3)
GONE = CheckResult("https://d.org/", FAILED, "404 Not Found", status=404, attempts=2)
FINE = CheckResult("https://e.org/", OK, "200 OK", status=200, attempts=1)
BUSY = CheckResult("https://f.org/", UNKNOWN, "rate limited (429); asked to wait 3600 s", attempts=1)
LOOP = CheckResult("https://g.org/", FAILED, "redirect loop", redirects=(Hop(302, "https://g.org/b"),), attempts=2)
NOT_A_URL = CheckResult("ftp://h.org/", FAILED, "not an http(s) URL (scheme 'ftp')")


@pytest.mark.parametrize(
    ("result", "silent", "heard"),
    [
        (DNS, True, False),
        (REFUSED, True, False),
        (TIMEOUT, True, False),
        (GONE, False, True),
        (FINE, False, True),
        (BUSY, False, True),
        (LOOP, False, True),
        (NOT_A_URL, False, False),
    ],
    ids=["dns", "refused", "timeout", "404", "200", "429", "redirect-loop", "not-a-url"],
)
def test_what_counts_as_a_response(result: CheckResult, silent: bool, heard: bool) -> None:
    """Only a request sent and unanswered is 'no response'; any status or redirect is an answer; a bad URL is neither."""
    assert (no_response(result), answered(result)) == (silent, heard)


def test_three_unanswered_and_nothing_else_is_offline() -> None:
    """Three failures with no response and no answer: held, offline, and none to record at the end."""
    hold: HoldBack[str] = HoldBack()
    assert [hold.arrive(name, r) for name, r in (("a", DNS), ("b", REFUSED), ("c", TIMEOUT))] == [[], [], []]
    assert hold.offline and hold.settle() == [] and len(hold.held) == 3


def test_an_answer_releases_what_was_held_first() -> None:
    """The first answer releases the held failures (in order), then itself; later failures go straight through."""
    hold: HoldBack[str] = HoldBack()
    hold.arrive("a", DNS)
    hold.arrive("b", REFUSED)
    assert hold.arrive("e", FINE) == [("a", DNS), ("b", REFUSED), ("e", FINE)]
    assert hold.arrive("c", TIMEOUT) == [("c", TIMEOUT)]
    assert not hold.offline and hold.settle() == []


def test_fewer_than_the_minimum_are_recorded_at_the_end() -> None:
    """Two unanswered failures alone cannot tell an offline machine from two dead hosts: recorded as usual."""
    hold: HoldBack[str] = HoldBack()
    hold.arrive("a", DNS)
    hold.arrive("b", REFUSED)
    assert not hold.offline and hold.settle() == [("a", DNS), ("b", REFUSED)]


def test_a_bad_url_is_recorded_at_once_and_proves_nothing() -> None:
    """A string that is not a URL is the link's own fault: recorded now, and the machine may still be offline."""
    hold: HoldBack[str] = HoldBack()
    assert hold.arrive("h", NOT_A_URL) == [("h", NOT_A_URL)]
    for name, result in (("a", DNS), ("b", REFUSED), ("c", TIMEOUT)):
        hold.arrive(name, result)
    assert hold.offline and not hold.reached


def test_rolling_hold_records_a_lone_failure_with_the_next_answer() -> None:
    """The background check: a failure with no response waits for the next answer, then both are recorded."""
    hold: RollingHold[str] = RollingHold()
    assert hold.arrive("a", DNS) == []
    assert hold.arrive("e", FINE) == [("a", DNS), ("e", FINE)]
    assert hold.arrive("b", REFUSED) == []  # held again: each failure waits for a later answer
    assert hold.arrive("d", GONE) == [("b", REFUSED), ("d", GONE)]


def test_rolling_hold_drops_an_offline_stretch() -> None:
    """Three in a row with no answer: offline; they and every later one are dropped, even once a link answers."""
    hold: RollingHold[str] = RollingHold()
    for name, result in (("a", DNS), ("b", REFUSED), ("c", TIMEOUT), ("a", DNS)):
        assert hold.arrive(name, result) == []
    assert hold.offline and [name for name, _ in hold.dropped] == ["a", "b", "c", "a"]
    assert hold.arrive("e", FINE) == [("e", FINE)]  # back online: only the answer is recorded
    assert not hold.offline and hold.dropped == [] and hold.held == []
    assert hold.arrive("h", NOT_A_URL) == [("h", NOT_A_URL)]
