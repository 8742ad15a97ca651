"""Suggestions in the store: dedupe and seconding, rate limits, moderation and the audit log."""

from __future__ import annotations

import pytest
from store_helpers import Clock, draft, lookup

from bot.core.errors import InvalidInput, NotFound, RateLimited
from bot.core.suggestion_schema import validate_suggestion
from bot.store import Store
from bot.store.suggestions import to_resource


async def test_submit_records_the_submitter(store: Store) -> None:
    """A submission is pending with the submitter's id, name and guild kept for notifying."""
    outcome = await store.submit(draft(1, note="great"), user="123", user_name="Ann", guild="42")
    s = outcome.suggestion
    assert outcome.status == "created"
    assert (s.status, s.user, s.user_name, s.guild, s.note, s.notified) == (
        "pending",
        "123",
        "Ann",
        "42",
        "great",
        False,
    )


async def test_same_url_from_another_user_is_seconded(store: Store) -> None:
    """A URL already pending is not recorded twice; another user's submission counts as seconding."""
    await store.submit(draft(1), user="ann")
    second = await store.submit(draft(1, title="Another title"), user="bob")
    assert (second.status, second.suggestion.id, second.suggestion.seconds) == ("seconded", 1, 1)
    again = await store.submit(draft(1), user="bob")
    assert again.status == "already_suggested"
    assert len(await store.suggestions()) == 1
    assert (await store.suggestion(1)).seconds == 1


async def test_url_variants_are_the_same_suggestion(store: Store) -> None:
    """http/https, www., host case and a trailing slash do not make a new suggestion."""
    await store.submit(validate_suggestion("https://www.Example.org/a/", "Title one", "cnn", "", lookup), user="ann")
    out = await store.submit(validate_suggestion("http://example.org/a", "Title two", "cnn", "", lookup), user="bob")
    assert out.status == "seconded"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("https://bücher.example/a", "https://xn--bcher-kva.example/a"),
        ("https://example.org/a", "https://example.org/a?utm_source=discord&utm_medium=social"),
        ("https://example.org/a?id=3", "https://example.org/a?fbclid=IwAR0&id=3&gclid=xyz"),
    ],
    ids=["idna", "utm", "fbclid-gclid"],
)
async def test_url_identity_defeats_no_duplicate_check(store: Store, first: str, second: str) -> None:
    """An IDNA spelling or tracking parameters do not make a new suggestion."""
    await store.submit(validate_suggestion(first, "Title one", "cnn", "", lookup), user="ann")
    out = await store.submit(validate_suggestion(second, "Title two", "cnn", "", lookup), user="bob")
    assert (out.status, out.suggestion.id) == ("seconded", 1)


async def test_approved_url_answers_already_there(store: Store) -> None:
    """Once approved, the same URL answers with the catalog entry."""
    await store.submit(draft(1), user="ann")
    done = await store.approve(1, moderator="mod")
    out = await store.submit(draft(1), user="bob")
    assert (out.status, out.existing_id) == ("in_catalog", done.resource_id)
    assert out.message.startswith("already there: Resource number 1")


async def test_rejected_url_may_be_suggested_again(store: Store) -> None:
    """A rejected URL can be suggested afresh (a new pending suggestion)."""
    await store.submit(draft(1), user="ann")
    await store.reject(1, moderator="mod", reason="broken link")
    assert (await store.submit(draft(1), user="bob")).status == "created"


async def test_rate_limit_says_when_to_retry(store: Store, clock: Clock) -> None:
    """The sixth suggestion within an hour is refused with the time to wait; later it is accepted."""
    for n in range(5):
        await store.submit(draft(n), user="ann")
        clock.advance(60)
    with pytest.raises(RateLimited, match="5 resources per hour; try again in 55 minutes") as caught:
        await store.submit(draft(99), user="ann")
    assert caught.value.retry_after == pytest.approx(3600 - 300)
    assert (await store.submit(draft(99), user="bob")).status == "created"
    clock.advance(caught.value.retry_after)
    assert (await store.submit(draft(100), user="ann")).status == "created"


async def test_seconding_counts_towards_the_rate_limit(store: Store) -> None:
    """Seconding is a submission too: it uses up the hourly allowance."""
    for n in range(5):
        await store.submit(draft(n), user="ann")
    for n in range(5):
        await store.submit(draft(n), user="bob")
    with pytest.raises(RateLimited):
        await store.submit(draft(50), user="bob")
    assert (await store.submit(draft(1), user="bob")).status == "already_suggested"


async def test_pending_is_oldest_first_and_paginated(store: Store, clock: Clock) -> None:
    """Pending suggestions come oldest first, a page at a time."""
    for n in range(5):
        await store.submit(draft(n), user=f"user{n}")
        clock.advance(1)
    pages = [await store.suggestions(limit=2, offset=o) for o in (0, 2, 4, 6)]
    assert [[s.id for s in page] for page in pages] == [[1, 2], [3, 4], [5], []]


async def test_approve_makes_a_resource_with_a_unique_id(store: Store) -> None:
    """Approval gives kind, level and a slug id that avoids the catalog's and earlier approvals' ids."""
    await store.submit(draft(1, title="Seeing Convolutions!"), user="ann")
    await store.submit(draft(2, title="Seeing convolutions"), user="bob")
    first = await store.approve(1, moderator="mod", taken_ids={"seeing-convolutions"})
    second = await store.approve(2, moderator="mod", kind="interactive", level="advanced")
    assert (first.resource_id, first.kind, first.level) == ("seeing-convolutions-2", "article", "beginner")
    assert (second.resource_id, second.kind, second.level) == ("seeing-convolutions", "interactive", "advanced")
    assert [r.id for r in await store.approved_resources()] == ["seeing-convolutions-2", "seeing-convolutions"]


async def test_resource_description_falls_back_to_title(store: Store) -> None:
    """An approved suggestion without a note still has a description."""
    await store.submit(draft(1), user="ann")
    resource = to_resource(await store.approve(1, moderator="mod"))
    assert resource.description == "Resource number 1"


@pytest.mark.parametrize(("kind", "level", "field"), [("poster", None, "kind"), (None, "expert", "level")])
async def test_approve_refuses_unknown_kind_or_level(store: Store, kind: str, level: str, field: str) -> None:
    """Kind and level must be from the catalog's lists."""
    await store.submit(draft(1), user="ann")
    with pytest.raises(InvalidInput) as caught:
        await store.approve(1, moderator="mod", kind=kind, level=level)
    assert caught.value.field == field
    assert (await store.suggestion(1)).status == "pending"


async def test_decisions_are_final_and_need_a_real_id(store: Store) -> None:
    """A decided suggestion cannot be decided again; an unknown id is NotFound."""
    await store.submit(draft(1), user="ann")
    await store.reject(1, moderator="mod", reason="off topic")
    with pytest.raises(InvalidInput, match="already rejected"):
        await store.approve(1, moderator="mod")
    with pytest.raises(NotFound, match="no suggestion #7"):
        await store.reject(7, moderator="mod", reason="off topic")


async def test_reject_needs_a_reason(store: Store) -> None:
    """Rejecting without a reason is refused."""
    await store.submit(draft(1), user="ann")
    with pytest.raises(InvalidInput, match="reason"):
        await store.reject(1, moderator="mod", reason=" \x00 ")


async def test_audit_log_records_who_what_when(store: Store, clock: Clock) -> None:
    """Every action is in the audit log, newest first."""
    await store.submit(draft(1), user="ann")
    await store.submit(draft(1), user="bob")
    clock.advance(10)
    await store.reject(1, moderator="mod", reason="duplicate of cs231n")
    await store.mark_notified(1)
    entries = await store.audit_log(suggestion_id=1)
    assert [(e.actor, e.action, e.detail) for e in entries] == [
        ("vizbot", "notify", None),
        ("mod", "reject", "duplicate of cs231n"),
        ("bob", "second", None),
        ("ann", "submit", "https://example.org/1"),
    ]
    assert entries[1].at.timestamp() == clock.now


async def test_outcomes_wait_to_be_notified(store: Store) -> None:
    """Decided suggestions are listed until marked notified; pending ones cannot be marked."""
    for n in (1, 2, 3):
        await store.submit(draft(n), user="ann", user_name="Ann", guild="42")
    await store.approve(1, moderator="mod")
    await store.reject(2, moderator="mod", reason="paywalled")
    waiting = await store.unnotified()
    assert [(s.id, s.status, s.user, s.guild, s.reason) for s in waiting] == [
        (1, "approved", "ann", "42", None),
        (2, "rejected", "ann", "42", "paywalled"),
    ]
    assert (await store.mark_notified(1)).notified
    assert [s.id for s in await store.unnotified()] == [2]
    with pytest.raises(InvalidInput, match="not been decided"):
        await store.mark_notified(3)


@pytest.mark.parametrize(("status", "limit", "offset"), [("maybe", 10, 0), ("pending", 0, 0), ("pending", 5, -1)])
async def test_listing_refuses_bad_arguments(store: Store, status: str, limit: int, offset: int) -> None:
    """Unknown statuses and impossible pages are InvalidInput."""
    with pytest.raises(InvalidInput):
        await store.suggestions(status=status, limit=limit, offset=offset)
