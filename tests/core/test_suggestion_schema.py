"""A suggestion's schema: every field checked and cleaned before the store sees it."""

from __future__ import annotations

import pytest
from tag_vocabulary import lookup

from bot.core.errors import InvalidInput
from bot.core.limits import REASON_MAX, REASON_MIN
from bot.core.suggestion_schema import (
    clean_actor,
    clean_note,
    parse_tags,
    slugify,
    validate_reason,
    validate_suggestion,
)
from bot.core.urls import normalise_url


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cnn, kernels", ["cnn", "kernels"]),
        (" cnn ,, cnn,", ["cnn"]),
        ("gradient descent", ["gradient descent"]),
        ("gradient   \u200bdescent\t, cnn", ["gradient descent", "cnn"]),
        (["cnn", " cnn ", "", "rnn"], ["cnn", "rnn"]),
    ],
    ids=["two", "repeats-and-blanks", "spaces-inside", "cleaned", "list"],
)
def test_parse_tags(text: str | list[str], expected: list[str]) -> None:
    """Comma-separated (or listed) tags: cleaned, empty items and repeats dropped, in order."""
    assert parse_tags(text) == expected


def test_parse_tags_refuses_what_is_not_text() -> None:
    """A list item that is not text is refused, naming the tags field."""
    with pytest.raises(InvalidInput) as raised:
        parse_tags(["cnn", 3])  # type: ignore[list-item]
    assert raised.value.field == "tags"


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("   ", "say why"),
        ("ab", f"at least {REASON_MIN}"),
        ("x" * (REASON_MAX + 1), f"at most {REASON_MAX}"),
        (7, "must be text"),
    ],
    ids=["empty", "too-short", "too-long", "not-text"],
)
def test_validate_reason_refuses(reason: object, message: str) -> None:
    """A rejection's reason must say something, briefly."""
    with pytest.raises(InvalidInput) as raised:
        validate_reason(reason)
    assert raised.value.field == "reason" and message in str(raised.value)


def test_validate_reason_tidies_and_keeps_the_longest() -> None:
    """A reason of exactly REASON_MAX characters is kept, tidied to one line."""
    assert validate_reason(" a\nb ") == "a b"
    assert len(validate_reason("y" * REASON_MAX)) == REASON_MAX


def test_clean_note_and_actor() -> None:
    """A note keeps its lines; an empty actor is refused."""
    assert clean_note(None) == "" and clean_note("a\n\n\n\nb") == "a\n\nb"
    with pytest.raises(InvalidInput):
        clean_actor("  \u200b ")


@pytest.mark.parametrize(
    ("url", "title", "tags", "note", "field"),
    [
        ("ftp://example.org/x", "A good title", "cnn", "", "url"),
        ("example.org/x", "A good title", "cnn", "", "url"),
        ("https://user:pw@example.org/x", "A good title", "cnn", "", "url"),
        ("https://", "A good title", "cnn", "", "url"),
        ("https://example.org/" + "a" * 2100, "A good title", "cnn", "", "url"),
        ("https://example.org/x", "ab", "cnn", "", "title"),
        ("https://example.org/x", "  \x00a\x07b  ", "cnn", "", "title"),
        ("https://example.org/x", "t" * 201, "cnn", "", "title"),
        ("https://example.org/x", "A good title", "", "", "tags"),
        ("https://example.org/x", "A good title", "nosuchtag", "", "tags"),
        ("https://example.org/x", "A good title", "cnn, kernels, attention, cnn, x", "", "tags"),
        ("https://example.org/x", "A good title", "cnn", "n" * 1001, "note"),
    ],
    ids=[
        "scheme",
        "relative",
        "userinfo",
        "no-host",
        "too-long",
        "short-title",
        "control-title",
        "long-title",
        "no-tags",
        "unknown-tag",
        "unknown-among-many",
        "long-note",
    ],
)
def test_invalid_fields_are_refused(url: str, title: str, tags: str, note: str, field: str) -> None:
    """Each bad field is refused with InvalidInput naming it."""
    with pytest.raises(InvalidInput) as caught:
        validate_suggestion(url, title, tags, note, lookup)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("cnn", ("cnn",)),
        ("CNN, convnet", ("cnn",)),
        (["filter", "transformer"], ("kernels", "attention")),
        ("cnn,,  ,kernels", ("cnn", "kernels")),
    ],
)
def test_tags_resolve_aliases_and_dedupe(given: object, expected: tuple[str, ...]) -> None:
    """Aliases resolve to slugs; repeats and empty items go."""
    assert validate_suggestion("https://example.org/x", "A good title", given, "", lookup).tags == expected


def test_unknown_tag_message_offers_close_tags() -> None:
    """An unknown tag names the closest known ones, and where the list is in Discord and on the command line."""
    with pytest.raises(InvalidInput, match="did you mean cnn") as caught:
        validate_suggestion("https://example.org/x", "A good title", "cn", "", lookup)
    assert "/tags" in caught.value.reason and "vizbot tags" in caught.value.reason


def test_control_characters_are_stripped() -> None:
    """Control characters go; the title becomes one line; the note keeps its line breaks."""
    got = validate_suggestion(
        " https://Example.org/x/ ", "A\tgood\x00 title\n", "cnn", "line one\x1b\r\nline two\x07", lookup
    )
    assert (got.title, got.note) == ("A good title", "line one\nline two")
    assert (got.url, got.url_key) == ("https://example.org/x/", "https://example.org/x")


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("HTTPS://WWW.Example.NET:443/Path/#frag", "https://www.example.net/Path/"),
        ("http://Example.org:80/A?Q=B&c=D#top", "http://example.org/A?Q=B&c=D"),
        ("https://example.org:8443/x", "https://example.org:8443/x"),
        ("https://example.org", "https://example.org"),
    ],
)
def test_url_is_stored_normalised(given: str, stored: str) -> None:
    """Scheme and host lower-cased, default port and fragment dropped; path and query kept as typed."""
    got = validate_suggestion(given, "A good title", "cnn", "", lookup)
    assert got.url == stored
    assert got.url_key == normalise_url(given)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://p\u0430ypal.com/login", "mixing Cyrillic and Latin"),
        ("http://127.0.0.1:8000/admin", "public site"),
        ("http://192.168.0.10/", "public site"),
        ("http://169.254.169.254/latest/meta-data/", "public site"),
        ("http://[::1]/", "public site"),
        ("http://intranet/x", "public site, not 'intranet' \\(a name without a dot"),
        ("http://printer.lan/", "public site, not 'printer.lan' \\(a name ending in .lan is a machine on a private"),
    ],
)
def test_disguised_and_private_urls_are_refused(url: str, reason: str) -> None:
    """A mixed-script host and loopback, private or link-local hosts never reach moderators."""
    with pytest.raises(InvalidInput, match=reason) as caught:
        validate_suggestion(url, "A good title", "cnn", "", lookup)
    assert caught.value.field == "url"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Seeing Convolutions!", "seeing-convolutions"),
        ("Ünïcödé  Title", "unicode-title"),
        ("日本語", "suggestion"),
        ("a " * 100, "-".join(["a"] * 30)),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    """Ids are ASCII slugs of the title, short enough for a suffix."""
    assert slugify(title) == slug
