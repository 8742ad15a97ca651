"""Per-host politeness: at most ``per_host`` requests in flight to one host, ``delay`` seconds
between the starts of two requests to it, and a pause when the host asks for one (429)."""

from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import AsyncIterator, Awaitable, Callable
from urllib.parse import urlsplit


def host_key(url: str) -> str:
    """``host:port`` (lower case, default port filled in): what politeness is counted by."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{host}:{port or (443 if parts.scheme == 'https' else 80)}"


@dataclass
class _Host:
    slots: asyncio.Semaphore
    next_start: float = 0.0
    in_flight: int = 0
    peak: int = 0
    requests: int = 0


@dataclass
class HostGate:
    """Shared by every request of one check run; :attr:`peak` tells the most in flight per host."""

    per_host: int = 2
    delay: float = 0.5
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    _hosts: dict[str, _Host] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.per_host < 1:
            raise ValueError("per_host must be at least 1")

    def _host(self, key: str) -> _Host:
        host = self._hosts.get(key)
        if host is None:
            host = self._hosts[key] = _Host(asyncio.Semaphore(self.per_host))
        return host

    @asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        """Hold one of the host's slots for one request, starting no sooner than its delay allows."""
        host = self._host(host_key(url))
        async with host.slots:
            now = self.clock()
            start = max(now, host.next_start)
            host.next_start = start + self.delay  # reserved before sleeping: waiters queue up in order
            if start > now:
                await self.sleep(start - now)
            host.in_flight += 1
            host.requests += 1
            host.peak = max(host.peak, host.in_flight)
            try:
                yield
            finally:
                host.in_flight -= 1

    def pause(self, url: str, seconds: float) -> None:
        """No request to this URL's host starts for ``seconds`` (a 429's ``Retry-After``)."""
        host = self._host(host_key(url))
        host.next_start = max(host.next_start, self.clock() + max(0.0, seconds))

    def peaks(self) -> dict[str, int]:
        """Host -> the most requests it ever had in flight at once."""
        return {key: host.peak for key, host in self._hosts.items()}

    def requests(self) -> dict[str, int]:
        """Host -> requests sent to it."""
        return {key: host.requests for key, host in self._hosts.items()}
