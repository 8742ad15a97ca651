"""The catalog's schema: turns parsed YAML into ``Tag`` and ``Resource`` objects, noting every problem.

Each function takes a :class:`Report` for one file and records problems with the
line of the offending key or item; nothing here raises on bad data.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Mapping

from bot.core.errors import InvalidInput, Problem
from bot.core.limits import DESCRIPTION_LONG, SLUG_MAX, TAGS_MAX, TITLE_MAX
from bot.core.model import KINDS, LEVELS, Resource, Tag
from bot.core.urls import validate_url
from bot.core.yaml_loader import LList, LMap

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

TAG_FIELDS = ("title", "description", "aliases")
RESOURCE_FIELDS = ("id", "title", "url", "description", "tags", "keywords", "kind", "level", "author", "image")
RESOURCE_REQUIRED = ("id", "title", "url", "description", "tags", "kind", "level")


@dataclass
class Report:
    """Problems found in one file (``file`` is the name shown to the user)."""

    file: str
    problems: list[Problem] = field(default_factory=list)

    def error(self, line: int | None, message: str, entry_id: str | None = None, field: str | None = None) -> None:
        """Record an error."""
        self.problems.append(Problem(self.file, line, message, entry_id, field, "error"))

    def warn(self, line: int | None, message: str, entry_id: str | None = None, field: str | None = None) -> None:
        """Record a warning."""
        self.problems.append(Problem(self.file, line, message, entry_id, field, "warning"))


def alias_key(text: str) -> str:
    """How tag names and aliases are compared: case, hyphens, underscores and spaces ignored."""
    return " ".join(re.split(r"[\s_-]+", text.lower())).strip()


def type_name(value: object) -> str:
    """A user-facing name for the YAML type of ``value``."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false (put it in quotes)"
    if isinstance(value, (int, float)):
        return "a number (put it in quotes)"
    if isinstance(value, date):
        return "a date (put it in quotes)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, str):
        return f"text {value!r}"
    return type(value).__name__


def _hint(word: object, choices: tuple[str, ...] | list[str]) -> str:
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word.lower(), choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def slug_problem(value: object) -> str | None:
    """Why ``value`` is not a valid slug, or ``None`` when it is."""
    if not isinstance(value, str):
        return f"must be a slug (text), found {type_name(value)}"
    if len(value) > SLUG_MAX:
        return f"is longer than {SLUG_MAX} characters"
    if not SLUG.match(value):
        return f"{value!r} is not a slug: use lower-case letters, digits and single hyphens"
    return None


class FieldReader:
    """Field access on one YAML mapping that records problems at the right line."""

    def __init__(self, data: LMap, report: Report, entry_id: str | None, start: int | None = None):
        self.data, self.report, self.entry_id = data, report, entry_id
        self.start = start or data.line  # where a missing field is reported

    def line(self, name: str) -> int:
        return self.data.key_lines.get(name, self.data.line)

    def error(self, name: str, message: str, line: int | None = None) -> None:
        self.report.error(line or self.line(name), message, self.entry_id, name)

    def warn(self, name: str, message: str, line: int | None = None) -> None:
        self.report.warn(line or self.line(name), message, self.entry_id, name)

    def unknown_fields(self, allowed: tuple[str, ...]) -> None:
        for key in self.data:
            if key not in allowed:
                self.error(str(key), f"unknown field{_hint(key, list(allowed))}", self.data.key_lines.get(key))

    def text(self, name: str, required: bool = True) -> str | None:
        """The stripped text of ``name``; ``None`` (and a problem when required) otherwise."""
        if name not in self.data:
            if required:
                self.error(name, "is missing", self.start)
            return None
        value = self.data[name]
        if value is None or (isinstance(value, str) and not value.strip()):
            self.error(name, "is empty")
            return None
        if not isinstance(value, str):
            self.error(name, f"must be text, found {type_name(value)}")
            return None
        return value.strip()

    def text_list(self, name: str, required: bool = True) -> list[tuple[str, int]] | None:
        """The stripped items of list ``name`` with their lines; ``None`` when absent or not a list."""
        if name not in self.data:
            if required:
                self.error(name, "is missing", self.start)
            return None
        value = self.data[name]
        if value is None:
            if required:
                self.error(name, "is empty")
            return None
        if not isinstance(value, LList):
            self.error(name, f"must be a list, found {type_name(value)}")
            return None
        items: list[tuple[str, int]] = []
        for item, line in zip(value, value.item_lines):
            if not isinstance(item, str):
                self.error(name, f"items must be text, found {type_name(item)}", line)
            elif not item.strip():
                self.error(name, "has an empty item", line)
            else:
                items.append((item.strip(), line))
        return items

    def choice(self, name: str, choices: tuple[str, ...]) -> str | None:
        value = self.text(name)
        if value is not None and value not in choices:
            self.error(name, f"{value!r} is not one of {', '.join(choices)}{_hint(value, choices)}")
            return None
        return value

    def url(self, name: str, required: bool = True) -> str | None:
        value = self.text(name, required)
        if value is None:
            return None
        try:
            return validate_url(value, name, public_only=False)  # curated: maintainers may list their own network
        except InvalidInput as exc:
            self.error(name, exc.reason)
            return None


@dataclass(frozen=True)
class TagEntry:
    """A valid tag and the lines of its key and aliases (for cross-checks)."""

    tag: Tag
    line: int
    alias_lines: tuple[int, ...]


def slug_entries(
    root: object, report: Report, kind: str, fields: tuple[str, ...]
) -> list[tuple[str, int, FieldReader]]:
    """The entries of a ``slug -> {fields}`` mapping (``tags.yaml``, ``gaps.yaml``) as (slug, line,
    reader), unknown fields noted; a bad slug or a body that is not a mapping is an error and skipped."""
    listed = ", ".join(fields)
    if not isinstance(root, LMap):
        line = getattr(root, "line", None)
        report.error(line, f"must be a mapping of {kind} slug -> {{{listed}}}, found {type_name(root)}")
        return []
    entries = []
    for slug, body in root.items():
        line = root.key_lines[slug]
        problem = slug_problem(slug)
        if problem:
            report.error(line, problem, str(slug), "slug")
            continue
        if not isinstance(body, LMap):
            named = " and ".join(listed.rsplit(", ", 1))
            report.error(line, f"must be a mapping with {named}, found {type_name(body)}", slug)
            continue
        entry = FieldReader(body, report, slug, line)
        entry.unknown_fields(fields)
        entries.append((slug, line, entry))
    return entries


def read_tags(root: object, report: Report) -> dict[str, TagEntry]:
    """Validate the parsed ``tags.yaml``; returns the valid tags by slug."""
    tags: dict[str, TagEntry] = {}
    for slug, line, entry in slug_entries(root, report, "tag", TAG_FIELDS):
        before = len(report.problems)
        title = entry.text("title")
        description = entry.text("description")
        aliases = _aliases(entry)
        if len(report.problems) == before and title and description:
            tags[slug] = TagEntry(
                Tag(slug, title, description, tuple(a for a, _ in aliases)),
                line,
                tuple(line for _, line in aliases),
            )
    return tags


def _aliases(entry: FieldReader) -> list[tuple[str, int]]:
    """The aliases list: required, but may be empty (``aliases: []``)."""
    if isinstance(entry.data.get("aliases"), LList) and not entry.data["aliases"]:
        return []
    return entry.text_list("aliases") or []


def check_aliases(tags: Mapping[str, TagEntry], report: Report) -> None:
    """Every slug and alias must name one tag only (compared with ``alias_key``)."""
    owners: dict[str, tuple[str, str, int]] = {alias_key(slug): (slug, "slug", e.line) for slug, e in tags.items()}
    for slug, entry in tags.items():
        for alias, line in zip(entry.tag.aliases, entry.alias_lines):
            key = alias_key(alias)
            owner = owners.get(key)
            if owner is None:
                owners[key] = (slug, "alias", line)
            elif owner[0] == slug:
                report.warn(line, f"alias {alias!r} repeats this tag's {owner[1]} (line {owner[2]})", slug, "aliases")
            else:
                report.error(
                    line,
                    f"alias {alias!r} collides with the {owner[1]} of tag {owner[0]!r} ({report.file}:{owner[2]})",
                    slug,
                    "aliases",
                )


@dataclass(frozen=True)
class ResourceEntry:
    """One resource entry and where it was defined: ``resource`` is ``None`` when it has errors.

    ``id`` and ``url`` are kept whenever they are valid, so duplicates are found even in broken entries.
    """

    id: str | None
    url: str | None
    resource: Resource | None
    file: str
    line: int
    url_line: int


def read_resources(root: object, report: Report, tags: Mapping[str, Tag] | None) -> list[ResourceEntry]:
    """Validate one parsed resource file; ``tags`` is ``None`` when the vocabulary is unknown."""
    if not isinstance(root, LList):
        line = getattr(root, "line", None)
        report.error(line, f"must be a list of resources (entries starting with '- id:'), found {type_name(root)}")
        return []
    if not root:
        report.warn(root.line, "has no resources")
    found: list[ResourceEntry] = []
    for position, (item, line) in enumerate(zip(root, root.item_lines), start=1):
        if not isinstance(item, LMap):
            report.error(line, f"entry {position} must be a mapping of fields, found {type_name(item)}")
            continue
        found.append(read_resource(item, report, tags))
    return found


def _alias_index(tags: Mapping[str, Tag]) -> dict[str, str]:
    index = {alias_key(a): t.slug for t in tags.values() for a in t.aliases}
    index.update({alias_key(slug): slug for slug in tags})
    return index


def _read_tags_field(entry: FieldReader, tags: Mapping[str, Tag] | None) -> tuple[str, ...] | None:
    items = entry.text_list("tags")
    if items is None:
        return None
    ok = True
    seen: list[str] = []
    for slug, line in items:
        if tags is not None and slug not in tags:
            owner = _alias_index(tags).get(alias_key(slug))  # built only when a tag is unknown
            hint = f" (it is an alias of {owner!r}: use the slug)" if owner else _hint(slug, list(tags))
            entry.error("tags", f"unknown tag {slug!r}{hint}", line)
            ok = False
        elif slug in seen:
            entry.warn("tags", f"tag {slug!r} is listed twice", line)
        else:
            seen.append(slug)
    if not items:
        entry.error("tags", "needs at least one tag")
        return None
    if not ok:
        return None
    if len(seen) > TAGS_MAX:
        entry.warn("tags", f"has {len(seen)} tags; use at most {TAGS_MAX}")
    return tuple(seen)


def read_resource(data: LMap, report: Report, tags: Mapping[str, Tag] | None) -> ResourceEntry:
    """Validate one resource mapping; its ``resource`` is ``None`` when it has any error."""
    raw_id = data.get("id")
    entry = FieldReader(data, report, raw_id.strip() if isinstance(raw_id, str) and raw_id.strip() else None)
    before = sum(p.severity == "error" for p in report.problems)
    entry.unknown_fields(RESOURCE_FIELDS)
    resource_id = entry.text("id")
    if resource_id is not None and (problem := slug_problem(resource_id)):
        entry.error("id", problem)
        resource_id = None
    title = entry.text("title")
    if title is not None and ("\n" in title or len(title) > TITLE_MAX):
        entry.error("title", f"must be one line of at most {TITLE_MAX} characters")
    url = entry.url("url")
    description = entry.text("description")
    if description is not None and len(description) > DESCRIPTION_LONG:
        entry.warn("description", f"is {len(description)} characters; keep it to one or two sentences")
    tag_slugs = _read_tags_field(entry, tags)
    keywords = entry.text_list("keywords", required=False)
    kind = entry.choice("kind", KINDS)
    level = entry.choice("level", LEVELS)
    author = entry.text("author", required=False)
    image = entry.url("image", required=False)
    where = (report.file, data.line, entry.line("url"))
    errors = sum(p.severity == "error" for p in report.problems) - before
    if errors or not (resource_id and title and url and description and tag_slugs and kind and level):
        return ResourceEntry(resource_id, url, None, *where)
    resource = Resource(
        id=resource_id,
        title=title,
        url=url,
        description=description,
        tags=tag_slugs,
        kind=kind,
        level=level,
        keywords=tuple(k for k, _ in keywords or ()),
        author=author,
        image=image,
    )
    return ResourceEntry(resource_id, url, resource, *where)
