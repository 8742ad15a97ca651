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
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

import yarl
from aiohttp import WSMsgType, web

from . import payloads as p
from . import validate as v

_log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
Handler = Callable[["Call"], Awaitable[tuple[int, Any]]]


@dataclass
class Call:
    """One REST request the fake received, and what it answered."""

    index: int
    method: str
    path: str
    route: str
    params: dict[str, str]
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    status: int = 0
    response: Any = None
    received_at: float = 0.0  # time.perf_counter() when the request arrived

    @property
    def authorized(self) -> bool:
        """Whether the request carried an Authorization header."""
        return "Authorization" in self.headers


@dataclass
class Frame:
    """One gateway payload, sent to the bot (``out``) or received from it (``in``)."""

    index: int
    direction: str
    payload: dict[str, Any]

    @property
    def op(self) -> int:
        """The gateway opcode."""
        return self.payload.get("op", -1)


@dataclass
class FakeInteraction:
    """An interaction the fake dispatched and everything the bot answered to it."""

    payload: dict[str, Any]
    created_at: float = field(default_factory=time.perf_counter)
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)  # original first (if any), then follow-ups
    original: dict[str, Any] | None = None

    @property
    def id(self) -> int:
        """The interaction id."""
        return int(self.payload["id"])

    @property
    def token(self) -> str:
        """The interaction token."""
        return self.payload["token"]


@dataclass
class _RateLimit:
    route: str
    times: int
    retry_after: float
    is_global: bool


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


class FakeDiscord:
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
        self.guild = p.FakeGuild.build(self.bot_user)
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
        self.session_id: str | None = None
        self.intents = 0
        self._seq = 0
        self._sent: list[dict[str, Any]] = []
        self._ws: web.WebSocketResponse | None = None
        self._ws_tasks: set[asyncio.Task[Any]] = set()
        self._rate_limits: list[_RateLimit] = []
        self.listeners: list[Callable[[Call], None]] = []  # called with every answered call (cheap hooks, e.g. benchmarks)
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
        if self._ws is not None and not self._ws.closed:
            await self._ws.close(code=1001)
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

    # ------------------------------------------------------------------ faults

    def rate_limit(self, method: str, route: str, *, times: int = 1, retry_after: float = 0.05, is_global: bool = False) -> None:
        """Answer the next ``times`` calls of ``method route`` with a Discord 429."""
        self._rate_limits.append(_RateLimit(f"{method} {route}", times, retry_after, is_global))

    async def drop_gateway(self, code: int = 4000) -> None:
        """Close the bot's gateway socket with ``code``; discord.py then RESUMEs on ``resume_url``."""
        ws = self._ws
        self._ws = None
        if ws is not None and not ws.closed:
            await ws.close(code=code, message=b"fake drop")

    @property
    def connected(self) -> bool:
        """Whether a gateway connection is open and identified or resumed."""
        return self._ws is not None and not self._ws.closed and self.session_id is not None

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
        path = "/" + request.match_info["tail"]
        template, params = self._match(request.method, path)
        body: Any = None
        raw = await request.read()
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
        call = Call(
            index=len(self.requests),
            method=request.method,
            path=path,
            route=template or path,
            params=params,
            query=dict(request.query),
            headers=dict(request.headers),
            json=body,
            received_at=time.perf_counter(),
        )
        self.requests.append(call)
        limited = self._take_rate_limit(call)
        if limited is not None:
            call.status, call.response = 429, {
                "message": "You are being rate limited.",
                "retry_after": limited.retry_after,
                "global": limited.is_global,
            }
            headers = {"Via": "1.1 google", "Retry-After": str(max(1, round(limited.retry_after)))}
            if limited.is_global:
                headers["X-RateLimit-Global"] = "true"
            else:
                headers.update({"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": str(limited.retry_after), "X-RateLimit-Scope": "user"})
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
        except _Reject as exc:
            call.status, call.response = exc.status, exc.body
        headers = {}
        if call.status < 300:
            headers = {"X-RateLimit-Bucket": f"bucket-{abs(hash(template)) % 10**8}", "X-RateLimit-Limit": str(self.bucket_size), "X-RateLimit-Remaining": str(self.bucket_size - 1), "X-RateLimit-Reset-After": "1.0"}
        return await self._finish(call, headers)

    def _take_rate_limit(self, call: Call) -> _RateLimit | None:
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
        """A known user by id."""
        for user in self.guild.members:
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
            raise _Reject(404, 10013, "Unknown User")
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
            raise _Reject(400, 50035, "Invalid Form Body")
        channel_id = self.dm_channels.setdefault(user.id, p.snowflake())
        return 200, self._dm_channel(channel_id, user)

    def _dm_channel(self, channel_id: int, user: p.FakeUser) -> dict[str, Any]:
        return {"id": str(channel_id), "type": 1, "recipients": [user.to_dict()], "last_message_id": None, "flags": 0}

    def _channel(self, channel_id: int) -> dict[str, Any] | None:
        if channel_id in (self.guild.general_id, self.guild.other_id):
            return self.guild.channel(channel_id)
        for user_id, dm in self.dm_channels.items():
            if dm == channel_id:
                return self._dm_channel(dm, self.user(user_id))  # type: ignore[arg-type]
        return None

    async def _get_channel(self, call: Call) -> tuple[int, Any]:
        channel = self._channel(int(call.params["channel_id"]))
        if channel is None:
            raise _Reject(404, 10003, "Unknown Channel")
        return 200, channel

    async def _get_guild(self, call: Call) -> tuple[int, Any]:
        if int(call.params["guild_id"]) != self.guild.id:
            raise _Reject(404, 10004, "Unknown Guild")
        data = self.guild.to_dict()
        data.pop("members")
        return 200, data

    async def _get_member(self, call: Call) -> tuple[int, Any]:
        user = self.user(int(call.params["user_id"]))
        if int(call.params["guild_id"]) != self.guild.id or user is None:
            raise _Reject(404, 10007, "Unknown Member")
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
        stored = []
        for cmd in body:
            data = {**cmd, "id": str(p.snowflake()), "application_id": str(self.application_id), "version": str(p.snowflake())}
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
            raise _Reject(400, 50006, "Cannot send an empty message")
        detail: dict[str, Any] = {}
        for error in errors:
            where, _, message = error.partition(": ")
            detail.setdefault(where, {"_errors": []})["_errors"].append({"code": "BASE_TYPE_INVALID", "message": message})
        raise _Reject(400, 50035, "Invalid Form Body", {"errors": detail})

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
            reference = {**reference, "message_id": str(reference["message_id"]), "channel_id": str(channel_id), "type": 0}
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
            raise _Reject(404, 10003, "Unknown Channel")
        if channel["type"] == 1:
            recipient = int(channel["recipients"][0]["id"])
            if recipient in self.closed_dms:
                raise _Reject(403, 50007, "Cannot send messages to this user")
        body = call.json or {}
        errors = v.message_errors(body)
        if errors:
            self._invalid(call, errors)
        reference = body.get("message_reference")
        if reference and int(reference["message_id"]) not in self.messages and reference.get("fail_if_not_exists", True):
            raise _Reject(400, 50035, "Invalid Form Body", {"errors": {"message_reference": {"_errors": [{"code": "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "message": "Unknown message"}]}}})
        data = self._bot_message(channel_id, body)
        self.messages[int(data["id"])] = data
        return 200, data

    def _stored(self, call: Call) -> dict[str, Any]:
        data = self.messages.get(int(call.params["message_id"]))
        if data is None or data["channel_id"] != call.params["channel_id"]:
            raise _Reject(404, 10008, "Unknown Message")
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
            raise _Reject(403, 50005, "Cannot edit a message authored by another user")
        return 200, self._apply_edit(data, call)

    async def _delete_message(self, call: Call) -> tuple[int, Any]:
        data = self._stored(call)
        del self.messages[int(data["id"])]
        return 204, None

    # ------------------------------------------------------------------ interactions and webhooks

    def _interaction(self, call: Call, key: str = "interaction_id") -> FakeInteraction:
        if key == "interaction_id":
            found = self.interactions.get(int(call.params["interaction_id"]))
            if found is None or found.token != call.params["token"]:
                raise _Reject(404, 10062, "Unknown interaction")
            return found
        if int(call.params["app_id"]) != self.application_id:
            raise _Reject(404, 10015, "Unknown Webhook")
        for found in self.interactions.values():
            if found.token == call.params["token"]:
                return found
        raise _Reject(404, 10015, "Unknown Webhook")

    def _interaction_message(self, inter: FakeInteraction, body: dict[str, Any], flags: int = 0) -> dict[str, Any]:
        payload = inter.payload
        channel_id = int(payload["channel_id"])
        user = payload.get("member", {}).get("user") or payload.get("user")
        data = self._bot_message(
            channel_id,
            {**body, "flags": (body.get("flags") or 0) | flags},
            interaction_metadata={"id": payload["id"], "type": payload["type"], "user": user, "authorizing_integration_owners": payload.get("authorizing_integration_owners", {})},
            webhook_id=self.application_id,
        )
        data["application_id"] = str(self.application_id)
        self.messages[int(data["id"])] = data
        return data

    async def _callback(self, call: Call) -> tuple[int, Any]:
        inter = self._interaction(call)
        if call.query.get("with_response") not in ("1", "true", "True"):
            _log.warning("fakediscord: interaction callback without with_response")
        if inter.callbacks:
            raise _Reject(400, 40060, "Interaction has already been acknowledged.")
        if call.received_at - inter.created_at > self.interaction_window:
            _log.warning("fakediscord: interaction %s answered after %.2fs", inter.id, call.received_at - inter.created_at)
            raise _Reject(404, 10062, "Unknown interaction")
        body = call.json or {}
        kind, data = body.get("type"), body.get("data") or {}
        allowed = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}[inter.payload["type"]]
        if kind not in allowed:
            raise _Reject(400, 40043, f"Interaction callback type {kind} is not valid for interaction type {inter.payload['type']}")
        errors: list[str] = []
        if kind in (4, 7):
            errors = v.message_errors(data, edit=kind == 7)
        elif kind == 8:
            errors = v.autocomplete_errors(data)
        elif kind == 9:
            errors = v.modal_errors(data)
        if errors:
            self._invalid(call, errors)
        message: dict[str, Any] | None = None
        if kind == 4:
            message = self._interaction_message(inter, data)
        elif kind == 5:
            message = self._interaction_message(inter, {"content": ""}, flags=p.LOADING | ((data.get("flags") or 0) & p.EPHEMERAL))
        elif kind in (6, 7):
            source = inter.payload.get("message")
            message = self.messages.get(int(source["id"])) if source else None
            if message is None and source is not None:
                message = self.messages[int(source["id"])] = dict(source)
            if kind == 7 and message is not None:
                for key in ("content", "embeds", "components"):
                    if key in data:
                        message[key] = data[key]
                message["edited_timestamp"] = p.now_iso()
        inter.callbacks.append(body)
        if message is not None:
            inter.original = message  # for 6 and 7, @original is the message the component is on
            if kind in (4, 5, 7):
                inter.messages.append(message)
        response: dict[str, Any] = {
            "interaction": {
                "id": str(inter.id),
                "type": inter.payload["type"],
                "activity_instance_id": None,
                "response_message_id": message["id"] if message else None,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(message and message.get("flags", 0) & p.EPHEMERAL),
            }
        }
        if message is not None:
            response["resource"] = {"type": kind, "message": message}
        return 200, response

    async def _followup(self, call: Call) -> tuple[int, Any]:
        inter = self._interaction(call, key="webhook")
        if not inter.callbacks:
            raise _Reject(404, 10015, "Unknown Webhook")
        body = call.json or {}
        errors = v.message_errors(body)
        if errors:
            self._invalid(call, errors)
        original = inter.original
        if original is not None and original.get("flags", 0) & p.LOADING:
            ephemeral = original["flags"] & p.EPHEMERAL
            for key in ("content", "embeds", "components"):
                original[key] = body.get(key) or ([] if key != "content" else "")
            original["flags"] = ((body.get("flags") or 0) & ~p.EPHEMERAL) | ephemeral  # the defer decided
            original["mention_everyone"] = self._mention_everyone(body)
            return 200, original
        data = self._interaction_message(inter, body)
        inter.messages.append(data)
        return 200, data

    def _webhook_message(self, call: Call) -> tuple[FakeInteraction, dict[str, Any]]:
        inter = self._interaction(call, key="webhook")
        key = call.params["message_id"]
        if key == "@original":
            if inter.original is None:
                raise _Reject(404, 10008, "Unknown Message")
            return inter, inter.original
        for data in inter.messages:
            if data["id"] == key:
                return inter, data
        source = inter.payload.get("message")
        if source and source["id"] == key and key in map(str, self.messages):
            return inter, self.messages[int(key)]
        raise _Reject(404, 10008, "Unknown Message")

    async def _get_webhook_message(self, call: Call) -> tuple[int, Any]:
        return 200, self._webhook_message(call)[1]

    async def _edit_webhook_message(self, call: Call) -> tuple[int, Any]:
        inter, data = self._webhook_message(call)
        self._apply_edit(data, call)
        if not any(m is data for m in inter.messages):
            inter.messages.append(data)
        return 200, data

    async def _delete_webhook_message(self, call: Call) -> tuple[int, Any]:
        inter, data = self._webhook_message(call)
        self.messages.pop(int(data["id"]), None)
        inter.messages[:] = [m for m in inter.messages if m is not data]
        return 204, None

    # ------------------------------------------------------------------ gateway

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        if self._ws is not None and not self._ws.closed:
            await self._ws.close(code=4000)
        self._ws = ws
        task = asyncio.current_task()
        if task is not None:
            self._ws_tasks.add(task)
        try:
            await self._send(ws, {"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}, "s": None, "t": None})
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
            if self._ws is ws:
                self._ws = None
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

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        intents = int(data.get("intents", 0))
        if intents & p.PRIVILEGED_INTENTS & ~self.privileged_intents:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        self.intents = intents
        self.session_id = secrets.token_hex(16)
        self._seq = 0
        self._sent = []
        ready = {
            "v": 10,
            "user": {**self.bot_user.to_dict(), "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(self.guild.id), "unavailable": True}],
            "session_id": self.session_id,
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
        await self._dispatch_on(ws, "READY", ready)
        await self._dispatch_on(ws, "GUILD_CREATE", self.guild.to_dict())

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        if data.get("token") != self.token or data.get("session_id") != self.session_id:
            await self._send(ws, {"op": 9, "d": False, "s": None, "t": None})
            return
        last = data.get("seq") or 0
        for payload in [m for m in self._sent if m["s"] > last]:
            self.frames.append(Frame(len(self.frames), "out", payload))
            await ws.send_str(json.dumps(payload))
        await self._dispatch_on(ws, "RESUMED", {"_trace": ["fakediscord"]})

    async def _dispatch_on(self, ws: web.WebSocketResponse | None, event: str, data: dict[str, Any]) -> None:
        self._seq += 1
        payload = {"op": 0, "t": event, "s": self._seq, "d": data}
        self._sent.append(payload)
        if ws is not None and not ws.closed:
            await self._send(ws, payload)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a DISPATCH to the bot (kept for replay if the socket is down)."""
        if self.session_id is None:
            raise AssertionError("the bot has not identified yet; await fake.wait_identified() first")
        self.mark = len(self.requests)
        await self._dispatch_on(self._ws, event, data)

    async def wait_identified(self, timeout: float = 20) -> None:
        """Wait until the bot has IDENTIFIED (READY and GUILD_CREATE sent)."""
        await self.wait_until(lambda: self.connected, timeout=timeout, what="the bot to identify on the gateway")

    # ------------------------------------------------------------------ dispatch helpers

    def _content_visible(self, data: dict[str, Any]) -> bool:
        if self.intents & p.INTENT_MESSAGE_CONTENT or "guild_id" not in data:
            return True
        # Documented exceptions: DMs and messages that mention the app. Whether a mention of the
        # bot's managed role counts is not documented; the fake assumes it does not.
        return any(m["id"] == str(self.bot_user.id) for m in data["mentions"])

    async def send_message(
        self,
        content: str,
        *,
        author: p.FakeUser | None = None,
        channel_id: int | None = None,
        mention_bot: bool = False,
        dm: bool = False,
        message_id: int | str | None = None,
        mention_bot_role: bool = False,
    ) -> dict[str, Any]:
        """A user posts a message (in the general channel, or in a DM with ``dm``); returns it.

        ``mention_bot`` prefixes ``<@bot>``; ``mention_bot_role`` prefixes the bot's managed role.
        """
        author = author or self.guild.member
        mentions = []
        roles = []
        if mention_bot:
            content = f"<@{self.bot_user.id}> {content}"
            mentions.append({**self.bot_user.to_dict(), "member": self.guild.bot.member()})
        if mention_bot_role:
            content = f"<@&{self.guild.bot_role_id}> {content}"
            roles.append(str(self.guild.bot_role_id))
        if dm:
            channel = self.dm_channels.setdefault(author.id, p.snowflake())
            data = p.message(channel_id=channel, author=author.to_dict(), content=content, mentions=mentions, message_id=int(message_id or 0) or None)
            needed = p.INTENT_DIRECT_MESSAGES
        else:
            data = p.message(
                channel_id=channel_id or self.guild.general_id,
                author=author.to_dict(),
                content=content,
                guild_id=self.guild.id,
                member={k: v for k, v in author.member().items() if k != "user"},
                mentions=mentions,
                mention_roles=roles,
                message_id=int(message_id or 0) or None,
            )
            needed = p.INTENT_GUILD_MESSAGES
        self.messages[int(data["id"])] = data
        if not self.intents & needed:
            self.mark = len(self.requests)
            return data
        sent = data if self._content_visible(data) else {**data, "content": "", "embeds": [], "attachments": [], "components": []}
        await self.dispatch("MESSAGE_CREATE", sent)
        return data

    def _registered(self, name: str, kind: int) -> dict[str, Any] | None:
        for guild in (self.guild.id, None):
            for cmd in self.commands.get(guild, []):
                if cmd["name"] == name and cmd.get("type", 1) == kind:
                    return cmd
        return None

    def _options(self, command: dict[str, Any] | None, options: dict[str, Any], focused: str | None) -> list[dict[str, Any]]:
        declared = {o["name"]: o for o in (command or {}).get("options", [])}
        result = []
        for name, value in options.items():
            kind = declared.get(name, {}).get("type")
            if kind is None:
                kind = 5 if isinstance(value, bool) else 4 if isinstance(value, int) else 10 if isinstance(value, float) else 3
            option: dict[str, Any] = {"name": name, "type": kind, "value": value}
            if name == focused:
                option["focused"] = True
            result.append(option)
        return result

    async def _interact(self, type: int, data: dict[str, Any] | None, user: p.FakeUser | None, message: dict[str, Any] | None = None, dm: bool = False, channel_id: int | None = None) -> FakeInteraction:
        user = user or self.guild.member
        if dm:
            channel = self._dm_channel(self.dm_channels.setdefault(user.id, p.snowflake()), user)
        else:
            channel = self.guild.channel(channel_id or (int(message["channel_id"]) if message else self.guild.general_id))
        payload = p.interaction(
            type=type,
            data=data,
            application_id=self.application_id,
            user=user,
            guild=None if dm else self.guild,
            channel=channel,
            message=message,
        )
        inter = FakeInteraction(payload)
        self.interactions[inter.id] = inter
        await self.dispatch("INTERACTION_CREATE", payload)
        return inter

    def _command_data(self, name: str, kind: int, options: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        command = self._registered(name, kind)
        data: dict[str, Any] = {"id": command["id"] if command else str(p.snowflake()), "name": name, "type": kind}
        if command and command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        if options is not None:
            data["options"] = options
        return data

    async def slash(self, command: str, user: p.FakeUser | None = None, /, *, dm: bool = False, channel_id: int | None = None, **options: Any) -> FakeInteraction:
        """A user runs ``/command`` with options (types taken from the registered command)."""
        data = self._command_data(command, 1, self._options(self._registered(command, 1), options, None))
        return await self._interact(2, data, user, dm=dm, channel_id=channel_id)

    async def autocomplete(self, command: str, focused: str, user: p.FakeUser | None = None, /, **options: Any) -> FakeInteraction:
        """A user types into option ``focused`` of ``/command`` (type 4)."""
        data = self._command_data(command, 1, self._options(self._registered(command, 1), options, focused))
        return await self._interact(4, data, user)

    async def message_command(self, name: str, target: dict[str, Any], user: p.FakeUser | None = None) -> FakeInteraction:
        """A user picks a message context-menu command on ``target``."""
        data = self._command_data(name, 3)
        data["target_id"] = target["id"]
        data["resolved"] = {"messages": {target["id"]: target}}
        return await self._interact(2, data, user, channel_id=int(target["channel_id"]))

    async def click(self, message: dict[str, Any], custom_id: str, user: p.FakeUser | None = None, *, settle: float = 0.05) -> FakeInteraction:
        """A user presses the button ``custom_id`` on ``message`` (as stored by the fake).

        discord.py registers a non-persistent View only after the send's HTTP response
        returns, so the click waits ``settle`` seconds after that response was answered.
        """
        found = [c for row in message.get("components", []) for c in row.get("components", []) if c.get("custom_id") == custom_id]
        if not found:
            raise AssertionError(f"no component {custom_id!r} on message {message['id']}")
        await asyncio.sleep(settle)
        data = {"custom_id": custom_id, "component_type": found[0]["type"]}
        if found[0]["type"] == 3:
            data["values"] = [found[0]["options"][0]["value"]]
        stored = self.messages.get(int(message["id"]), message)
        return await self._interact(3, data, user, message=stored, dm="guild_id" not in stored)

    async def submit_modal(self, modal: dict[str, Any], values: dict[str, str], user: p.FakeUser | None = None, message: dict[str, Any] | None = None) -> FakeInteraction:
        """A user submits ``modal`` (the ``data`` of a type 9 callback) with text values by custom_id."""
        rows = []
        for row in modal.get("components", []):
            if row.get("type") == 18:
                inner = row["component"]
                rows.append({"type": 18, "id": row.get("id", 0), "component": {"type": inner["type"], "id": inner.get("id", 0), "custom_id": inner["custom_id"], "value": values.get(inner["custom_id"], "")}})
            else:
                items = [{"type": c["type"], "custom_id": c["custom_id"], "value": values.get(c["custom_id"], "")} for c in row.get("components", [])]
                rows.append({"type": 1, "components": items})
        data = {"custom_id": modal["custom_id"], "components": rows}
        await asyncio.sleep(0.05)
        return await self._interact(5, data, user, message=message)

    # ------------------------------------------------------------------ interaction waiting

    async def wait_callback(self, inter: FakeInteraction, *, timeout: float = 15) -> dict[str, Any]:
        """The bot's (first) callback body to ``inter``."""
        return await self.wait_until(lambda: inter.callbacks and inter.callbacks[0], timeout=timeout, what=f"a callback to interaction {inter.id}")

    async def wait_reply(self, inter: FakeInteraction, *, index: int = 0, timeout: float = 15) -> dict[str, Any]:
        """The ``index``-th visible message answering ``inter`` (not a loading placeholder).

        The dict is the fake's live copy: later edits change it; deep-copy it to compare.
        """

        def check() -> dict[str, Any] | None:
            visible = [m for m in inter.messages if not m.get("flags", 0) & p.LOADING]
            return visible[index] if len(visible) > index else None

        return await self.wait_until(check, timeout=timeout, what=f"reply #{index} to interaction {inter.id}")


class _Reject(Exception):
    def __init__(self, status: int, code: int, message: str, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.status = status
        self.body = {"message": message, "code": code, **(extra or {})}
