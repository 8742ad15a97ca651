"""Pure judgement: what a response chain means, and what a history of checks means."""

from __future__ import annotations

import pytest

from bot.links.outcome import FAILED, MOVED, OK, SUSPICIOUS, UNKNOWN, Hop
from bot.links.verdict import classify, decide, landing_problem

A = "https://site.org/docs/page"


@pytest.mark.parametrize(
    ("status", "hops", "outcome", "suggested"),
    [
        (200, (), OK, None),
        (204, (), OK, None),
        (404, (), FAILED, None),
        (410, (), FAILED, None),
        (503, (), FAILED, None),
        (401, (), SUSPICIOUS, None),
        (429, (), UNKNOWN, None),
        (200, (Hop(301, "https://new.org/page"),), MOVED, "https://new.org/page"),
        (200, (Hop(308, "https://new.org/a"), Hop(302, "https://new.org/b")), MOVED, "https://new.org/a"),
        (200, (Hop(302, "https://site.org/tmp"), Hop(301, "https://new.org/a")), OK, None),
        (200, (Hop(301, "http://www.site.org/docs/page/"),), OK, "http://www.site.org/docs/page/"),
        (200, (Hop(301, "https://site.org/"),), SUSPICIOUS, None),
        (200, (Hop(302, "https://site.org/users/sign_in"),), SUSPICIOUS, None),
        (404, (Hop(301, "https://new.org/page"),), FAILED, None),
    ],
)
def test_classify(status: int, hops: tuple[Hop, ...], outcome: str, suggested: str | None) -> None:
    """Status class, permanent redirects and landing pages decide the outcome."""
    got, _, suggestion = classify(A, status, hops)
    assert (got, suggestion) == (outcome, suggested)


def test_home_page_link_redirecting_home_is_fine() -> None:
    """A link to a home page that redirects to the home page is not suspicious."""
    assert landing_problem("https://site.org/", "https://www.site.org/index.html") is None


@pytest.mark.parametrize(
    ("outcome", "days", "previous", "expected"),
    [
        (OK, 5, "dead", ("ok", 0)),
        (MOVED, 2, "failing", ("moved", 0)),
        (FAILED, 1, None, ("failing", 1)),
        (FAILED, 2, "failing", ("failing", 2)),
        (FAILED, 3, "failing", ("dead", 3)),
        (SUSPICIOUS, 1, "failing", ("suspicious", 1)),
        (UNKNOWN, 2, "failing", ("failing", 2)),
        (UNKNOWN, 0, None, ("unknown", 0)),
    ],
)
def test_decide(outcome: str, days: int, previous: str | None, expected: tuple[str, int]) -> None:
    """Dead after three failure days; success and moved reset; no news keeps the verdict."""
    assert decide(outcome, days, previous) == expected
