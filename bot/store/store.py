"""The store: one small class over the database; every method returns typed records.

The database is a SQLite file (one process; the default) or, for a ``postgresql://`` URL, a
PostgreSQL database several processes share (:mod:`bot.store.pg`); the SQL modules are the same
for both. Every write is one transaction. Errors from the database or the file system become
``StoreError`` with a short sentence ("could not save to PATH: the database is read-only").
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, Awaitable, Callable, Collection, Iterable, TypeVar

import aiosqlite

from bot.core.errors import InvalidInput, StoreError
from bot.core.limits import LOG_RETENTION_DAYS, QUESTION_MAX, REPORT_DAYS_DEFAULT, SUGGESTIONS_PER_HOUR
from bot.core.model import Resource
from bot.core.suggestion_schema import clean_actor, clean_optional, text_field, validate_reason
from bot.links.outcome import CheckResult
from bot.links.verdict import STRIKES
from bot.store import copy, db, feedback, health, links, migrations, privacy, questions, report, servers, suggestions
from bot.store import cooldowns, events, notices
from bot.store.conn import Connection, is_url
from bot.store.records import (
    AuditEntry,
    ChangeEvent,
    ForgetReport,
    LinkHealth,
    LinkRun,
    Report,
    ServerSettings,
    Suggestion,
    SuggestionDraft,
    SuggestionOutcome,
    VoteTally,
)

if TYPE_CHECKING:  # asyncpg is imported only when a PostgreSQL URL is opened
    from bot.store.pg import Lock, PgBackend

_log = logging.getLogger(__name__)

T = TypeVar("T")
Job = Callable[[Connection], Awaitable[T]]

# Advisory lock classes (bot.store.pg); SQLite's BEGIN IMMEDIATE already serialises every write.
URL_LOCK, USER_LOCK, MODERATION_LOCK, SERVER_LOCK, LINK_LOCK, HOUSEKEEPING_LOCK, NOTICE_LOCK = 1, 2, 3, 4, 5, 6, 7

DAY = report.DAY
# A top score under this counts as a low-confidence answer in the report. Scores are the
# search engine's BM25F sums: on the shipped catalog good answers score about 6 and up.
LOW_CONFIDENCE = 0.55  # answered, but barely: the engine refuses below 0.5 of the question covered


class Store:
    """Suggestions, moderation, feedback and the questions log in one SQLite file or PostgreSQL database."""

    def __init__(
        self,
        conn: aiosqlite.Connection | None,
        path: Path | str,
        *,
        suggestions_per_hour: int = SUGGESTIONS_PER_HOUR,
        retention_days: int | None = None,
        clock: Callable[[], float] = time.time,
        pg: "PgBackend | None" = None,
    ):
        if (conn is None) == (pg is None):
            raise ValueError("a store has either a SQLite connection or a PostgreSQL backend")
        self._conn = conn
        self._pg = pg
        self._lock = asyncio.Lock()
        self.path = path
        self.suggestions_per_hour = suggestions_per_hour
        self.retention_days = retention_days
        self._clock = clock
        self._pruned_at = float("-inf")

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    async def open(
        cls,
        path: Path | str,
        *,
        retention_days: int | None = LOG_RETENTION_DAYS,
        suggestions_per_hour: int = SUGGESTIONS_PER_HOUR,
        read_only: bool = False,
        busy_timeout: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> "Store":
        """Open (creating and migrating as needed) the database at ``path``.

        Questions older than ``retention_days`` are pruned (``None``: keep all). A foreign
        or newer file raises ``StoreError`` and is left untouched, and so is a damaged one (truncated,
        or failing ``PRAGMA quick_check``): nothing is written before these checks pass.

        A ``postgresql://`` URL opens that database instead (``StoreUnreachable`` when it cannot be
        reached); ``busy_timeout`` is then unused (writers wait on the server's locks).
        """
        if is_url(path):
            return await cls._open_pg(
                str(path),
                retention_days=retention_days,
                suggestions_per_hour=suggestions_per_hour,
                read_only=read_only,
                clock=clock,
            )
        if str(path) != db.MEMORY:
            problems = health.header_problems(Path(path))
            if problems:
                raise health.damaged_error(path, problems)
        conn = await db.connect(path, read_only=read_only, busy_timeout=busy_timeout)
        try:
            version = await migrations.check_identity(conn, path)
            with db.translated(path, "check"):
                await health.ensure_sound(conn, path)
            if not read_only:
                with db.translated(path, "save to"):
                    if str(path) != db.MEMORY:
                        await db.enable_wal(conn)
                await migrations.migrate(conn, path)
            elif version < migrations.LATEST:
                raise StoreError(f"could not open {path}: its schema is out of date and it is read-only")
            store = cls(
                conn,
                path,
                suggestions_per_hour=suggestions_per_hour,
                retention_days=None if read_only else retention_days,
                clock=clock,
            )
            await store._housekeeping()
        except BaseException:
            await conn.close()
            raise
        return store

    @classmethod
    async def _open_pg(
        cls,
        url: str,
        *,
        retention_days: int | None,
        suggestions_per_hour: int,
        read_only: bool,
        clock: Callable[[], float],
    ) -> "Store":
        from bot.store import pg, pg_migrations

        backend = await pg.connect(url, read_only=read_only)
        try:
            if read_only:
                if await pg_migrations.check_identity(backend) < migrations.LATEST:
                    raise StoreError(f"could not open {backend.name}: its schema is out of date and it is read-only")
            else:
                await pg_migrations.migrate(backend)
            store = cls(
                None,
                backend.name,
                suggestions_per_hour=suggestions_per_hour,
                retention_days=None if read_only else retention_days,
                clock=clock,
                pg=backend,
            )
            await store._housekeeping()
        except BaseException:
            await backend.close()
            raise
        return store

    async def close(self) -> None:
        """Close the connection (safe to call twice)."""
        if self._pg is not None:
            await self._pg.close()
            return
        assert self._conn is not None
        with db.translated(self.path, "close"):
            await self._conn.close()

    async def __aenter__(self) -> "Store":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def schema_version(self) -> int:
        """The schema version of the open database."""
        if self._pg is not None:
            from bot.store import pg_migrations

            return await pg_migrations.check_identity(self._pg)
        conn = self._conn
        assert conn is not None
        with db.translated(self.path, "read"):
            async with self._lock:
                return await migrations.check_identity(conn, self.path)

    async def _read(self, job: Job[T]) -> T:
        if self._pg is not None:
            return await self._pg.read(job)
        assert self._conn is not None
        with db.translated(self.path, "read"):
            async with self._lock:
                return await job(self._conn)

    async def _write(self, job: Job[T], locks: "Iterable[Lock]" = ()) -> T:
        """Run ``job`` in one write transaction; on PostgreSQL after taking the advisory ``locks``
        (what the job reads before it writes, so the check holds across processes)."""
        if self._pg is not None:
            return await self._pg.write(job, locks)
        assert self._conn is not None
        with db.translated(self.path, "save to"):
            async with db.transaction(self._conn, self._lock) as conn:
                return await job(conn)

    async def _housekeeping(self) -> None:
        """Prune the questions log at most once a day (on open, then as questions arrive)."""
        if self.retention_days is None or self._clock() - self._pruned_at < DAY:
            return
        self._pruned_at = self._clock()
        try:
            await self.prune_questions(self.retention_days)
        except StoreError as exc:  # housekeeping: never a reason to refuse to open or to answer
            _log.info("could not prune old questions: %s", exc)

    # ------------------------------------------------------------------ suggestions

    async def submit(
        self,
        draft: SuggestionDraft,
        *,
        user: str,
        user_name: str | None = None,
        guild: str | None = None,
    ) -> SuggestionOutcome:
        """Record a validated suggestion, or second the pending one with the same URL.

        Raises ``RateLimited`` when ``user`` made ``suggestions_per_hour`` submissions in the last hour.
        """
        user = clean_actor(user)
        name = clean_optional(user_name, "user_name")
        guild_id = clean_optional(guild, "guild")
        now = self._clock()
        return await self._write(
            lambda c: suggestions.submit(
                c, draft, user=user, user_name=name, guild=guild_id, now=now, per_hour=self.suggestions_per_hour
            ),
            [(URL_LOCK, draft.url_key), (USER_LOCK, user)],
        )

    async def suggestion(self, suggestion_id: int) -> Suggestion:
        """One suggestion by id (``NotFound`` otherwise)."""
        return await self._read(lambda c: suggestions.get(c, suggestion_id))

    async def suggestions(
        self, *, status: str | None = "pending", limit: int = 10, offset: int = 0
    ) -> list[Suggestion]:
        """Suggestions with ``status`` (``None``: all), oldest first, one page."""
        return await self._read(lambda c: suggestions.listing(c, status=status, limit=limit, offset=offset))

    async def pending_count(self) -> int:
        """How many suggestions wait for review."""
        return await self._read(lambda c: suggestions.count(c))

    async def approved(self) -> list[Suggestion]:
        """Every approved suggestion, in approval order."""
        return await self._read(suggestions.approved)

    async def approved_resources(self) -> list[Resource]:
        """Approved suggestions as catalog resources (merged into the live catalog at start-up)."""
        return [suggestions.to_resource(s) for s in await self.approved()]

    async def approve(
        self,
        suggestion_id: int,
        *,
        moderator: str,
        kind: str | None = None,
        level: str | None = None,
        taken_ids: Collection[str] = (),
    ) -> Suggestion:
        """Approve a pending suggestion; its resource id avoids ``taken_ids`` and earlier approvals."""
        moderator = clean_actor(moderator, "moderator")
        now = self._clock()
        return await self._write(
            lambda c: self._published(
                c,
                suggestions.approve(
                    c, suggestion_id, moderator=moderator, now=now, kind=kind, level=level, taken_ids=taken_ids
                ),
                events.SUGGESTION,
                str(suggestion_id),
            ),
            [(MODERATION_LOCK, "")],
        )

    async def reject(self, suggestion_id: int, *, moderator: str, reason: str) -> Suggestion:
        """Reject a pending suggestion; the reason is kept to tell the submitter."""
        moderator = clean_actor(moderator, "moderator")
        reason = validate_reason(reason)
        now = self._clock()
        return await self._write(
            lambda c: self._published(
                c,
                suggestions.reject(c, suggestion_id, moderator=moderator, reason=reason, now=now),
                events.SUGGESTION,
                str(suggestion_id),
            ),
            [(MODERATION_LOCK, "")],
        )

    async def unnotified(self, *, limit: int = 50) -> list[Suggestion]:
        """Decided suggestions whose submitter has not been told the outcome yet."""
        return await self._read(lambda c: suggestions.unnotified(c, limit=limit))

    async def mark_notified(self, suggestion_id: int, *, actor: str = "vizbot") -> Suggestion:
        """Record that the submitter of ``suggestion_id`` was told the outcome."""
        now = self._clock()
        return await self._write(
            lambda c: suggestions.mark_notified(c, suggestion_id, actor=actor, now=now), [(MODERATION_LOCK, "")]
        )

    async def audit_log(self, *, suggestion_id: int | None = None, limit: int = 50) -> list[AuditEntry]:
        """Recorded actions (who, what, when), newest first."""
        return await self._read(lambda c: suggestions.audit_log(c, suggestion_id=suggestion_id, limit=limit))

    # ------------------------------------------------------------------ feedback

    async def vote(self, *, user: str, question: str, resource_id: str, value: int) -> None:
        """Record a +1/-1 vote; a second vote by the same user on the same question (compared without
        case, accents or punctuation) and resource replaces the first. An empty question is refused."""
        value = feedback.check_value(value)
        user = clean_actor(user)
        question = feedback.question_key(question, QUESTION_MAX)
        resource_id = clean_actor(resource_id, "resource")
        now = self._clock()
        await self._write(
            lambda c: feedback.vote(c, user=user, question=question, resource_id=resource_id, value=value, now=now)
        )

    async def vote_tallies(self) -> list[VoteTally]:
        """Up and down counts per voted resource."""
        return await self._read(feedback.tallies)

    async def feedback_prior(self, k: float = feedback.SMOOTHING) -> dict[str, float]:
        """Resource id -> smoothed feedback in (-1, 1), for ``SearchEngine(prior=...)``."""
        return await self._read(lambda c: feedback.prior(c, k))

    # ------------------------------------------------------------------ per-server settings

    async def server_settings(self, server: str) -> ServerSettings:
        """One server's ``/settings`` (the defaults when it never set any)."""
        server = clean_actor(server, "server")
        return await self._read(lambda c: servers.get(c, server))

    async def every_server_settings(self) -> dict[str, ServerSettings]:
        """Every server that changed a setting, by server id."""
        return await self._read(servers.every)

    async def update_server_settings(
        self,
        server: str,
        *,
        by: str,
        answer_channels: object = servers.UNSET,
        log_questions: object = servers.UNSET,
        cooldown_seconds: object = servers.UNSET,
    ) -> ServerSettings:
        """Change some of a server's settings (the others are kept); raises ``InvalidInput`` on a bad value.

        Who may do this is the caller's business (Discord: the server's admins, checked when it runs)."""
        server = clean_actor(server, "server")
        by = clean_actor(by)
        changes: dict[str, object] = {}
        if answer_channels is not servers.UNSET:
            changes["answer_channels"] = servers.check_channels(answer_channels)
        if log_questions is not servers.UNSET:
            if not isinstance(log_questions, bool):
                raise InvalidInput("log_questions", "must be true or false")
            changes["log_questions"] = log_questions
        if cooldown_seconds is not servers.UNSET:
            changes["cooldown_seconds"] = servers.check_cooldown(cooldown_seconds)
        now = self._clock()
        return await self._write(
            lambda c: self._published(c, servers.update(c, server, by=by, now=now, **changes), events.SETTINGS, server),
            [(SERVER_LOCK, server)],
        )

    # ------------------------------------------------------------------ questions log and report

    async def log_question(
        self,
        text: str,
        *,
        top_score: float | None,
        answered: bool,
        guild: str | None = None,
        tags: Iterable[str] = (),
        confidence: float | None = None,
        note: str | None = None,
        at: float | None = None,
    ) -> None:
        """Record one (normalised) question and how well it was answered (``confidence`` in 0-1);
        ``note`` says what was left out of the answer (dead links); ``at`` when it was asked (default now:
        a question kept while the database was away is written later with its own time)."""
        text = text_field(text, "question")
        guild_id = clean_optional(guild, "guild")
        tag_list = tuple(t for t in (text_field(t, "tags") for t in tags) if t and "," not in t)
        now = self._clock() if at is None else float(at)
        await self._write(
            lambda c: questions.log(
                c,
                text=text,
                top_score=top_score,
                answered=answered,
                guild=guild_id,
                tags=tag_list,
                now=now,
                confidence=confidence,
                note=note,
            )
        )
        await self._housekeeping()

    def now(self) -> float:
        """The store's clock (epoch seconds): the time it would write for a change made now."""
        return self._clock()

    async def forget(self, *, user: str) -> ForgetReport:
        """Delete everything kept about ``user`` (see :mod:`bot.store.privacy`)."""
        user = clean_actor(user)
        return await self._write(lambda c: privacy.forget(c, user=user), [(USER_LOCK, user)])

    async def prune_questions(self, retention_days: int) -> int:
        """Delete questions older than ``retention_days`` (and clear the question text of votes as
        old); returns how many questions went."""
        before = self._clock() - retention_days * DAY

        async def prune(c: Connection) -> int:
            await privacy.expire_vote_questions(c, before=before)
            return await questions.prune(c, before=before)

        removed = await self._write(prune, [(HOUSEKEEPING_LOCK, "")])
        if removed:
            _log.info("pruned %d questions older than %d days", removed, retention_days)
        return removed

    async def report(
        self,
        *,
        days: int = REPORT_DAYS_DEFAULT,
        low_confidence: float = LOW_CONFIDENCE,
        limit: int = 10,
        server: str | None = None,
    ) -> Report:
        """The curator report over the last ``days`` days (every server, or ``server`` alone)."""
        now = self._clock()
        return await self._read(
            lambda c: report.build(c, days=days, now=now, low_confidence=low_confidence, limit=limit, server=server)
        )

    # ------------------------------------------------------------------ link health

    async def record_link_check(
        self, result: CheckResult, *, resource_id: str | None = None, strikes: int = STRIKES
    ) -> LinkHealth:
        """Record one check of one link (at once: an interrupted run loses nothing) and return its new state."""
        now = self._clock()
        return await self._write(
            lambda c: links.record(c, result, resource_id=resource_id, now=now, strikes=strikes),
            [(LINK_LOCK, result.url)],
        )

    async def link_health(self, url: str) -> LinkHealth | None:
        """What is known of one link (``None``: never checked)."""
        return await self._read(lambda c: links.health(c, url))

    async def links(self, *, verdicts: Iterable[str] | None = None, limit: int | None = None) -> list[LinkHealth]:
        """Every checked link (or those with ``verdicts``), most urgent first."""
        return await self._read(lambda c: links.listing(c, verdicts=verdicts, limit=limit))

    async def links_needing_attention(self, *, limit: int | None = None) -> list[LinkHealth]:
        """Dead, moved and suspicious links."""
        return await self._read(lambda c: links.attention(c, limit=limit))

    async def dead_links(self) -> set[str]:
        """URLs judged dead (left out of answers)."""
        return await self._read(links.dead_urls)

    async def links_last_checked(self) -> dict[str, float]:
        """URL -> when it was last checked (epoch seconds)."""
        return await self._read(links.last_checked)

    async def unannounced_links(self) -> list[LinkHealth]:
        """Links that turned dead or moved since moderators were last told."""
        return await self._read(links.unannounced)

    async def mark_link_announced(self, url: str, verdict: str) -> None:
        """Record that moderators were told about ``url`` being ``verdict``."""
        await self._write(lambda c: links.mark_announced(c, url, verdict))

    async def link_run(self, *, total: int, resume: bool = True, max_age: float = DAY) -> tuple[LinkRun, set[str]]:
        """The run to record checks under, and the URLs it already checked: the latest unfinished
        run younger than ``max_age`` seconds when ``resume``, else a new one."""
        now = self._clock()
        if resume:
            found = await self._read(lambda c: links.open_run(c, since=now - max_age))
            if found is not None:
                done = await self._read(lambda c: links.checked_since(c, found.started_at.timestamp()))
                return found, done
        started = await self._write(lambda c: links.start_run(c, total=total, now=now), [(LINK_LOCK, "")])
        return started, set()

    async def finish_link_run(self, run_id: int) -> None:
        """Mark a check run complete (the next one starts afresh)."""
        now = self._clock()
        await self._write(lambda c: links.finish_run(c, run_id, now=now))

    # ------------------------------------------------------------------ moving data

    async def copy_to(
        self, target: "Store", *, batch: int = 500, progress: Callable[[str, int], None] | None = None
    ) -> copy.CopyReport:
        """Copy every row of this database into ``target`` in one transaction (see :mod:`bot.store.copy`):
        rows already there are kept, so copying again is safe; a copy that does not verify (the target held
        other rows) is rolled back. ``progress(table, rows_read)`` follows along."""
        names = await self._read(copy.tables)
        missing = sorted(set(names) - set(await target._read(copy.tables)))
        if missing:
            raise StoreError(f"could not copy to {target.path}: it has no table {', '.join(missing)}")

        async def whole(conn: Connection) -> list[copy.TableCopy]:
            tables = [await self._copy_table(conn, table, batch, progress) for table in names]
            if not all(t.verified for t in tables):
                raise copy.Unverified(tables)
            return tables

        try:
            return copy.CopyReport(tuple(await target._write(whole)), written=True)
        except copy.Unverified as refused:
            return copy.CopyReport(tuple(refused.tables), written=False)

    async def _copy_table(
        self, conn: Connection, table: str, batch: int, progress: Callable[[str, int], None] | None
    ) -> copy.TableCopy:
        """One table from this store into ``conn`` (the target's open transaction)."""
        cols = await self._read(partial(copy.columns, table=table))
        key = await self._read(partial(copy.primary_key, table=table))
        size = copy.batch_size(cols, batch)
        added = conflicts = offset = 0
        while rows := await self._read(
            partial(copy.read_batch, table=table, cols=cols, key=key, offset=offset, limit=size)
        ):
            done = await copy.insert_batch(conn, table, cols, key, rows)
            added, conflicts = added + done[0], conflicts + done[1]
            offset += len(rows)
            if progress is not None:
                progress(table, offset)
        await copy.advance_sequences(conn, table, cols)
        source_rows = await self._read(partial(copy.count, table=table))
        return copy.TableCopy(table, source_rows, added, await copy.count(conn, table), conflicts)

    # ------------------------------------------------------------------ processes sharing the database

    @cached_property
    def origin(self) -> str:
        """This store's name in the change feed (unique per open store, so per process): its own events are skipped."""
        return f"{os.getpid()}-{uuid.uuid4().hex[:12]}"

    async def _published(self, conn: Connection, change: Awaitable[T], kind: str, subject: str) -> T:
        """Make ``change`` and publish it as one event, in the caller's transaction (both or neither).

        On PostgreSQL a ``NOTIFY`` goes with it, delivered at commit: never before the change is visible.
        """
        result = await change
        await self._publish(conn, kind, subject, self._clock())
        return result

    async def _publish(self, conn: Connection, kind: str, subject: str, now: float) -> int:
        """One event row and, on PostgreSQL, a ``NOTIFY`` carrying its id (sent by the server at commit)."""
        event_id = await events.publish(conn, kind, subject, origin=self.origin, now=now)
        if self._pg is not None:
            await conn.execute("SELECT pg_notify(?, ?)", (events.CHANNEL, str(event_id)))
        return event_id

    async def publish(self, kind: str, subject: str = "") -> int:
        """Publish a change made outside the database (a catalog reload) for the other processes; returns its id."""
        if kind not in events.KINDS:
            raise InvalidInput("event", f"unknown event kind {kind!r}")
        now = self._clock()
        return await self._write(lambda c: self._publish(c, kind, subject, now))

    async def events_after(self, event_id: int, *, limit: int = 200) -> list[ChangeEvent]:
        """Changes published after ``event_id`` (by every process, this one included), oldest first."""
        return await self._read(lambda c: events.after(c, event_id, limit=limit))

    async def last_event_id(self) -> int:
        """The newest change's id (0: none yet): where a process starts following."""
        return await self._read(events.last_id)

    async def wait_for_change(self, timeout: float) -> None:
        """Wait until another process may have published a change: on SQLite simply ``timeout`` seconds;
        on PostgreSQL until a ``NOTIFY`` arrives, ``timeout`` at most. Callers then read :meth:`events_after`."""
        if self._pg is not None:
            await self._pg.wait_for_notify(events.CHANNEL, timeout)
        else:
            await asyncio.sleep(timeout)

    async def prune_shared_state(self, *, max_age: float = DAY) -> int:
        """Delete events and cooldown records older than ``max_age`` seconds; returns how many rows went."""
        before = self._clock() - max_age

        async def prune(c: Connection) -> int:
            return await events.prune(c, before=before) + await cooldowns.prune(c, before=before)

        return await self._write(prune, [(HOUSEKEEPING_LOCK, "")])

    async def claim_notices(self, *, limit: int = 50, lease: float = 300.0) -> list[Suggestion]:
        """Claim decided suggestions whose submitter has not been told, for ``lease`` seconds.

        Only the process that claims a suggestion tells its submitter; one that fails (or dies) before
        :meth:`mark_notified` leaves the claim to lapse, and the suggestion is claimed again after it.
        """
        now = self._clock()

        async def claim(c: Connection) -> list[Suggestion]:
            ids = await notices.claim(c, origin=self.origin, now=now, lease=lease, limit=limit)
            return [await suggestions.get(c, sid) for sid in ids]

        # On PostgreSQL claims are taken one transaction at a time: racing UPDATEs would each skip the
        # rows another holds and leave free ones unclaimed in that round (SQLite serialises them anyway).
        return await self._write(claim, [(NOTICE_LOCK, "")])

    async def release_notice(self, suggestion_id: int) -> bool:
        """Give back this store's claim on a suggestion not yet notified (another process may take it at once)."""
        return await self._write(lambda c: notices.release(c, suggestion_id, origin=self.origin))

    async def cooldown_hit(self, user: str, seconds: float) -> float:
        """Check and record a question by ``user`` against a cooldown of ``seconds``, for every process at once.

        Returns 0 when the question may go ahead (it is recorded), else the seconds left to wait.
        """
        user = clean_actor(user)
        if seconds <= 0:
            return 0.0
        now = self._clock()
        return await self._write(lambda c: cooldowns.hit(c, user, now=now, window=float(seconds)))
