"""The known gaps' schema: ``gaps.yaml`` turned into ``Gap`` objects, with every problem noted.

A catalog may list the topics learners ask about that it has no resource for (``slug ->
{title, aliases}``). A question naming one is refused plainly ("nothing on graph neural networks
yet") rather than answered with loosely related links. A gap must not name a covered topic: its
slug, title and aliases may not equal a tag's slug, title or alias (an error), and a resource
listing one of them as a keyword is a warning (is it still a gap?).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from bot.core.catalog_schema import Report, alias_key, slug_entries
from bot.core.model import Gap, Resource, Tag
from bot.core.yaml_loader import LList

GAP_FIELDS = ("title", "aliases")


@dataclass(frozen=True)
class GapEntry:
    """A valid gap and the lines of its key, title and aliases (for cross-checks)."""

    gap: Gap
    line: int
    title_line: int
    alias_lines: tuple[int, ...]

    def names(self) -> list[tuple[str, int, str]]:
        """Slug, title and aliases, each with its line and field."""
        named = [(self.gap.slug, self.line, "slug"), (self.gap.title, self.title_line, "title")]
        return named + [(alias, line, "aliases") for alias, line in zip(self.gap.aliases, self.alias_lines)]


def read_gaps(root: object, report: Report) -> dict[str, GapEntry]:
    """Validate the parsed ``gaps.yaml`` (an empty file is no gaps); returns the valid gaps by slug."""
    if root is None:
        return {}
    gaps: dict[str, GapEntry] = {}
    for slug, line, entry in slug_entries(root, report, "gap", GAP_FIELDS):
        before = len(report.problems)
        title = entry.text("title")
        raw = entry.data.get("aliases")
        aliases = [] if raw is None or (isinstance(raw, LList) and not raw) else entry.text_list("aliases") or []
        if len(report.problems) == before and title:
            gap = Gap(slug, title, tuple(a for a, _ in aliases))
            gaps[slug] = GapEntry(gap, line, entry.line("title"), tuple(n for _, n in aliases))
    return gaps


def check_gaps(
    gaps: Mapping[str, GapEntry], tags: Mapping[str, Tag], tags_file: str, report: Report
) -> dict[str, GapEntry]:
    """The gaps that name no tag and no other gap; every collision is an error in ``report``."""
    owners: dict[str, str] = {}
    for slug, tag in tags.items():
        for name in (slug, tag.title, *tag.aliases):
            owners.setdefault(alias_key(name), slug)
    kept: dict[str, GapEntry] = {}
    seen: dict[str, tuple[str, int]] = {}
    for slug, entry in gaps.items():
        clean = True
        for name, line, field in entry.names():
            key = alias_key(name)
            if key in owners:
                message = f"{name!r} names tag {owners[key]!r} ({tags_file}): a covered topic is not a gap"
                report.error(line, message, slug, field)
                clean = False
            elif key in seen and seen[key][0] != slug:
                report.error(line, f"{name!r} also names gap {seen[key][0]!r} (line {seen[key][1]})", slug, field)
                clean = False
            else:
                seen.setdefault(key, (slug, line))
        if clean:
            kept[slug] = entry
    return kept


def keyword_overlaps(gaps: Mapping[str, GapEntry], resources: Iterable[Resource]) -> list[tuple[GapEntry, int, str]]:
    """(gap, line, message) for each gap name a resource lists as a keyword: perhaps no longer a gap."""
    by_name = {alias_key(name): (entry, line) for entry in gaps.values() for name, line, _ in entry.names()}
    found = []
    for resource in resources:
        for keyword in resource.keywords:
            hit = by_name.get(alias_key(keyword))
            if hit is not None:
                entry, line = hit
                message = f"resource {resource.id!r} has the keyword {keyword!r}: is this still a gap?"
                found.append((entry, line, message))
    return found
