"""Pure judgement: what one response chain means, and what a link's history means.

One check gives an *outcome* (:mod:`bot.links.outcome`); the *verdict* weighs the history:
a link is ``dead`` only after ``strikes`` failures on different (UTC) days with no success
between, so one flaky response never removes a good resource; one success resets the strikes.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from urllib.parse import urlsplit, urlunsplit

from bot.links.outcome import FAILED, MOVED, OK, SUSPICIOUS, UNKNOWN, Hop

DAY = 86400.0
STRIKES = 3  # failures on different days before a link is dead

# Verdicts (the state kept per link).
V_OK, V_FAILING, V_DEAD, V_MOVED, V_SUSPICIOUS, V_UNKNOWN = "ok", "failing", "dead", "moved", "suspicious", "unknown"
VERDICTS: tuple[str, ...] = (V_OK, V_FAILING, V_DEAD, V_MOVED, V_SUSPICIOUS, V_UNKNOWN)
NEEDS_ATTENTION: tuple[str, ...] = (V_DEAD, V_MOVED, V_SUSPICIOUS)  # what curators are shown
ANNOUNCED: tuple[str, ...] = (V_DEAD, V_MOVED)  # what moderators are told about, once

REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT = frozenset({301, 308})
DENIED = frozenset({401, 403})  # the page exists but refuses us: a person should look
# Path segments of sign-in pages (a removed page often redirects there).
_LOGIN = re.compile(
    r"(^|/)(log-?in|sign-?in|sign_in|signon|sso|auth|authenticate|oauth2?|session/new|accounts/login|users/sign_in)(/|$|\.)",
    re.IGNORECASE,
)


def day_of(moment: float) -> int:
    """The UTC day number of an epoch time (strikes count distinct days)."""
    return int(moment // DAY)


def status_text(status: int) -> str:
    """``404 Not Found`` (or just the number for a status without a name)."""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _is_home(path: str) -> bool:
    return path.strip("/") in ("", "index.html", "index.htm", "index.php", "home")


def _same_page(a: str, b: str) -> bool:
    """Equal but for scheme, a ``www.`` prefix, a trailing slash or case in the host."""
    pa, pb = urlsplit(a), urlsplit(b)
    host = lambda p: (p.hostname or "").removeprefix("www.")  # noqa: E731
    return host(pa) == host(pb) and pa.path.rstrip("/") == pb.path.rstrip("/") and pa.query == pb.query


def landing_problem(url: str, final_url: str) -> str | None:
    """Why a redirect's landing page is suspect (the home page, a login page), or ``None``."""
    start, end = urlsplit(url), urlsplit(final_url)
    if _LOGIN.search(end.path) and not _LOGIN.search(start.path):
        return "redirects to a login page"
    if _is_home(end.path) and not _is_home(start.path):
        return "redirects to the site's home page"
    return None


def with_fragment(url: str, original: str) -> str:
    """``url`` keeping ``original``'s #fragment when it has none (browsers carry it over)."""
    parts, fragment = urlsplit(url), urlsplit(original).fragment
    if parts.fragment or not fragment:
        return url
    return urlunsplit(parts._replace(fragment=fragment))


def classify(url: str, status: int, hops: tuple[Hop, ...], method: str | None = None) -> tuple[str, str, str | None]:
    """``(outcome, reason, suggested_url)`` for a chain of redirects ending in ``status``."""
    final_url = hops[-1].url if hops else url
    via = f" (after {len(hops)} redirect{'s' * (len(hops) != 1)})" if hops else ""
    if status == 429:
        return UNKNOWN, "rate limited (429 Too Many Requests)", None
    if status in DENIED:
        return SUSPICIOUS, f"access refused ({status_text(status)}){via}", None
    if status >= 400 or status < 200:
        return FAILED, status_text(status) + via, None
    if 300 <= status < 400 and status != 304:
        return FAILED, f"{status_text(status)} without a usable Location header", None
    if hops:
        problem = landing_problem(url, final_url)
        if problem is not None:
            return SUSPICIOUS, f"{problem} ({final_url})", None
        # Where the permanent redirects at the start of the chain lead: the new address.
        moved_to = None
        for hop in hops:
            if hop.status not in PERMANENT:
                break
            moved_to = hop.url
        if moved_to is not None and not _same_page(url, moved_to):
            return MOVED, f"moved permanently to {moved_to}", with_fragment(moved_to, url)
        if moved_to is not None:  # http -> https, www, a trailing slash: fine, but worth using
            return OK, f"{status_text(status)}{via}; permanent address {moved_to}", with_fragment(moved_to, url)
    return OK, status_text(status) + via, None


def decide(outcome: str, failure_days: int, previous: str | None, strikes: int = STRIKES) -> tuple[str, int]:
    """``(verdict, strikes)`` after one check.

    ``failure_days`` is the number of distinct days with a failure since the last success,
    counting this check when it failed. ``previous`` is the verdict before this check.
    """
    if outcome == OK:
        return V_OK, 0
    if outcome == MOVED:
        return V_MOVED, 0
    if outcome == FAILED:
        return (V_DEAD if failure_days >= strikes else V_FAILING), failure_days
    if outcome == SUSPICIOUS:
        return V_SUSPICIOUS, failure_days
    return (previous or V_UNKNOWN), failure_days  # UNKNOWN: no news
