"""FakeDiscord: the REST API and the gateway websocket on 127.0.0.1, recording every call.

Point discord.py at it with ``discord.http.Route.BASE = fake.base_url`` and
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = fake.gateway_url``.
Waiting helpers take ``since`` (an index into ``fake.requests``); dispatch helpers set
``fake.mark`` to the request count at dispatch time, the default ``since``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
import time
from typing import Any, Awaitable, Callable

import yarl
from aiohttp import WSMsgType, web

from . import payloads as p
from . import validate as v
from .actions import UserActions
from .interactions import InteractionRoutes
from .records import Call, FakeInteraction, Frame, RateLimit, Reject, Session

__all__ = ["API_PREFIX", "Call", "FakeDiscord", "FakeInteraction", "Frame"]

_log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
CLIENT_READ_TICKS = 20  # loop iterations for the client to read a delivered response (it needs a handful)
Handler = Callable[[Call], Awaitable[tuple[int, Any]]]


_ROUTES: list[tuple[str, str]] = [
    ("GET", "/users/@me"),
    ("GET", "/users/{user_id}"),
    ("POST", "/users/@me/channels"),
    ("GET", "/oauth2/applications/@me"),
    ("GET", "/applications/@me"),
    ("GET", "/applications/{app_id}/commands"),
    ("PUT", "/applications/{app_id}/commands"),
    ("GET", "/applications/{app_id}/guilds/{guild_id}/commands"),
    ("PUT", "/applications/{app_id}/guilds/{guild_id}/commands"),
    ("GET", "/channels/{channel_id}"),
    ("POST", "/channels/{channel_id}/messages"),
    ("GET", "/channels/{channel_id}/messages/{message_id}"),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}"),
    ("POST", "/channels/{channel_id}/typing"),
    ("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me"),
    ("GET", "/guilds/{guild_id}"),
    ("GET", "/guilds/{guild_id}/members/{user_id}"),
    ("POST", "/interactions/{interaction_id}/{token}/callback"),
    ("POST", "/webhooks/{app_id}/{token}"),
    ("GET", "/webhooks/{app_id}/{token}/messages/{message_id}"),
    ("PATCH", "/webhooks/{app_id}/{token}/messages/{message_id}"),
    ("DELETE", "/webhooks/{app_id}/{token}/messages/{message_id}"),
]
_NO_AUTH = ("/interactions/", "/webhooks/")


def _compile(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(f"^{pattern}$")


_COMPILED = [(method, template, _compile(template)) for method, template in _ROUTES]


class FakeDiscord(InteractionRoutes, UserActions):
    """A small, faithful stand-in for discord.com: REST, webhooks, interactions and the gateway."""

    def __init__(
        self,
        *,
        token: str = "fake-token",
        privileged_intents: int = 0,
        heartbeat_interval_ms: int = 41250,
        bucket_size: int = 50,
        interaction_window: float = 3.0,
    ):
        self.token = token
        self.bucket_size = bucket_size  # X-RateLimit-Limit on every answer; discord.py queues beyond it
        self.interaction_window = interaction_window  # a first callback later than this gets 10062, as on Discord
        self.privileged_intents = privileged_intents
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.bot_user = p.FakeUser(p.snowflake(), "vizbot", bot=True)
        self.application_id = self.bot_user.id
        self.guild = p.FakeGuild.build(self.bot_user)  # the first server (most tests need one)
        self.guilds: list[p.FakeGuild] = [self.guild]
        self.clock_offset = 0.0  # seconds added to the fake's clock (interaction tokens expire after 15 minutes)
        self.requests: list[Call] = []
        self.unknown: list[Call] = []
        self.invalid: list[tuple[Call, list[str]]] = []
        self.frames: list[Frame] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.commands: dict[int | None, list[dict[str, Any]]] = {}  # guild id (None: global) -> commands
        self.interactions: dict[int, FakeInteraction] = {}
        self.closed_dms: set[int] = set()
        self.dm_channels: dict[int, int] = {}  # user id -> DM channel id
        self.mark = 0
        self.intents = 0
        self.shard_count = 1  # as the bot identified (every shard must say the same count)
        self.sessions: dict[int, Session] = {}  # shard id -> its gateway session
        self._ws_tasks: set[asyncio.Task[Any]] = set()
        self._rate_limits: list[RateLimit] = []
        self.listeners: list[
            Callable[[Call], None]
        ] = []  # called with every answered call (cheap hooks, e.g. benchmarks)
        self._handlers: dict[str, Handler] = self._build_handlers()
        self._cond: asyncio.Condition | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> "FakeDiscord":
        """Listen on 127.0.0.1 on a free port."""
        self._cond = asyncio.Condition()
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/resume", self._gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        """Drop the gateway and stop listening."""
        for session in self.sessions.values():
            if session.ws is not None and not session.ws.closed:
                await session.ws.close(code=1001)
        for task in list(self._ws_tasks):
            task.cancel()
        if self._runner is not None:
            await asyncio.wait_for(self._runner.cleanup(), timeout=10)

    async def __aenter__(self) -> "FakeDiscord":
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        """The value for ``discord.http.Route.BASE``."""
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> yarl.URL:
        """The value for ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``."""
        return yarl.URL(f"ws://127.0.0.1:{self.port}/gateway")

    @property
    def resume_url(self) -> str:
        """The ``resume_gateway_url`` given in READY (a distinct path, so its use is visible)."""
        return f"ws://127.0.0.1:{self.port}/resume"

    # ------------------------------------------------------------------ waiting

    async def _changed(self) -> None:
        assert self._cond is not None
        async with self._cond:
            self._cond.notify_all()

    async def wait_until(self, check: Callable[[], Any], *, timeout: float = 15, what: str = "condition") -> Any:
        """Wait until ``check()`` returns something truthy, and return it."""
        assert self._cond is not None

        async def loop() -> Any:
            async with self._cond:
                while True:
                    result = check()
                    if result:
                        return result
                    try:  # re-check now and then: ``check`` may look at things outside the fake
                        await asyncio.wait_for(self._cond.wait(), timeout=0.2)
                    except asyncio.TimeoutError:
                        pass

        try:
            return await asyncio.wait_for(loop(), timeout=timeout)
        except asyncio.TimeoutError:
            recent = "\n  ".join(f"{c.method} {c.path} -> {c.status}" for c in self.requests[-15:])
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last requests:\n  {recent}") from None

    def find_requests(
        self,
        method: str | None = None,
        route: str | None = None,
        *,
        since: int = 0,
        where: Callable[[Call], bool] | None = None,
        status: int | None = None,
    ) -> list[Call]:
        """Recorded calls matching a method, a route template and a predicate."""
        found = []
        for call in self.requests[since:]:
            if not call.status:
                continue
            if method and call.method != method:
                continue
            if route and call.route != route:
                continue
            if status is not None and call.status != status:
                continue
            if where and not where(call):
                continue
            found.append(call)
        return found

    async def wait_for_request(
        self,
        method: str | None = None,
        route: str | None = None,
        *,
        since: int | None = None,
        where: Callable[[Call], bool] | None = None,
        status: int | None = None,
        timeout: float = 15,
    ) -> Call:
        """The first answered call matching, at or after ``since`` (default: the last dispatch)."""
        start = self.mark if since is None else since

        def check() -> Call | None:
            found = self.find_requests(method, route, since=start, where=where, status=status)
            return found[0] if found else None

        return await self.wait_until(check, timeout=timeout, what=f"{method or '*'} {route or '*'}")

    async def wait_for_frame(self, op: int, *, direction: str = "in", since: int = 0, timeout: float = 15) -> Frame:
        """The first gateway frame with this opcode at or after index ``since`` of ``frames``."""

        def check() -> Frame | None:
            for frame in self.frames[since:]:
                if frame.op == op and frame.direction == direction:
                    return frame
            return None

        return await self.wait_until(check, timeout=timeout, what=f"gateway op {op} ({direction})")

    async def wait_for_message(
        self, channel_id: int | None = None, *, since: int | None = None, timeout: float = 15
    ) -> dict[str, Any]:
        """The stored message created by the first successful POST to a channel after ``since``."""
        call = await self.wait_for_request(
            "POST",
            "/channels/{channel_id}/messages",
            since=since,
            where=lambda c: channel_id is None or c.params["channel_id"] == str(channel_id),
            status=200,
            timeout=timeout,
        )
        return self.messages[int(call.response["id"])]

    # ------------------------------------------------------------------ servers and time

    async def add_guild(self, name: str = "Another Server") -> p.FakeGuild:
        """Another server the bot is in, with its own channels, roles, owner and members (sent to a
        connected bot as GUILD_CREATE, as when the bot is added to a server)."""
        guild = p.FakeGuild.build(self.bot_user, name)
        self.guilds.append(guild)
        if self.sessions.get(self.shard_of(guild.id)) is not None:
            await self.dispatch("GUILD_CREATE", guild.to_dict())
        return guild

    def guild_of(self, channel_id: int) -> p.FakeGuild | None:
        """The guild a channel or thread belongs to."""
        for guild in self.guilds:
            if guild.has_channel(channel_id):
                return guild
        return None

    def advance(self, seconds: float) -> None:
        """Move the fake's clock forward (interaction tokens older than 15 minutes stop working)."""
        self.clock_offset += seconds

    def now(self) -> float:
        """The fake's clock (``time.perf_counter`` plus what ``advance`` added)."""
        return time.perf_counter() + self.clock_offset

    # ------------------------------------------------------------------ faults

    def rate_limit(
        self, method: str, route: str, *, times: int = 1, retry_after: float = 0.05, is_global: bool = False
    ) -> None:
        """Answer the next ``times`` calls of ``method route`` with a Discord 429."""
        self._rate_limits.append(RateLimit(f"{method} {route}", times, retry_after, is_global))

    @property
    def session_id(self) -> str | None:
        """Shard 0's session id (the only shard of an unsharded bot)."""
        session = self.sessions.get(0)
        return session.session_id if session else None

    def _open(self, shard: int) -> web.WebSocketResponse | None:
        session = self.sessions.get(shard)
        return session.ws if session is not None and session.ws is not None and not session.ws.closed else None

    async def drop_gateway(self, code: int = 4000, *, shard: int = 0) -> None:
        """Close a shard's gateway socket with ``code``; discord.py then RESUMEs on ``resume_url``."""
        ws = self._open(shard)
        if ws is not None:
            self.sessions[shard].ws = None
            await ws.close(code=code, message=b"fake drop")

    async def request_reconnect(self, *, shard: int = 0) -> None:
        """Send op 7 RECONNECT; discord.py closes the socket and RESUMEs."""
        ws = self._open(shard)
        if ws is not None:
            await self._send(ws, {"op": 7, "d": None, "s": None, "t": None})

    async def invalidate_session(self, *, shard: int = 0) -> None:
        """Send op 9 INVALID_SESSION (not resumable); discord.py IDENTIFIES again on the default gateway."""
        if shard in self.sessions:
            self.sessions[shard].session_id = None
        ws = self._open(shard)
        if ws is not None:
            await self._send(ws, {"op": 9, "d": False, "s": None, "t": None})

    @property
    def connected(self) -> bool:
        """Whether every shard's gateway connection is open and identified or resumed."""
        return (
            bool(self.sessions)
            and len(self.sessions) >= self.shard_count
            and all(self._open(shard) is not None and s.session_id is not None for shard, s in self.sessions.items())
        )

    # ------------------------------------------------------------------ REST

    def _match(self, method: str, path: str) -> tuple[str, dict[str, str]]:
        for m, template, pattern in _COMPILED:
            if m != method:
                continue
            found = pattern.match(path)
            if found:
                return template, found.groupdict()
        return "", {}

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        call = Call(index=-1, method=request.method, path="", route="", params={}, query={}, headers={}, json=None)
        response = await self._answer(request, call)
        # Write the response here (not after returning), so "delivered" is known: a simulated
        # user acts on a message only once the bot has been handed the response that created it.
        try:
            await response.prepare(request)
            await response.write_eof()
        finally:  # written, or the client went away: either way nothing more will arrive
            call.delivered = True
            await self._changed()
        return response

    async def wait_delivered(self, *, timeout: float = 15) -> None:
        """Until every request received so far has had its response written, then let the client read it.

        discord.py registers a View only after reading the HTTP response to the send; on the
        shared event loop that takes a few iterations once the bytes are on the socket.
        """
        await self.wait_until(
            lambda: all(c.delivered for c in self.requests if c.index >= 0),
            timeout=timeout,
            what="every REST response to be delivered",
        )
        for _ in range(CLIENT_READ_TICKS):
            await asyncio.sleep(0)

    async def _answer(self, request: web.Request, call: Call) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        template, params = self._match(request.method, path)
        body: Any = None
        raw = await request.read()
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
        call.index, call.path, call.route, call.params = len(self.requests), path, template or path, params
        call.query, call.headers, call.json, call.received_at = (
            dict(request.query),
            dict(request.headers),
            body,
            time.perf_counter(),
        )
        self.requests.append(call)
        limited = self._take_rate_limit(call)
        if limited is not None:
            call.status, call.response = (
                429,
                {
                    "message": "You are being rate limited.",
                    "retry_after": limited.retry_after,
                    "global": limited.is_global,
                },
            )
            headers = {"Via": "1.1 google", "Retry-After": str(max(1, round(limited.retry_after)))}
            if limited.is_global:
                headers["X-RateLimit-Global"] = "true"
            else:
                headers.update(
                    {
                        "X-RateLimit-Limit": "5",
                        "X-RateLimit-Remaining": "0",
                        "X-RateLimit-Reset-After": str(limited.retry_after),
                        "X-RateLimit-Scope": "user",
                    }
                )
            return await self._finish(call, headers)
        if not template:
            _log.warning("fakediscord: unknown route %s %s", request.method, path)
            self.unknown.append(call)
            call.status, call.response = 404, {"message": "404: Not Found", "code": 0}
            return await self._finish(call)
        if not path.startswith(_NO_AUTH) and call.headers.get("Authorization") != f"Bot {self.token}":
            call.status, call.response = 401, {"message": "401: Unauthorized", "code": 0}
            return await self._finish(call)
        try:
            call.status, call.response = await self._handlers[f"{call.method} {template}"](call)
        except Reject as exc:
            call.status, call.response = exc.status, exc.body
        headers = {}
        if call.status < 300:
            headers = {
                "X-RateLimit-Bucket": f"bucket-{abs(hash(template)) % 10**8}",
                "X-RateLimit-Limit": str(self.bucket_size),
                "X-RateLimit-Remaining": str(self.bucket_size - 1),
                "X-RateLimit-Reset-After": "1.0",
            }
        return await self._finish(call, headers)

    def _take_rate_limit(self, call: Call) -> RateLimit | None:
        for limit in self._rate_limits:
            if limit.route == f"{call.method} {call.route}" and limit.times > 0:
                limit.times -= 1
                return limit
        return None

    async def _finish(self, call: Call, headers: dict[str, str] | None = None) -> web.Response:
        for listener in self.listeners:
            listener(call)
        await self._changed()
        if call.status == 204 or call.response is None:
            return web.Response(status=204, headers=headers)
        # discord.py parses JSON only when Content-Type is exactly application/json (no charset).
        headers = {**(headers or {}), "Content-Type": "application/json"}
        return web.Response(status=call.status, body=json.dumps(call.response).encode(), headers=headers)

    def _build_handlers(self) -> dict[str, Handler]:
        h = self
        return {
            "GET /users/@me": h._get_me,
            "GET /users/{user_id}": h._get_user,
            "POST /users/@me/channels": h._open_dm,
            "GET /oauth2/applications/@me": h._get_application,
            "GET /applications/@me": h._get_application,
            "GET /applications/{app_id}/commands": h._get_commands,
            "PUT /applications/{app_id}/commands": h._put_commands,
            "GET /applications/{app_id}/guilds/{guild_id}/commands": h._get_commands,
            "PUT /applications/{app_id}/guilds/{guild_id}/commands": h._put_commands,
            "GET /channels/{channel_id}": h._get_channel,
            "POST /channels/{channel_id}/messages": h._create_message,
            "GET /channels/{channel_id}/messages/{message_id}": h._get_message,
            "PATCH /channels/{channel_id}/messages/{message_id}": h._edit_message,
            "DELETE /channels/{channel_id}/messages/{message_id}": h._delete_message,
            "POST /channels/{channel_id}/typing": h._no_content,
            "PUT /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me": h._no_content,
            "GET /guilds/{guild_id}": h._get_guild,
            "GET /guilds/{guild_id}/members/{user_id}": h._get_member,
            "POST /interactions/{interaction_id}/{token}/callback": h._callback,
            "POST /webhooks/{app_id}/{token}": h._followup,
            "GET /webhooks/{app_id}/{token}/messages/{message_id}": h._get_webhook_message,
            "PATCH /webhooks/{app_id}/{token}/messages/{message_id}": h._edit_webhook_message,
            "DELETE /webhooks/{app_id}/{token}/messages/{message_id}": h._delete_webhook_message,
        }

    def user(self, user_id: int) -> p.FakeUser | None:
        """A known user by id (a member of any of the guilds)."""
        for guild in self.guilds:
            for user in guild.members:
                if user.id == user_id:
                    return user
        return None

    async def _no_content(self, call: Call) -> tuple[int, Any]:
        return 204, None

    async def _get_me(self, call: Call) -> tuple[int, Any]:
        return 200, {**self.bot_user.to_dict(), "verified": True, "mfa_enabled": False, "flags": 0, "locale": "en-US"}

    async def _get_user(self, call: Call) -> tuple[int, Any]:
        user = self.user(int(call.params["user_id"]))
        if user is None:
            raise Reject(404, 10013, "Unknown User")
        return 200, user.to_dict()

    async def _get_application(self, call: Call) -> tuple[int, Any]:
        return 200, {
            "id": str(self.application_id),
            "name": "vizbot",
            "icon": None,
            "description": "fake application",
            "rpc_origins": [],
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 1 << 19,
            "owner": self.guild.owner.to_dict(),
            "team": None,
            "summary": "",
            "interactions_endpoint_url": None,
            "bot": self.bot_user.to_dict(),
        }

    async def _open_dm(self, call: Call) -> tuple[int, Any]:
        user = self.user(int((call.json or {}).get("recipient_id", 0)))
        if user is None:
            raise Reject(400, 50035, "Invalid Form Body")
        channel_id = self.dm_channels.setdefault(user.id, p.snowflake())
        return 200, self._dm_channel(channel_id, user)

    def _dm_channel(self, channel_id: int, user: p.FakeUser) -> dict[str, Any]:
        return {"id": str(channel_id), "type": 1, "recipients": [user.to_dict()], "last_message_id": None, "flags": 0}

    def _channel(self, channel_id: int) -> dict[str, Any] | None:
        guild = self.guild_of(channel_id)
        if guild is not None:
            return guild.channel(channel_id)
        for user_id, dm in self.dm_channels.items():
            if dm == channel_id:
                return self._dm_channel(dm, self.user(user_id))  # type: ignore[arg-type]
        return None

    async def _get_channel(self, call: Call) -> tuple[int, Any]:
        channel = self._channel(int(call.params["channel_id"]))
        if channel is None:
            raise Reject(404, 10003, "Unknown Channel")
        return 200, channel

    def _guild(self, guild_id: int) -> p.FakeGuild | None:
        return next((g for g in self.guilds if g.id == guild_id), None)

    async def _get_guild(self, call: Call) -> tuple[int, Any]:
        guild = self._guild(int(call.params["guild_id"]))
        if guild is None:
            raise Reject(404, 10004, "Unknown Guild")
        data = guild.to_dict()
        data.pop("members")
        return 200, data

    async def _get_member(self, call: Call) -> tuple[int, Any]:
        user = self.user(int(call.params["user_id"]))
        guild = self._guild(int(call.params["guild_id"]))
        if guild is None or user is None or user not in guild.members:
            raise Reject(404, 10007, "Unknown Member")
        return 200, user.member()

    async def _get_commands(self, call: Call) -> tuple[int, Any]:
        guild = call.params.get("guild_id")
        return 200, self.commands.get(int(guild) if guild else None, [])

    async def _put_commands(self, call: Call) -> tuple[int, Any]:
        body = call.json or []
        errors = v.command_errors(body)
        if errors:
            self._invalid(call, errors)
        guild = call.params.get("guild_id")
        if guild and self._guild(int(guild)) is None:
            raise Reject(403, 50001, "Missing Access")  # the bot is not in that server
        stored = []
        for cmd in body:
            data = {
                **cmd,
                "id": str(p.snowflake()),
                "application_id": str(self.application_id),
                "version": str(p.snowflake()),
            }
            data.setdefault("type", 1)
            data.setdefault("description", "")
            if guild:
                data["guild_id"] = guild
            stored.append(data)
        self.commands[int(guild) if guild else None] = stored
        return 200, stored

    def _invalid(self, call: Call, errors: list[str]) -> None:
        _log.warning("fakediscord: invalid body for %s %s: %s", call.method, call.path, errors)
        self.invalid.append((call, errors))
        if errors and errors[0].startswith("50006"):
            raise Reject(400, 50006, "Cannot send an empty message")
        detail: dict[str, Any] = {}
        for error in errors:
            where, _, message = error.partition(": ")
            detail.setdefault(where, {"_errors": []})["_errors"].append(
                {"code": "BASE_TYPE_INVALID", "message": message}
            )
        raise Reject(400, 50035, "Invalid Form Body", {"errors": detail})

    def _mention_everyone(self, body: dict[str, Any]) -> bool:
        content = body.get("content") or ""
        if "@everyone" not in content and "@here" not in content:
            return False
        mentions = body.get("allowed_mentions")
        return mentions is None or "everyone" in mentions.get("parse", [])

    def _bot_message(self, channel_id: int, body: dict[str, Any], **extra: Any) -> dict[str, Any]:
        channel = self._channel(channel_id)
        guild_id = int(channel["guild_id"]) if channel and "guild_id" in channel else None
        reference = body.get("message_reference")
        referenced = None
        if reference:
            referenced = self.messages.get(int(reference["message_id"]))
            reference = {
                **reference,
                "message_id": str(reference["message_id"]),
                "channel_id": str(channel_id),
                "type": 0,
            }
            if guild_id:
                reference["guild_id"] = str(guild_id)
        return p.message(
            channel_id=channel_id,
            author=self.bot_user.to_dict(),
            content=body.get("content") or "",
            guild_id=guild_id,
            embeds=body.get("embeds") or [],
            components=body.get("components") or [],
            flags=body.get("flags") or 0,
            reference=reference,
            referenced=referenced,
            mention_everyone=self._mention_everyone(body),
            **extra,
        )

    async def _create_message(self, call: Call) -> tuple[int, Any]:
        channel_id = int(call.params["channel_id"])
        channel = self._channel(channel_id)
        if channel is None:
            raise Reject(404, 10003, "Unknown Channel")
        if channel["type"] == 1:
            recipient = int(channel["recipients"][0]["id"])
            if recipient in self.closed_dms:
                raise Reject(403, 50007, "Cannot send messages to this user")
        body = call.json or {}
        errors = v.message_errors(body)
        if errors:
            self._invalid(call, errors)
        guild = self.guild_of(channel_id)
        if guild is not None:
            body = self._check_permissions(guild, channel, body)
        reference = body.get("message_reference")
        if (
            reference
            and int(reference["message_id"]) not in self.messages
            and reference.get("fail_if_not_exists", True)
        ):
            raise Reject(
                400,
                50035,
                "Invalid Form Body",
                {
                    "errors": {
                        "message_reference": {
                            "_errors": [{"code": "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "message": "Unknown message"}]
                        }
                    }
                },
            )
        data = self._bot_message(channel_id, body)
        self.messages[int(data["id"])] = data
        return 200, data

    def _check_permissions(self, guild: p.FakeGuild, channel: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        """Refuse a send the bot's permissions in the channel do not allow, as Discord does (403 50001/50013);
        embeds without Embed Links are dropped from a message with text, refused in one without."""
        allowed = guild.bot_permissions(int(channel["id"]))
        send = p.SEND_MESSAGES_IN_THREADS if channel["type"] in (10, 11, 12) else p.SEND_MESSAGES
        if not allowed & p.VIEW_CHANNEL:
            raise Reject(403, 50001, "Missing Access")
        if not allowed & send:
            raise Reject(403, 50013, "Missing Permissions")
        if body.get("message_reference") and not allowed & p.READ_MESSAGE_HISTORY:
            raise Reject(403, 50013, "Missing Permissions")
        if body.get("embeds") and not allowed & p.EMBED_LINKS:
            if not body.get("content"):
                raise Reject(403, 50013, "Missing Permissions")
            body = {**body, "embeds": []}
        return body

    def _stored(self, call: Call) -> dict[str, Any]:
        data = self.messages.get(int(call.params["message_id"]))
        if data is None or data["channel_id"] != call.params["channel_id"]:
            raise Reject(404, 10008, "Unknown Message")
        return data

    async def _get_message(self, call: Call) -> tuple[int, Any]:
        return 200, self._stored(call)

    def _apply_edit(self, data: dict[str, Any], call: Call) -> dict[str, Any]:
        body = call.json or {}
        errors = v.message_errors(body, edit=True)
        if errors:
            self._invalid(call, errors)
        for key in ("content", "embeds", "components", "flags"):
            if key in body:
                data[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        if data.get("flags", 0) & p.LOADING and ("content" in body or "embeds" in body):
            data["flags"] &= ~p.LOADING
        data["edited_timestamp"] = p.now_iso()
        data["mention_everyone"] = self._mention_everyone({**body, "content": data.get("content")})
        return data

    async def _edit_message(self, call: Call) -> tuple[int, Any]:
        data = self._stored(call)
        if data["author"]["id"] != str(self.bot_user.id):
            raise Reject(403, 50005, "Cannot edit a message authored by another user")
        return 200, self._apply_edit(data, call)

    async def _delete_message(self, call: Call) -> tuple[int, Any]:
        data = self._stored(call)
        del self.messages[int(data["id"])]
        return 204, None

    # ------------------------------------------------------------------ gateway

    def shard_of(self, guild_id: int | None) -> int:
        """The shard that receives a guild's events, as Discord routes them; DMs go to shard 0."""
        return 0 if guild_id is None else (guild_id >> 22) % self.shard_count

    def _session_for(self, ws: web.WebSocketResponse) -> Session | None:
        return next((s for s in self.sessions.values() if s.ws is ws), None)

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        task = asyncio.current_task()
        if task is not None:
            self._ws_tasks.add(task)
        try:
            await self._send(
                ws, {"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}, "s": None, "t": None}
            )
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                payload = json.loads(msg.data)
                self.frames.append(Frame(len(self.frames), "in", payload))
                await self._on_op(ws, payload)
                await self._changed()
        finally:
            if task is not None:
                self._ws_tasks.discard(task)
            session = self._session_for(ws)
            if session is not None:
                session.ws = None
            await self._changed()
        return ws

    async def _send(self, ws: web.WebSocketResponse, payload: dict[str, Any]) -> None:
        self.frames.append(Frame(len(self.frames), "out", payload))
        await ws.send_str(json.dumps(payload))

    async def _on_op(self, ws: web.WebSocketResponse, payload: dict[str, Any]) -> None:
        op, data = payload.get("op"), payload.get("d")
        if op == 1:
            await self._send(ws, {"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            await self._identify(ws, data or {})
        elif op == 6:
            await self._resume(ws, data or {})

    async def _take_over(self, session: Session, ws: web.WebSocketResponse) -> None:
        """A new connection for a shard replaces its old one (closed with 4000), as on Discord."""
        if session.ws is not None and session.ws is not ws and not session.ws.closed:
            await session.ws.close(code=4000)
        session.ws = ws

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        intents = int(data.get("intents", 0))
        if intents & p.PRIVILEGED_INTENTS & ~self.privileged_intents:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        shard_id, shard_count = data.get("shard") or (0, 1)
        if not 0 <= shard_id < shard_count:
            await ws.close(code=4010, message=b"Invalid shard.")
            return
        self.shard_count = shard_count
        self.intents = intents
        session = self.sessions.setdefault(shard_id, Session(shard=(shard_id, shard_count)))
        await self._take_over(session, ws)
        session.shard = (shard_id, shard_count)
        session.session_id = secrets.token_hex(16)
        session.seq = 0
        session.sent = []
        guilds = [g for g in self.guilds if self.shard_of(g.id) == shard_id]
        ready = {
            "v": 10,
            "user": {**self.bot_user.to_dict(), "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "resume_gateway_url": self.resume_url,
            "session_type": "normal",
            "application": {"id": str(self.application_id), "flags": 1 << 19},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "_trace": ["fakediscord"],
        }
        if shard_count > 1:
            ready["shard"] = [shard_id, shard_count]
        await self._dispatch_on(session, "READY", ready)
        for guild in guilds:
            await self._dispatch_on(session, "GUILD_CREATE", guild.to_dict())

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        session = next(
            (s for s in self.sessions.values() if s.session_id and s.session_id == data.get("session_id")), None
        )
        if data.get("token") != self.token or session is None:
            await self._send(ws, {"op": 9, "d": False, "s": None, "t": None})
            return
        await self._take_over(session, ws)
        last = data.get("seq") or 0
        for payload in [m for m in session.sent if m["s"] > last]:
            self.frames.append(Frame(len(self.frames), "out", payload))
            await ws.send_str(json.dumps(payload))
        await self._dispatch_on(session, "RESUMED", {"_trace": ["fakediscord"]})

    async def _dispatch_on(self, session: Session, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        payload = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.sent.append(payload)
        if session.ws is not None and not session.ws.closed:
            await self._send(session.ws, payload)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a DISPATCH to the bot, on the shard of the event's guild (kept for replay if its socket is down)."""
        guild_id = data.get("guild_id") or (data.get("id") if event.startswith("GUILD_") else None)
        session = self.sessions.get(self.shard_of(int(guild_id) if guild_id else None))
        if session is None or session.session_id is None:
            raise AssertionError("the bot has not identified yet; await fake.wait_identified() first")
        self.mark = len(self.requests)
        await self._dispatch_on(session, event, data)

    async def wait_identified(self, timeout: float = 20) -> None:
        """Wait until the bot has IDENTIFIED (READY and GUILD_CREATE sent)."""
        await self.wait_until(lambda: self.connected, timeout=timeout, what="the bot to identify on the gateway")
