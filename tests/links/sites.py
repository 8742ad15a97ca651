"""A small local web site for link-check tests: every behaviour the checker must handle, on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import dataclass, field

import aiohttp.abc
from aiohttp import web
from aiohttp.test_utils import TestServer


def _status(code: int, location: str | None = None):
    """A handler answering ``code`` (with a Location header when given) and no body."""

    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=code, headers={"Location": location} if location else None)

    return handler


@dataclass
class Seen:
    """One request the site received."""

    method: str
    path: str
    user_agent: str
    at: float


@dataclass
class Site:
    """Routes with known behaviour; counts requests, bytes sent and concurrency."""

    huge_bytes: int = 100 * 1024 * 1024
    seen: list[Seen] = field(default_factory=list)
    sent: int = 0  # body bytes written by /huge
    in_flight: int = 0
    peak: int = 0
    slow_seconds: float = 0.2
    server: TestServer | None = None

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._count])
        r = app.router
        r.add_route("*", "/", self._ok)
        r.add_route("*", "/ok", self._ok)
        r.add_route("*", "/missing", _status(404))
        r.add_route("*", "/gone", _status(410))
        r.add_route("*", "/flaky", self._flaky)
        r.add_route("*", "/broken", _status(500))
        r.add_route("*", "/hang", self._hang)
        r.add_route("*", "/slow/{n}", self._slow)
        r.add_route("*", "/chain/{n}", self._chain)
        r.add_route("*", "/loop/a", _status(302, "/loop/b"))
        r.add_route("*", "/loop/b", _status(302, "/loop/a"))
        r.add_route("*", "/retired", _status(301, "/"))
        r.add_route("*", "/members", _status(302, "/accounts/login?next=/members"))
        r.add_route("*", "/accounts/login", self._ok)
        r.add_route("*", "/old", _status(308, "/new"))
        r.add_route("*", "/new", self._ok)
        r.add_route("*", "/http-to-https", _status(301, "/http-to-https/"))
        r.add_route("*", "/http-to-https/", self._ok)
        r.add_route("*", "/no-head", self._no_head)
        r.add_route("*", "/busy", self._busy)
        r.add_route("*", "/always-busy", self._always_busy)
        r.add_route("*", "/huge", self._huge)
        r.add_route("*", "/private", _status(403))
        r.add_route("*", "/bad-location", _status(302, "javascript:alert(1)"))
        return app

    @web.middleware
    async def _count(self, request: web.Request, handler):
        self.seen.append(Seen(request.method, request.path, request.headers.get("User-Agent", ""), time.monotonic()))
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            return await handler(request)
        finally:
            self.in_flight -= 1

    def hits(self, path: str, method: str | None = None) -> list[Seen]:
        """Requests received for ``path`` (with ``method``)."""
        return [s for s in self.seen if s.path == path and (method is None or s.method == method)]

    async def _ok(self, request: web.Request) -> web.Response:
        return web.Response(text="<html>fine</html>", content_type="text/html")

    async def _flaky(self, request: web.Request) -> web.Response:
        return web.Response(status=500) if len(self.hits("/flaky")) == 1 else web.Response(text="ok")

    async def _hang(self, request: web.Request) -> web.Response:
        await asyncio.sleep(30)
        return web.Response(text="too late")

    async def _slow(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.slow_seconds)
        return web.Response(text="slow but fine")

    async def _chain(self, request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        if n >= 3:
            return web.Response(text="the end of the chain")
        return web.Response(status=302, headers={"Location": f"/chain/{n + 1}"})

    async def _no_head(self, request: web.Request) -> web.Response:
        if request.method == "HEAD":
            return web.Response(status=405, headers={"Allow": "GET"})
        return web.Response(text="GET only")

    async def _busy(self, request: web.Request) -> web.Response:
        if len(self.hits("/busy")) == 1:
            return web.Response(status=429, headers={"Retry-After": "1"})
        return web.Response(text="now")

    async def _always_busy(self, request: web.Request) -> web.Response:
        return web.Response(status=429, headers={"Retry-After": "3600"})

    async def _huge(self, request: web.Request) -> web.StreamResponse:
        if request.method == "HEAD":
            return web.Response(status=405)
        response = web.StreamResponse(headers={"Content-Type": "video/mp4", "Content-Length": str(self.huge_bytes)})
        await response.prepare(request)
        chunk = b"\0" * 65536
        try:
            while self.sent < self.huge_bytes:
                await response.write(chunk)
                self.sent += len(chunk)
        except (ConnectionError, RuntimeError):
            pass
        return response

    async def start(self) -> "Site":
        self.server = TestServer(self.app(), host="127.0.0.1")
        await self.server.start_server()
        return self

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    def url(self, path: str) -> str:
        """``http://127.0.0.1:PORT/path``."""
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.port}{path}"


class LocalResolver(aiohttp.abc.AbstractResolver):
    """Resolves the names it is given to 127.0.0.1 and no other: an unknown name fails as DNS would."""

    def __init__(self, names: tuple[str, ...] = ()):
        self.names = set(names)

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET):
        if host not in self.names and host != "127.0.0.1":
            raise OSError(socket.EAI_NONAME, "Name or service not known")
        return [
            {
                "hostname": host,
                "host": "127.0.0.1",
                "port": port,
                "family": socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        ]

    async def close(self) -> None:
        return None


class ThreadedSite:
    """A :class:`Site` served from its own thread and event loop, for code that runs ``asyncio.run``
    itself (the command line)."""

    def __init__(self, site: Site | None = None):
        self.site = site or Site()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="test-site", daemon=True)

    def __enter__(self) -> Site:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.site.start(), self._loop).result(10)
        return self.site

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.site.close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
