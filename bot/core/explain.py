"""Explanation: why a resource matched, in one line ("why"), and the matches behind it."""

from __future__ import annotations

from typing import Callable

from bot.core.index import FIELD_NAMES, TAG_TERM, Index
from bot.core.question import Query
from bot.core.results import Match, SearchResult


Lookup = Callable[[str, int], "tuple[float, int] | None"]  # (term, resource) -> (impact, field mask)


def explain(idx: Index, lookup: Lookup, q: Query, doc: int, score: float, mask: int) -> SearchResult:
    """The resource with its matches and a one-line why: which words matched which fields
    (``mask`` holds two bits per unit: matched in a strong field, or only in a weak one)."""
    matches: dict[Match, None] = {}
    notes: dict[str, tuple[list[str], list[str], list[str]]] = {}  # label -> (readings, tags, fields)
    for ui, unit in enumerate(q.units):
        if not mask >> (2 * ui) & 3:
            continue
        alt, fmask, top = None, 0, 0.0
        for candidate in unit.alts:
            hit = lookup(candidate.term, doc) if candidate.term in idx.docs else None
            if hit is not None and hit[0] * candidate.confidence > top:
                alt, fmask, top = candidate, hit[1], hit[0] * candidate.confidence
        if alt is None:
            continue
        readings, tags, fields = notes.setdefault(unit.label, ([], [], []))
        is_tag = alt.term.startswith(TAG_TERM)
        if is_tag:
            tags.append(f"tag {alt.matched}" + ("" if alt.how == "exact" else f" ({alt.how})"))
        elif alt.how == "typo":
            readings.append(f'read as "{alt.matched}"')
        for name in FIELD_NAMES[fmask]:
            matches[Match(unit.label, alt.matched, name, alt.how)] = None
            if not is_tag and not (name == "tag" and tags) and name not in fields:
                fields.append(name)
    parts = []
    for label, (readings, tags, fields) in notes.items():
        shown = list(dict.fromkeys(readings + tags)) + [f for f in fields if not (f == "tag" and tags)]
        parts.append(f'"{label}": ' + ", ".join(shown))
    for what, value in q.prefer:
        if (idx.kind_of[doc] if what == "kind" else idx.level_of[doc]) == value:
            parts.append(f"{what} {value}")
    return SearchResult(idx.resources[doc], score, "; ".join(parts), tuple(matches))
