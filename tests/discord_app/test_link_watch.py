"""The background link check's schedule: never-checked first, then the oldest; waits until one is due."""

from __future__ import annotations

import pytest

from bot.discord_app.links import IDLE_RECHECK, next_due
from bot.links.run import LinkTarget

A, B, C = (LinkTarget(f"https://site.org/{n}", n) for n in "abc")
DAY = 86400.0


@pytest.mark.parametrize(
    ("last", "now", "expected", "wait"),
    [
        ({}, 0.0, A, 0.0),
        ({A.url: 100.0}, 200.0, B, 0.0),
        ({A.url: 100.0, B.url: 50.0, C.url: 80.0}, 50.0 + DAY, B, 0.0),
        ({A.url: 100.0, B.url: 50.0, C.url: 80.0}, 1000.0, None, IDLE_RECHECK),
        ({A.url: 100.0, B.url: 50.0, C.url: 80.0}, DAY + 49.0, None, 1.0),
    ],
)
def test_next_due(last: dict[str, float], now: float, expected: LinkTarget | None, wait: float) -> None:
    """Each link once per period, the longest unchecked first; idle waits are bounded."""
    assert next_due([A, B, C], last, now, DAY) == (expected, wait)


def test_no_links_waits() -> None:
    """An empty catalog idles."""
    assert next_due([], {}, 0.0, DAY) == (None, IDLE_RECHECK)
