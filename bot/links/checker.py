"""Checking one link over HTTP: HEAD (GET where HEAD is refused), redirects followed one hop at a
time and recorded, retries with back-off on timeouts and 5xx, ``Retry-After`` honoured on 429.

Every request goes through a :class:`~bot.links.hosts.HostGate` (politeness per host) and carries
a User-Agent naming vizbot. Bodies are never read: a GET's connection is dropped once the status
and headers are in, so a 100 MB page costs what its headers cost. Every failure (no such host, a
TLS error, a timeout, a redirect loop, a string that is not a URL) is a :class:`CheckResult` with
a short reason, never an exception.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import os
import ssl
import time
from typing import Any, Awaitable, Callable
from urllib.parse import urljoin, urlsplit

import aiohttp

from bot import __version__
from bot.core.limits import URL_MAX
from bot.links.hosts import HostGate
from bot.links.outcome import FAILED, UNKNOWN, CheckResult, Hop
from bot.links.verdict import REDIRECTS, classify

_log = logging.getLogger(__name__)

USER_AGENT = f"vizbot/{__version__} (link checker of a learning-resource catalog; python-aiohttp)"
HEAD_REFUSED = frozenset({400, 403, 404, 405, 406, 501})  # statuses after which GET is tried


class _Failure(Exception):
    """A request that got no usable response; ``reason`` is shown, ``retry`` says if trying again may help."""

    def __init__(self, reason: str, *, retry: bool = False, outcome: str = FAILED):
        super().__init__(reason)
        self.reason = reason
        self.retry = retry
        self.outcome = outcome
        self.attempts = 0  # requests sent for the URL that failed


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (a number or an HTTP date), or ``None``."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment is None:
        return None
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))


def url_problem(url: object) -> str | None:
    """Why ``url`` cannot be checked (not text, not http(s), no host), or ``None``."""
    if not isinstance(url, str) or not url.strip():
        return "not a URL (empty)"
    if len(url) > URL_MAX:
        return f"not a usable URL (longer than {URL_MAX} characters)"
    if any(c.isspace() or ord(c) < 32 for c in url.strip()):
        return "not a valid URL (it contains spaces or control characters)"
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    if parts.scheme.lower() not in ("http", "https"):
        return f"not an http(s) URL (scheme {parts.scheme!r})" if parts.scheme else "not a URL (no http:// or https://)"
    if not parts.hostname:
        return "not a valid URL (no host)"
    return None


def _describe(exc: BaseException, timeout: float) -> _Failure:
    """A short reason (and whether to retry) for an exception raised by one request."""
    if isinstance(exc, (asyncio.TimeoutError, aiohttp.ServerTimeoutError)):
        return _Failure(f"timed out after {timeout:g} s", retry=True)
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return _Failure("the host name does not resolve")
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return _Failure(f"TLS certificate error ({exc.certificate_error})")
    if isinstance(exc, (aiohttp.ClientSSLError, ssl.SSLError)):
        return _Failure("TLS error (the secure connection could not be set up)")
    if isinstance(exc, aiohttp.ClientConnectorError):
        errno = getattr(exc.os_error, "errno", None)
        reason = (os.strerror(errno) if errno else exc.strerror or str(exc.os_error) or "error").lower()
        return _Failure(f"could not connect ({reason})", retry=True)
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return _Failure("the server closed the connection without answering", retry=True)
    if isinstance(exc, (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError, ValueError, UnicodeError)):
        return _Failure(f"not a valid URL ({exc})")
    if isinstance(exc, aiohttp.ClientResponseError):
        return _Failure(f"malformed response ({exc.message})")
    if isinstance(exc, aiohttp.ClientError):
        return _Failure(f"request failed ({type(exc).__name__})", retry=True)
    return _Failure(f"request failed ({type(exc).__name__}: {exc})")


class LinkChecker:
    """Checks links; use as ``async with LinkChecker(...) as checker: await checker.check(url)``.

    ``per_host`` and ``delay`` are the politeness limits; ``timeout`` bounds each request (until its
    headers); ``retries`` more attempts follow a timeout or a 5xx (after ``backoff``, doubling) or a
    429 (after its ``Retry-After``, when at most ``max_retry_after``). ``resolver`` and ``ssl`` go to
    aiohttp's connector (tests resolve names to 127.0.0.1 without DNS).
    """

    def __init__(
        self,
        *,
        per_host: int = 2,
        delay: float = 0.5,
        timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 1.0,
        max_redirects: int = 10,
        max_retry_after: float = 60.0,
        user_agent: str = USER_AGENT,
        resolver: aiohttp.abc.AbstractResolver | None = None,
        ssl_context: ssl.SSLContext | bool = True,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.gate = HostGate(per_host=per_host, delay=delay, clock=clock, sleep=sleep)
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self.max_redirects = max_redirects
        self.max_retry_after = max_retry_after
        self.user_agent = user_agent
        self._resolver = resolver
        self._ssl = ssl_context
        self._sleep = sleep
        self._clock = clock
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> "LinkChecker":
        kwargs: dict[str, Any] = {"limit": 0, "ssl": self._ssl, "force_close": True}
        if self._resolver is not None:
            kwargs["resolver"] = self._resolver
        connector = aiohttp.TCPConnector(**kwargs)
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": self.user_agent, "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
            timeout=aiohttp.ClientTimeout(total=self.timeout, sock_connect=self.timeout),
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session (safe to call twice)."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def check(self, url: str) -> CheckResult:
        """Check one link; never raises (but may be cancelled)."""
        started = self._clock()
        attempts = 0
        hops: list[Hop] = []
        problem = url_problem(url)
        if problem is not None:
            return CheckResult(url=str(url), outcome=FAILED, reason=problem)
        url = url.strip()
        current, seen, method = url, {url}, "HEAD"
        try:
            while True:
                status, location, method, used = await self._ask(current)
                attempts += used
                if status in REDIRECTS and location:
                    target = urljoin(current, location)
                    hops.append(Hop(status, target))
                    if url_problem(target) is not None:
                        raise _Failure(f"redirects to something that is not a web address ({location[:100]})")
                    if target in seen:
                        raise _Failure(f"redirect loop ({status} back to {target})")
                    if len(hops) > self.max_redirects:
                        raise _Failure(f"too many redirects (more than {self.max_redirects})")
                    seen.add(target)
                    current = target
                    continue
                break
        except _Failure as failure:
            return CheckResult(
                url=url,
                outcome=failure.outcome,
                reason=failure.reason,
                final_url=current if hops else None,
                redirects=tuple(hops),
                method=method,
                attempts=attempts + failure.attempts,
                elapsed=self._clock() - started,
            )
        outcome, reason, suggested = classify(url, status, tuple(hops), method)
        return CheckResult(
            url=url,
            outcome=outcome,
            reason=reason,
            status=status,
            final_url=current,
            redirects=tuple(hops),
            suggested_url=suggested,
            method=method,
            attempts=attempts,
            elapsed=self._clock() - started,
        )

    async def _ask(self, url: str) -> tuple[int, str | None, str, int]:
        """``(status, Location, method, requests sent)`` for one URL: HEAD, then GET if HEAD is refused."""
        status, location, sent = await self._request("HEAD", url)
        if status in HEAD_REFUSED:
            status, location, more = await self._request("GET", url, sent_before=sent)
            return status, location, "GET", sent + more
        return status, location, "HEAD", sent

    async def _request(self, method: str, url: str, sent_before: int = 0) -> tuple[int, str | None, int]:
        """One request with its retries: ``(status, Location, requests sent)``; raises ``_Failure``."""
        if self._session is None:
            raise RuntimeError("LinkChecker used outside 'async with'")
        sent = 0
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            sent += 1
            try:
                async with self.gate.slot(url):
                    async with self._session.request(method, url, allow_redirects=False) as response:
                        status = response.status
                        location = response.headers.get("Location")
                        retry_after = response.headers.get("Retry-After")
                        response.close()  # never read the body: drop the connection instead
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - every failure becomes a reason
                failure = _describe(exc, self.timeout)
                _log.debug("%s %s: %s", method, url, failure.reason)
                if failure.retry and not last:
                    await self._sleep(self.backoff * 2**attempt)
                    continue
                failure.attempts = sent_before + sent
                raise failure from None
            if status == 429 and not last:
                wait = retry_after_seconds(retry_after)
                wait = self.backoff * 2**attempt if wait is None else wait
                if wait > self.max_retry_after:
                    failure = _Failure(f"rate limited (429); asked to wait {wait:.0f} s", outcome=UNKNOWN)
                    failure.attempts = sent_before + sent
                    raise failure
                self.gate.pause(url, wait)  # every request to this host waits, not just this one
                continue
            if status >= 500 and not last:
                await self._sleep(self.backoff * 2**attempt)
                continue
            return status, location, sent
        raise AssertionError("unreachable")  # pragma: no cover
