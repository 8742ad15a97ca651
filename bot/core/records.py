"""Typed records the store returns and the front-ends show (frozen dataclasses; no SQL rows leak out).

They live in the core, beside the other domain types, so the answer cards can name them without
importing the storage package; ``bot.store.records`` re-exports them for the store's own modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import overload

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
DIRECT_MESSAGES = "dm"  # the "server" of a question asked in a Discord DM (counted, never quoted)
STATUSES: tuple[str, ...] = (PENDING, APPROVED, REJECTED)


@overload
def to_datetime(epoch: float) -> datetime: ...
@overload
def to_datetime(epoch: None) -> None: ...
def to_datetime(epoch: float | None) -> datetime | None:
    """An epoch timestamp as an aware UTC datetime (``None`` stays ``None``)."""
    return None if epoch is None else datetime.fromtimestamp(epoch, tz=timezone.utc)


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 text for JSON output, second precision."""
    return None if moment is None else moment.isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class SuggestionDraft:
    """A validated, cleaned suggestion, not yet stored."""

    url: str  # as validated (what the catalog entry will show)
    url_key: str  # normalised, for dedupe
    title: str
    tags: tuple[str, ...]
    note: str


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A stored suggestion and what became of it."""

    id: int
    url: str
    title: str
    tags: tuple[str, ...]
    note: str
    user: str
    user_name: str | None
    guild: str | None
    status: str
    created_at: datetime
    seconds: int = 0  # how many other users asked for the same URL
    decided_at: datetime | None = None
    decided_by: str | None = None
    reason: str | None = None
    resource_id: str | None = None
    kind: str | None = None
    level: str | None = None
    notified: bool = False

    def to_json(self) -> dict[str, object]:
        """A stable JSON shape (every field, always present)."""
        return {
            "id": self.id,
            "url": self.url,
            "title": self.title,
            "tags": list(self.tags),
            "note": self.note,
            "user": self.user,
            "user_name": self.user_name,
            "guild": self.guild,
            "status": self.status,
            "created_at": iso(self.created_at),
            "seconds": self.seconds,
            "decided_at": iso(self.decided_at),
            "decided_by": self.decided_by,
            "reason": self.reason,
            "resource_id": self.resource_id,
            "kind": self.kind,
            "level": self.level,
            "notified": self.notified,
        }


# SuggestionOutcome.status values
CREATED = "created"  # a new pending suggestion
SECONDED = "seconded"  # already pending from someone else: counted as seconded by this user
ALREADY_SUGGESTED = "already_suggested"  # this user already suggested or seconded it
IN_CATALOG = "in_catalog"  # the URL is already in the live catalog


@dataclass(frozen=True, slots=True)
class SuggestionOutcome:
    """What a submission did; ``message`` is a short sentence for the user."""

    status: str
    message: str
    suggestion: Suggestion | None = None
    existing_id: str | None = None  # the catalog resource, when status is in_catalog

    def to_json(self) -> dict[str, object]:
        """A stable JSON shape."""
        return {
            "status": self.status,
            "message": self.message,
            "suggestion": None if self.suggestion is None else self.suggestion.to_json(),
            "existing_id": self.existing_id,
        }


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One recorded action: who did what to which suggestion, and when."""

    id: int
    at: datetime
    actor: str
    action: str  # submit, second, approve, reject, notify
    suggestion_id: int | None
    detail: str | None

    def to_json(self) -> dict[str, object]:
        """A stable JSON shape."""
        return {
            "id": self.id,
            "at": iso(self.at),
            "actor": self.actor,
            "action": self.action,
            "suggestion_id": self.suggestion_id,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class VoteTally:
    """Thumbs up and down a resource has received."""

    resource_id: str
    up: int
    down: int

    def to_json(self) -> dict[str, object]:
        """A stable JSON shape."""
        return {"resource_id": self.resource_id, "up": self.up, "down": self.down}


@dataclass(frozen=True, slots=True)
class TopicCount:
    """How often a tag was the topic of an answer."""

    tag: str
    count: int

    def to_json(self) -> dict[str, object]:
        """A stable JSON shape."""
        return {"tag": self.tag, "count": self.count}


@dataclass(frozen=True, slots=True)
class ServerCount:
    """Questions asked in one server (``DIRECT_MESSAGES``: in Discord DMs; ``None``: on the command
    line or the console), without who asked."""

    server: str | None
    questions: int
    unanswered: int

    def to_json(self) -> dict[str, object]:
        """A stable JSON shape."""
        return {"server": self.server, "questions": self.questions, "unanswered": self.unanswered}


@dataclass(frozen=True, slots=True)
class Gap:
    """A question answered with nothing or with low confidence, grouped by its normalised text."""

    question: str
    count: int
    answered: bool  # whether any of these askings got a result at all
    best_score: float | None
    last_asked: datetime

    def to_json(self) -> dict[str, object]:
        """A stable JSON shape."""
        return {
            "question": self.question,
            "count": self.count,
            "answered": self.answered,
            "best_score": self.best_score,
            "last_asked": iso(self.last_asked),
        }


@dataclass(frozen=True, slots=True)
class Report:
    """The curator report over the last ``days`` days."""

    days: int
    generated_at: datetime
    questions: int
    unanswered: int
    topics: tuple[TopicCount, ...]
    gaps: tuple[Gap, ...]
    disliked: tuple[VoteTally, ...]
    pending_count: int
    pending: tuple[Suggestion, ...] = field(default=())
    server: str | None = None  # None: every server (the home's report); else this server's alone
    servers: tuple[ServerCount, ...] = field(default=())  # questions per server (every-server report only)
    links: tuple["LinkHealth", ...] = field(default=())  # links needing attention (every-server report only)
    left_out: int = 0  # answers that left out a dead link (every-server report only)

    def to_json(self) -> dict[str, object]:
        """A stable JSON shape (every key always present)."""
        return {
            "server": self.server,
            "servers": [s.to_json() for s in self.servers],
            "days": self.days,
            "generated_at": iso(self.generated_at),
            "questions": self.questions,
            "unanswered": self.unanswered,
            "topics": [t.to_json() for t in self.topics],
            "gaps": [g.to_json() for g in self.gaps],
            "disliked": [d.to_json() for d in self.disliked],
            "pending_count": self.pending_count,
            "pending": [s.to_json() for s in self.pending],
            "links": [link.to_json() for link in self.links],
            "answers_without_dead_links": self.left_out,
        }


@dataclass(frozen=True, slots=True)
class ForgetReport:
    """What forgetting one user removed or anonymised."""

    user: str
    votes: int  # deleted
    pending_suggestions: int  # deleted
    seconds: int  # deleted ("me too" on someone else's suggestion)
    attributions: int  # decided suggestions kept without their submitter
    audit_entries: int  # audit entries kept without their actor

    def to_json(self) -> dict[str, object]:
        """The ``vizbot forget --json`` shape."""
        return {
            "user": self.user,
            "votes": self.votes,
            "pending_suggestions": self.pending_suggestions,
            "seconds": self.seconds,
            "attributions": self.attributions,
            "audit_entries": self.audit_entries,
        }


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """What one server's admins chose with ``/settings`` (a server never set has the defaults)."""

    server: str
    answer_channels: tuple[int, ...] = ()  # channels (and their threads) where mentions are answered; () = everywhere
    log_questions: bool = True  # False: this server's questions are never logged (the operator's "off" wins anyway)
    cooldown_seconds: int | None = None  # None: the bot's VIZBOT_QUESTION_COOLDOWN
    updated_at: datetime | None = None
    updated_by: str | None = None

    def answers_in(self, *channel_ids: int | None) -> bool:
        """Whether mentions are answered in a channel (pass the thread's parent id too)."""
        return not self.answer_channels or any(c in self.answer_channels for c in channel_ids if c is not None)

    def to_json(self) -> dict[str, object]:
        """A stable JSON shape (every field, always present)."""
        return {
            "server": self.server,
            "answer_channels": [str(c) for c in self.answer_channels],
            "log_questions": self.log_questions,
            "cooldown_seconds": self.cooldown_seconds,
            "updated_at": iso(self.updated_at),
            "updated_by": self.updated_by,
        }


@dataclass(frozen=True, slots=True)
class LinkHealth:
    """What is known of one link: its verdict (``bot.links.verdict``), from the checks so far."""

    url: str
    resource_id: str | None
    verdict: str  # ok, failing, dead, moved, suspicious, unknown
    strikes: int  # days with a failure since the last success
    checked_at: datetime
    since: datetime  # when the verdict last changed
    last_ok_at: datetime | None
    status: int | None
    reason: str
    final_url: str | None
    suggested_url: str | None  # moved: the new address

    def to_json(self) -> dict[str, object]:
        """A stable JSON shape (every key always present)."""
        return {
            "url": self.url,
            "resource_id": self.resource_id,
            "verdict": self.verdict,
            "strikes": self.strikes,
            "checked_at": iso(self.checked_at),
            "since": iso(self.since),
            "last_ok_at": iso(self.last_ok_at),
            "status": self.status,
            "reason": self.reason,
            "final_url": self.final_url,
            "suggested_url": self.suggested_url,
        }


@dataclass(frozen=True, slots=True)
class LinkRun:
    """One ``vizbot links check`` run; an unfinished one is resumed by the next."""

    id: int
    started_at: datetime
    finished_at: datetime | None
    total: int


# What a change event is about (``ChangeEvent.kind``); a process following them re-reads that state.
CHANGE_SUGGESTION = "suggestion"  # approved or rejected (subject: the suggestion id)
CHANGE_SETTINGS = "settings"  # a server's /settings (subject: the server id)
CHANGE_CATALOG = "catalog"  # the curated catalog was reloaded from its directory (subject: empty)


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """One change published for the other processes sharing the database (``bot.store.events``)."""

    id: int  # only grows: a follower remembers the last it applied
    kind: str  # "suggestion", "settings" or "catalog"
    subject: str  # the suggestion id or server id it concerns ("" for the catalog)
    origin: str  # the store (process) that published it: a process skips what it already applied
    at: datetime
