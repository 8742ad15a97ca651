"""What the fake records: REST calls, gateway frames, interactions; and the error it answers with."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


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
    delivered: bool = False  # the whole response was written to the client's connection

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
class RateLimit:
    route: str
    times: int
    retry_after: float
    is_global: bool


class Reject(Exception):
    def __init__(self, status: int, code: int, message: str, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.status = status
        self.body = {"message": message, "code": code, **(extra or {})}


@dataclass
class Session:
    """One gateway session: a shard's socket, its sequence and what was sent (for RESUME)."""

    shard: tuple[int, int] = (0, 1)
    ws: Any = None  # the aiohttp WebSocketResponse while connected
    session_id: str | None = None
    seq: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)
