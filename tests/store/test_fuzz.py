"""Hypothesis: arbitrary text in every field is either stored cleanly or refused with InvalidInput."""

from __future__ import annotations

import asyncio
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_helpers import Clock, lookup

from bot.core.errors import InvalidInput, NotFound, VizbotError
from bot.core.suggestion_schema import validate_suggestion
from bot.store import Store

# Any text, including lone surrogates and control characters (what argv or a client may send).
ANY_TEXT = st.text(st.characters(codec=None, categories=None), max_size=300) | st.text(max_size=2500)
URLS = ANY_TEXT | st.builds(lambda path: "https://example.org/" + path, ANY_TEXT)
TAGS = ANY_TEXT | st.lists(ANY_TEXT | st.sampled_from(["cnn", "convnet", "filter", "Transformer"]), max_size=7)
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _clean(text: str) -> bool:
    return not any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text.replace("\n", ""))


@FUZZ
@given(url=URLS, title=ANY_TEXT, tags=TAGS, note=ANY_TEXT | st.none())
def test_validation_accepts_clean_or_refuses(url: str, title: str, tags: object, note: str | None) -> None:
    """validate_suggestion returns a clean, bounded draft or raises InvalidInput naming a field."""
    try:
        got = validate_suggestion(url, title, tags, note, lookup)
    except InvalidInput as exc:
        assert exc.field in {"url", "title", "tags", "note"}
        return
    assert 3 <= len(got.title) <= 200 and len(got.note) <= 1000 and len(got.url) <= 2048
    assert _clean(got.title) and _clean(got.note) and "\n" not in got.title
    assert 1 <= len(got.tags) <= 5 and set(got.tags) <= {"cnn", "kernels", "attention"}


@pytest.fixture
def runner_and_store(database: Path | str):
    """One event loop and one store shared by all examples of a test (each backend in turn)."""
    with asyncio.Runner() as runner:
        store = runner.run(Store.open(database, suggestions_per_hour=10**6, clock=Clock()))
        yield runner, store
        runner.run(store.close())


@FUZZ
@given(
    title=ANY_TEXT,
    note=ANY_TEXT,
    user=ANY_TEXT,
    user_name=ANY_TEXT | st.none(),
    guild=ANY_TEXT | st.none(),
    path=ANY_TEXT,
)
def test_submissions_round_trip_or_refuse(runner_and_store, title, note, user, user_name, guild, path) -> None:
    """Whatever the text, a submission is stored exactly as cleaned, or refused with a VizbotError."""
    runner, store = runner_and_store
    try:
        draft = validate_suggestion("https://example.org/p/" + path, title, "cnn", note, lookup)
        outcome = runner.run(store.submit(draft, user=user, user_name=user_name, guild=guild))
    except InvalidInput:
        return
    stored = runner.run(store.suggestion(outcome.suggestion.id))
    if outcome.status == "created":
        assert (stored.title, stored.note, stored.url) == (draft.title, draft.note, draft.url)
    assert _clean(stored.user) and stored.user.strip()


@FUZZ
@given(
    question=ANY_TEXT,
    resource=ANY_TEXT,
    user=ANY_TEXT,
    value=st.sampled_from([1, -1]),
    reason=ANY_TEXT,
    moderator=ANY_TEXT,
    guild=ANY_TEXT | st.none(),
    tag=ANY_TEXT,
)
def test_votes_log_and_moderation_never_crash(
    runner_and_store, question, resource, user, value, reason, moderator, guild, tag
) -> None:
    """Votes, question logs, rejections and reports take any text without an unexpected error."""
    runner, store = runner_and_store

    async def go() -> None:
        for action in (
            store.vote(user=user, question=question, resource_id=resource, value=value),
            store.log_question(question, top_score=0.5, answered=bool(value > 0), guild=guild, tags=(tag,)),
            store.reject(1, moderator=moderator, reason=reason),
        ):
            try:
                await action
            except (InvalidInput, NotFound):
                pass
        report = await store.report(days=1)
        assert report.to_json()["days"] == 1

    try:
        runner.run(go())
    except VizbotError as exc:  # pragma: no cover - a failure shows which
        raise AssertionError(f"unexpected {type(exc).__name__}: {exc}") from exc
