"""A suggestion's schema, beside the catalog's: what users may send, cleaned and checked before the
store sees it. Raises ``InvalidInput`` naming the field; the store keeps to SQL."""

from __future__ import annotations

import re
import unicodedata
from typing import Callable, Iterable, Protocol

from bot.core.errors import InvalidInput
from bot.core.limits import NAME_MAX, NOTE_MAX, REASON_MAX, REASON_MIN, SLUG_MAX, TAGS_MAX, TITLE_MAX, TITLE_MIN
from bot.core.model import Tag
from bot.core.records import SuggestionDraft
from bot.core.sanitize import clean_block, clean_text, strip_controls
from bot.core.urls import normalise_url, tidy_url, validate_url


class TagLookupLike(Protocol):
    """What ``SearchEngine.resolve_tag`` returns (``bot.core.results.TagLookup``; ``tag`` is ``None``
    when nothing matched). Read-only, as the frozen ``TagLookup`` is."""

    @property
    def tag(self) -> Tag | None: ...

    @property
    def suggestions(self) -> tuple[Tag, ...]: ...


def text_field(value: object, field: str) -> str:
    """One line of user text for ``field`` (see :func:`bot.core.sanitize.clean_text`); not text is refused."""
    if not isinstance(value, str):
        raise InvalidInput(field, "must be text")
    return clean_text(value)


def parse_tags(tags: str | Iterable[str]) -> list[str]:
    """Tags typed as ``"a, b"`` (or given as a list): each cleaned, empty items and repeats dropped, in order."""
    parts = tags.split(",") if isinstance(tags, str) else tags
    names: list[str] = []
    for raw in parts:
        name = text_field(raw, "tags")
        if name and name not in names:
            names.append(name)
    return names


def resolve_tags(names: list[str], lookup: Callable[[str], TagLookupLike]) -> tuple[str, ...]:
    """Tag slugs for ``names`` (aliases and typos resolve through ``lookup``), deduplicated, in order."""
    if not names:
        raise InvalidInput("tags", "give at least one tag")
    slugs: list[str] = []
    unknown: list[str] = []  # every unknown name is reported, each with its closest tags
    closest: list[str] = []
    for name in names:
        found = lookup(name)
        if found.tag is None:
            hints = [t.slug for t in found.suggestions[:3]]
            closest += [h for h in hints if h not in closest]
            hint = f" (did you mean {', '.join(hints)}?)" if hints else " (no tag is close)"
            shown = name if len(name) <= 40 else name[:37] + "..."
            unknown.append(f"{shown!r}{hint}")
            continue
        slug = found.tag.slug
        if slug not in slugs:
            slugs.append(slug)
    if unknown:
        what = "unknown tag" if len(unknown) == 1 else "unknown tags"
        raise InvalidInput(
            "tags", f"{what} {', '.join(unknown)}; /tags (or `vizbot tags`) lists them all", suggestions=closest
        )
    if len(slugs) > TAGS_MAX:
        raise InvalidInput("tags", f"give at most {TAGS_MAX} tags")
    return tuple(slugs)


def clean_note(value: object) -> str:
    """The note: as :func:`bot.core.sanitize.clean_block` (line breaks kept); ``None`` is empty."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput("note", "must be text")
    return clean_block(value)


def validate_suggestion(
    url: object, title: object, tags: str | Iterable[str], note: object, lookup: Callable[[str], TagLookupLike]
) -> SuggestionDraft:
    """Check and clean every field of a suggestion; raises ``InvalidInput`` naming the first bad field."""
    if not isinstance(url, str):
        raise InvalidInput("url", "must be text")
    checked = tidy_url(validate_url(strip_controls(url).strip()))
    clean_title = text_field(title, "title")
    if len(clean_title) < TITLE_MIN:
        raise InvalidInput("title", f"must be at least {TITLE_MIN} characters")
    if len(clean_title) > TITLE_MAX:
        raise InvalidInput("title", f"must be at most {TITLE_MAX} characters")
    clean = clean_note(note)
    if len(clean) > NOTE_MAX:
        raise InvalidInput("note", f"must be at most {NOTE_MAX} characters")
    slugs = resolve_tags(parse_tags(tags), lookup)
    return SuggestionDraft(url=checked, url_key=normalise_url(checked), title=clean_title, tags=slugs, note=clean)


def validate_reason(value: object) -> str:
    """A moderator's reason for a rejection: one line of ``REASON_MIN`` to ``REASON_MAX`` characters."""
    reason = text_field(value, "reason")
    if not reason:
        raise InvalidInput("reason", "say why (the submitter is told)")
    if len(reason) < REASON_MIN:
        raise InvalidInput("reason", f"must be at least {REASON_MIN} characters")
    if len(reason) > REASON_MAX:
        raise InvalidInput("reason", f"must be at most {REASON_MAX} characters")
    return reason


def clean_actor(value: object, field: str = "user") -> str:
    """A user or moderator id: cleaned, non-empty, bounded."""
    text = text_field(value, field)
    if not text:
        raise InvalidInput(field, "is empty")
    return text[:NAME_MAX]


def clean_optional(value: object, field: str) -> str | None:
    """An optional name (user name, guild): cleaned and bounded; empty becomes ``None``."""
    if value is None:
        return None
    text = text_field(str(value), field)
    return text[:NAME_MAX] or None


def slugify(title: str) -> str:
    """A catalog id from a title: ASCII lower-case words joined by hyphens, at most ``SLUG_MAX`` characters."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii").lower()
    words = re.findall(r"[a-z0-9]+", ascii_text)
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > SLUG_MAX - 4:  # room for a "-NNN" suffix
            break
        slug = candidate
    return slug or "suggestion"
