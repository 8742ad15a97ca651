"""The composition root: one place builds catalog, engine and store and hands them down."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Collection, Iterable, Mapping, Sequence

from bot.config import Settings
from bot.core.catalog import load_catalog, resolve_catalog_dir
from bot.core.embedder import Embedder, SemanticUnavailable, load_embedder
from bot.core.errors import InvalidInput, NotFound, StoreError
from bot.core.limits import REPORT_DAYS_DEFAULT
from bot.core.model import Catalog, Resource
from bot.core.results import SearchResult
from bot.core.search import SearchEngine, SearchResponse
from bot.core.suggestion_schema import validate_suggestion
from bot.core.text import normalise
from bot.core.urls import normalise_url
from bot.links.run import LinkTarget, link_targets
from bot.store import ForgetReport, Report, ServerSettings, Store, Suggestion, SuggestionOutcome
from bot.store.records import CHANGE_CATALOG, IN_CATALOG, PENDING
from bot.store.suggestions import to_resource

_log = logging.getLogger(__name__)
LOG_BACKLOG = 1000  # questions kept in memory while the database cannot be written


def without_dead(catalog: Catalog, dead: Collection[str]) -> Catalog:
    """``catalog`` without the resources whose link is judged dead (they are left out of answers)."""
    if not dead:
        return catalog
    kept = tuple(r for r in catalog.resources if r.url not in dead)
    return catalog if len(kept) == len(catalog.resources) else Catalog(catalog.tags, kept, catalog.source, catalog.gaps)


def dead_link_note(unfiltered: Sequence[SearchResult], dead: Collection[str]) -> str | None:
    """The question log's note when dead links were left out of an answer (``unfiltered``: the
    answer as it would have been with them), or ``None``."""
    left_out = [r.resource.id for r in unfiltered if r.resource.url in dead]
    if not left_out:
        return None
    return f"left out dead link{'s' * (len(left_out) != 1)}: " + ", ".join(left_out)


def merge_approved(curated: Catalog, approved: Iterable[Resource]) -> Catalog:
    """``curated`` plus approved suggestions not already in it (by id or URL), with unknown tags dropped."""
    urls = {normalise_url(r.url) for r in curated.resources}
    extra = []
    for resource in approved:
        tags = tuple(t for t in resource.tags if t in curated.tags)
        if not tags:
            _log.warning("approved suggestion %s has no tag left in the vocabulary; not served", resource.id)
            continue
        key = normalise_url(resource.url)
        if key in urls:
            continue
        urls.add(key)
        extra.append(resource if tags == resource.tags else replace(resource, tags=tags))
    return curated.with_resources(extra)


NOTICE_LEASE = 300.0  # seconds a process holds a submitter's notice before another may retry it


class Vizbot:
    """The service every front-end talks to: the CLI, the console and Discord."""

    def __init__(
        self,
        settings: Settings,
        curated: Catalog,
        store: Store | None = None,
        *,
        approved: Iterable[Resource] = (),
        prior: Mapping[str, float] | None = None,
        embedder: Embedder | None = None,
        dead_links: Collection[str] = (),
    ):
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self._approved: list[Resource] = list(approved)
        self._prior: dict[str, float] = dict(prior or {})
        self._dead: frozenset[str] = frozenset(dead_links)  # URLs judged dead: left out of answers
        self._full_engine: SearchEngine | None = None  # with the dead links, for the question log's note
        self._pending_logs: set[asyncio.Task[None]] = set()
        # Questions asked while the database could not be written, kept (the newest LOG_BACKLOG) and
        # written with their own times after the next question that is logged, or at close.
        self._unlogged: deque[dict[str, Any]] = deque(maxlen=LOG_BACKLOG)
        # Questions are searched one at a time on a worker thread: the model releases the GIL, so
        # the event loop keeps serving Discord on the other core while a question is embedded.
        self._search_thread: ThreadPoolExecutor | None = None
        self._rebuild(curated)

    @property
    def catalog(self) -> Catalog:
        """The live catalog (curated entries plus approved suggestions)."""
        return self._engine.catalog

    @property
    def full_catalog(self) -> Catalog:
        """The live catalog with the resources whose links are dead (what the link check checks)."""
        return self._full

    @property
    def dead_links(self) -> frozenset[str]:
        """URLs judged dead, left out of answers."""
        return self._dead

    @property
    def curated(self) -> Catalog:
        """The curated catalog alone (what the catalog directory holds)."""
        return self._curated

    @property
    def engine(self) -> SearchEngine:
        """The live search engine; replaced whole on reload or approval."""
        return self._engine

    @property
    def catalog_dir(self) -> Path:
        """Where the curated catalog is read from."""
        return resolve_catalog_dir(self.settings.catalog_dir)

    def _rebuild(self, curated: Catalog) -> None:
        full = merge_approved(curated, self._approved)
        engine = SearchEngine(without_dead(full, self._dead), prior=self._prior, embedder=self.embedder)
        by_url = {normalise_url(r.url): r for r in full.resources}
        # Swap last, together: readers see the old or the new state, never a mix.
        self._curated, self._full, self._by_url, self._engine = curated, full, by_url, engine
        self._full_engine = None

    def reload(self) -> Catalog:
        """Re-read the catalog; on error raise ``CatalogError`` and keep the old one live."""
        return self.use_catalog(load_catalog(self.catalog_dir))

    def use_catalog(self, curated: Catalog) -> Catalog:
        """Make ``curated`` live (with the approved suggestions); returns the live catalog.

        Async front-ends read the catalog in a worker thread (``load_settings_catalog``) and call
        this on the event loop, so the swap never races an approval.
        """
        self._rebuild(curated)
        _log.info("catalog in use: %d curated resources, %d approved", len(curated.resources), len(self._approved))
        return self.catalog

    def link_targets(self) -> list[LinkTarget]:
        """Every link of the live catalog, curated and approved, dead ones included."""
        return link_targets(self._full, (r.id for r in self._approved))

    def need_store(self) -> Store:
        """The open store (``StoreError`` when there is none)."""
        return self._need_store()

    def _need_store(self) -> Store:
        if self.store is None:
            raise StoreError("this needs the database, which is not open")
        return self.store

    # ------------------------------------------------------------------ questions

    async def ask(
        self,
        question: str,
        *,
        user: str,
        guild: str | None = None,
        limit: int = 5,
        offset: int = 0,
        tag: str | None = None,
        kind: str | None = None,
        level: str | None = None,
        log: bool = True,
    ) -> SearchResponse:
        """Answer a question (and log it, when logging is on, ``log`` is true and a store is open).

        Only the first page is logged. The log is written in the background, so the answer
        never waits for the disk; reading the log (``report``) and closing wait for pending
        writes. A failure to log never stops the answer.
        """
        engine = self._engine
        search = partial(engine.search, question, limit=limit, offset=offset, tag=tag, kind=kind, level=level)
        if engine.hybrid:
            if self._search_thread is None:
                self._search_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vizbot-search")
            response = await asyncio.get_running_loop().run_in_executor(self._search_thread, search)
        else:  # a lexical search takes well under a millisecond: a thread hop would cost more
            response = search()
        if self.store is not None and self.settings.log_questions and log and offset == 0:
            text = normalise(question)  # the store keeps at most limits.QUESTION_MAX characters
            if text:
                full = partial(self._unfiltered_search, question, limit=limit, tag=tag, kind=kind, level=level)
                task = asyncio.create_task(self._log_question(self.store, text, response, guild, full))
                self._pending_logs.add(task)
                task.add_done_callback(self._pending_logs.discard)
        return response

    def _unfiltered_search(self, question: str, **options: object) -> tuple[SearchResult, ...] | None:
        """The answer as it would be with the dead links (``None`` when no link is dead)."""
        if not self._dead:
            return None
        engine = self._full_engine
        if engine is None:
            engine = self._full_engine = SearchEngine(self._full, prior=self._prior, embedder=self.embedder)
        return engine.search(question, **options).results  # type: ignore[arg-type]

    async def _log_question(
        self,
        store: Store,
        text: str,
        response: SearchResponse,
        guild: str | None,
        unfiltered: Callable[[], tuple[SearchResult, ...] | None] | None = None,
    ) -> None:
        top = response.results[0] if response.results else None
        note = None
        if unfiltered is not None and self._dead:
            try:
                if self._search_thread is not None:
                    full = await asyncio.get_running_loop().run_in_executor(self._search_thread, unfiltered)
                else:
                    full = unfiltered()
                note = None if full is None else dead_link_note(full, self._dead)
            except Exception:  # noqa: BLE001 - the note is a courtesy; the question is logged regardless
                _log.exception("could not tell which dead links were left out")
        entry: dict[str, Any] = {
            "text": text,
            "top_score": top.score if top else None,
            "answered": top is not None,
            "guild": guild,
            "tags": top.resource.tags if top else (),
            "confidence": response.confidence,
            "note": note,
            "at": store.now(),
        }
        try:
            await store.log_question(**entry)
        except StoreError as exc:
            if len(self._unlogged) == self._unlogged.maxlen:
                _log.warning("question log backlog full: the oldest waiting question is dropped")
            self._unlogged.append(entry)
            _log.warning("question not logged yet (%d waiting to be written): %s", len(self._unlogged), exc)
            return
        except Exception:  # a background task: nobody awaits its result, so report it here or it is lost
            _log.exception("question not logged: unexpected error")
            return
        await self._write_backlog(store)

    async def _write_backlog(self, store: Store) -> None:
        """Write the questions kept while the database was away, oldest first, with their own times;
        stop at the first failure (they wait for the next success)."""
        written = 0
        while self._unlogged:
            entry = self._unlogged[0]
            try:
                await store.log_question(**entry)
            except StoreError as exc:
                _log.info("question log backlog waits (%d questions): %s", len(self._unlogged), exc)
                return
            except Exception:  # noqa: BLE001 - a bad entry must not block the others
                _log.exception("a waiting question could not be logged; dropped")
            self._unlogged.popleft()
            written += 1
        if written:
            _log.info("wrote %d questions kept while the database was away", written)

    def close(self) -> None:
        """Stop the search thread (open_vizbot calls this on exit)."""
        if self._search_thread is not None:
            self._search_thread.shutdown(wait=True)
            self._search_thread = None

    async def flush(self) -> None:
        """Wait for question-log writes still in flight, then try once more the questions kept waiting."""
        while self._pending_logs:
            await asyncio.gather(*self._pending_logs, return_exceptions=True)
        if self._unlogged and self.store is not None:
            await self._write_backlog(self.store)

    # ------------------------------------------------------------------ suggestions

    async def suggest(
        self,
        url: str,
        title: str,
        tags: str | Iterable[str],
        note: str | None = None,
        *,
        user: str,
        user_name: str | None = None,
        guild: str | None = None,
    ) -> SuggestionOutcome:
        """Validate and record a suggestion; a URL already in the live catalog answers with that entry."""
        store = self._need_store()
        draft = validate_suggestion(url, title, tags, note, self._engine.resolve_tag)
        existing = self._by_url.get(draft.url_key)
        if existing is not None:
            return SuggestionOutcome(IN_CATALOG, f"already there: {existing.title} {existing.url}", None, existing.id)
        return await store.submit(draft, user=user, user_name=user_name, guild=guild)

    async def pending(self, *, limit: int = 10, offset: int = 0) -> list[Suggestion]:
        """Pending suggestions, oldest first, one page."""
        return await self._need_store().suggestions(status=PENDING, limit=limit, offset=offset)

    async def pending_count(self) -> int:
        """How many suggestions wait for review."""
        return await self._need_store().pending_count()

    async def suggestions(self, *, status: str | None = PENDING, limit: int = 10, offset: int = 0) -> list[Suggestion]:
        """Suggestions with ``status`` (``None``: all), oldest first, one page."""
        return await self._need_store().suggestions(status=status, limit=limit, offset=offset)

    async def approve(
        self, suggestion_id: int, *, moderator: str, kind: str | None = None, level: str | None = None
    ) -> Suggestion:
        """Approve a pending suggestion; it is searchable at once (and after a restart)."""
        store = self._need_store()
        found = await store.suggestion(suggestion_id)
        if found.status == PENDING:
            existing = self._by_url.get(normalise_url(found.url))
            if existing is not None:
                raise InvalidInput(
                    "suggestion", f"#{suggestion_id} is already in the catalog as {existing.id}; reject it instead"
                )
        taken = {r.id for r in self.catalog.resources}
        approved = await store.approve(suggestion_id, moderator=moderator, kind=kind, level=level, taken_ids=taken)
        self._approved.append(to_resource(approved))
        try:
            self._prior = await store.feedback_prior()
        except StoreError as exc:
            _log.warning("feedback prior not refreshed: %s", exc)
        self._rebuild(self._curated)
        return approved

    async def reject(self, suggestion_id: int, *, moderator: str, reason: str) -> Suggestion:
        """Reject a pending suggestion with a reason (kept to tell the submitter)."""
        return await self._need_store().reject(suggestion_id, moderator=moderator, reason=reason)

    async def unnotified(self, *, limit: int = 50) -> list[Suggestion]:
        """Decided suggestions whose submitter has not been told yet."""
        return await self._need_store().unnotified(limit=limit)

    async def mark_notified(self, suggestion_id: int) -> Suggestion:
        """Record that the submitter was told the outcome."""
        return await self._need_store().mark_notified(suggestion_id)

    # ------------------------------------------------------------------ feedback and report

    async def vote(self, *, user: str, question: str, resource_id: str, value: int) -> None:
        """Record a +1/-1 vote on a resource given for a question (re-voting replaces)."""
        if self._full.get(resource_id) is None:
            raise NotFound(f"no resource {resource_id!r} in the catalog")
        await self._need_store().vote(user=user, question=normalise(question), resource_id=resource_id, value=value)

    async def forget(self, *, user: str) -> ForgetReport:
        """Delete everything kept about ``user`` (votes, pending suggestions, seconds; the names on
        decided suggestions and in the audit log), then rebuild the engine's prior without their votes."""
        store = self._need_store()
        report = await store.forget(user=user)
        if report.votes:
            try:
                self._prior = dict(await store.feedback_prior())
            except StoreError as exc:
                _log.warning("feedback prior not refreshed: %s", exc)
            self._rebuild(self._curated)
        return report

    async def refresh(self) -> None:
        """Re-read approved suggestions and the feedback prior from the store and rebuild the engine.

        Picks up what another process decided (``vizbot suggestions approve`` while the bot runs,
        votes), and writes questions kept while the database was away; a no-op without a store.
        """
        if self.store is None:
            return
        approved = list(await self.store.approved_resources())
        if self._unlogged:  # the database answers again: write the questions kept meanwhile
            await self._write_backlog(self.store)
        prior = dict(await self.store.feedback_prior())
        dead = frozenset(await self.store.dead_links())
        if approved == self._approved and prior == self._prior and dead == self._dead:
            return  # nothing changed: keep the engine (a rebuild blocks the event loop for a moment)
        self._approved, self._prior, self._dead = approved, prior, dead
        self._rebuild(self._curated)

    # ------------------------------------------------------------------ per-server settings

    async def server_settings(self, server: str) -> ServerSettings:
        """One server's ``/settings`` (the defaults when it never set any)."""
        return await self._need_store().server_settings(server)

    async def every_server_settings(self) -> dict[str, ServerSettings]:
        """Every server that changed a setting, by server id."""
        return await self._need_store().every_server_settings()

    async def update_server_settings(self, server: str, *, by: str, **changes: object) -> ServerSettings:
        """Change some of a server's settings (``answer_channels``, ``log_questions``,
        ``cooldown_seconds``); the caller has checked that ``by`` may."""
        return await self._need_store().update_server_settings(server, by=by, **changes)

    async def report(self, *, days: int = REPORT_DAYS_DEFAULT, server: str | None = None) -> Report:
        """The curator report over the last ``days`` days: every server's, or ``server``'s alone."""
        store = self._need_store()
        await self.flush()
        return await store.report(days=days, server=server)

    # ------------------------------------------------------------------ processes sharing the database

    async def announce_reload(self) -> None:
        """Tell the other processes on this database that the catalog was reloaded, so they re-read it too
        (a no-op without a store)."""
        if self.store is not None:
            await self.store.publish(CHANGE_CATALOG)

    async def claim_notices(self, *, limit: int = 50, lease: float = NOTICE_LEASE) -> list[Suggestion]:
        """Decided suggestions whose submitter this process (alone) is now to tell, for ``lease`` seconds."""
        return await self._need_store().claim_notices(limit=limit, lease=lease)

    async def release_notice(self, suggestion_id: int) -> bool:
        """Give back a claim on telling a submitter (a failure: the next round retries it)."""
        return await self._need_store().release_notice(suggestion_id)

    async def cooldown_hit(self, user: str, seconds: float) -> float:
        """The question cooldown across every process on this database: 0 when ``user`` may ask now
        (recorded), else the seconds left to wait."""
        return await self._need_store().cooldown_hit(user, seconds)


def build_embedder(settings: Settings) -> Embedder | None:
    """The embedding model when the settings ask for hybrid search and it loads; otherwise
    ``None`` (answers by words alone), with one warning saying why."""
    if not settings.semantic:
        return None
    try:
        return load_embedder(settings.model_path, cache_dir=settings.cache_dir)
    except SemanticUnavailable as exc:
        _log.warning("semantic search is off (%s); answering by words alone", exc)
        return None


def load_settings_catalog(settings: Settings) -> Catalog:
    """Load the curated catalog named by the settings (raises ``CatalogError``)."""
    return load_catalog(resolve_catalog_dir(settings.catalog_dir))


async def open_store(settings: Settings) -> Store:
    """Open the database named by the settings (pruning old questions)."""
    return await Store.open(
        settings.db_path,
        retention_days=settings.log_retention_days,
        suggestions_per_hour=settings.suggestions_per_hour,
    )


@asynccontextmanager
async def open_vizbot(
    settings: Settings,
    *,
    with_store: bool = True,
    on_store_error: Callable[[StoreError], None] | None = None,
    semantic: bool = True,
) -> AsyncIterator[Vizbot]:
    """Build the service from settings; closes the store on exit.

    With the store, approved suggestions join the live catalog and votes give the engine its prior.
    When ``on_store_error`` is given, a database that cannot be opened is reported to it and the
    service goes on with the curated catalog alone (questions are then not logged); otherwise the
    ``StoreError`` propagates. ``semantic=False`` skips the embedding model, for commands that
    never answer a question (suggestions, tags, sync).
    """
    curated = load_settings_catalog(settings)
    embedder = build_embedder(settings) if semantic else None
    store: Store | None = None
    if with_store:
        try:
            store = await open_store(settings)
        except StoreError as exc:
            if on_store_error is None:
                raise
            on_store_error(exc)
    service: Vizbot | None = None
    try:
        if store is None:
            service = Vizbot(settings, curated, embedder=embedder)
        else:
            approved = await store.approved_resources()
            prior = await store.feedback_prior()
            dead = await store.dead_links()
            service = Vizbot(
                settings, curated, store, approved=approved, prior=prior, embedder=embedder, dead_links=dead
            )
        yield service
    finally:
        if service is not None:
            await service.flush()
            service.close()
        if store is not None:
            await store.close()
