"""Finding the catalog directory, loading it, and checking it as a whole.

A catalog directory holds ``tags.yaml`` and ``resources/*.yaml`` (read in file-name
order), and may hold ``gaps.yaml``, the topics it knows it lacks. :func:`check_catalog` reports every problem in one run; :func:`load_catalog`
raises :class:`CatalogError` when any of them is an error.
"""

from __future__ import annotations

import importlib.resources
import logging
import os
import stat
from pathlib import Path
from typing import Mapping

import bot
from bot.core.catalog_schema import Report, ResourceEntry, TagEntry, check_aliases, read_resources, read_tags
from bot.core.errors import CatalogError, ConfigError, Problem
from bot.core.gaps_schema import GapEntry, check_gaps, keyword_overlaps, read_gaps
from bot.core.index import Index
from bot.core.model import Catalog, Tag
from bot.core.urls import normalise_url
from bot.core.yaml_loader import YamlReadError, read_yaml

_log = logging.getLogger(__name__)

TAGS_FILE = "tags.yaml"
GAPS_FILE = "gaps.yaml"  # optional
RESOURCES_DIR = "resources"
ENV_VAR = "VIZBOT_CATALOG"


def default_catalog_dir() -> Path:
    """The checkout's ``catalog/`` when running from a checkout, else the copy shipped in the wheel."""
    checkout = Path(bot.__file__).resolve().parent.parent / "catalog"
    if (checkout / TAGS_FILE).is_file():
        return checkout
    # bot.catalog_data has no __init__.py, so files() may give a MultiplexedPath; joining a
    # file name gives a real path either way (wheels are installed unzipped).
    shipped = importlib.resources.files("bot.catalog_data") / TAGS_FILE
    return Path(str(shipped)).parent


def resolve_catalog_dir(explicit: Path | str | None, env: Mapping[str, str] | None = None) -> Path:
    """``explicit`` (``--catalog``) beats ``$VIZBOT_CATALOG`` beats :func:`default_catalog_dir`."""
    env = os.environ if env is None else env
    if explicit is not None and str(explicit).strip():
        path, origin = Path(explicit).expanduser(), "catalog directory"
    elif env.get(ENV_VAR, "").strip():
        path, origin = Path(env[ENV_VAR].strip()).expanduser(), f"catalog directory from {ENV_VAR}"
    else:
        path, origin = default_catalog_dir(), "shipped catalog directory"
    if not path.is_dir():
        what = "is not a directory" if path.exists() else "does not exist"
        raise ConfigError(f"{origin} {path} {what}")
    return path


def _display(path: Path) -> str:
    """``path`` as a user can open it from where they ran the command: relative to the current
    directory when under it, else absolute; forward slashes. Symbolic links are kept as given
    (a problem names the link the user wrote, not where it points)."""
    shown = Path(os.path.abspath(path))
    try:
        here = Path(os.getcwd())
    except OSError:  # the current directory was removed: nothing is relative to it
        return shown.as_posix()
    try:
        return shown.relative_to(here).as_posix()
    except ValueError:
        return shown.as_posix()


def _read(path: Path, report: Report) -> object | None:
    """Parse one file, turning refusals and YAML issues into problems; ``None`` when unreadable."""
    try:
        parsed = read_yaml(path)
    except YamlReadError as exc:
        report.error(exc.line, exc.message)
        return None
    for line, key, message in parsed.issues:
        report.error(line, message, field=key)
    return parsed.value


def _check_duplicates(entries: list[ResourceEntry], problems: list[Problem]) -> None:
    """Duplicate ids and duplicate URLs (after normalisation), each naming the first place."""
    by_id: dict[str, ResourceEntry] = {}
    by_url: dict[str, ResourceEntry] = {}
    for entry in entries:
        if entry.id is not None:
            first = by_id.setdefault(entry.id, entry)
            if first is not entry:
                message = f"duplicate id, first used at {first.file}:{first.line}"
                problems.append(Problem(entry.file, entry.line, message, entry.id, "id"))
        if entry.url is not None:
            key = normalise_url(entry.url)
            first = by_url.setdefault(key, entry)
            if first is not entry:
                other = f"[{first.id}] " if first.id else ""
                message = f"same page as {other}at {first.file}:{first.url_line} (both are {key})"
                problems.append(Problem(entry.file, entry.url_line, message, entry.id, "url"))


def _read_tags_file(root: Path) -> tuple[dict[str, TagEntry], Report, set[str] | None]:
    """The valid tags of ``tags.yaml``, the report of its problems, and every tag name the file
    defines, valid or not (``None`` when the file cannot be read as a mapping of tags)."""
    path = root / TAGS_FILE
    report = Report(_display(path))
    if not path.is_file():
        report.error(None, f"is missing: a catalog needs {TAGS_FILE} next to {RESOURCES_DIR}/")
        return {}, report, None
    raw = _read(path, report)
    if raw is None and report.problems:
        return {}, report, None
    entries = read_tags(raw, report)
    check_aliases(entries, report)
    named = {str(slug) for slug in raw} if isinstance(raw, dict) else None
    return entries, report, named


def _read_gaps_file(root: Path, tags: dict[str, Tag], tags_file: str, problems: list[Problem]) -> dict[str, GapEntry]:
    """The valid gaps of ``gaps.yaml`` (none when the file is absent); problems go to ``problems``."""
    path = root / GAPS_FILE
    if not path.exists():
        return {}
    report = Report(_display(path))
    odd = _not_a_file(path)
    if odd is not None:
        report.error(None, f"is {odd}, not a regular file")
        problems.extend(report.problems)
        return {}
    raw = _read(path, report)
    gaps = check_gaps(read_gaps(raw, report), tags, tags_file, report) if not report.problems else {}
    problems.extend(report.problems)
    return gaps


def _resource_files(root: Path, problems: list[Problem]) -> list[Path]:
    """``resources/*.yaml`` in name order; ``*.yml`` files are noted as ignored."""
    directory = root / RESOURCES_DIR
    if not directory.is_dir():
        problems.append(Problem(_display(directory), None, "is missing: no resource files (*.yaml) found"))
        return []
    for stray in sorted(directory.glob("*.yml")):
        message = "ignored: resource files must end in .yaml"
        problems.append(Problem(_display(stray), None, message, severity="warning"))
    files = []
    for path in sorted(directory.glob("*.yaml")):
        odd = _not_a_file(path)
        if odd is None:
            files.append(path)
        else:
            shown = f"{_display(directory)}/{path.name}"  # the link itself, not where it points
            problems.append(Problem(shown, None, f"ignored: {odd}, not a regular file", severity="warning"))
    if not files:
        problems.append(Problem(_display(directory), None, "no resource files (*.yaml) found"))
    return files


def _not_a_file(path: Path) -> str | None:
    """What ``path`` is when it is not a regular file (a symlink to one is fine), else ``None``."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return "a broken symbolic link" if path.is_symlink() else f"unreadable ({exc.strerror or exc})"
    if stat.S_ISREG(mode):
        return None
    link = "a symbolic link to " if path.is_symlink() else ""
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return link + next((name for test, name in kinds if test(mode)), "a special file")


def check_catalog(directory: Path | str, *, deep: bool = False) -> tuple[Catalog | None, list[Problem]]:
    """Every problem (errors and warnings) in the catalog at ``directory``; the catalog when error-free.
    ``deep`` (``vizbot catalog check``) also builds the search index, to warn about known gaps'
    aliases that questions can never match (a cost loading alone does not pay)."""
    root = Path(directory)
    tag_entries, tags_report, named = _read_tags_file(root)
    problems = list(tags_report.problems)
    tags = {slug: e.tag for slug, e in tag_entries.items()}
    # Resources are checked against the vocabulary whenever tags.yaml could be read, even when it
    # has errors (an alias collision must not hide an unknown tag elsewhere). A tag whose own entry
    # is broken still counts as named (its error is reported in tags.yaml, not once per resource).
    broken = {slug: Tag(slug, slug, "", ()) for slug in named or () if slug not in tags}
    vocabulary: dict[str, Tag] | None = {**broken, **tags} if named is not None else None
    tags_complete = named is not None and not broken  # every tag valid: known gaps can be checked against them

    entries: list[ResourceEntry] = []
    all_read = True
    files = _resource_files(root, problems)
    for path in files:
        report = Report(_display(path))
        raw = _read(path, report)
        if raw is None and report.problems:
            all_read = False
        else:
            entries.extend(read_resources(raw, report, vocabulary))
        problems.extend(report.problems)
    _check_duplicates(entries, problems)
    gap_entries = _read_gaps_file(root, tags, tags_report.file, problems) if tags_complete else {}
    gaps_file = _display(root / GAPS_FILE)
    for gap, line, message in keyword_overlaps(gap_entries, (e.resource for e in entries if e.resource)):
        problems.append(Problem(gaps_file, line, message, gap.gap.slug, severity="warning"))

    if named is not None and all_read and files:
        used = {slug for e in entries if e.resource for slug in e.resource.tags}
        for slug, entry in tag_entries.items():
            if slug not in used:
                message = "no resource uses this tag"
                problems.append(Problem(tags_report.file, entry.line, message, slug, severity="warning"))

    if any(p.severity == "error" for p in problems):
        problems.sort(key=lambda p: (p.file != tags_report.file, p.file, p.line or 0))
        return None, problems
    resources = tuple(e.resource for e in entries if e.resource is not None)
    gaps = {slug: e.gap for slug, e in gap_entries.items()}
    catalog = Catalog(tags=tags, resources=resources, source=root, gaps=gaps)
    if deep and gap_entries:
        index = Index(catalog)
        for slug, gap_entry in gap_entries.items():
            for alias, line in zip(gap_entry.gap.aliases, gap_entry.alias_lines):
                problem = index.gap_name_problem(alias)
                if problem is not None:
                    message = f"alias {alias!r} is never matched in questions ({problem})"
                    problems.append(Problem(gaps_file, line, message, slug, "aliases", "warning"))
    problems.sort(key=lambda p: (p.file != tags_report.file, p.file, p.line or 0))
    return catalog, problems


def load_catalog(directory: Path | str) -> Catalog:
    """The validated catalog at ``directory``; raises ``CatalogError`` listing every error."""
    catalog, problems = check_catalog(directory)
    if catalog is None:
        raise CatalogError(problems)
    for problem in problems:
        _log.debug("catalog warning: %s", problem)
    _log.info(
        "catalog loaded from %s: %d resources, %d tags, %d known gaps",
        directory,
        len(catalog.resources),
        len(catalog.tags),
        len(catalog.gaps),
    )
    return catalog
